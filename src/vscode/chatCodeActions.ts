/**
 * The buttons on the chat's code blocks: Copy, Insert at the cursor, and Apply — a proposal reviewed as a diff (the
 * same review as the editor commands': one undo step, nothing lost when the file changed meanwhile).
 */
import * as vscode from "vscode";
import { errorMessage, type Logger } from "../core/log";
import { fitCode } from "../core/commands/fit";
import { fitTargetFor, selectionTarget } from "./editorTarget";
import type { ProposalReview } from "./proposalReview";

export class ChatCodeActions {
    constructor(private readonly log: Logger, private readonly lastEditor: () => vscode.TextEditor | undefined, private readonly review: ProposalReview) {}

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
        const selection = editor?.document === document && !editor.selection.isEmpty ? selectionTarget(document, editor.selection) : undefined;
        const whole = new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length));
        // Into a selection the code is fitted (indentation, line endings); a whole file keeps its final newline.
        const replacement = selection && editor ? fitCode(code, fitTargetFor(editor, selection))
            : document.getText().endsWith("\n") === code.endsWith("\n") ? code
                : document.getText().endsWith("\n") ? `${code}\n` : code.replace(/\n$/, "");
        let proposal;
        try {
            // The file a code block names passes the workspace rules for writing (never .git, never a link out).
            proposal = await this.review.create({ document, range: selection?.range ?? whole, title: selection ? "Apply to the selection" : "Apply", replacement });
        } catch (error) {
            void vscode.window.showWarningMessage(`Apply: ${errorMessage(error)}`);
            return;
        }
        await this.review.show(proposal);
        this.log.debug(`Chat: proposed a change to ${proposal.label}`);
        void this.review.finish(proposal, replacement);
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
}
