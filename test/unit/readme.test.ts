import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(__dirname, "../..");
const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");

/** The README is where a new maintainer starts: its layout and settings must say what the tree and package.json say. */
describe("the README", () => {
    it("names every folder of src/ and test/, and the top-level ones, in its layout section", () => {
        const layout = /## Development[\s\S]*?```\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
        assert.ok(layout.length > 0, "the layout block under ## Development");
        const folders = [
            ...fs.readdirSync(path.join(root, "src"), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => `src/${e.name}/`),
            ...fs.readdirSync(path.join(root, "test"), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => `test/${e.name}`),
            "bench/", "docs/", "scripts/"
        ];
        const missing = folders.filter((folder) => !layout.includes(folder));
        assert.deepEqual(missing, []);
    });

    it("lists every setting package.json contributes, and none that it does not", () => {
        const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
            contributes: { configuration: { properties: Record<string, unknown> } | { properties: Record<string, unknown> }[] };
        };
        const sections = Array.isArray(manifest.contributes.configuration) ? manifest.contributes.configuration : [manifest.contributes.configuration];
        const settings = sections.flatMap((section) => Object.keys(section.properties));
        const table = [...readme.matchAll(/^\| `(qwenLocal\.[\w.]+)` \|/gm)].map((match) => match[1]!);
        assert.deepEqual(settings.filter((name) => !table.includes(name)), [], "settings missing from the table");
        assert.deepEqual(table.filter((name) => !settings.includes(name)), [], "rows for settings that do not exist");
    });

    it("links the docs, and each exists", () => {
        for (const doc of ["docs/architecture.md", "docs/qwen35.md", "docs/testing.md"]) {
            assert.ok(readme.includes(`(${doc})`), doc);
            assert.ok(fs.existsSync(path.join(root, doc)), doc);
        }
    });
});
