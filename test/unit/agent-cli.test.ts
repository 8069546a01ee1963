/** `cli.js tool NAME --root DIR --args JSON [--yes]`, in process. */
import assert from "node:assert/strict";
import { runCli } from "../support/cli";
import { tempWorkspace, type TempWorkspace } from "../support/agentWorkspace";

describe("cli tool", () => {
    let ws: TempWorkspace;
    beforeEach(() => {
        ws = tempWorkspace({ "src/a.ts": "export const a = 1;\n" });
    });
    afterEach(() => ws.remove());

    it("runs a reading tool and prints its JSON result", async () => {
        const result = await runCli(["tool", "read_file", "--root", ws.root, "--args", JSON.stringify({ path: "src/a.ts" })]);
        assert.equal(result.code, 0, result.stderr);
        assert.deepEqual(JSON.parse(result.stdout), { ok: true, tool: "read_file", result: "src/a.ts (1 lines):\nexport const a = 1;" });
    });

    it("shows a write without applying it, and applies it with --yes", async () => {
        const args = ["tool", "edit_file", "--root", ws.root, "--args", JSON.stringify({ path: "src/a.ts", old_text: "1", new_text: "2" })];
        const dry = JSON.parse((await runCli(args)).stdout);
        assert.deepEqual(dry.applied, []);
        assert.match(dry.note, /add --yes/);
        assert.equal(dry.changes[0].diff, "--- a/src/a.ts\n+++ b/src/a.ts\n@@ -1,1 +1,1 @@\n-export const a = 1;\n+export const a = 2;");
        assert.equal(ws.read("src/a.ts"), "export const a = 1;\n");
        const applied = JSON.parse((await runCli([...args, "--yes"])).stdout);
        assert.deepEqual(applied.applied, ["src/a.ts"]);
        assert.equal(ws.read("src/a.ts"), "export const a = 2;\n");
        const created = JSON.parse((await runCli(["tool", "create_file", "--root", ws.root, "--yes", "--args", JSON.stringify({ path: "b/c.txt", content: "hi\n" })])).stdout);
        assert.deepEqual(created.applied, ["b/c.txt"]);
        assert.equal(ws.read("b/c.txt"), "hi\n");
    });

    it("prints a tool's error as JSON with exit code 1", async () => {
        const result = await runCli(["tool", "read_file", "--root", ws.root, "--args", JSON.stringify({ path: "../outside/secret.txt" })]);
        assert.equal(result.code, 1);
        const output = JSON.parse(result.stdout);
        assert.equal(output.ok, false);
        assert.match(output.error, /contains "\.\."/);
    });

    it("needs --yes for run_command and rejects bad usage", async () => {
        const refused = await runCli(["tool", "run_command", "--root", ws.root, "--args", "{\"command\":\"echo hi\"}"]);
        assert.equal(refused.code, 2);
        assert.match(refused.stderr, /add --yes/);
        const ran = await runCli(["tool", "run_command", "--root", ws.root, "--yes", "--args", "{\"command\":\"echo hi\"}"]);
        assert.equal(JSON.parse(ran.stdout).result, "The command exited with code 0.\nhi\n");
        assert.match((await runCli(["tool", "nope", "--root", ws.root])).stderr, /unknown tool "nope"; the tools are read_file, list_dir/);
        assert.match((await runCli(["tool", "read_file", "--args", "{}"])).stderr, /--root DIR is required/);
        assert.match((await runCli(["tool", "read_file", "--root", ws.root, "--args", "{bad"])).stderr, /--args is not valid JSON/);
        assert.match((await runCli(["tool", "read_file", "--root", ws.root, "--args", "[1]"])).stderr, /must be a JSON object/);
    });

    it("is listed in help", async () => {
        const help = await runCli(["help"]);
        assert.match(help.stdout, /\n {2}tool NAME --root DIR --args JSON \[--yes\]/);
        assert.match(help.stdout, /\n {2}agent --root DIR --model PATH "task"/);
    });
});
