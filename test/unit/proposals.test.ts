/**
 * The one model of a proposed change (src/core/proposals): range replacements (the commands, the chat's Apply) and
 * the agent's whole-file changes in one store, one conflict rule, one trust check, one review list, one history.
 * Real folders on disk through the Node WorkspaceFs; nothing is written before accepting.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import { EditSession } from "../../src/core/agent/editSession";
import type { FileChange, WorkspaceFs } from "../../src/core/agent/workspaceFs";
import { checkDocumentFile, locateReplaced, ProposalStore, runsCodeWarningFor, type ProposalOrigin } from "../../src/core/proposals";
import { tempWorkspace, type TempWorkspace } from "../support/agentWorkspace";

const SOURCE = "function a() {\n    return 1;\n}\n\nfunction b() {\n    return 2;\n}\n";
const DOCUMENT: ProposalOrigin = { kind: "command", command: "Add Documentation" };

describe("proposals", () => {
    describe("the conflict rule", () => {
        const base = "head\nbody\ntail\n";
        const body = { base, start: 5, end: 10 };

        it("an unchanged file: the range as proposed", () => {
            assert.deepEqual(locateReplaced(base, body), { start: 5, end: 10 });
        });

        it("edits elsewhere: the replaced code where it moved", () => {
            assert.deepEqual(locateReplaced(`new\n${base}`, body), { start: 9, end: 14 });
            assert.deepEqual(locateReplaced(base.replace("tail", "end"), body), { start: 5, end: 10 });
        });

        it("the replaced code changed, is gone, or is now ambiguous: a conflict", () => {
            assert.equal(locateReplaced(base.replace("body", "b0dy"), body), undefined);
            assert.equal(locateReplaced("head\ntail\n", body), undefined);
            assert.equal(locateReplaced("xx\nbody\nbody\n", body), undefined, "two copies, neither where it was");
        });

        it("a whole-file change: any difference is a conflict", () => {
            assert.deepEqual(locateReplaced(base, { base, start: 0, end: base.length }), { start: 0, end: base.length });
            assert.equal(locateReplaced(`${base}more\n`, { base, start: 0, end: base.length }), undefined);
        });

        it("an insertion (nothing replaced) after the file changed, or a change already applied: a conflict", () => {
            assert.equal(locateReplaced(`x${base}`, { base, start: 5, end: 5 }), undefined);
            const result = "head\nBODY\ntail\n";
            assert.equal(locateReplaced(result, { ...body, result }), undefined);
        });
    });

    describe("the store", () => {
        let ws: TempWorkspace;
        let applied: { changes: FileChange[]; label: string }[];
        let store: ProposalStore;
        let clock: number;

        beforeEach(() => {
            ws = tempWorkspace({ "src/a.ts": SOURCE, "src/b.ts": "const b = 2;\n", ".vscode/tasks.json": "{}\n" });
            fs.mkdirSync(ws.file(".git"));
            fs.writeFileSync(ws.file(".git/config"), "[core]\n");
            applied = [];
            const recording: WorkspaceFs = Object.create(ws.fs) as WorkspaceFs;
            recording.applyChanges = async (changes, label) => {
                applied.push({ changes: [...changes], label });
                await ws.fs.applyChanges(changes, label);
            };
            clock = 1000;
            store = new ProposalStore({ fs: recording, paths: ws.context.paths, now: () => clock++ });
        });

        afterEach(() => ws.remove());

        async function proposeBody(replacement: string, streaming = false) {
            const file = await checkDocumentFile(ws.context.paths, ws.file("src/a.ts"));
            assert.ok(file);
            const start = SOURCE.indexOf("    return 1;");
            return store.proposeRange({
                origin: DOCUMENT, title: "Add Documentation", document: file.abs, file, display: file.display,
                base: SOURCE, start, end: start + "    return 1;".length, replacement, streaming
            });
        }

        it("a range streams outside the review list, joins it when finished, and is written only on accept", async () => {
            const lists: number[] = [];
            store.onDidChange((pending) => lists.push(pending.length));
            const proposal = await proposeBody("", true);
            store.updateRange(proposal.id, "    // one");
            assert.deepEqual(store.pending(), [], "streaming: not in the review list");
            assert.deepEqual((await store.accept("all")).applied, [], "streaming: cannot be accepted");
            store.finishRange(proposal.id, "    // one\n    return 1;");
            const [summary] = store.pending();
            assert.deepEqual({ ...summary, absPath: "" }, { id: proposal.id, kind: "modify", path: "src/a.ts", absPath: "", added: 1, removed: 0, range: true });
            assert.equal(store.contents(proposal.id)!.proposed, SOURCE.replace("    return 1;", "    // one\n    return 1;"));
            assert.equal(ws.read("src/a.ts"), SOURCE, "nothing written before accepting");
            const outcome = await store.accept([proposal.id]);
            assert.deepEqual(outcome.applied.map((p) => p.id), [proposal.id]);
            assert.equal(ws.read("src/a.ts"), SOURCE.replace("    return 1;", "    // one\n    return 1;"));
            assert.deepEqual(outcome.placed?.get(proposal.id), { start: SOURCE.indexOf("    return 1;"), end: SOURCE.indexOf("    return 1;") + "    // one\n    return 1;".length });
            assert.equal(applied.length, 1);
            assert.equal(applied[0]!.label, "Qwen: Add Documentation");
            assert.deepEqual(store.pending(), []);
            assert.deepEqual(lists, [0, 1, 0], "the accept that found nothing to apply, the finish, the accept");
        });

        it("a range whose code changed is not applied, stays open with a clear message; edits elsewhere are fine", async () => {
            const first = await proposeBody("    return 10;");
            fs.writeFileSync(ws.file("src/a.ts"), SOURCE.replace("return 1;", "return 1 + 0; // mine"));
            const outcome = await store.accept([first.id]);
            assert.deepEqual(outcome.applied, []);
            assert.equal(outcome.conflicts[0]!.message,
                "src/a.ts changed where Qwen's change goes, so it was not applied. The proposal stays open: copy what you need from it, or run the command again.");
            assert.deepEqual(store.pending().map((p) => p.id), [first.id], "it stays open");
            assert.equal(ws.read("src/a.ts"), SOURCE.replace("return 1;", "return 1 + 0; // mine"), "the user's edit is kept");
            await store.reject([first.id]);

            fs.writeFileSync(ws.file("src/a.ts"), SOURCE);
            const second = await proposeBody("    return 20;");
            fs.writeFileSync(ws.file("src/a.ts"), `// header\n${SOURCE}`);
            assert.equal((await store.accept([second.id])).applied.length, 1);
            assert.equal(ws.read("src/a.ts"), `// header\n${SOURCE.replace("return 1;", "return 20;")}`);
        });

        it("the agent's and the commands' proposals are one list, accepted together in one write", async () => {
            const edits = new EditSession(ws.context.fs, ws.context.paths, { store });
            ws.context.edits = edits;
            edits.beginTurn();
            assert.match(await ws.call("edit_file", { path: "src/b.ts", old_text: "2", new_text: "3" }), /^Proposed/);
            const range = await proposeBody("    return 100;");
            assert.deepEqual(store.pending().map((p) => p.path), ["src/b.ts", "src/a.ts"]);
            assert.deepEqual(edits.pending().map((p) => p.path), ["src/b.ts"], "the agent sees the whole-file changes it reads through");
            const outcome = await store.accept("all");
            assert.equal(outcome.applied.length, 2);
            assert.equal(applied.length, 1, "one write: one undo step in the editor");
            assert.deepEqual(applied[0]!.changes.map((change) => change.kind), ["modify", "replace"]);
            assert.equal(applied[0]!.label, "Qwen agent edits");
            assert.equal(ws.read("src/b.ts"), "const b = 3;\n");
            assert.equal(ws.read("src/a.ts"), SOURCE.replace("return 1;", "return 100;"));
            assert.match(edits.takeNotesForModel().join(" "), /The user accepted and applied your changes to src\/b\.ts\./);
            assert.ok(!store.get(range.id));
            edits.dispose();
        });

        it("the trust check: a range into .git is refused when proposed, a path swapped for a link outside when accepted", async () => {
            await assert.rejects(checkDocumentFile(ws.context.paths, ws.file(".git/config")), /\.git folder/);
            fs.mkdirSync(ws.file("gen"));
            fs.writeFileSync(ws.file("gen/out.ts"), "x\n");
            const file = (await checkDocumentFile(ws.context.paths, ws.file("gen/out.ts")))!;
            const proposal = store.proposeRange({ origin: DOCUMENT, title: "Apply", document: file.abs, file, display: file.display, base: "x\n", start: 0, end: 1, replacement: "y", streaming: false });
            fs.renameSync(ws.file("gen"), ws.file("gen-old"));
            fs.symlinkSync(ws.outside, ws.file("gen"));
            fs.writeFileSync(`${ws.outside}/out.ts`, "x\n");
            const outcome = await store.accept([proposal.id]);
            assert.deepEqual(outcome.applied, []);
            assert.match(outcome.conflicts[0]!.message, /outside the workspace/);
            assert.equal(fs.readFileSync(`${ws.outside}/out.ts`, "utf8"), "x\n");
            assert.equal(await checkDocumentFile(ws.context.paths, `${ws.outside}/out.ts`), undefined, "outside every folder: the user's own document");
        });

        it("flags a file that runs code, as the agent's approvals do", async () => {
            const tasks = (await checkDocumentFile(ws.context.paths, ws.file(".vscode/tasks.json")))!;
            assert.match((await runsCodeWarningFor(ws.context.paths, tasks))!, /tasks run commands/);
            assert.equal(await runsCodeWarningFor(ws.context.paths, (await checkDocumentFile(ws.context.paths, ws.file("src/a.ts")))!), undefined);
        });

        it("Workspace Trust blocks the agent's changes, not the user's commands", async () => {
            const untrusted = new ProposalStore({ fs: ws.context.fs, paths: ws.context.paths, canWrite: (origin) => origin.kind !== "agent" });
            const edits = new EditSession(ws.context.fs, ws.context.paths, { store: untrusted });
            ws.context.edits = edits;
            await ws.call("edit_file", { path: "src/b.ts", old_text: "2", new_text: "3" });
            await assert.rejects(untrusted.accept("all"), /not trusted \(Restricted Mode\)/);
            const file = (await checkDocumentFile(ws.context.paths, ws.file("src/a.ts")))!;
            const range = untrusted.proposeRange({ origin: DOCUMENT, title: "Simplify", document: file.abs, file, display: file.display, base: SOURCE, start: 0, end: 8, replacement: "const", streaming: false });
            assert.equal((await untrusted.accept([range.id])).applied.length, 1);
            assert.equal(ws.read("src/b.ts"), "const b = 2;\n");
            edits.dispose();
        });

        it("keeps a history: which agent turn or command proposed what, when, and what was decided", async () => {
            const edits = new EditSession(ws.context.fs, ws.context.paths, { store });
            ws.context.edits = edits;
            assert.equal(edits.origin.kind, "agent");
            const session = edits.origin.kind === "agent" ? edits.origin.session : 0;
            edits.beginTurn();
            await ws.call("edit_file", { path: "src/b.ts", old_text: "2", new_text: "3" });
            await ws.call("edit_file", { path: "src/b.ts", old_text: "3", new_text: "4" });
            edits.beginTurn();
            await ws.call("create_file", { path: "src/c.ts", content: "c\n" });
            const range = await proposeBody("    return 5;");
            const [b, c] = edits.pending();
            await store.accept([b!.id, range.id]);
            await store.reject([c!.id]);

            const history = store.history;
            assert.deepEqual(history.entries({ origin: { kind: "agent", session, turn: 1 } }).map((e) => [e.action, e.path]),
                [["proposed", "src/b.ts"], ["updated", "src/b.ts"], ["accepted", "src/b.ts"]]);
            assert.deepEqual(history.entries({ origin: { kind: "agent", session, turn: 2 } }).map((e) => [e.action, e.kind, e.path]),
                [["proposed", "create", "src/c.ts"], ["rejected", "create", "src/c.ts"]]);
            assert.deepEqual(history.entries({ origin: { kind: "command", command: "Add Documentation" } }).map((e) => e.action), ["proposed", "accepted"]);
            assert.deepEqual([...history.outcomes({ origin: { kind: "agent", session } }).values()].map((e) => [e.proposalId, e.action]),
                [[b!.id, "accepted"], [c!.id, "rejected"]]);
            assert.deepEqual(history.origins(), [
                { kind: "agent", session, turn: 1 }, { kind: "agent", session, turn: 2 }, DOCUMENT
            ]);
            const times = history.entries().map((e) => e.at);
            assert.deepEqual(times, [...times].sort((x, y) => x - y));
            assert.ok(history.entries({ since: times.at(-1)! }).every((e) => e.action === "rejected"));
            edits.dispose();
        });

        it("an agent's conflict is recorded, withdrawn from the list and told to the model", async () => {
            const edits = new EditSession(ws.context.fs, ws.context.paths, { store });
            ws.context.edits = edits;
            await ws.call("edit_file", { path: "src/b.ts", old_text: "2", new_text: "3" });
            fs.writeFileSync(ws.file("src/b.ts"), "const b = 9;\n");
            const outcome = await store.accept("all");
            assert.equal(outcome.conflicts[0]!.message, "src/b.ts changed since the agent read it, so it was not overwritten.");
            assert.deepEqual(store.pending(), []);
            assert.deepEqual(store.history.entries().map((e) => e.action), ["proposed", "conflict", "withdrawn"]);
            assert.match(edits.takeNotesForModel()[0]!, /NOT applied.*\nconst b = 9;\n$/s);
            edits.dispose();
        });
    });
});
