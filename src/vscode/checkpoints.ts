/**
 * Checkpoints in VS Code: every accepted change (the agent's, a command's, the chat's Apply) is recorded before it is
 * written — into its agent turn's checkpoint, or a checkpoint of its own for a command — in the extension's workspace
 * storage. "Restore to here" (the chat panel, on a request of the agent) and "Qwen Local: Restore Checkpoint…" (the
 * palette, also after a reload) put the files back after a confirmation that lists them; a file edited since our
 * change is offered as a change to review instead of being overwritten.
 */
import * as vscode from "vscode";
import path from "node:path";
import { CheckpointStore, type Checkpoint, type RestoreStep } from "../core/checkpoints/checkpoints";
import type { FileChange } from "../core/agent/workspaceFs";
import { errorMessage, type Logger } from "../core/log";
import type { Proposal } from "../core/proposals/store";
import { FsCheckpointStorage, sha256 } from "../node/checkpoints/fsStorage";
import type { ProposalReview } from "./proposalReview";

export const RESTORE_CHECKPOINT_COMMAND = "qwenLocal.restoreCheckpoint";

export class Checkpoints implements vscode.Disposable {
    readonly store: CheckpointStore;
    private readonly disposables: vscode.Disposable[] = [];

    constructor(context: vscode.ExtensionContext, private readonly review: ProposalReview, private readonly log: Logger) {
        const storage = context.storageUri ?? vscode.Uri.joinPath(context.globalStorageUri, "no-workspace");
        this.store = new CheckpointStore(new FsCheckpointStorage(path.join(storage.fsPath, "checkpoints")), sha256, { warn: (message) => log.warn(message) });
        review.store.options.onWillApply = (changes, proposals) => this.record(changes, proposals);
        this.disposables.push(vscode.commands.registerCommand(RESTORE_CHECKPOINT_COMMAND, (id?: unknown) => this.pickAndRestore(id)));
    }

    dispose(): void {
        for (const disposable of this.disposables) disposable.dispose();
    }

    /** Begins the checkpoint of an agent turn (its request is the label). */
    beginAgentTurn(session: number, turn: number, task: string): Promise<string> {
        return this.store.begin(task, { kind: "agent", session, turn });
    }

    /** The checkpoint of an agent turn, if one was begun. */
    async agentTurn(session: number, turn: number): Promise<Checkpoint | undefined> {
        return (await this.store.list()).find((checkpoint) => checkpoint.owner?.kind === "agent" && checkpoint.owner.session === session && checkpoint.owner.turn === turn);
    }

    /** Records what accepted proposals are about to write, each into the checkpoint of who proposed it. */
    private async record(changes: readonly FileChange[], proposals: readonly Proposal[]): Promise<void> {
        try {
            const groups = new Map<string, FileChange[]>();
            for (let index = 0; index < changes.length; index++) {
                const origin = proposals[index]!.origin;
                const key = origin.kind === "agent" ? `agent:${origin.session}:${origin.turn}` : `command:${origin.command}`;
                groups.set(key, [...(groups.get(key) ?? []), changes[index]!]);
            }
            for (const [key, group] of groups) {
                const [kind, a, b] = key.split(":");
                let id: string;
                if (kind === "agent") {
                    id = (await this.agentTurn(Number(a), Number(b)))?.id ?? await this.store.begin("Agent changes", { kind: "agent", session: Number(a), turn: Number(b) });
                } else {
                    id = await this.store.begin(a ?? "Command", { kind: "command", command: a ?? "" });
                }
                await this.store.record(group, id);
            }
        } catch (error) {
            // A checkpoint that cannot be written must not stop the user's change.
            this.log.warn(`Could not record a checkpoint: ${errorMessage(error)}`);
        }
    }

    /**
     * Restores the files of checkpoint `id` after the user confirms (the list of files in the question). Resolves
     * true when restored; false when declined, or when there was nothing to restore.
     */
    async restore(id: string, options: { conversation?: string } = {}): Promise<boolean> {
        const plan = await this.store.plan(id, (file) => this.readCurrent(file));
        const steps = plan.files.filter((step): step is Exclude<RestoreStep, { action: "unchanged" }> => step.action !== "unchanged");
        const name = async (file: string) => this.review.store.paths.display(file).catch(() => file);
        const lines: string[] = [];
        for (const step of steps) {
            const what = step.content === null ? "deleted (it did not exist then)" : step.current === undefined ? "re-created" : "restored";
            lines.push(`${await name(step.path)}: ${step.action === "review" ? "edited since — shown as a change to review" : what}`);
        }
        const detail = [
            steps.length > 0 ? lines.join("\n") : "No file needs restoring.",
            ...(options.conversation ? ["", options.conversation] : [])
        ].join("\n");
        const choice = await vscode.window.showWarningMessage(`Restore to before “${oneLine(plan.checkpoint.label)}”?`, { modal: true, detail }, "Restore");
        if (choice !== "Restore") return false;
        const writes: FileChange[] = [];
        for (const step of steps.filter((each) => each.action === "restore")) {
            if (step.content === null) {
                if (step.current !== undefined) writes.push({ kind: "delete", path: step.path, before: step.current });
            } else if (step.current === undefined) {
                writes.push({ kind: "create", path: step.path, text: step.content });
            } else {
                writes.push({ kind: "modify", path: step.path, before: step.current, after: step.content });
            }
        }
        if (writes.length > 0) await this.review.store.fs.applyChanges(writes, `Restore to before “${oneLine(plan.checkpoint.label)}”`);
        const reviews = steps.filter((each) => each.action === "review");
        for (const step of reviews) await this.proposeRestore(step);
        if (reviews.length > 0) {
            this.review.store.fire();
            await this.review.openReview();
        }
        await this.store.dropFrom(id);
        this.log.info(`Restored ${writes.length} file(s) to checkpoint ${id}; ${reviews.length} edited since, offered for review`);
        return true;
    }

    private async proposeRestore(step: Exclude<RestoreStep, { action: "unchanged" }>): Promise<void> {
        const paths = this.review.store.paths;
        const resolved = await paths.resolve(await paths.display(step.path), { purpose: "write" });
        this.review.store.addFile({
            origin: { kind: "command", command: "Restore to here" },
            ...(step.current !== undefined ? { source: resolved, sourceText: step.current } : {}),
            ...(step.content !== null ? { target: resolved, targetText: step.content } : {})
        });
    }

    /**
     * What a file is now: an editor's unsaved text where there is one, else the disk's (an open but saved document
     * can lag behind a change another program just made on disk).
     */
    private async readCurrent(file: string): Promise<string | undefined> {
        const open = vscode.workspace.textDocuments.find((document) => document.uri.scheme === "file" && document.uri.fsPath === file);
        if (open?.isDirty) return open.getText();
        try {
            return new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.file(file)));
        } catch {
            return undefined;
        }
    }

    private async pickAndRestore(id?: unknown): Promise<boolean> {
        if (typeof id === "string") return this.restore(id);
        const checkpoints = (await this.store.list()).filter((checkpoint) => checkpoint.files.length > 0).reverse();
        if (checkpoints.length === 0) {
            void vscode.window.showInformationMessage("Qwen: there are no checkpoints yet: they are recorded when you accept a change.");
            return false;
        }
        const picked = await vscode.window.showQuickPick(checkpoints.map((checkpoint) => ({
            label: oneLine(checkpoint.label),
            description: new Date(checkpoint.createdAt).toLocaleString(),
            detail: `${checkpoint.files.length} file${checkpoint.files.length === 1 ? "" : "s"}: ${checkpoint.files.map((file) => path.basename(file.path)).join(", ")}`,
            id: checkpoint.id
        })), { title: "Restore the files to before…", matchOnDetail: true });
        return picked ? this.restore(picked.id) : false;
    }
}

function oneLine(text: string): string {
    const line = text.replace(/\s+/g, " ").trim();
    return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}
