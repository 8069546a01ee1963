/**
 * The agent session as a live, read-only Markdown document ("Qwen Agent.md"): what "Ask Agent…" shows until the chat
 * panel renders agent sessions itself. Updates are throttled, and editors showing it follow its end.
 */
import * as vscode from "vscode";

export const TRANSCRIPT_SCHEME = "qwen-local-agent";
const THROTTLE_MS = 120;

export class TranscriptDocument implements vscode.TextDocumentContentProvider, vscode.Disposable {
    readonly uri = vscode.Uri.from({ scheme: TRANSCRIPT_SCHEME, path: "/Qwen Agent.md" });
    private readonly changeEmitter = new vscode.EventEmitter<vscode.Uri>();
    readonly onDidChange = this.changeEmitter.event;
    private readonly registration: vscode.Disposable;
    private timer?: NodeJS.Timeout;

    constructor(private readonly render: () => string) {
        this.registration = vscode.workspace.registerTextDocumentContentProvider(TRANSCRIPT_SCHEME, this);
    }

    provideTextDocumentContent(): string {
        return this.render();
    }

    /** Schedules a refresh; many events in a burst make one. */
    update(): void {
        if (this.timer) return;
        this.timer = setTimeout(() => {
            this.timer = undefined;
            this.changeEmitter.fire(this.uri);
            // VS Code re-reads the content asynchronously: follow the end a moment later.
            setTimeout(() => this.revealEnd(), 60);
        }, THROTTLE_MS);
    }

    async show(): Promise<void> {
        const document = await vscode.workspace.openTextDocument(this.uri);
        await vscode.languages.setTextDocumentLanguage(document, "markdown");
        // Beside the editor being worked in; in the editor area itself when nothing is open.
        const column = vscode.window.activeTextEditor ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
        await vscode.window.showTextDocument(document, { preview: false, preserveFocus: true, viewColumn: column });
        this.revealEnd();
    }

    private revealEnd(): void {
        for (const editor of vscode.window.visibleTextEditors) {
            if (editor.document.uri.toString() !== this.uri.toString()) continue;
            const last = editor.document.lineAt(Math.max(0, editor.document.lineCount - 1)).range;
            editor.revealRange(last, vscode.TextEditorRevealType.Default);
        }
    }

    dispose(): void {
        if (this.timer) clearTimeout(this.timer);
        this.registration.dispose();
        this.changeEmitter.dispose();
    }
}
