/**
 * The editor commands inside the real extension host on the real engine (the tiny random-weight model): the
 * commands and their thinking opposites are registered, the lightbulb offers "Fix with Qwen Local" on a problem and
 * "Edit with Qwen Local…" on a selection, and "Add Documentation" runs end to end through the worker into the diff
 * review (whatever the random model writes, nothing changes until it is accepted, and no thinking lands in the code).
 */
import assert from "node:assert/strict";
import * as vscode from "vscode";
import { EDITOR_COMMANDS } from "../../../src/core/commands/definitions";
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
    const api = useTinyModel({ thinking: { document: "off" }, thoughtBudgetTokens: { document: 4 } });
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

    it("Add Documentation runs on the real engine into the diff review, and changes nothing until accepted", async () => {
        const { editorCommands, review } = api();
        const range = new vscode.Range(0, 0, 3, 1);
        // The random-weight model may write nothing usable; a few tries find an answer with code in it.
        let outcome = await editorCommands.run("document", { range });
        for (let attempt = 0; attempt < 4 && outcome.status !== "proposed"; attempt++) outcome = await editorCommands.run("document", { range });
        assert.equal(outcome.status, "proposed", JSON.stringify(outcome));
        const proposal = outcome.status === "proposed" ? outcome.proposal : undefined;
        assert.ok(proposal);
        assert.ok(review.pending().includes(proposal));
        assert.equal(proposal.original, document.getText(range));
        assert.ok(proposal.text.startsWith(proposal.prefix) && proposal.text.endsWith(proposal.suffix));
        assert.ok(!/<think>|<\/think>|<\|im_end\|>/.test(proposal.replacement));
        assert.equal(document.getText(), SOURCE, "the file is untouched while the proposal waits");
        await review.reject(proposal.uri);
        assert.ok(!review.pending().includes(proposal));
        assert.equal(await proposal.decided, "rejected");
        assert.equal(document.getText(), SOURCE);
    });
});
