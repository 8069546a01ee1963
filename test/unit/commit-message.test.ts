/** Write Commit Message's core: splitting a real git diff, the budget that keeps the most informative parts, the prompt. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { budgetDiff, buildCommitRequest, cleanCommitMessage, nameOnly, splitDiff } from "../../src/core/commit/message";
import { renderConversation } from "../../src/core/qwen35/render";

/** A real repository with a commit, then staged changes of every kind; returns `git diff --cached`. */
function stagedDiff(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qwen-commit-"));
    const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=T", "-c", "user.email=t@e.st", ...args], { cwd: dir, encoding: "utf8" });
    try {
        git("init", "-q");
        fs.mkdirSync(path.join(dir, "src"));
        fs.writeFileSync(path.join(dir, "src/price.ts"), "export function formatPrice(value: number) {\n    return value.toFixed(2);\n}\n");
        fs.writeFileSync(path.join(dir, "old.txt"), "old\n");
        git("add", ".");
        git("commit", "-q", "-m", "init");
        fs.writeFileSync(path.join(dir, "src/price.ts"), "export function formatPrice(value: number, currency = \"$\") {\n    return `${currency}${value.toFixed(2)}`;\n}\n");
        fs.writeFileSync(path.join(dir, "package-lock.json"), JSON.stringify({ lockfileVersion: 3, packages: Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`node_modules/p${i}`, { version: "1.0.0" }])) }, null, 2));
        fs.writeFileSync(path.join(dir, "logo.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 0, 0]));
        fs.mkdirSync(path.join(dir, "test"));
        fs.writeFileSync(path.join(dir, "test/price.test.ts"), `import { formatPrice } from "../src/price";\n${"// case\n".repeat(200)}`);
        fs.rmSync(path.join(dir, "old.txt"));
        git("add", "-A");
        return git("diff", "--cached");
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("commit messages", () => {
    const diff = stagedDiff();

    it("splits a real git diff into its files, with their counts and kinds", () => {
        const files = splitDiff(diff);
        const byPath = Object.fromEntries(files.map((file) => [file.path, file]));
        assert.deepEqual(Object.keys(byPath).sort(), ["logo.png", "old.txt", "package-lock.json", "src/price.ts", "test/price.test.ts"]);
        assert.equal(byPath["src/price.ts"]!.status, "modified");
        assert.deepEqual([byPath["src/price.ts"]!.added, byPath["src/price.ts"]!.removed], [2, 2]);
        assert.equal(byPath["old.txt"]!.status, "deleted");
        assert.equal(byPath["logo.png"]!.binary, true);
        assert.equal(nameOnly(byPath["package-lock.json"]!), true);
        assert.equal(nameOnly(byPath["src/price.ts"]!), false);
    });

    it("keeps every file's name and counts, source hunks first, lockfiles and binaries by name, within the budget", () => {
        const { text, cut } = budgetDiff(splitDiff(diff), 2000);
        assert.ok(text.length <= 2000, `${text.length}`);
        assert.equal(cut, true);
        assert.match(text, /^Files changed:\nmodified src\/price\.ts \(\+2 −2\)|Files changed:[^]*modified src\/price\.ts \(\+2 −2\)/);
        assert.match(text, /added package-lock\.json \(\+\d+ −0\)/);
        assert.match(text, /added logo\.png \(\+0 −0, binary\)/);
        assert.match(text, /\+ {4}return `\$\{currency\}\$\{value\.toFixed\(2\)\}`;/, "the source hunk is there");
        assert.doesNotMatch(text, /node_modules\/p1/, "the lockfile's content is not");
        const notShown = /\[Diffs not shown \(lockfiles, generated or binary files, or past the budget\): ([^\]]*)\]/.exec(text)?.[1] ?? "";
        assert.deepEqual(["logo.png", "package-lock.json"].filter((name) => notShown.split(", ").includes(name)), ["logo.png", "package-lock.json"]);
        const roomy = budgetDiff(splitDiff(diff), 200_000);
        assert.match(roomy.text, /test\/price\.test\.ts/);
        assert.match(roomy.text, /\+\/\/ case/, "with room, the test file's diff is there too");
    });

    it("asks with the recent subjects as examples, says whether the changes are staged, thinking off", () => {
        const { request } = buildCommitRequest({ diff, recentSubjects: ["feat(cart): add totals", "fix: round prices", ""], staged: true, maxDiffChars: 8000 });
        assert.equal(request.enable_thinking, false);
        const text = renderConversation({ ...request, add_generation_prompt: true });
        assert.match(text, /Recent commit subjects in this repository \(newest first\):\n- feat\(cart\): add totals\n- fix: round prices\n\nThe staged changes:/);
        assert.ok(text.endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n"));
        const unstaged = buildCommitRequest({ diff, recentSubjects: [], staged: false, maxDiffChars: 8000 });
        assert.match(String(unstaged.request.messages[1]!.content), /^The changes \(nothing is staged, so all of them\):/);
    });

    it("cleans the answer into a message", () => {
        assert.equal(cleanCommitMessage("```\nfeat: add currency\n\nBody line.  \n```"), "feat: add currency\n\nBody line.");
        assert.equal(cleanCommitMessage("Commit message: Fix rounding"), "Fix rounding");
        assert.equal(cleanCommitMessage("\"Add currency to formatPrice\""), "Add currency to formatPrice");
    });
});
