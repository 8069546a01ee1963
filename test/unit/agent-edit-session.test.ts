/**
 * The edit session: proposals are applied only on accept, together; a file that changed since the agent read it is
 * never overwritten, and the agent hears about it with the fresh content.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import { EditSession } from "../../src/core/agent/editSession";
import type { FileChange, WorkspaceFs } from "../../src/core/agent/workspaceFs";
import { tempWorkspace, type TempWorkspace } from "../support/agentWorkspace";

describe("agent edit session", () => {
    let ws: TempWorkspace;
    let applied: FileChange[][];

    beforeEach(() => {
        ws = tempWorkspace({ "a.ts": "const a = 1;\n", "b.ts": "const b = 2;\n", "c.ts": "const c = 3;\n" });
        applied = [];
        // Record every applyChanges call: accepting all must be ONE call (one WorkspaceEdit in the editor).
        const recording: WorkspaceFs = Object.create(ws.fs) as WorkspaceFs;
        recording.applyChanges = async (changes, label) => {
            applied.push([...changes]);
            await ws.fs.applyChanges(changes, label);
        };
        ws.context.fs = recording;
        ws.context.edits = new EditSession(recording, ws.context.paths);
    });

    afterEach(() => ws.remove());

    it("writes nothing until accepted, then applies every file in one call", async () => {
        await ws.call("edit_file", { path: "a.ts", old_text: "1", new_text: "10" });
        await ws.call("edit_file", { path: "b.ts", old_text: "2", new_text: "20" });
        await ws.call("create_file", { path: "d.ts", content: "const d = 4;\n" });
        assert.equal(ws.read("a.ts"), "const a = 1;\n");
        assert.equal(ws.exists("d.ts"), false);
        const outcome = await ws.context.edits.accept("all");
        assert.deepEqual(outcome.applied.map((p) => p.path), ["a.ts", "b.ts", "d.ts"]);
        assert.deepEqual(outcome.conflicts, []);
        assert.equal(applied.length, 1, "one applyChanges call for all files");
        assert.deepEqual(applied[0]!.map((change) => change.kind), ["modify", "modify", "create"]);
        assert.equal(ws.read("a.ts"), "const a = 10;\n");
        assert.equal(ws.read("d.ts"), "const d = 4;\n");
        assert.deepEqual(ws.context.edits.pending(), []);
        assert.deepEqual(ws.context.edits.takeNotesForModel(), ["The user accepted and applied your changes to a.ts, b.ts, d.ts."]);
    });

    it("accepts and rejects per file; a rejected file is untouched and the model is told", async () => {
        await ws.call("edit_file", { path: "a.ts", old_text: "1", new_text: "10" });
        await ws.call("edit_file", { path: "b.ts", old_text: "2", new_text: "20" });
        const [a, b] = ws.context.edits.pending();
        await ws.context.edits.reject([a!.id]);
        await ws.context.edits.accept([b!.id]);
        assert.equal(ws.read("a.ts"), "const a = 1;\n");
        assert.equal(ws.read("b.ts"), "const b = 20;\n");
        assert.deepEqual(ws.context.edits.takeNotesForModel(), [
            "The user rejected your changes to a.ts; they were discarded and those files are as they were.",
            "The user accepted and applied your changes to b.ts."
        ]);
        assert.match(await ws.call("read_file", { path: "a.ts" }), /^a\.ts \(1 lines\):\nconst a = 1;$/, "the model sees the file as it is again");
    });

    it("an edit to a file changed since the agent read it fails with the fresh content; the retry works", async () => {
        await ws.call("read_file", { path: "a.ts" });
        fs.writeFileSync(ws.file("a.ts"), "const a = 1; // edited by the user\n");
        const error = await ws.call("edit_file", { path: "a.ts", old_text: "const a", new_text: "let a" });
        assert.match(error, /^ERROR: a\.ts changed since you read it \(it was edited outside the agent\)\. Nothing was changed: make your change again based on the current content\. Its current content:\nconst a = 1; \/\/ edited by the user\n$/);
        assert.deepEqual(ws.context.edits.pending(), []);
        assert.match(await ws.call("edit_file", { path: "a.ts", old_text: "const a", new_text: "let a" }), /^Proposed/);
        await ws.context.edits.accept("all");
        assert.equal(ws.read("a.ts"), "let a = 1; // edited by the user\n");
    });

    it("accepting a proposal whose file changed meanwhile does not overwrite it; the model gets the fresh content", async () => {
        await ws.call("edit_file", { path: "a.ts", old_text: "1", new_text: "10" });
        await ws.call("edit_file", { path: "b.ts", old_text: "2", new_text: "20" });
        fs.writeFileSync(ws.file("a.ts"), "const a = 100;\n");
        const outcome = await ws.context.edits.accept("all");
        assert.deepEqual(outcome.applied.map((p) => p.path), ["b.ts"]);
        assert.equal(outcome.conflicts.length, 1);
        assert.equal(outcome.conflicts[0]!.message, "a.ts changed since the agent read it, so it was not overwritten.");
        assert.equal(ws.read("a.ts"), "const a = 100;\n", "the user's change survives");
        assert.equal(ws.read("b.ts"), "const b = 20;\n");
        const notes = ws.context.edits.takeNotesForModel();
        assert.match(notes[0]!, /^a\.ts changed since you read it .*Your change to it was NOT applied: make it again based on the current content\. Its current content:\nconst a = 100;\n$/s);
        assert.deepEqual(ws.context.edits.pending(), []);
    });

    it("a pending proposal whose file changed is discarded when the model edits it again", async () => {
        await ws.call("edit_file", { path: "a.ts", old_text: "1", new_text: "10" });
        fs.writeFileSync(ws.file("a.ts"), "const a = 7;\n");
        const error = await ws.call("edit_file", { path: "a.ts", old_text: "10", new_text: "11" });
        assert.match(error, /^ERROR: a\.ts changed since you read it .*Your earlier pending changes to it were discarded.*\nconst a = 7;\n$/s);
        assert.deepEqual(ws.context.edits.pending(), []);
    });

    it("a deleted file, or a rename target created meanwhile, is a conflict too", async () => {
        await ws.call("edit_file", { path: "a.ts", old_text: "1", new_text: "10" });
        await ws.call("rename_file", { old_path: "b.ts", new_path: "lib/b.ts" });
        fs.rmSync(ws.file("a.ts"));
        fs.mkdirSync(ws.file("lib"));
        fs.writeFileSync(ws.file("lib/b.ts"), "someone else's\n");
        const outcome = await ws.context.edits.accept("all");
        assert.deepEqual(outcome.applied, []);
        assert.deepEqual(outcome.conflicts.map((c) => c.message), [
            "a.ts changed since the agent read it, so it was not overwritten.",
            "lib/b.ts exists now, so it was not overwritten."
        ]);
        assert.equal(applied.length, 0);
        assert.equal(ws.read("lib/b.ts"), "someone else's\n");
        assert.equal(ws.read("b.ts"), "const b = 2;\n");
    });

    it("a path that became a link out of the workspace is refused on accept", async () => {
        await ws.call("create_file", { path: "gen/out.txt", content: "data\n" });
        fs.symlinkSync(ws.outside, ws.file("gen"));
        const outcome = await ws.context.edits.accept("all");
        assert.deepEqual(outcome.applied, []);
        assert.match(outcome.conflicts[0]!.message, /symbolic link to .*outside the workspace/);
        assert.equal(fs.existsSync(`${ws.outside}/out.txt`), false);
    });

    it("editing back to the original leaves nothing to review", async () => {
        await ws.call("edit_file", { path: "a.ts", old_text: "1", new_text: "10" });
        await ws.call("edit_file", { path: "a.ts", old_text: "10", new_text: "1" });
        assert.deepEqual(ws.context.edits.pending(), []);
    });

    it("refuses to apply in an untrusted workspace", async () => {
        const session = new EditSession(ws.context.fs, ws.context.paths, { canWrite: () => false });
        ws.context.edits = session;
        await ws.call("edit_file", { path: "a.ts", old_text: "1", new_text: "10" });
        await assert.rejects(session.accept("all"), /not trusted \(Restricted Mode\)/);
        assert.equal(ws.read("a.ts"), "const a = 1;\n");
    });

    it("reports every change of the pending list", async () => {
        const seen: number[] = [];
        ws.context.edits.onDidChange((pending) => seen.push(pending.length));
        await ws.call("edit_file", { path: "a.ts", old_text: "1", new_text: "10" });
        await ws.call("edit_file", { path: "b.ts", old_text: "2", new_text: "20" });
        await ws.context.edits.reject("all");
        assert.deepEqual(seen, [1, 2, 0]);
    });

    it("gives both sides of a proposal and its diff for the review", async () => {
        await ws.call("edit_file", { path: "a.ts", old_text: "1", new_text: "10" });
        const [proposal] = ws.context.edits.pending();
        const contents = ws.context.edits.contents(proposal!.id)!;
        assert.equal(contents.original, "const a = 1;\n");
        assert.equal(contents.proposed, "const a = 10;\n");
        assert.equal(ws.context.edits.diff(proposal!.id), "--- a/a.ts\n+++ b/a.ts\n@@ -1,1 +1,1 @@\n-const a = 1;\n+const a = 10;");
    });
});
