/**
 * Inline suggestions in the editor: a thin adapter over the core CompletionService. It turns a document and a
 * position into a request and the CancellationToken into an AbortSignal (once), feeds the repo context (code
 * around recent edits, files switched away from, copied text), and registers the provider only while suggestions
 * are enabled. Quiet by design: no pop-ups from typing — outcomes go to the log; engine trouble shows in the
 * status bar through the engine's own state.
 */
import * as vscode from "vscode";
import { CompletionService, type CompletionOutcome, type CompletionRequest, type CompletionServiceOptions } from "../core/completion/service";
import type { Logger } from "../core/log";
import type { Settings } from "../core/settings";
import type { EngineService } from "./engineService";
import { affectsSetting, getSettings } from "./settings";
import { DisposableStore } from "../core/util/disposables";

/** Run by VS Code when a suggestion is accepted (the item's command): prefetches the next one. */
export const INLINE_ACCEPTED_COMMAND = "qwenLocal.inlineSuggestionAccepted";

/** Lines around an edit or the cursor that make one context chunk. */
const CONTEXT_LINES_AROUND = 20;
/** The clipboard is looked at no more often than this, off the completion path. */
const CLIPBOARD_POLL_MS = 2000;
const MAX_CLIPBOARD_CHARS = 4000;
/** The same failure is logged at most once in this long. */
const ERROR_LOG_INTERVAL_MS = 60_000;

export class InlineSuggestions implements vscode.Disposable {
    readonly service: CompletionService;
    private settings: Settings;
    private registration?: vscode.Disposable;
    private readonly disposables = new DisposableStore();
    private readonly lastEditLine = new Map<string, number>();
    private activeEditor?: vscode.TextEditor;
    private clipboard?: string;
    private clipboardCheckedAt = 0;
    private lastError?: { message: string; at: number };
    /** The last outcome, for tests and the log. */
    lastOutcome?: CompletionOutcome;

    constructor(private readonly engine: EngineService, private readonly log: Logger) {
        this.settings = getSettings();
        this.service = new CompletionService(engine.client, serviceOptions(this.settings));
        this.activeEditor = vscode.window.activeTextEditor;
        this.disposables.push(
            vscode.workspace.onDidChangeConfiguration((event) => {
                if (affectsSetting(event, "inlineSuggestions.enabled", "inlineSuggestions.disabledLanguages", "inlineSuggestions.mode",
                    "inlineSuggestions.maxTokens", "inlineSuggestions.repoContext")) this.refresh();
            }),
            vscode.commands.registerCommand(INLINE_ACCEPTED_COMMAND, (uri: unknown) => this.onAccepted(uri)),
            vscode.window.onDidChangeActiveTextEditor((editor) => this.onActiveEditorChanged(editor)),
            vscode.workspace.onDidChangeTextDocument((event) => {
                const change = event.contentChanges[0];
                if (change) this.lastEditLine.set(event.document.uri.toString(), change.range.start.line);
            }),
            vscode.workspace.onDidCloseTextDocument((document) => {
                this.lastEditLine.delete(document.uri.toString());
                this.service.forgetDocument(document.uri.toString());
            })
        );
        this.refresh();
    }

    /** Applies the settings: (un)registers the provider and passes the rest to the service. */
    private refresh(): void {
        this.settings = getSettings();
        this.service.updateOptions(serviceOptions(this.settings));
        const enabled = this.settings["inlineSuggestions.enabled"];
        if (enabled && !this.registration) {
            this.registration = vscode.languages.registerInlineCompletionItemProvider({ pattern: "**" }, {
                provideInlineCompletionItems: (document, position, context, token) => this.provide(document, position, context, token)
            });
            this.log.debug("Inline suggestions on");
        } else if (!enabled && this.registration) {
            this.registration.dispose();
            this.registration = undefined;
            this.service.cancel();
            this.log.debug("Inline suggestions off");
        }
    }

    private async provide(
        document: vscode.TextDocument, position: vscode.Position, context: vscode.InlineCompletionContext, token: vscode.CancellationToken
    ): Promise<vscode.InlineCompletionItem[] | undefined> {
        if (!this.shouldComplete(document, context)) return undefined;
        this.noticeClipboard(document);
        const controller = new AbortController();
        const subscription = token.onCancellationRequested(() => controller.abort());
        try {
            if (token.isCancellationRequested) return undefined;
            const outcome = await this.service.complete(this.request(document, position), controller.signal);
            this.lastOutcome = outcome;
            this.report(outcome, document);
            if (outcome.kind !== "suggestion" || token.isCancellationRequested) return undefined;
            return [new vscode.InlineCompletionItem(outcome.text, new vscode.Range(position, position), {
                title: "Suggestion accepted",
                command: INLINE_ACCEPTED_COMMAND,
                arguments: [document.uri.toString()]
            })];
        } finally {
            subscription.dispose();
        }
    }

    private shouldComplete(document: vscode.TextDocument, context: vscode.InlineCompletionContext): boolean {
        if (!this.settings["inlineSuggestions.enabled"]) return false;
        if (this.settings["inlineSuggestions.disabledLanguages"].includes(document.languageId)) return false;
        // With the suggest widget open, its selection is what the user is choosing: no competing ghost text.
        if (context.selectedCompletionInfo) return false;
        const state = this.engine.state;
        if (state.engine.kind === "gaveUp" || state.engine.kind === "error") return false;
        // Typing must never start a download or its consent dialog: only a model that is loaded or on disk.
        return state.engine.kind === "ready" || state.modelPresent === true;
    }

    private request(document: vscode.TextDocument, position: vscode.Position): CompletionRequest {
        const folder = vscode.workspace.getWorkspaceFolder(document.uri);
        return {
            document: document.uri.toString(),
            path: vscode.workspace.asRelativePath(document.uri, false),
            languageId: document.languageId,
            text: document.getText(),
            offset: document.offsetAt(position),
            repoName: folder?.name ?? vscode.workspace.name ?? "workspace"
        };
    }

    private report(outcome: CompletionOutcome, document: vscode.TextDocument): void {
        if (outcome.kind === "cancelled") return;
        if (outcome.kind === "error") {
            const now = Date.now();
            if (this.lastError?.message !== outcome.message || now - this.lastError.at > ERROR_LOG_INTERVAL_MS) {
                this.log.warn(`Inline suggestion failed: ${outcome.message}`);
                this.lastError = { message: outcome.message, at: now };
            }
            return;
        }
        const s = outcome.stats;
        this.log.debug(`Inline suggestion (${document.languageId}, ${s.source}): ${outcome.kind === "suggestion" ? `${outcome.text.length} chars` : "none"}, ` +
            `${s.evaluatedTokens}/${s.promptTokens} prompt tokens evaluated, ${s.generatedTokens} generated, ${Math.round(s.latencyMs)} ms ` +
            `(+${s.debounceMs} ms debounce, ${s.overheadMs.toFixed(1)} ms overhead)${s.fileRebuild ? `, file context ${s.fileRebuild}` : ""}`);
    }

    private onAccepted(uri: unknown): void {
        const editor = vscode.window.activeTextEditor;
        if (!editor || editor.document.uri.toString() !== uri) return;
        this.service.accepted(this.request(editor.document, editor.selection.active));
    }

    /** Leaving an editor: the code around its last edit (or its cursor) joins the repo context. */
    private onActiveEditorChanged(editor: vscode.TextEditor | undefined): void {
        const previous = this.activeEditor;
        this.activeEditor = editor;
        if (!previous || previous.document.isClosed || previous.document === editor?.document) return;
        const document = previous.document;
        if (document.uri.scheme === "output") return;
        const edited = this.lastEditLine.get(document.uri.toString());
        const line = edited ?? previous.selection.active.line;
        const start = Math.max(0, line - CONTEXT_LINES_AROUND);
        const end = Math.min(document.lineCount - 1, line + CONTEXT_LINES_AROUND);
        const text = document.getText(new vscode.Range(start, 0, end, document.lineAt(end).text.length));
        this.service.addContext({ path: vscode.workspace.asRelativePath(document.uri, false), text, reason: edited !== undefined ? "edit" : "open" });
    }

    /**
     * Copied code joins the repo context (VS Code has no copy event: the clipboard is sampled now and then).
     * Only in the desktop app: a browser asks for permission, and says so in a notification when it is refused.
     */
    private noticeClipboard(document: vscode.TextDocument): void {
        if (!this.settings["inlineSuggestions.repoContext"] || vscode.env.uiKind !== vscode.UIKind.Desktop) return;
        const now = Date.now();
        if (now - this.clipboardCheckedAt < CLIPBOARD_POLL_MS) return;
        this.clipboardCheckedAt = now;
        const path = vscode.workspace.asRelativePath(document.uri, false);
        Promise.resolve(vscode.env.clipboard.readText()).then((text) => {
            if (text === this.clipboard) return;
            const first = this.clipboard === undefined;
            this.clipboard = text;
            // What was on the clipboard before this session is not "recently copied".
            if (first || text.length > MAX_CLIPBOARD_CHARS || !text.includes("\n") || text.trim().length === 0) return;
            this.service.addContext({ path, text, reason: "copy" });
        }, () => undefined);
    }

    dispose(): void {
        this.registration?.dispose();
        this.service.dispose();
        this.disposables.dispose();
    }
}

function serviceOptions(settings: Settings): Partial<CompletionServiceOptions> {
    return {
        mode: settings["inlineSuggestions.mode"] === "chat" ? "chat" : "fim",
        repoContext: settings["inlineSuggestions.repoContext"],
        maxTokens: settings["inlineSuggestions.maxTokens"]
    };
}
