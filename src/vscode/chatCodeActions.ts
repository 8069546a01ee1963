/**
 * The buttons on the chat's code blocks: Copy, Insert at the cursor, and Apply — a proposal shown as a diff
 * (`vscode.diff` against a read-only virtual document) that the person accepts or rejects. An accepted proposal is
 * applied as one WorkspaceEdit (one undo), and refused if the file changed while the diff was open.
 * (The agent issue's edit review replaces this diff when it lands.)
 */
import * as vscode from "vscode";
import { errorMessage, type Logger } from "../core/log";

export const PROPOSAL_SCHEME = "qwen-local-proposal";
export const REVIEWING_CONTEXT_KEY = "qwenLocal.reviewingProposal";

interface Proposal {
    uri: vscode.Uri;
    target: vscode.Uri;
    /** The target's version when the proposal was made: applying is refused if it moved. */
    version: number;
    text: string;
    label: string;
}

export class ChatCodeActions implements vscode.TextDocumentContentProvider, vscode.Disposable {
    private readonly proposals = new Map<string, Proposal>();
    private nextId = 1;
    private readonly changeEmitter = new vscode.EventEmitter<vscode.Uri>();
    readonly onDidChange = this.changeEmitter.event;
    private readonly registration: vscode.Disposable;

    constructor(private readonly log: Logger, private readonly lastEditor: () => vscode.TextEditor | undefined) {
        this.registration = vscode.workspace.registerTextDocumentContentProvider(PROPOSAL_SCHEME, this);
    }

    provideTextDocumentContent(uri: vscode.Uri): string {
        return this.proposals.get(uri.toString())?.text ?? "";
    }

    async copy(code: string): Promise<void> {
        await vscode.env.clipboard.writeText(code);
        vscode.window.setStatusBarMessage("$(check) Copied", 2000);
    }

    /** Replaces the selection (or inserts at the cursor) of the editor the person last worked in. */
    async insert(code: string): Promise<void> {
        const editor = this.lastEditor();
        if (!editor) {
            void vscode.window.showInformationMessage("Open a file and place the cursor where the code should go, then Insert again.");
            return;
        }
        const shown = await vscode.window.showTextDocument(editor.document, { viewColumn: editor.viewColumn, selection: editor.selection, preserveFocus: false });
        const done = await shown.edit((edit) => {
            for (const selection of shown.selections) edit.replace(selection, code);
        });
        if (!done) void vscode.window.showWarningMessage("The code could not be inserted: the editor refused the edit.");
    }

    /**
     * Proposes the code as a change to a file: the file the code block names when it exists in the workspace, else
     * the editor's file — replacing its selection when there is one, the whole file otherwise. Shows the diff.
     */
    async apply(code: string, pathHint?: string): Promise<void> {
        const target = await this.resolveTarget(pathHint);
        if (!target) {
            void vscode.window.showInformationMessage("Open the file the code belongs to (select the part it replaces), then Apply again.");
            return;
        }
        const document = await vscode.workspace.openTextDocument(target);
        const editor = this.lastEditor();
        const selection = editor?.document === document && !editor.selection.isEmpty ? editor.selection : undefined;
        const original = document.getText();
        let text: string;
        if (selection) {
            text = original.slice(0, document.offsetAt(selection.start)) + code + original.slice(document.offsetAt(selection.end));
        } else {
            text = original.endsWith("\n") && !code.endsWith("\n") ? `${code}\n` : code;
        }
        const name = target.path.split("/").pop() ?? target.path;
        const uri = vscode.Uri.from({ scheme: PROPOSAL_SCHEME, path: `/${this.nextId++}/${name}` });
        const proposal: Proposal = { uri, target, version: document.version, text, label: vscode.workspace.asRelativePath(target, false) };
        this.proposals.set(uri.toString(), proposal);
        await vscode.commands.executeCommand(
            "vscode.diff", target, uri, `${name} ↔ Qwen's proposal${selection ? " (selection)" : ""}`, { preview: false } satisfies vscode.TextDocumentShowOptions);
        await this.updateContextKey();
        const choice = await vscode.window.showInformationMessage(`Apply Qwen's proposed change to ${proposal.label}?`, "Accept", "Reject");
        if (!this.proposals.has(uri.toString())) return; // already decided from the diff's title bar
        if (choice === "Accept") await this.accept(uri);
        else if (choice === "Reject") await this.reject(uri);
    }

    /** Accepts the proposal whose diff is active (or the given one). */
    async accept(uri?: vscode.Uri): Promise<void> {
        const proposal = this.find(uri);
        if (!proposal) return;
        const document = await vscode.workspace.openTextDocument(proposal.target);
        if (document.version !== proposal.version) {
            void vscode.window.showWarningMessage(`${proposal.label} changed since Qwen proposed this change, so it was not applied. Apply the code block again.`);
            return;
        }
        const edit = new vscode.WorkspaceEdit();
        edit.replace(proposal.target, new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length)), proposal.text);
        try {
            if (!await vscode.workspace.applyEdit(edit)) throw new Error("the editor refused the edit");
        } catch (error) {
            this.log.warn(`Applying a proposal to ${proposal.label} failed: ${errorMessage(error)}`);
            void vscode.window.showErrorMessage(`Could not apply the change to ${proposal.label}: ${errorMessage(error)}`);
            return;
        }
        await this.close(proposal);
        await vscode.window.showTextDocument(document, { preview: false });
        vscode.window.setStatusBarMessage(`$(check) Applied to ${proposal.label} (undo with Ctrl+Z)`, 4000);
    }

    async reject(uri?: vscode.Uri): Promise<void> {
        const proposal = this.find(uri);
        if (proposal) await this.close(proposal);
    }

    private find(uri?: vscode.Uri): Proposal | undefined {
        // The diff's title-bar buttons pass the proposal's URI; from the palette, the active diff or the newest.
        if (uri?.scheme === PROPOSAL_SCHEME) return this.proposals.get(uri.toString());
        const active = vscode.window.activeTextEditor?.document.uri;
        if (active?.scheme === PROPOSAL_SCHEME) return this.proposals.get(active.toString());
        return [...this.proposals.values()].pop();
    }

    private async close(proposal: Proposal): Promise<void> {
        this.proposals.delete(proposal.uri.toString());
        const tabs = vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) =>
            tab.input instanceof vscode.TabInputTextDiff && tab.input.modified.toString() === proposal.uri.toString());
        if (tabs.length > 0) await vscode.window.tabGroups.close(tabs);
        await this.updateContextKey();
    }

    private async updateContextKey(): Promise<void> {
        await vscode.commands.executeCommand("setContext", REVIEWING_CONTEXT_KEY, this.proposals.size > 0);
    }

    private async resolveTarget(pathHint: string | undefined): Promise<vscode.Uri | undefined> {
        if (pathHint && !pathHint.includes("..")) {
            for (const folder of vscode.workspace.workspaceFolders ?? []) {
                const candidate = vscode.Uri.joinPath(folder.uri, pathHint.replace(/^\.?[\\/]/, ""));
                try {
                    if ((await vscode.workspace.fs.stat(candidate)).type & vscode.FileType.File) return candidate;
                } catch {
                    // not in this folder
                }
            }
        }
        return this.lastEditor()?.document.uri;
    }

    dispose(): void {
        this.registration.dispose();
        this.changeEmitter.dispose();
        this.proposals.clear();
    }
}
