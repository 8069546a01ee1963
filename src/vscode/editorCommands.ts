/**
 * The editor commands — Explain Selection, Edit Selection with Instruction…, Add Documentation, Simplify / Refactor,
 * Add Types, Generate Tests, Fix Problems — from the palette, the editor's context menu, "Qwen Local: Commands…" (which also
 * lists each with thinking the other way, this once), keybindings (with `{ "thinking": true|false }` as args) and the lightbulb ("Fix with Qwen Local",
 * "Edit with Qwen Local…"). Each works on the selection or the function around the cursor, shows progress with
 * Cancel and its thinking in the status bar, and proposes its result for review: rewrites as a diff of the code they
 * replace, tests as a whole file (the same review and rules as the agent's changes), explanations in the chat panel.
 */
import * as vscode from "vscode";
import type { ChatService } from "../core/chat/service";
import { COMMAND_MENU_ID, commandSpec, EDITOR_COMMANDS, supportsTypes, TYPE_STYLES, type EditorCommandKind, type EditorCommandSpec } from "../core/commands/definitions";
import { extractCode, extractPartialCode } from "../core/commands/extract";
import { fitCode } from "../core/commands/fit";
import {
    answerTokensFor, buildRewriteRequest, buildTestsRequest, explainMessage, testsFileText, testsMode, type DiagnosticInfo, type RewriteKind
} from "../core/commands/prompts";
import { DEPENDENCY_MANIFESTS, dependencyNames, importPathFor, MANIFEST_MAX_BYTES } from "../core/commands/imports";
import { commandSampling, prepareCommandTurn, runCommandTurn, type CommandTurnResult } from "../core/commands/run";
import { chooseTestFile, detectFramework, TEST_FILE_EXCLUDE, TEST_FILE_GLOB } from "../core/commands/testFile";
import { ToolError } from "../core/agent/errors";
import { errorMessage, type Logger } from "../core/log";
import { thinkingFor } from "../core/settings";
import type { ChatRequest } from "../core/qwen35/types";
import { isCancelled } from "../engine/client";
import type { CommandActivity } from "./commandActivity";
import { reportError } from "./commands";
import { codeTarget, diagnosticInfo, enclosingAll, enclosingTarget, fitTargetFor, problemsIn, selectionTarget, wholeFileTarget, type EditorTarget } from "./editorTarget";
import type { EngineService } from "./engineService";
import type { Proposal, ProposalReview } from "./proposalReview";
import { getSettings } from "./settings";
import { workspaceInstructions, workspaceRelative } from "./instructions";
import { requestWithInstructions, type InstructionFile } from "../core/instructions";
import { DisposableStore } from "../core/util/disposables";
import { linkAbort } from "../core/util/abort";

export interface EditorCommandsDeps {
    engine: EngineService;
    logger: Logger;
    channel: vscode.LogOutputChannel;
    chat: ChatService;
    /** Brings up the chat panel in Chat mode. */
    showChat: () => Promise<void>;
    review: ProposalReview;
    activity: CommandActivity;
}

/** What a command is given: by a keybinding's args, a code action, a test, or nothing (the active editor). */
export interface EditorCommandArgs {
    /** Thinking on or off this once, whatever the setting says. */
    thinking?: boolean;
    uri?: vscode.Uri;
    /** The code to work on (else the selection, else the function around the cursor). */
    range?: vscode.Range;
    /** "Edit Selection with Instruction…" without asking. */
    instruction?: string;
}

/** How a command ended, for the caller (the tests read it). */
export type EditorCommandOutcome =
    | { status: "proposed"; proposal?: Proposal }
    | { status: "answered" }
    | { status: "nothing" | "cancelled" | "failed"; message?: string };

/** A command that cannot run as asked, for a reason the user can fix (not an engine failure). */
class CommandRefused extends Error {}

const HIGHLIGHT = vscode.window.createTextEditorDecorationType({
    backgroundColor: new vscode.ThemeColor("editor.rangeHighlightBackground"),
    isWholeLine: true
});

export class EditorCommands implements vscode.Disposable {
    private readonly disposables = new DisposableStore();

    constructor(private readonly deps: EditorCommandsDeps) {
        for (const spec of EDITOR_COMMANDS) {
            this.disposables.push(
                vscode.commands.registerCommand(spec.id, (arg?: unknown) => this.run(spec.kind, parseArgs(arg))),
                vscode.commands.registerCommand(spec.oppositeId, (arg?: unknown) => {
                    const args = parseArgs(arg);
                    return this.run(spec.kind, { ...args, thinking: !thinkingFor(getSettings(), spec.kind).thinking });
                })
            );
        }
        // "Add Types" shows only where it has something to do (package.json's `editorLangId in …`).
        void vscode.commands.executeCommand("setContext", "qwenLocal.typedLanguages", Object.keys(TYPE_STYLES));
        this.disposables.push(
            vscode.commands.registerCommand(COMMAND_MENU_ID, () => this.menu()),
            vscode.languages.registerCodeActionsProvider([{ scheme: "file" }, { scheme: "untitled" }], new QwenCodeActions(), {
                providedCodeActionKinds: QwenCodeActions.kinds
            })
        );
    }

    /** Runs a command on the active editor (or `args.uri`'s); resolves once its result is proposed (not decided). */
    async run(kind: EditorCommandKind, args: EditorCommandArgs = {}): Promise<EditorCommandOutcome> {
        const spec = commandSpec(kind);
        const editor = await this.editorFor(args.uri);
        if (!editor) return this.nothing("Open a file and select the code first.");
        try {
            if (args.range && !editor.document.validateRange(args.range).isEqual(args.range)) {
                throw new CommandRefused(`${spec.title}: lines ${args.range.start.line + 1}–${args.range.end.line + 1} are not in ` +
                    `${vscode.workspace.asRelativePath(editor.document.uri, false)} (${editor.document.lineCount} lines); nothing was done.`);
            }
            if (kind === "explain") return await this.explain(spec, editor, args);
            if (kind === "tests") return await this.tests(spec, editor, args);
            return await this.rewrite(spec, kind, editor, args);
        } catch (error) {
            if (isCancelled(error)) return { status: "cancelled" };
            // Refusals and the edit review's own checks (a path outside the workspace, a file changed meanwhile) are
            // for the user to act on; they are not engine failures.
            if (error instanceof CommandRefused || error instanceof ToolError) {
                void vscode.window.showWarningMessage(error.message);
                return { status: "failed", message: error.message };
            }
            await reportError(this.deps, `${spec.title} failed`, error);
            return { status: "failed", message: errorMessage(error) };
        }
    }

    // ---- rewrites: edit, document, simplify, types, fix

    private async rewrite(spec: EditorCommandSpec, kind: RewriteKind, editor: vscode.TextEditor, args: EditorCommandArgs): Promise<EditorCommandOutcome> {
        const { document } = editor;
        // Virtual documents (diffs, git's old versions, output) cannot take an edit: say so before any work.
        if (document.uri.scheme !== "untitled" && vscode.workspace.fs.isWritableFileSystem(document.uri.scheme) !== true) {
            return this.nothing(`${spec.title}: ${vscode.workspace.asRelativePath(document.uri, false)} is read-only, so there is nothing to apply a change to.`);
        }
        if (kind === "types" && !supportsTypes(document.languageId)) {
            const languages = "TypeScript, JavaScript (as JSDoc), Python, PHP and Lua";
            return this.nothing(`Add Types works in ${languages}; ${document.languageId} code has no separate type annotations to add.`);
        }
        let diagnostics: DiagnosticInfo[] | undefined;
        let target: EditorTarget | undefined;
        if (kind === "fix") {
            const found = await this.fixTarget(editor, args);
            if (!found) return { status: "nothing" };
            ({ target, diagnostics } = found);
        } else {
            target = await this.target(editor, args, false);
            if (!target) return this.nothing(`Select the code for “${spec.title}”, or place the cursor inside a function.`);
        }
        let thinkingOverride = args.thinking;
        let instruction = args.instruction;
        if (kind === "edit" && !instruction) {
            const asked = await askInstruction(thinkingFor(getSettings(), "edit", thinkingOverride).thinking);
            if (!asked) return { status: "cancelled" };
            ({ instruction, thinking: thinkingOverride } = asked);
        }
        const settings = getSettings();
        const { thinking, thoughtBudgetTokens } = thinkingFor(settings, kind, thinkingOverride);
        const code = document.getText(target.range);
        const request = requestWithInstructions(buildRewriteRequest({ kind, target: codeTarget(target), instruction, diagnostics }, thinking),
            await this.instructionsFor(document.uri));
        const fit = fitTargetFor(editor, target);
        // Closing the streaming diff stops the command, as Cancel does.
        const closed = new AbortController();
        const proposal = await this.deps.review.create({ document, range: target.range, title: spec.title, onClosedWhileStreaming: () => closed.abort() });
        let shown: Promise<void> | undefined;
        const result = await this.generate(spec, editor, target, request, thinking, thoughtBudgetTokens, answerTokensFor(code, kind), (soFar) => {
            const partial = extractPartialCode(soFar, { language: document.languageId });
            if (partial.trim() === "") return 0;
            this.deps.review.update(proposal, fitCode(partial, fit));
            shown ??= this.deps.review.show(proposal);
            return partial.split("\n").length;
        }, closed.signal);
        await shown;
        if (!result) {
            await this.deps.review.discard(proposal);
            return { status: "cancelled" };
        }
        const extracted = extractCode(result.answer, { language: document.languageId });
        // An empty block would delete the code: never what these commands are for.
        if (!extracted || extracted.code.trim() === "") {
            await this.deps.review.discard(proposal);
            return this.noCode(spec, result);
        }
        const replacement = fitCode(extracted.code, fit);
        if (replacement === code) {
            await this.deps.review.discard(proposal);
            return this.nothing(`${spec.title}: Qwen proposes no change to ${target.description}.`);
        }
        if (!shown) {
            this.deps.review.update(proposal, replacement);
            await this.deps.review.show(proposal);
        }
        if (extracted.truncated) {
            void vscode.window.showWarningMessage(`${spec.title}: the answer was cut off at its token limit, so the end of the code is missing. ` +
                "Check the diff before accepting, or select less code.");
        }
        const extra = result.reasoning ? [{ label: "Show Thinking", run: () => this.deps.activity.output.show(true) }] : [];
        void this.deps.review.finish(proposal, replacement, extra);
        return { status: "proposed", proposal };
    }

    /** Fix Problems: the selection's problems, the lightbulb's, or the file's, with the code around them. */
    private async fixTarget(editor: vscode.TextEditor, args: EditorCommandArgs): Promise<{ target: EditorTarget; diagnostics: DiagnosticInfo[] } | undefined> {
        const { document } = editor;
        const selection = !editor.selection.isEmpty && (!args.uri || args.uri.toString() === document.uri.toString()) ? editor.selection : undefined;
        const region = args.range ?? selection;
        const problems = problemsIn(document, region);
        if (problems.length === 0) {
            const where = region ? "the selection" : "this file";
            if (!region) {
                void vscode.window.showInformationMessage("No problems are reported in this file. Select code to look for bugs in it.");
                return undefined;
            }
            const choice = await vscode.window.showInformationMessage(`No problems are reported in ${where}.`, "Look for Bugs Anyway");
            if (!choice) return undefined;
            return { target: selectionTarget(document, region), diagnostics: [] };
        }
        // A selection is the code to change; a problem's own range (a word) is widened to the function around it.
        const target = selection && !args.range ? selectionTarget(document, selection)
            : await enclosingAll(document, problems.map((problem) => problem.range.start.line), "the code around the problems");
        if (!target) return undefined;
        return { target, diagnostics: problems.filter((problem) => problem.range.intersection(target.range)).map(diagnosticInfo) };
    }

    // ---- explain → the chat panel

    private async explain(spec: EditorCommandSpec, editor: vscode.TextEditor, args: EditorCommandArgs): Promise<EditorCommandOutcome> {
        const target = await this.target(editor, args, true);
        if (!target) return this.nothing("Select the code to explain, or place the cursor inside a function.");
        const chat = this.deps.chat;
        if (chat.busy) return this.nothing("The chat is still answering; stop it or wait, then explain again.");
        const { thinking } = thinkingFor(getSettings(), "explain", args.thinking);
        const subject = codeTarget(target);
        await this.deps.showChat();
        const run = this.deps.activity.start(spec.title, thinking, `${subject.path}:${subject.startLine}`);
        const deltas = chat.onDelta((delta) => {
            if (delta.reasoning) run.think(delta.reasoning);
            if (delta.content) run.write(0);
        });
        let outcome = "done";
        try {
            // The answer streams into the chat panel; the notification gives the same Cancel as the panel's Stop.
            await vscode.window.withProgress({
                location: vscode.ProgressLocation.Notification,
                title: `Qwen: ${spec.title}${thinking ? " (thinking)" : ""}`,
                cancellable: true
            }, async (progress, token) => {
                const cancel = token.onCancellationRequested(() => {
                    outcome = "cancelled";
                    chat.stop();
                });
                const ticker = setInterval(() => progress.report({ message: `${run.describe()} in the chat panel` }), 1000);
                try {
                    await chat.send(explainMessage(subject), [{
                        kind: "selection", path: subject.path, language: subject.languageId,
                        range: { startLine: subject.startLine, endLine: subject.endLine }, text: subject.code
                    }], thinking);
                } finally {
                    clearInterval(ticker);
                    cancel.dispose();
                }
            });
        } catch (error) {
            outcome = `failed: ${errorMessage(error)}`;
            throw error;
        } finally {
            deltas.dispose();
            this.deps.activity.end(run, outcome);
        }
        return { status: "answered" };
    }

    // ---- tests → a test file, proposed whole through the review

    private async tests(spec: EditorCommandSpec, editor: vscode.TextEditor, args: EditorCommandArgs): Promise<EditorCommandOutcome> {
        const { document } = editor;
        const folder = vscode.workspace.getWorkspaceFolder(document.uri);
        if (!folder || document.uri.scheme !== "file") return this.nothing("Generate Tests works on files in an open workspace folder.");
        const target = await this.target(editor, args, true);
        if (!target) return this.nothing("Select the code to test, or place the cursor inside a function.");
        const sourcePath = vscode.workspace.asRelativePath(document.uri, false);
        const relativeToFolder = (uri: vscode.Uri) => vscode.workspace.asRelativePath(uri, false);
        const testFiles = (await vscode.workspace.findFiles(new vscode.RelativePattern(folder, TEST_FILE_GLOB),
            new vscode.RelativePattern(folder, TEST_FILE_EXCLUDE), 500)).map(relativeToFolder);
        const dependencies = await projectDependencies(folder.uri);
        const choice = chooseTestFile({ sourcePath, languageId: document.languageId, testFiles, dependencies });
        const read = async (path: string) => (await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, path))).getText();
        const testText = choice.exists ? await read(choice.path) : undefined;
        const mode = testsMode(testText, document.languageId);
        if (!mode) {
            throw new CommandRefused(`${spec.title}: ${choice.path} is too long (${testText?.length} characters) for Qwen to rewrite whole, and ` +
                `in ${document.languageId} new tests cannot simply be appended to it. Split it, then run Generate Tests again.`);
        }
        // An example only shows conventions: one that cannot be read (deleted meanwhile, binary) is left out.
        const example = !choice.exists && choice.examplePath
            ? await read(choice.examplePath).then((text) => ({ path: choice.examplePath!, text }), () => undefined) : undefined;
        const framework = detectFramework(document.languageId, dependencies, example?.text ?? testText) ?? choice.framework;
        const { thinking, thoughtBudgetTokens } = thinkingFor(getSettings(), "tests", args.thinking);
        const request = requestWithInstructions(buildTestsRequest({
            target: codeTarget(target), testPath: choice.path, testText, framework, example,
            importPath: importPathFor(choice.path, sourcePath, document.languageId)
        }, thinking), await this.instructionsFor(document.uri, choice.path));
        const code = document.getText(target.range);
        const result = await this.generate(spec, editor, target, request, thinking, thoughtBudgetTokens,
            answerTokensFor(code + (mode === "whole" ? testText ?? "" : ""), "tests"), (soFar) => extractPartialCode(soFar).split("\n").length);
        if (!result) return { status: "cancelled" };
        const extracted = extractCode(result.answer, { language: document.languageId });
        if (!extracted || extracted.code.trim() === "") return this.noCode(spec, result);
        if (extracted.truncated && mode === "whole") {
            throw new CommandRefused(`${spec.title}: the answer was cut off at its token limit, and proposing it would drop tests from ` +
                `${choice.path}. Nothing was proposed; select less code and run it again.`);
        }
        if (extracted.truncated) {
            void vscode.window.showWarningMessage(`${spec.title}: the answer was cut off at its token limit, so its last test is incomplete. ` +
                "Check the diff before accepting.");
        }
        const eol = testText !== undefined && testText.includes("\r\n") ? "\r\n" : document.eol === vscode.EndOfLine.CRLF ? "\r\n" : "\n";
        const text = testsFileText(mode, testText, extracted.code, eol);
        const summary = await this.deps.review.proposeFile(choice.path, text, spec.title);
        if (!summary) return this.nothing(`${spec.title}: Qwen proposes no change to ${choice.path}.`);
        return { status: "proposed" };
    }

    // ---- shared

    /** The selection, the function around the cursor, or (for explaining and tests) the whole file. */
    private async target(editor: vscode.TextEditor, args: EditorCommandArgs, wholeFileFallback: boolean): Promise<EditorTarget | undefined> {
        const { document } = editor;
        if (args.range) return selectionTarget(document, args.range);
        if (!editor.selection.isEmpty) return selectionTarget(document, editor.selection);
        const around = await enclosingTarget(document, editor.selection.active.line);
        return around ?? (wholeFileFallback && document.getText().trim() !== "" ? wholeFileTarget(document) : undefined);
    }

    /**
     * The model turn, with a cancellable progress notification, the status bar and the thinking output; the target
     * is highlighted meanwhile. `onAnswer` returns how many lines are written so far. Undefined when cancelled.
     */
    private async generate(spec: EditorCommandSpec, editor: vscode.TextEditor, target: EditorTarget, request: ChatRequest, thinking: boolean,
        thoughtBudgetTokens: number | undefined, answerTokens: number, onAnswer: (soFar: string) => number, stop?: AbortSignal):
        Promise<CommandTurnResult | undefined> {
        const settings = getSettings();
        const subject = `${vscode.workspace.asRelativePath(editor.document.uri, false)}:${target.range.start.line + 1}`;
        const run = this.deps.activity.start(spec.title, thinking, subject);
        editor.setDecorations(HIGHLIGHT, [target.range]);
        let outcome = "cancelled";
        try {
            return await vscode.window.withProgress({
                location: vscode.ProgressLocation.Notification,
                title: `Qwen: ${spec.title}${thinking ? " (thinking)" : ""}`,
                cancellable: true
            }, async (progress, token) => {
                const controller = new AbortController();
                const cancel = token.onCancellationRequested(() => controller.abort());
                const unlink = linkAbort(stop, controller);
                const ticker = setInterval(() => progress.report({ message: run.describe() }), 1000);
                progress.report({ message: run.describe() });
                try {
                    const client = this.deps.engine.client;
                    const contextSize = client.modelInfo?.contextSize ?? settings.contextSize;
                    const plan = await prepareCommandTurn(client, { request, thinking, thoughtBudgetTokens, answerTokens, contextSize }, controller.signal);
                    if (!plan.ok) {
                        throw new CommandRefused(`${spec.title}: the code and the file around it (${plan.promptTokens} tokens) leave no room for an answer ` +
                            `in the model's context of ${plan.contextSize} tokens. Select less code, or raise qwenLocal.contextSize.`);
                    }
                    const result = await runCommandTurn(client, {
                        ...plan.turn,
                        sampling: commandSampling(plan.turn.thinking, { thinking: settings["sampling.thinking"], nonThinking: settings["sampling.nonThinking"] }),
                        signal: controller.signal,
                        onThinking: (text) => run.think(text),
                        onAnswer: (_delta, soFar) => run.write(onAnswer(soFar))
                    });
                    if (controller.signal.aborted || result.stopReason === "cancelled") return undefined;
                    const t = result.timings.at(-1);
                    outcome = `done: ${result.timings.reduce((sum, timing) => sum + timing.generatedTokens, 0)} tokens` +
                        (t ? `, ${t.tokensPerSecond.toFixed(1)} tok/s` : "") + (result.thinkingClosedByBudget ? " (the thought budget closed the thinking)" : "");
                    this.deps.logger.info(`${spec.title}: ${outcome}`);
                    return result;
                } catch (error) {
                    outcome = `failed: ${errorMessage(error)}`;
                    throw error;
                } finally {
                    clearInterval(ticker);
                    cancel.dispose();
                    unlink();
                }
            });
        } finally {
            editor.setDecorations(HIGHLIGHT, []);
            this.deps.activity.end(run, outcome);
        }
    }

    /** The project instructions for a command on this file (and the test file it writes). */
    private async instructionsFor(uri: vscode.Uri, ...others: string[]): Promise<InstructionFile[]> {
        const file = workspaceRelative(uri);
        try {
            return await workspaceInstructions([...(file ? [file] : []), ...others]);
        } catch (error) {
            this.deps.logger.warn(`Could not read the project instructions: ${errorMessage(error)}`);
            return [];
        }
    }

    private noCode(spec: EditorCommandSpec, result: CommandTurnResult): EditorCommandOutcome {
        const output = this.deps.activity.output;
        output.appendLine(`\nThe answer had no code:\n\n${result.answer || "(empty)"}`);
        const reason = result.answer.trim() === "" && result.reasoning
            ? "it used its tokens thinking and wrote no answer (a larger thought budget or thinking off may help)"
            : "its answer had no code";
        const message = `${spec.title}: nothing to apply — ${reason}.`;
        void vscode.window.showWarningMessage(message, "Show Answer").then((choice) => {
            if (choice) output.show(true);
        });
        return { status: "failed", message };
    }

    private nothing(message: string): EditorCommandOutcome {
        void vscode.window.showInformationMessage(message);
        return { status: "nothing", message };
    }

    private async editorFor(uri: vscode.Uri | undefined): Promise<vscode.TextEditor | undefined> {
        const active = vscode.window.activeTextEditor;
        if (!uri || active?.document.uri.toString() === uri.toString()) return active;
        const visible = vscode.window.visibleTextEditors.find((editor) => editor.document.uri.toString() === uri.toString());
        return visible ?? vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    }

    /** "Qwen Local: Commands…": every command, and below them each with thinking the other way (this once). */
    private async menu(): Promise<void> {
        type Item = vscode.QuickPickItem & { run?: () => Thenable<unknown> };
        const settings = getSettings();
        const languageId = vscode.window.activeTextEditor?.document.languageId;
        const available = EDITOR_COMMANDS.filter((spec) => spec.kind !== "types" || !languageId || languageId in TYPE_STYLES);
        const item = (spec: EditorCommandSpec, opposite: boolean): Item => {
            const thinking = thinkingFor(settings, spec.kind).thinking !== opposite;
            return {
                label: `$(${spec.icon}) ${spec.title}${opposite ? (thinking ? " — with thinking" : " — without thinking") : ""}`,
                description: opposite ? "this once" : `thinking ${thinking ? "on" : "off"}`,
                detail: opposite ? undefined : spec.detail,
                run: () => vscode.commands.executeCommand(opposite ? spec.oppositeId : spec.id)
            };
        };
        const items: Item[] = [
            ...available.map((spec) => item(spec, false)),
            { label: "Thinking the other way, this once", kind: vscode.QuickPickItemKind.Separator },
            ...available.map((spec) => item(spec, true))
        ];
        const picked = await vscode.window.showQuickPick(items, { title: "Qwen Local", placeHolder: "Run a command on the selection or the function around the cursor", matchOnDescription: true });
        await picked?.run?.();
    }

    dispose(): void {
        this.disposables.dispose();
    }
}

/** The lightbulb: "Fix with Qwen Local" on problems, "Edit with Qwen Local…" on a selection. */
class QwenCodeActions implements vscode.CodeActionProvider {
    static readonly kinds = [vscode.CodeActionKind.QuickFix, vscode.CodeActionKind.RefactorRewrite];

    provideCodeActions(document: vscode.TextDocument, range: vscode.Range | vscode.Selection, context: vscode.CodeActionContext): vscode.CodeAction[] {
        const actions: vscode.CodeAction[] = [];
        const wants = (kind: vscode.CodeActionKind) => !context.only || context.only.contains(kind) || kind.contains(context.only);
        const problems = context.diagnostics.filter((diagnostic) => diagnostic.severity <= vscode.DiagnosticSeverity.Warning);
        if (problems.length > 0 && wants(vscode.CodeActionKind.QuickFix)) {
            const title = problems.length === 1 ? "Fix with Qwen Local" : `Fix ${problems.length} problems with Qwen Local`;
            const action = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
            const region = problems.map((problem) => problem.range).reduce((all, next) => all.union(next));
            action.command = { command: commandSpec("fix").id, title, arguments: [{ uri: document.uri, range: region } satisfies EditorCommandArgs] };
            action.diagnostics = problems;
            actions.push(action);
        }
        if (!range.isEmpty && wants(vscode.CodeActionKind.RefactorRewrite)) {
            const action = new vscode.CodeAction("Edit with Qwen Local…", vscode.CodeActionKind.RefactorRewrite);
            action.command = { command: commandSpec("edit").id, title: action.title, arguments: [{ uri: document.uri, range } satisfies EditorCommandArgs] };
            actions.push(action);
        }
        return actions;
    }
}

/** Arguments from anywhere: a keybinding's args object, a code action's, or the URI a context menu passes. */
export function parseArgs(arg: unknown): EditorCommandArgs {
    if (arg instanceof vscode.Uri) return { uri: arg };
    if (typeof arg !== "object" || arg === null) return {};
    const given = arg as Record<string, unknown>;
    const args: EditorCommandArgs = {};
    if (typeof given.thinking === "boolean") args.thinking = given.thinking;
    if (given.uri instanceof vscode.Uri) args.uri = given.uri;
    else if (typeof given.uri === "string") args.uri = vscode.Uri.parse(given.uri);
    if (given.range instanceof vscode.Range) args.range = given.range;
    if (typeof given.instruction === "string" && given.instruction.trim() !== "") args.instruction = given.instruction;
    return args;
}

/** The instruction for "Edit Selection", with a button that turns thinking on or off for this edit. */
async function askInstruction(thinkingDefault: boolean): Promise<{ instruction: string; thinking: boolean } | undefined> {
    const input = vscode.window.createInputBox();
    let thinking = thinkingDefault;
    const button = () => ({
        iconPath: new vscode.ThemeIcon(thinking ? "lightbulb" : "lightbulb-empty"),
        tooltip: thinking ? "Thinking on for this edit (click: off)" : "Thinking off for this edit (click: on)"
    });
    const refresh = () => {
        input.title = `Edit with Qwen${thinking ? " (thinking)" : ""}`;
        input.buttons = [button()];
    };
    input.prompt = "How should the code change? Enter to run; the lightbulb button toggles thinking for this edit.";
    input.placeholder = "e.g. use async/await instead of callbacks";
    input.ignoreFocusOut = true;
    refresh();
    return new Promise((resolve) => {
        let done = false;
        input.onDidTriggerButton(() => {
            thinking = !thinking;
            refresh();
        });
        input.onDidAccept(() => {
            const value = input.value.trim();
            if (!value) {
                input.validationMessage = "Describe the change first.";
                return;
            }
            done = true;
            resolve({ instruction: value, thinking });
            input.hide();
        });
        input.onDidHide(() => {
            if (!done) resolve(undefined);
            input.dispose();
        });
        input.show();
    });
}

/** The project's dependency names, from the manifests at the folder's root (core/commands/imports.ts reads them). */
async function projectDependencies(folder: vscode.Uri): Promise<string[]> {
    const manifests: Partial<Record<(typeof DEPENDENCY_MANIFESTS)[number], string>> = {};
    for (const name of DEPENDENCY_MANIFESTS) {
        try {
            const uri = vscode.Uri.joinPath(folder, name);
            // Only a regular file of a sane size: a FIFO would never answer, and a huge one would block while parsed.
            const stat = await vscode.workspace.fs.stat(uri);
            if ((stat.type & vscode.FileType.File) === 0 || stat.size > MANIFEST_MAX_BYTES) continue;
            manifests[name] = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
        } catch {
            // absent or unreadable: no names from it
        }
    }
    return dependencyNames(manifests);
}
