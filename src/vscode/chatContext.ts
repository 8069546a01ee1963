/**
 * What the next chat message carries: the selection and the active file (automatic, removable chips) and the files
 * attached with `@` (a fuzzy quick pick over the workspace). Text is read when the message is sent, so a chip
 * always sends what the editor shows then, unsaved changes included.
 */
import * as vscode from "vscode";
import type { ContextAttachment } from "../core/chat/conversation";
import { fuzzyFilter } from "../core/chat/fuzzy";
import type { ContextChip } from "../core/chat/protocol";
import { estimateTokens } from "../core/chat/tokens";
import { Emitter, type Event } from "../core/events";
import { errorMessage, type Logger } from "../core/log";

/** Most characters of one attachment (~50k tokens); longer text is cut, and marked so. */
export const MAX_ATTACHMENT_CHARS = 200_000;
const PICKER_EXCLUDE = "{**/node_modules/**,**/.git/**,**/dist/**,**/out/**,**/*.gguf}";
const PICKER_LIMIT = 20_000;
/** Schemes of documents a person edits (not output channels, diffs of proposals, git's views). */
const EDITABLE_SCHEMES = new Set(["file", "untitled", "vscode-remote", "vscode-userdata"]);

interface PickedFile {
    uri: vscode.Uri;
    path: string;
    language: string;
    text: string;
    truncated: boolean;
}

export class ChatContext implements vscode.Disposable {
    private readonly changeEmitter = new Emitter<void>();
    readonly onDidChange: Event<void> = this.changeEmitter.event;
    private editor?: vscode.TextEditor;
    private picked: PickedFile[] = [];
    private dismissedFile?: string;
    private dismissedSelection?: string;
    private readonly disposables: vscode.Disposable[] = [];
    private timer?: NodeJS.Timeout;

    constructor(private readonly log: Logger) {
        this.track(vscode.window.activeTextEditor);
        this.disposables.push(
            vscode.window.onDidChangeActiveTextEditor((editor) => {
                // Focus moving to the chat view leaves no active editor: keep the last one.
                if (editor) this.track(editor);
            }),
            vscode.window.onDidChangeTextEditorSelection((event) => {
                if (event.textEditor === this.editor) this.changed();
            }),
            vscode.workspace.onDidCloseTextDocument((document) => {
                if (this.editor?.document === document) {
                    this.editor = undefined;
                    this.changed();
                }
            })
        );
    }

    /** The editor the person last worked in (the chat view has focus while they click its buttons). */
    get lastEditor(): vscode.TextEditor | undefined {
        const editor = this.editor;
        if (!editor || editor.document.isClosed) return undefined;
        return vscode.window.visibleTextEditors.find((visible) => visible.document === editor.document) ?? editor;
    }

    chips(tokenScale: number): ContextChip[] {
        const chips: ContextChip[] = [];
        const selection = this.selectionAttachment();
        if (selection) {
            chips.push({
                id: "selection", kind: "selection", label: `${basename(selection.path)}:${selection.range!.startLine}-${selection.range!.endLine}`,
                detail: `the selection in ${selection.path}, lines ${selection.range!.startLine}-${selection.range!.endLine}`,
                tokens: estimateTokens(selection.text, tokenScale)
            });
        }
        const file = this.fileAttachment();
        if (file) {
            chips.push({ id: "activeFile", kind: "activeFile", label: basename(file.path), detail: `the open file ${file.path}`, tokens: estimateTokens(file.text, tokenScale) });
        }
        for (const picked of this.picked) {
            chips.push({ id: `file:${picked.path}`, kind: "file", label: basename(picked.path), detail: `the file ${picked.path}`, tokens: estimateTokens(picked.text, tokenScale) });
        }
        return chips;
    }

    /** The attachments of the message being sent; the `@` files go with it and leave the input bar. */
    /** The files the next message is about (the open file, attached files), workspace-relative: for the instructions. */
    paths(): string[] {
        const paths = this.editor && !this.editor.document.isUntitled ? [relativePath(this.editor.document)] : [];
        for (const picked of this.picked) paths.push(picked.path);
        return paths;
    }

    takeAttachments(): ContextAttachment[] {
        const attachments: ContextAttachment[] = [];
        const selection = this.selectionAttachment();
        if (selection) attachments.push(selection);
        const file = this.fileAttachment();
        if (file) attachments.push(file);
        for (const picked of this.picked) {
            attachments.push({ kind: "file", path: picked.path, language: picked.language, text: picked.text, ...(picked.truncated ? { truncated: true } : {}) });
        }
        this.picked = [];
        this.changed();
        return attachments;
    }

    remove(id: string): void {
        const document = this.editor?.document;
        if (id === "selection" && document) this.dismissedSelection = selectionKey(this.editor!);
        else if (id === "activeFile" && document) this.dismissedFile = document.uri.toString();
        else this.picked = this.picked.filter((picked) => `file:${picked.path}` !== id);
        this.changed();
    }

    /**
     * The `@` picker: one workspace file, fuzzy-matched (characters in order, see fuzzy.ts). The quick pick's own
     * filter only finds contiguous text, so the items are filtered here and marked to stay shown.
     */
    async pickFiles(): Promise<void> {
        type Item = vscode.QuickPickItem & { uri: vscode.Uri; path: string };
        const quickPick = vscode.window.createQuickPick<Item>();
        quickPick.title = "Attach a file to the chat";
        quickPick.placeholder = "Type to search the workspace's files (fuzzy: “srcfmt” finds src/format.ts)";
        quickPick.busy = true;
        quickPick.show();
        const byPath = new Map<string, Item>();
        const refilter = () => {
            quickPick.items = fuzzyFilter(quickPick.value, [...byPath.keys()]).map((path) => byPath.get(path)!);
        };
        const subscriptions = [quickPick.onDidChangeValue(refilter)];
        const chosen = new Promise<Item | undefined>((resolve) => {
            subscriptions.push(
                quickPick.onDidAccept(() => resolve(quickPick.selectedItems[0] ?? quickPick.activeItems[0])),
                quickPick.onDidHide(() => resolve(undefined))
            );
        });
        try {
            const uris = await vscode.workspace.findFiles("**/*", PICKER_EXCLUDE, PICKER_LIMIT);
            for (const uri of uris) {
                const path = vscode.workspace.asRelativePath(uri, multiRoot());
                byPath.set(path, { uri, path, label: basename(path), description: dirname(path), alwaysShow: true });
            }
        } catch (error) {
            this.log.warn(`Could not list the workspace's files: ${errorMessage(error)}`);
        }
        quickPick.busy = false;
        refilter();
        const item = await chosen;
        for (const subscription of subscriptions) subscription.dispose();
        quickPick.dispose();
        if (item) await this.attachFile(item.uri);
    }

    async attachFile(uri: vscode.Uri): Promise<void> {
        const path = vscode.workspace.asRelativePath(uri, multiRoot());
        if (this.picked.some((picked) => picked.path === path)) return;
        try {
            const document = await vscode.workspace.openTextDocument(uri);
            const { text, truncated } = limit(document.getText());
            if (text.includes("\u0000")) {
                void vscode.window.showWarningMessage(`${path} looks like a binary file, so it was not attached.`);
                return;
            }
            this.picked.push({ uri, path, language: document.languageId, text, truncated });
            this.changed();
        } catch (error) {
            void vscode.window.showWarningMessage(`Could not attach ${path}: ${errorMessage(error)}`);
        }
    }

    private track(editor: vscode.TextEditor | undefined): void {
        if (editor && !EDITABLE_SCHEMES.has(editor.document.uri.scheme)) return;
        if (editor?.document !== this.editor?.document) this.dismissedFile = undefined;
        this.editor = editor;
        this.changed();
    }

    private selectionAttachment(): ContextAttachment | undefined {
        const editor = this.lastEditor;
        if (!editor || editor.selection.isEmpty || selectionKey(editor) === this.dismissedSelection) return undefined;
        const selection = editor.selection;
        const { text, truncated } = limit(editor.document.getText(selection));
        if (text.trim().length === 0) return undefined;
        // A selection that ends at column 0 does not include that line.
        const endLine = selection.end.character === 0 && selection.end.line > selection.start.line ? selection.end.line : selection.end.line + 1;
        return {
            kind: "selection", path: relativePath(editor.document), language: editor.document.languageId,
            range: { startLine: selection.start.line + 1, endLine }, text, ...(truncated ? { truncated: true } : {})
        };
    }

    private fileAttachment(): ContextAttachment | undefined {
        const document = this.lastEditor?.document;
        if (!document || document.uri.toString() === this.dismissedFile) return undefined;
        const { text, truncated } = limit(document.getText());
        if (text.trim().length === 0) return undefined;
        return { kind: "activeFile", path: relativePath(document), language: document.languageId, text, ...(truncated ? { truncated: true } : {}) };
    }

    /** Selection changes come in bursts while the person drags: tell the view once they settle. */
    private changed(): void {
        if (this.timer) clearTimeout(this.timer);
        this.timer = setTimeout(() => this.changeEmitter.fire(), 120);
    }

    dispose(): void {
        if (this.timer) clearTimeout(this.timer);
        for (const disposable of this.disposables) disposable.dispose();
        this.changeEmitter.dispose();
    }
}

function selectionKey(editor: vscode.TextEditor): string {
    const { start, end } = editor.selection;
    return `${editor.document.uri.toString()}#${start.line}:${start.character}-${end.line}:${end.character}`;
}

function limit(text: string): { text: string; truncated: boolean } {
    return text.length > MAX_ATTACHMENT_CHARS ? { text: text.slice(0, MAX_ATTACHMENT_CHARS), truncated: true } : { text, truncated: false };
}

/** Paths name their workspace folder only when there are several. */
function multiRoot(): boolean {
    return (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
}

function relativePath(document: vscode.TextDocument): string {
    return document.isUntitled ? document.uri.path : vscode.workspace.asRelativePath(document.uri, multiRoot());
}

function basename(path: string): string {
    return path.split(/[\\/]/).pop() || path;
}

function dirname(path: string): string {
    const parts = path.split(/[\\/]/);
    parts.pop();
    return parts.join("/");
}
