/**
 * The editor commands inside the real extension host on the real engine (the tiny random-weight model): the
 * commands and their thinking opposites are registered, the lightbulb offers "Fix with Qwen Local" on a problem and
 * "Edit with Qwen Local…" on a selection, and "Add Documentation" runs end to end through the worker into the diff
 * review (whatever the random model writes, nothing changes until it is accepted, and no thinking lands in the code).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import * as vscode from "vscode";
import { EDITOR_COMMANDS } from "../../../src/core/commands/definitions";
import type { EditorCommandArgs, EditorCommandOutcome } from "../../../src/vscode/editorCommands";
import type { Proposal } from "../../../src/vscode/proposalReview";
import { useTinyModel } from "./extension";

const SOURCE = [
    "export function discount(value: number, percent: number): number {",
    "    const result = value - (value * percent) / 100;",
    "    return reslt;",
    "}",
    ""
].join("\n");

describe("editor commands in the extension host", function () {
    this.timeout(120_000);
    const api = useTinyModel({ thinking: { document: "off" }, "chat.maxTokens": 256 });
    let document: vscode.TextDocument;
    let diagnostics: vscode.DiagnosticCollection;

    before(async () => {
        document = await vscode.workspace.openTextDocument({ language: "typescript", content: SOURCE });
        await vscode.window.showTextDocument(document);
        // A linter's diagnostics, as any extension reports them (the language server may not run in an untitled file).
        diagnostics = vscode.languages.createDiagnosticCollection("qwen-local-test");
        const problem = new vscode.Diagnostic(new vscode.Range(2, 11, 2, 16), "Cannot find name 'reslt'. Did you mean 'result'?", vscode.DiagnosticSeverity.Error);
        problem.source = "test";
        diagnostics.set(document.uri, [problem]);
    });

    after(async () => {
        diagnostics?.dispose();
        await vscode.commands.executeCommand("workbench.action.revertAndCloseActiveEditor");
    });

    it("registers every command and its thinking opposite", async () => {
        const commands = await vscode.commands.getCommands(true);
        for (const spec of EDITOR_COMMANDS) {
            assert.ok(commands.includes(spec.id), `${spec.id} is not registered`);
            assert.ok(commands.includes(spec.oppositeId), `${spec.oppositeId} is not registered`);
        }
        assert.ok(commands.includes("qwenLocal.commandMenu") && commands.includes("qwenLocal.showThinking"));
    });

    it("the lightbulb offers Fix with Qwen Local on a problem and Edit with Qwen Local… on a selection", async () => {
        const atProblem = await vscode.commands.executeCommand<vscode.CodeAction[]>("vscode.executeCodeActionProvider", document.uri, new vscode.Range(2, 12, 2, 12));
        const fix = atProblem.find((action) => action.title === "Fix with Qwen Local");
        assert.ok(fix, `no Fix action among ${atProblem.map((action) => action.title).join(", ")}`);
        assert.equal(fix.kind?.value, vscode.CodeActionKind.QuickFix.value);
        assert.equal(fix.command?.command, "qwenLocal.fixProblems");
        const args = fix.command?.arguments?.[0] as { uri: vscode.Uri; range: vscode.Range };
        assert.equal(args.uri.toString(), document.uri.toString());
        assert.equal(args.range.start.line, 2);
        assert.ok(!atProblem.some((action) => action.title === "Edit with Qwen Local…"), "no edit action without a selection");

        const onSelection = await vscode.commands.executeCommand<vscode.CodeAction[]>("vscode.executeCodeActionProvider", document.uri, new vscode.Range(0, 0, 1, 10));
        const edit = onSelection.find((action) => action.title === "Edit with Qwen Local…");
        assert.ok(edit);
        assert.equal(edit.kind?.value, vscode.CodeActionKind.RefactorRewrite.value);
        assert.equal(edit.command?.command, "qwenLocal.editSelection");
        assert.ok(!onSelection.some((action) => action.title === "Fix with Qwen Local"), "no problem in lines 1–2");
    });

    /** Whole-line ranges around the problem (line 3), to vary the prompt between tries. */
    const RANGES = [new vscode.Range(0, 0, 3, 1), new vscode.Range(1, 0, 2, 17), new vscode.Range(0, 0, 2, 17), new vscode.Range(1, 0, 3, 1)];

    /**
     * Runs a rewrite until the random model proposes something (it may write no code, or no change). Its output
     * hardly varies for one prompt, so the range (and an edit's instruction) changes between tries.
     */
    async function propose(kind: "document" | "simplify" | "types" | "fix" | "edit", args: EditorCommandArgs = {}): Promise<Proposal> {
        const { editorCommands } = api();
        let outcome: EditorCommandOutcome | undefined;
        for (let attempt = 0; attempt < 12 && outcome?.status !== "proposed"; attempt++) {
            await vscode.window.showTextDocument(document);
            const instruction = kind === "edit" ? `Use a ternary${".".repeat(1 + Math.floor(attempt / RANGES.length))}` : undefined;
            outcome = await editorCommands.run(kind, { ...args, range: RANGES[attempt % RANGES.length], thinking: false, instruction });
        }
        assert.equal(outcome?.status, "proposed", JSON.stringify(outcome));
        assert.ok(outcome.status === "proposed" && outcome.proposal);
        return outcome.proposal;
    }

    for (const kind of ["document", "simplify", "types", "fix", "edit"] as const) {
        it(`${kind} runs on the real engine into the diff review, and changes nothing until accepted`, async () => {
            const { review } = api();
            const proposal = await propose(kind);
            assert.ok(review.pending().includes(proposal));
            assert.equal(proposal.original, document.getText(proposal.range));
            assert.ok(RANGES.some((range) => range.isEqual(proposal.range)));
            assert.ok(proposal.text.startsWith(proposal.prefix) && proposal.text.endsWith(proposal.suffix));
            assert.ok(!/<think>|<\/think>|<\|im_end\|>/.test(proposal.replacement));
            assert.equal(document.getText(), SOURCE, "the file is untouched while the proposal waits");
            await review.reject(proposal.uri);
            assert.ok(!review.pending().includes(proposal));
            assert.equal(await proposal.decided, "rejected");
            assert.equal(document.getText(), SOURCE);
        });
    }

    it("a proposal whose code changed meanwhile is not applied and stays open; edits elsewhere are fine", async () => {
        const { review } = api();
        const insert = async (at: vscode.Position, text: string) => {
            const edit = new vscode.WorkspaceEdit();
            edit.insert(document.uri, at, text);
            assert.ok(await vscode.workspace.applyEdit(edit));
        };
        const first = await propose("document");
        // An edit inside the code the proposal replaces: Accept refuses, and loses nothing.
        await insert(new vscode.Position(1, 4), "/* mine */ ");
        await review.accept(first.uri);
        assert.ok(review.pending().includes(first), "the proposal stays open");
        assert.ok(document.getText().includes("/* mine */ const result"), "the user's edit is kept");
        await review.reject(first.uri);
        await vscode.window.showTextDocument(document);
        await vscode.commands.executeCommand("undo");
        assert.equal(document.getText(), SOURCE);

        // An edit above the code: Accept finds the code where it moved, and one undo takes the change back.
        const second = await propose("document");
        await insert(new vscode.Position(0, 0), "// header\n");
        await review.accept(second.uri);
        assert.ok(!review.pending().includes(second));
        assert.equal(document.getText(), `// header\n${second.text}`, "the code replaced where it moved to");
        await vscode.window.showTextDocument(document);
        await vscode.commands.executeCommand("undo");
        assert.equal(document.getText(), `// header\n${SOURCE}`, "one undo step");
        await vscode.commands.executeCommand("undo");
        assert.equal(document.getText(), SOURCE);
    });

    it("code too large for the context is refused with a clear message, before anything is proposed", async () => {
        const { editorCommands, review } = api();
        const big = await vscode.workspace.openTextDocument({
            language: "typescript",
            content: Array.from({ length: 400 }, (_, index) => `export const value${index} = ${index} * 2; // a line of the big file`).join("\n")
        });
        await vscode.window.showTextDocument(big);
        const pendingBefore = review.pending().length;
        const outcome = await editorCommands.run("document", { range: new vscode.Range(0, 0, big.lineCount - 1, 0), thinking: false });
        assert.equal(outcome.status, "failed");
        assert.match(outcome.status === "failed" ? outcome.message ?? "" : "", /leave no room for an answer in the model's context of 2048 tokens\. Select less code, or raise qwenLocal\.contextSize\./);
        assert.equal(review.pending().length, pendingBefore);
        await vscode.commands.executeCommand("workbench.action.revertAndCloseActiveEditor");
    });

    it("a range outside the file, or a read-only document, is refused with a clear message and nothing is proposed", async () => {
        const { editorCommands, review } = api();
        await vscode.window.showTextDocument(document);
        const pendingBefore = review.pending().length;
        const outside = await editorCommands.run("document", { range: new vscode.Range(40, 0, 60, 0), thinking: false });
        assert.equal(outside.status, "failed");
        assert.match(outside.status === "failed" ? outside.message ?? "" : "", /^Add Documentation: lines 41–61 are not in .+ \(5 lines\); nothing was done\.$/);
        const virtual = await vscode.workspace.openTextDocument(vscode.Uri.parse("qwen-local-proposal:/999/old.ts"));
        await vscode.window.showTextDocument(virtual);
        const readOnly = await editorCommands.run("simplify", { thinking: false });
        assert.equal(readOnly.status, "nothing");
        assert.match(readOnly.status === "nothing" ? readOnly.message ?? "" : "", /is read-only, so there is nothing to apply a change to\.$/);
        assert.equal(review.pending().length, pendingBefore);
        assert.equal(document.getText(), SOURCE);
        await vscode.commands.executeCommand("workbench.action.closeActiveEditor");
    });

    it("Explain Selection answers in the chat on the real engine, with the code attached", async () => {
        const { editorCommands, chat } = api();
        await chat.newChat();
        await vscode.window.showTextDocument(document);
        const outcome = await editorCommands.run("explain", { range: new vscode.Range(0, 0, 3, 1), thinking: false });
        assert.equal(outcome.status, "answered", JSON.stringify(outcome));
        const exchange = chat.current.exchanges.at(-1)!;
        assert.match(exchange.user.text, /^Explain this code from `[^`]+` \(lines 1–4\): what it does/);
        assert.deepEqual(exchange.user.attachments.map(({ kind, range, language }) => ({ kind, range, language })),
            [{ kind: "selection", range: { startLine: 1, endLine: 4 }, language: "typescript" }]);
        assert.equal(exchange.user.attachments[0]!.text, document.getText(new vscode.Range(0, 0, 3, 1)));
        assert.equal(exchange.answer?.status, "done", exchange.answer?.error);
        // The random-weight model may end at once; what matters is that the engine read the question and the code.
        assert.ok(exchange.answer!.stats!.promptTokens > 80, `${exchange.answer!.stats!.promptTokens} prompt tokens`);
        await chat.newChat();
    });

    it("Generate Tests proposes a test file through the one review on the real engine, writing nothing, with no agent session", async () => {
        const { editorCommands, review, agent } = api();
        const sessions: unknown[] = [];
        const watch = agent.onDidChangeSession((session) => sessions.push(session));
        const folder = vscode.workspace.workspaceFolders![0]!.uri;
        const source = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder, "stats.py"));
        await vscode.window.showTextDocument(source);
        // mean(), median(), both, half of median(): the prompt changes between tries (see `propose`).
        const lines = (from: number, to: number) => new vscode.Range(from, 0, to, source.lineAt(to).range.end.character);
        const ranges = [lines(0, 1), lines(4, 9), lines(0, 9), lines(4, 6)];
        let outcome: EditorCommandOutcome | undefined;
        for (let attempt = 0; attempt < 12 && outcome?.status !== "proposed"; attempt++) {
            await vscode.window.showTextDocument(source);
            outcome = await editorCommands.run("tests", { range: ranges[attempt % ranges.length], thinking: false });
        }
        assert.equal(outcome?.status, "proposed", JSON.stringify(outcome));
        watch.dispose();
        assert.deepEqual(sessions, [], "Generate Tests starts no agent session");
        const pending = review.store.pending();
        const proposal = pending.find((candidate) => candidate.path === "test_stats.py");
        assert.ok(proposal, `no proposal for test_stats.py among ${pending.map((candidate) => candidate.path).join(", ")}`);
        assert.equal(proposal.kind, "create");
        assert.deepEqual(review.store.get(proposal.id)?.origin, { kind: "command", command: "Generate Tests" });
        await review.rejectIds([proposal.id]);
        assert.equal(review.store.get(proposal.id), undefined);
        assert.ok(review.store.history.entries({ proposalId: proposal.id, action: "rejected" }).length === 1);
        assert.equal(fs.existsSync(path.join(folder.fsPath, "test_stats.py")), false, "nothing was written");
        await vscode.commands.executeCommand("workbench.action.closeActiveEditor");
    });
});
