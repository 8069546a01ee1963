/**
 * The agent's WorkspaceFs in the editor: the workspace's local folders through Node's file system (symbolic links
 * resolved exactly), text from open editors — unsaved changes included — instead of the disk, VS Code's file search,
 * and every change applied as ONE WorkspaceEdit, so one undo restores every file. Files that were saved before the
 * edit are saved after it; a file with unsaved changes of the user's stays unsaved.
 */
import * as vscode from "vscode";
import nodePath from "node:path";
import { verifyStillCanonical, type DirEntry, type EntryStat, type FileChange, type WorkspaceFs, type WorkspaceRoot } from "../../core/agent/workspaceFs";
import { NodeWorkspaceFs } from "../../node/agent/nodeWorkspaceFs";

export class VscodeWorkspaceFs implements WorkspaceFs {
    readonly roots: readonly WorkspaceRoot[];
    private readonly node: NodeWorkspaceFs;

    /** Only local folders: the extension host reads them with Node, which resolves links exactly. */
    constructor(folders: readonly vscode.WorkspaceFolder[]) {
        const local = folders.filter((folder) => folder.uri.scheme === "file");
        this.node = new NodeWorkspaceFs(local.map((folder) => folder.uri.fsPath));
        this.roots = local.map((folder, index) => ({ name: folder.name, path: this.node.roots[index]!.path }));
    }

    lstat(path: string): Promise<EntryStat | undefined> {
        return this.node.lstat(path);
    }

    realpath(path: string): Promise<string> {
        return this.node.realpath(path);
    }

    readlink(path: string): Promise<string> {
        return this.node.readlink(path);
    }

    readDirectory(path: string): Promise<DirEntry[]> {
        return this.node.readDirectory(path);
    }

    async readFile(path: string, maxBytes: number): Promise<Uint8Array> {
        const document = openDocument(path);
        if (document) return Buffer.from(document.getText(), "utf8").subarray(0, maxBytes);
        return this.node.readFile(path, maxBytes);
    }

    async findFiles(folder: string, glob: string, maxResults: number, signal: AbortSignal): Promise<string[]> {
        const source = new vscode.CancellationTokenSource();
        const onAbort = () => source.cancel();
        signal.addEventListener("abort", onAbort, { once: true });
        try {
            const uris = await vscode.workspace.findFiles(new vscode.RelativePattern(vscode.Uri.file(folder), glob), undefined, maxResults, source.token);
            return uris.filter((uri) => uri.scheme === "file").map((uri) => uri.fsPath);
        } finally {
            signal.removeEventListener("abort", onAbort);
            source.dispose();
        }
    }

    async applyChanges(changes: readonly FileChange[], label: string): Promise<void> {
        /** The path itself, or above it the first folder that does not exist yet (VS Code creates the rest). */
        const nearestExisting = async (path: string): Promise<string> => {
            let current = path;
            while (nodePath.dirname(current) !== current && !await this.lstat(nodePath.dirname(current))) current = nodePath.dirname(current);
            return current;
        };
        // The last check before VS Code writes: no folder on the way was swapped for a link since the changes were checked.
        for (const change of changes) {
            if (change.kind === "replace") {
                // A document outside the workspace (or untitled) is the user's own: only workspace files are re-checked.
                if (change.path !== undefined) await verifyStillCanonical(this, change.path, nodePath.dirname);
            } else if (change.kind === "rename") {
                await verifyStillCanonical(this, change.from, nodePath.dirname, change.link);
                await verifyStillCanonical(this, await nearestExisting(change.to), nodePath.dirname);
            } else {
                await verifyStillCanonical(this, change.kind === "create" ? await nearestExisting(change.path) : change.path, nodePath.dirname,
                    change.kind === "delete" ? change.link : undefined);
            }
        }
        const edit = new vscode.WorkspaceEdit();
        const metadata: vscode.WorkspaceEditEntryMetadata = { label, needsConfirmation: false };
        const toSave: vscode.Uri[] = [];
        for (const change of changes) {
            switch (change.kind) {
                case "create":
                    edit.createFile(vscode.Uri.file(change.path), { contents: Buffer.from(change.text, "utf8"), overwrite: false }, metadata);
                    break;
                case "delete":
                    edit.deleteFile(vscode.Uri.file(change.path), { recursive: false, ignoreIfNotExists: false }, metadata);
                    break;
                case "replace": {
                    // Not saved: the change is in the editor, one undo step, as if typed (the rewrite commands' way).
                    const uri = vscode.Uri.parse(change.document);
                    const document = await vscode.workspace.openTextDocument(uri);
                    if (document.getText() !== change.before) throw new Error(`${uri.fsPath} changed while the change was applied; nothing was written.`);
                    edit.replace(uri, new vscode.Range(document.positionAt(change.start), document.positionAt(change.end)), change.text, metadata);
                    break;
                }
                case "modify": {
                    const uri = vscode.Uri.file(change.path);
                    const document = await vscode.workspace.openTextDocument(uri);
                    if (!document.isDirty) toSave.push(uri);
                    edit.replace(uri, ...replacement(document, change.before, change.after), metadata);
                    break;
                }
                case "rename": {
                    const from = vscode.Uri.file(change.from);
                    const to = vscode.Uri.file(change.to);
                    edit.renameFile(from, to, { overwrite: false }, metadata);
                    if (change.after !== change.before) {
                        const document = await vscode.workspace.openTextDocument(from);
                        if (!document.isDirty) toSave.push(to);
                        // Edits after a rename in the same WorkspaceEdit address the file by its new name.
                        edit.replace(to, ...replacement(document, change.before, change.after), metadata);
                    }
                    break;
                }
            }
        }
        const applied = await vscode.workspace.applyEdit(edit);
        if (!applied) throw new Error("VS Code did not apply the changes (a file may have changed or be read-only); nothing was written.");
        for (const uri of toSave) {
            const document = vscode.workspace.textDocuments.find((doc) => doc.uri.toString() === uri.toString());
            if (document?.isDirty) await document.save();
        }
    }
}


function openDocument(path: string): vscode.TextDocument | undefined {
    return vscode.workspace.textDocuments.find((document) => document.uri.scheme === "file" && document.uri.fsPath === path && !document.isClosed);
}

/**
 * The smallest single replacement turning `before` into `after` (common start and end kept), so that cursors,
 * folding and the undo step cover only what changed. When the document no longer reads exactly `before` (an editor
 * normalised its line endings), the whole text is replaced.
 */
function replacement(document: vscode.TextDocument, before: string, after: string): [vscode.Range, string] {
    const text = document.getText();
    if (text !== before) return [new vscode.Range(document.positionAt(0), document.positionAt(text.length)), after];
    let start = 0;
    const limit = Math.min(before.length, after.length);
    while (start < limit && before.charCodeAt(start) === after.charCodeAt(start)) start++;
    let end = 0;
    while (end < limit - start && before.charCodeAt(before.length - 1 - end) === after.charCodeAt(after.length - 1 - end)) end++;
    // Never split a surrogate pair or a CRLF.
    while (start > 0 && (isLowSurrogate(before.charCodeAt(start)) || (before[start] === "\n" && before[start - 1] === "\r"))) start--;
    while (end > 0 && (isLowSurrogate(before.charCodeAt(before.length - end)) || (before[before.length - end] === "\n" && before[before.length - end - 1] === "\r"))) end--;
    return [new vscode.Range(document.positionAt(start), document.positionAt(before.length - end)), after.slice(start, after.length - end)];
}

function isLowSurrogate(code: number): boolean {
    return code >= 0xdc00 && code <= 0xdfff;
}
