import assert from "node:assert/strict";
import { fuzzyFilter, fuzzyScore } from "../../src/core/chat/fuzzy";

describe("chat @ file picker matching", () => {
    const paths = ["README.md", "package.json", "src/format.ts", "src/inventory.ts", "src/main.ts", "stats.py", "test/fixtures/format-cases.json"];

    it("finds files by characters in order, not only by contiguous text", () => {
        assert.equal(fuzzyFilter("stts", paths)[0], "stats.py");
        assert.equal(fuzzyFilter("srcfmt", paths)[0], "src/format.ts");
        assert.ok(!fuzzyFilter("stts", paths).includes("README.md"));
        // A match in the file name wins over the leftmost one, which would start in the folders.
        assert.equal(fuzzyFilter("stts", ["workspace/src/format.ts", "workspace/stats.py"])[0], "workspace/stats.py");
        assert.equal(fuzzyScore("zzz", "src/format.ts"), undefined);
        assert.equal(fuzzyScore("tsf", "src/format.ts"), undefined, "order matters");
    });

    it("ranks file-name matches, word starts and runs first", () => {
        assert.equal(fuzzyFilter("format", paths)[0], "src/format.ts");
        assert.equal(fuzzyFilter("main", paths)[0], "src/main.ts");
        assert.equal(fuzzyFilter("inv", paths)[0], "src/inventory.ts");
        assert.equal(fuzzyFilter("FC", ["src/formatCases.ts", "src/fictional.ts"])[0], "src/formatCases.ts", "camelCase humps");
    });

    it("lists everything for an empty query, and respects the limit", () => {
        assert.equal(fuzzyFilter("", paths).length, paths.length);
        assert.equal(fuzzyFilter("s", paths, 2).length, 2);
    });
});
