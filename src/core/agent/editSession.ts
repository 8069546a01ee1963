/**
 * The agent's side of the proposals (../proposals/store.ts): its tools propose whole-file changes, nothing is written
 * until the user accepts. Tools read through the session, so the model sees pending changes; the user accepts or
 * rejects per file or all, at any time (here, or in the one review list of every proposal), and accepted proposals
 * are applied together (in the editor: one WorkspaceEdit, so one undo restores every file).
 *
 * A proposal records the content it was based on. A file that changed since (on disk, or in an editor) is never
 * overwritten: editing it fails with the fresh content; accepting it is a conflict (the store's one rule), which the
 * session withdraws and tells the model about, so that it makes the change again on the current content.
 */
import { Emitter, type Event } from "../events";
import { changedMessage, ProposalStore, summarize, type AcceptOutcome, type Decision, type FileProposal } from "../proposals/store";
import type { ProposalKind, ProposalOrigin, ProposalSummary } from "../proposals/types";
import { ToolError } from "./errors";
import type { ResolvedPath, WorkspacePaths } from "./paths";
import { formatBytes } from "../util/bytes";
import { LIMITS } from "./text";
import type { WorkspaceFs } from "./workspaceFs";

// Plain data the UIs render: defined with the proposals (browser-safe), re-exported here where the agent makes them.
export type { AcceptOutcome, ProposalKind, ProposalSummary };

type Proposal = FileProposal;

export interface EditSessionOptions {
    /** Checked before anything is written (Workspace Trust). Ignored when `store` is given: the store checks it. */
    canWrite?: () => boolean;
    /** Names the change in the editor's undo history. Ignored when `store` is given. */
    label?: string;
    /** The workspace's proposals, shared with the other producers; a session of its own when absent (CLI, tests). */
    store?: ProposalStore;
}

interface FileState {
    exists: boolean;
    text?: string;
    /** True when the text is the session's proposal, not what is on disk. */
    proposed: boolean;
}

let sessions = 0;

export class EditSession {
    readonly store: ProposalStore;
    /** What the model last saw of each file (read or written by its tools), to notice changes made behind its back. */
    private readonly seen = new Map<string, string>();
    private readonly notes: string[] = [];
    private readonly changeEmitter = new Emitter<ProposalSummary[]>();
    /** Fires with the pending proposals whenever they change. */
    readonly onDidChange: Event<ProposalSummary[]> = this.changeEmitter.event;
    /**
     * Who proposes: this agent session and the request (turn) it is working on; a command ("Generate Tests") for the
     * editor's session that proposes whole files on behalf of commands.
     */
    origin: ProposalOrigin = { kind: "agent", session: ++sessions, turn: 0 };
    private readonly conflictEmitter = new Emitter<string>();
    private readonly disposables: { dispose(): void }[] = [];
    private readonly ownsStore: boolean;

    constructor(readonly fs: WorkspaceFs, readonly paths: WorkspacePaths, options: EditSessionOptions = {}) {
        this.onDidConflict = this.conflictEmitter.event;
        this.ownsStore = options.store === undefined;
        this.store = options.store ?? new ProposalStore({
            fs, paths, label: options.label ?? "Qwen agent edits",
            canWrite: (origin) => origin.kind !== "agent" || !options.canWrite || options.canWrite()
        });
        this.disposables.push(
            this.store.onDidChange(() => this.changeEmitter.fire(this.pending())),
            this.store.onDidDecide((decision) => this.onDecision(decision))
        );
    }

    /** This session's pending proposals, oldest first. */
    pending(): ProposalSummary[] {
        return this.store.pending((proposal) => proposal.type === "file" && this.owns(proposal));
    }

    /** Tells the UI when accepting found a conflict in this session's proposals (the model hears of it too). */
    readonly onDidConflict: Event<string>;

    /** The two sides of a pending proposal, for a diff view. */
    contents(id: number): { original: string; proposed: string; summary: ProposalSummary } | undefined {
        return this.store.contents(id);
    }

    /** A pending proposal as a unified diff. */
    diff(id: number, maxChars = Infinity): string {
        return this.store.diff(id, maxChars);
    }

    /** What happened to the model's proposals since it last heard (accepted, rejected, conflicts); cleared by reading. */
    takeNotesForModel(): string[] {
        return this.notes.splice(0, this.notes.length);
    }

    /** A new request (turn) of the session begins: what it proposes is recorded as that turn's. */
    beginTurn(): void {
        if (this.origin.kind === "agent") this.origin = { ...this.origin, turn: this.origin.turn + 1 };
    }

    /** Proposed by this session (any of its turns), or by the commands when this is the commands' session. */
    private owns(proposal: Proposal): boolean {
        const mine = this.origin;
        return mine.kind === "agent" ? proposal.origin.kind === "agent" && proposal.origin.session === mine.session : proposal.origin.kind === "command";
    }

    /** A file as the model should see it: its pending proposal if it has one, else what is there now. */
    async read(file: ResolvedPath): Promise<FileState> {
        const proposal = this.byTarget(file.abs);
        if (proposal?.link !== undefined) throw linkPending(proposal, file);
        if (proposal) return { exists: true, text: proposal.targetText, proposed: true };
        if (this.bySource(file.abs)) return { exists: false, proposed: true };
        const text = await this.diskText(file);
        return text === undefined ? { exists: false, proposed: false } : { exists: true, text, proposed: false };
    }

    /** Records what the model was shown of a file (read_file), so a later change behind its back is noticed. */
    noteSeen(file: ResolvedPath, state: FileState): void {
        if (!state.proposed && state.text !== undefined) this.seen.set(file.abs, state.text);
    }

    /** Proposes new content for an existing file (edit_file, create_file with overwrite). */
    proposeContent(file: ResolvedPath, text: string, basedOn: FileState): Promise<ProposalSummary> {
        return this.store.exclusive(async () => {
            checkProposedSize(file, text);
            const proposal = this.byTarget(file.abs);
            if (proposal?.link !== undefined) throw linkPending(proposal, file);
            if (proposal) {
                if (!basedOn.proposed || basedOn.text !== proposal.targetText) throw new ToolError(`${file.display} changed while this edit was prepared; try again.`);
                await this.checkSourceUnchanged(proposal, file);
                proposal.targetText = text;
                this.dropIfNoChange(proposal);
                return this.changed(proposal);
            }
            if (this.bySource(file.abs)) throw new ToolError(`${file.display} is being renamed or deleted in a pending change; it cannot be edited.`);
            const disk = await this.checkSeenUnchanged(file);
            if (disk === undefined) throw new ToolError(`${file.display} does not exist; use create_file for a new file.`);
            if (basedOn.text !== disk) throw new ToolError(`${file.display} changed while this edit was prepared; try again.`);
            const created = this.store.addFile({ origin: this.origin, source: file, sourceText: disk, target: file, targetText: text });
            this.dropIfNoChange(created);
            return this.announce(created);
        });
    }

    /** Proposes a new file. */
    proposeCreate(file: ResolvedPath, text: string): Promise<ProposalSummary> {
        return this.store.exclusive(async () => {
            checkProposedSize(file, text);
            if (this.byTarget(file.abs)) throw new ToolError(`${file.display} already exists (created or changed by you, not yet accepted); use edit_file to change it.`);
            const leaving = this.bySource(file.abs);
            if (leaving?.link !== undefined) {
                throw new ToolError(`${file.display} is a symbolic link that a pending change deletes or moves; it can be written once the user has accepted or rejected that.`);
            }
            if (leaving) {
                if (leaving.target !== undefined) {
                    throw new ToolError(`${file.display} is being renamed to ${leaving.target.display} in a pending change; choose another name.`);
                }
                // Deleted, then written again: one change of the existing file.
                leaving.target = leaving.source;
                leaving.targetText = text;
                this.dropIfNoChange(leaving);
                return this.changed(leaving);
            }
            if (await this.fs.lstat(file.abs)) throw new ToolError(`${file.display} already exists; use edit_file to change it, or create_file with overwrite=true to replace it.`);
            const created = this.store.addFile({ origin: this.origin, target: file, targetText: text });
            return this.announce(created);
        });
    }

    proposeDelete(file: ResolvedPath): Promise<ProposalSummary> {
        return this.store.exclusive(async () => {
            if (file.kind === "symlink") return this.proposeLinkChange(file, undefined);
            const proposal = this.byTarget(file.abs);
            if (proposal?.link !== undefined) throw linkPending(proposal, file);
            if (proposal) {
                await this.checkSourceUnchanged(proposal, file);
                if (!proposal.source) {
                    // Never created: nothing remains to review.
                    const summary = { ...summarize(proposal), kind: "delete" as const, added: 0, removed: 0 };
                    this.store.withdrawNow(proposal, "deleted before it was accepted");
                    this.store.fire();
                    return summary;
                }
                proposal.target = undefined;
                proposal.targetText = undefined;
                return this.changed(proposal);
            }
            if (this.bySource(file.abs)) throw new ToolError(`${file.display} no longer exists (a pending change renamed or deleted it).`);
            const disk = await this.checkSeenUnchanged(file);
            if (disk === undefined) throw new ToolError(`${file.display} does not exist.`);
            const created = this.store.addFile({ origin: this.origin, source: file, sourceText: disk });
            return this.announce(created);
        });
    }

    proposeRename(from: ResolvedPath, to: ResolvedPath): Promise<ProposalSummary> {
        return this.store.exclusive(async () => {
            if (from.abs === to.abs) throw new ToolError(`${from.display} and ${to.display} are the same file.`);
            if (this.byTarget(to.abs) || this.bySource(to.abs) || await this.fs.lstat(to.abs)) {
                throw new ToolError(`${to.display} already exists (or a pending change uses it); choose another name, or delete it first.`);
            }
            if (from.kind === "symlink") return this.proposeLinkChange(from, to);
            const proposal = this.byTarget(from.abs);
            if (proposal?.link !== undefined) throw linkPending(proposal, from);
            if (proposal) {
                await this.checkSourceUnchanged(proposal, from);
                proposal.target = to;
                return this.changed(proposal);
            }
            if (this.bySource(from.abs)) throw new ToolError(`${from.display} no longer exists (a pending change renamed or deleted it).`);
            const disk = await this.checkSeenUnchanged(from);
            if (disk === undefined) throw new ToolError(`${from.display} does not exist.`);
            const created = this.store.addFile({ origin: this.origin, source: from, sourceText: disk, target: to, targetText: disk });
            return this.announce(created);
        });
    }

    /** Deleting (`to` undefined) or moving a symbolic link itself: what it points to is never touched. */
    private async proposeLinkChange(link: ResolvedPath, to: ResolvedPath | undefined): Promise<ProposalSummary> {
        if (this.byTarget(link.abs) || this.bySource(link.abs)) throw new ToolError(`${link.display} already has a pending change; accept or reject it first.`);
        const held = link.linkTarget;
        if (held === undefined) throw new ToolError(`${link.display} is a symbolic link that cannot be read.`);
        if (to && !await this.linkStaysInside(to, held)) {
            throw new ToolError(`${link.display} is a symbolic link to ${held}; moved to ${to.display} it would point outside the workspace, so it is not moved.`);
        }
        const created = this.store.addFile({ origin: this.origin, source: link, sourceText: "", link: held, ...(to ? { target: to, targetText: "" } : {}) });
        return this.announce(created);
    }

    /** Where a relative link would lead from its new place: inside the workspace, or it stays where it is. */
    private async linkStaysInside(to: ResolvedPath, held: string): Promise<boolean> {
        const separator = /^[a-zA-Z]:\\/.test(to.abs) ? "\\" : "/";
        if (/^([a-zA-Z]:)?[\\/]/.test(held)) return true;
        const folder = to.abs.slice(0, to.abs.lastIndexOf(separator));
        const parts = folder.split(separator);
        for (const part of held.split(/[\\/]+/)) {
            if (part === "..") parts.pop();
            else if (part !== "." && part !== "") parts.push(part);
        }
        return this.paths.contains(parts.join(separator));
    }

    /** Applies the chosen pending proposals together; those whose file changed since are not applied (and withdrawn). */
    async accept(ids: readonly number[] | "all"): Promise<AcceptOutcome> {
        return this.store.accept(ids === "all" ? this.pending().map((proposal) => proposal.id) : ids);
    }

    reject(ids: readonly number[] | "all"): Promise<ProposalSummary[]> {
        return this.store.reject(ids === "all" ? this.pending().map((proposal) => proposal.id) : ids);
    }

    dispose(): void {
        for (const disposable of this.disposables.splice(0).reverse()) disposable.dispose();
        this.changeEmitter.dispose();
        this.conflictEmitter.dispose();
        if (this.ownsStore) this.store.dispose();
    }

    /** The user decided (here or in the review list): the model hears of it on its next step. */
    private onDecision(decision: Decision): void {
        const files = decision.proposals.filter((proposal): proposal is Proposal => proposal.type === "file" && this.owns(proposal));
        if (files.length === 0) return;
        const paths = files.map((proposal) => summarize(proposal).path).join(", ");
        if (decision.action === "accepted") {
            for (const proposal of files) if (proposal.target && proposal.targetText !== undefined) this.seen.set(proposal.target.abs, proposal.targetText);
            this.notes.push(`The user accepted and applied your changes to ${paths}.`);
        } else if (decision.action === "rejected") {
            this.notes.push(`The user rejected your changes to ${paths}; they were discarded and those files are as they were.`);
        } else if (decision.action === "conflict") {
            for (const conflict of decision.conflicts ?? []) {
                const proposal = files.find((file) => file.id === conflict.proposal.id);
                if (!proposal) continue;
                if (proposal.source && conflict.current !== undefined) this.seen.set(proposal.source.abs, conflict.current);
                this.notes.push(conflict.forModel);
                this.conflictEmitter.fire(conflict.message);
                // Based on content that is gone, it can never apply: the model makes it again on the current content.
                this.store.withdrawNow(proposal, conflict.message);
            }
        }
    }

    // -----------------------------------------------------------------------------------------------------------

    /** The decoded text on disk (or in an editor), undefined when there is nothing. */
    private diskText(file: ResolvedPath): Promise<string | undefined> {
        return this.store.readFileText(file);
    }

    /** The current text, after checking that it is what the model last saw of it. */
    private async checkSeenUnchanged(file: ResolvedPath): Promise<string | undefined> {
        const disk = await this.diskText(file);
        const seen = this.seen.get(file.abs);
        if (seen !== undefined && disk !== undefined && seen !== disk) {
            this.seen.set(file.abs, disk);
            throw new ToolError(changedMessage(file.display, disk, "Nothing was changed: make your change again based on the current content"));
        }
        return disk;
    }

    /** For a file with a pending proposal: its source must still hold what the proposal was based on. */
    private async checkSourceUnchanged(proposal: Proposal, file: ResolvedPath): Promise<void> {
        if (!proposal.source) return;
        const disk = await this.diskText(proposal.source).catch(() => undefined);
        if (disk === proposal.sourceText) return;
        this.store.withdrawNow(proposal, "its file changed before the agent changed it again");
        this.store.fire();
        if (disk !== undefined) this.seen.set(proposal.source.abs, disk);
        throw new ToolError(changedMessage(file.display, disk,
            "Your earlier pending changes to it were discarded and nothing was changed: make your changes again based on the current content"));
    }

    private byTarget(abs: string): Proposal | undefined {
        for (const proposal of this.files()) if (proposal.target?.abs === abs) return proposal;
        return undefined;
    }

    /** A proposal that takes the file away from `abs` (a deletion or a rename elsewhere). */
    private bySource(abs: string): Proposal | undefined {
        for (const proposal of this.files()) {
            if (proposal.source?.abs === abs && proposal.target?.abs !== abs) return proposal;
        }
        return undefined;
    }

    /** An edit back to the original is no change at all. */
    private dropIfNoChange(proposal: Proposal): void {
        if (proposal.source && proposal.target?.abs === proposal.source.abs && proposal.targetText === proposal.sourceText) {
            this.store.withdrawNow(proposal, "edited back to the original");
        }
    }

    private files(): Proposal[] {
        return this.store.list((proposal) => proposal.type === "file") as Proposal[];
    }

    private announce(proposal: Proposal): ProposalSummary {
        this.store.fire();
        return summarize(proposal);
    }

    private changed(proposal: Proposal): ProposalSummary {
        this.store.updated(proposal);
        this.store.fire();
        return summarize(proposal);
    }
}

function linkPending(proposal: Proposal, file: ResolvedPath): ToolError {
    return new ToolError(`${file.display} is the symbolic link to ${proposal.link} that a pending change moves there; `
        + "it can be changed again once the user has accepted or rejected that.");
}

/** A proposed file larger than the tools would ever read back is refused before anything diffs or holds it. */
function checkProposedSize(file: ResolvedPath, text: string): void {
    if (text.length > LIMITS.maxTextFileBytes) {
        throw new ToolError(`The proposed content of ${file.display} is ${formatBytes(text.length)} of text, more than the ${formatBytes(LIMITS.maxTextFileBytes)} `
            + "a file changed by the tools may have; nothing was proposed. Make smaller changes, or generate such a file with a command.");
    }
}
