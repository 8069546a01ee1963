/**
 * The agent's changes as proposals: nothing is written until the user accepts. Tools read through the session, so
 * the model sees its own pending changes; the user accepts or rejects per file or all, at any time, and accepted
 * proposals are applied together (in the editor: one WorkspaceEdit, so one undo restores every file).
 *
 * A proposal records the content it was based on. A file that changed since (on disk, or in an editor) is never
 * overwritten: editing it fails with the fresh content, accepting it drops the proposal and tells the model.
 */
import { Emitter, type Event } from "../events";
import { diffStats, unifiedDiff } from "./diff";
import { ToolError } from "./errors";
import type { ResolvedPath, WorkspacePaths } from "./paths";
import { formatBytes } from "../util/bytes";
import { capMiddle, decodeText, LIMITS } from "./text";
import type { FileChange, WorkspaceFs } from "./workspaceFs";
import type { ProposalKind, ProposalSummary } from "./events";

// Plain data the UIs render: defined with the events (browser-safe), re-exported here where they are made.
export type { ProposalKind, ProposalSummary };

interface Proposal {
    readonly id: number;
    /** Where the content came from: undefined for a new file. */
    source?: ResolvedPath;
    /** The source's content when the proposal was made: what must still be there when it is applied. */
    sourceText?: string;
    /** Where the content ends up: undefined when the file is deleted. */
    target?: ResolvedPath;
    targetText?: string;
    /** A symbolic link deleted or moved as itself: what it holds (its content is never read or written). */
    link?: string;
    /** The last summary and what it was computed from: a diff is computed once per change, not per look. */
    cached?: { source?: ResolvedPath; target?: ResolvedPath; sourceText?: string; targetText?: string; summary: ProposalSummary };
}

export interface AcceptOutcome {
    applied: ProposalSummary[];
    /** Proposals dropped because their file changed since the agent read it. */
    conflicts: { proposal: ProposalSummary; message: string }[];
}

export interface EditSessionOptions {
    /** Checked before anything is written (Workspace Trust). */
    canWrite?: () => boolean;
    /** Names the change in the editor's undo history. */
    label?: string;
}

interface FileState {
    exists: boolean;
    text?: string;
    /** True when the text is the session's proposal, not what is on disk. */
    proposed: boolean;
}

export class EditSession {
    private readonly proposals = new Map<number, Proposal>();
    /** What the model last saw of each file (read or written by its tools), to notice changes made behind its back. */
    private readonly seen = new Map<string, string>();
    private readonly notes: string[] = [];
    private nextId = 1;
    private queue: Promise<unknown> = Promise.resolve();
    private readonly changeEmitter = new Emitter<ProposalSummary[]>();
    /** Fires with the pending proposals whenever they change. */
    readonly onDidChange: Event<ProposalSummary[]> = this.changeEmitter.event;

    constructor(readonly fs: WorkspaceFs, readonly paths: WorkspacePaths, private readonly options: EditSessionOptions = {}) {}

    /** Pending proposals, oldest first. */
    pending(): ProposalSummary[] {
        return [...this.proposals.values()].map((proposal) => summarize(proposal));
    }

    /** The two sides of a pending proposal, for a diff view. */
    contents(id: number): { original: string; proposed: string; summary: ProposalSummary } | undefined {
        const proposal = this.proposals.get(id);
        if (!proposal) return undefined;
        if (proposal.link !== undefined) {
            const shown = `symbolic link to ${proposal.link}\n`;
            return { original: shown, proposed: proposal.target ? shown : "", summary: summarize(proposal) };
        }
        return { original: proposal.sourceText ?? "", proposed: proposal.targetText ?? "", summary: summarize(proposal) };
    }

    /** A pending proposal as a unified diff. */
    diff(id: number, maxChars = Infinity): string {
        const proposal = this.proposals.get(id);
        if (!proposal) return "";
        const from = proposal.source?.display ?? proposal.target?.display ?? "";
        const to = proposal.target?.display ?? from;
        if (proposal.link !== undefined) {
            return proposal.target ? `rename symbolic link ${from} → ${to} (to ${proposal.link})` : `delete symbolic link ${from} (to ${proposal.link})`;
        }
        return unifiedDiff(from, to, proposal.source ? proposal.sourceText : undefined, proposal.target ? proposal.targetText : undefined, maxChars);
    }

    /** What happened to the model's proposals since it last heard (accepted, rejected, conflicts); cleared by reading. */
    takeNotesForModel(): string[] {
        return this.notes.splice(0, this.notes.length);
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
        return this.exclusive(async () => {
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
            const created: Proposal = { id: this.nextId++, source: file, sourceText: disk, target: file, targetText: text };
            this.proposals.set(created.id, created);
            this.dropIfNoChange(created);
            return this.changed(created);
        });
    }

    /** Proposes a new file. */
    proposeCreate(file: ResolvedPath, text: string): Promise<ProposalSummary> {
        return this.exclusive(async () => {
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
            const created: Proposal = { id: this.nextId++, target: file, targetText: text };
            this.proposals.set(created.id, created);
            return this.changed(created);
        });
    }

    proposeDelete(file: ResolvedPath): Promise<ProposalSummary> {
        return this.exclusive(async () => {
            if (file.kind === "symlink") return this.proposeLinkChange(file, undefined);
            const proposal = this.byTarget(file.abs);
            if (proposal?.link !== undefined) throw linkPending(proposal, file);
            if (proposal) {
                await this.checkSourceUnchanged(proposal, file);
                if (!proposal.source) {
                    // Never created: nothing remains to review.
                    this.proposals.delete(proposal.id);
                    const summary = { ...summarize(proposal), kind: "delete" as const, added: 0, removed: 0 };
                    this.fire();
                    return summary;
                }
                proposal.target = undefined;
                proposal.targetText = undefined;
                return this.changed(proposal);
            }
            if (this.bySource(file.abs)) throw new ToolError(`${file.display} no longer exists (a pending change renamed or deleted it).`);
            const disk = await this.checkSeenUnchanged(file);
            if (disk === undefined) throw new ToolError(`${file.display} does not exist.`);
            const created: Proposal = { id: this.nextId++, source: file, sourceText: disk };
            this.proposals.set(created.id, created);
            return this.changed(created);
        });
    }

    proposeRename(from: ResolvedPath, to: ResolvedPath): Promise<ProposalSummary> {
        return this.exclusive(async () => {
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
            const created: Proposal = { id: this.nextId++, source: from, sourceText: disk, target: to, targetText: disk };
            this.proposals.set(created.id, created);
            return this.changed(created);
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
        const created: Proposal = { id: this.nextId++, source: link, sourceText: "", link: held, ...(to ? { target: to, targetText: "" } : {}) };
        this.proposals.set(created.id, created);
        return this.changed(created);
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

    /** Applies the chosen pending proposals together; those whose file changed since are dropped, not applied. */
    accept(ids: readonly number[] | "all"): Promise<AcceptOutcome> {
        return this.exclusive(async () => {
            if (this.options.canWrite && !this.options.canWrite()) {
                throw new Error("This workspace is not trusted (Restricted Mode), so the agent's changes cannot be applied.");
            }
            const chosen = this.select(ids);
            const ready: Proposal[] = [];
            const conflicts: AcceptOutcome["conflicts"] = [];
            for (const proposal of chosen) {
                const problem = await this.applyProblem(proposal);
                if (problem === undefined) {
                    ready.push(proposal);
                    continue;
                }
                this.proposals.delete(proposal.id);
                conflicts.push({ proposal: summarize(proposal), message: problem.forUser });
                this.notes.push(problem.forModel);
            }
            if (ready.length > 0) {
                await this.fs.applyChanges(ready.map(toChange), this.options.label ?? "Qwen agent edits");
                for (const proposal of ready) {
                    this.proposals.delete(proposal.id);
                    if (proposal.target && proposal.targetText !== undefined) this.seen.set(proposal.target.abs, proposal.targetText);
                }
                this.notes.push(`The user accepted and applied your changes to ${ready.map((p) => summarize(p).path).join(", ")}.`);
            }
            this.fire();
            return { applied: ready.map((proposal) => summarize(proposal)), conflicts };
        });
    }

    reject(ids: readonly number[] | "all"): Promise<ProposalSummary[]> {
        return this.exclusive(async () => {
            const chosen = this.select(ids);
            for (const proposal of chosen) this.proposals.delete(proposal.id);
            if (chosen.length > 0) {
                this.notes.push(`The user rejected your changes to ${chosen.map((p) => summarize(p).path).join(", ")}; `
                    + "they were discarded and those files are as they were.");
                this.fire();
            }
            return chosen.map((proposal) => summarize(proposal));
        });
    }

    dispose(): void {
        this.changeEmitter.dispose();
    }

    // -----------------------------------------------------------------------------------------------------------

    /** The decoded text on disk (or in an editor), undefined when there is nothing. */
    private async diskText(file: ResolvedPath): Promise<string | undefined> {
        const stat = await this.fs.lstat(file.abs);
        if (!stat) return undefined;
        if (stat.kind === "directory") throw new ToolError(`${file.display} is a folder, not a file (list_dir shows what is in it).`);
        if (stat.kind !== "file") throw new ToolError(`${file.display} is not a regular file.`);
        if (stat.size > LIMITS.maxTextFileBytes) {
            throw new ToolError(`${file.display} is ${formatBytes(stat.size)}, more than the ${formatBytes(LIMITS.maxTextFileBytes)} the tools read; use search_text to find what you need in it.`);
        }
        const decoded = decodeText(await this.fs.readFile(file.abs, LIMITS.maxTextFileBytes + 1));
        if (!decoded.ok) throw new ToolError(`${file.display} ${decoded.reason} (${formatBytes(stat.size)}); its content cannot be shown or edited.`);
        return decoded.text;
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
        this.proposals.delete(proposal.id);
        this.fire();
        if (disk !== undefined) this.seen.set(proposal.source.abs, disk);
        throw new ToolError(changedMessage(file.display, disk,
            "Your earlier pending changes to it were discarded and nothing was changed: make your changes again based on the current content"));
    }

    private async applyProblem(proposal: Proposal): Promise<{ forUser: string; forModel: string } | undefined> {
        for (const side of [proposal.source, proposal.target]) {
            if (!side) continue;
            try {
                const again = await this.paths.resolve(side.display, { purpose: "write", entry: proposal.link !== undefined && side === proposal.source });
                if (again.abs !== side.abs) throw new ToolError(`${side.display} now leads somewhere else.`);
            } catch (error) {
                const reason = error instanceof Error ? error.message : String(error);
                return { forUser: reason, forModel: `Your change to ${side.display} was not applied: ${reason}` };
            }
        }
        if (proposal.source && proposal.link !== undefined) {
            const now = await this.fs.readlink(proposal.source.abs).catch(() => undefined);
            if (now !== proposal.link) {
                return {
                    forUser: `${proposal.source.display} is no longer the symbolic link it was, so it was left alone.`,
                    forModel: `${proposal.source.display} changed since you looked (it is no longer a link to ${proposal.link}); your change was NOT applied.`
                };
            }
        } else if (proposal.source) {
            let disk: string | undefined;
            try {
                disk = await this.diskText(proposal.source);
            } catch (error) {
                const reason = error instanceof Error ? error.message : String(error);
                return { forUser: reason, forModel: `Your change to ${proposal.source.display} was not applied: ${reason}` };
            }
            if (disk !== proposal.sourceText) {
                if (disk !== undefined) this.seen.set(proposal.source.abs, disk);
                return {
                    forUser: `${proposal.source.display} changed since the agent read it, so it was not overwritten.`,
                    forModel: changedMessage(proposal.source.display, disk, "Your change to it was NOT applied: make it again based on the current content")
                };
            }
        }
        if (proposal.target && proposal.target.abs !== proposal.source?.abs && await this.fs.lstat(proposal.target.abs)) {
            return {
                forUser: `${proposal.target.display} exists now, so it was not overwritten.`,
                forModel: `${proposal.target.display} was created by someone else meanwhile, so your change was NOT applied; read it and decide again.`
            };
        }
        return undefined;
    }

    private select(ids: readonly number[] | "all"): Proposal[] {
        if (ids === "all") return [...this.proposals.values()];
        return ids.map((id) => this.proposals.get(id)).filter((proposal): proposal is Proposal => proposal !== undefined);
    }

    private byTarget(abs: string): Proposal | undefined {
        for (const proposal of this.proposals.values()) if (proposal.target?.abs === abs) return proposal;
        return undefined;
    }

    /** A proposal that takes the file away from `abs` (a deletion or a rename elsewhere). */
    private bySource(abs: string): Proposal | undefined {
        for (const proposal of this.proposals.values()) {
            if (proposal.source?.abs === abs && proposal.target?.abs !== abs) return proposal;
        }
        return undefined;
    }

    /** An edit back to the original is no change at all. */
    private dropIfNoChange(proposal: Proposal): void {
        if (proposal.source && proposal.target?.abs === proposal.source.abs && proposal.targetText === proposal.sourceText) {
            this.proposals.delete(proposal.id);
        }
    }

    private changed(proposal: Proposal): ProposalSummary {
        this.fire();
        return summarize(proposal);
    }

    private fire(): void {
        this.changeEmitter.fire(this.pending());
    }

    /** Tools and the review UI change proposals from different places; one change at a time. */
    private exclusive<T>(work: () => Promise<T>): Promise<T> {
        const run = this.queue.then(work, work);
        this.queue = run.catch(() => undefined);
        return run;
    }
}

function kindOf(proposal: Proposal): ProposalKind {
    if (!proposal.source) return "create";
    if (!proposal.target) return "delete";
    return proposal.source.abs === proposal.target.abs ? "modify" : "rename";
}

function summarize(proposal: Proposal): ProposalSummary {
    const cached = proposal.cached;
    if (cached && cached.source === proposal.source && cached.target === proposal.target
        && cached.sourceText === proposal.sourceText && cached.targetText === proposal.targetText) {
        return cached.summary;
    }
    const summary = computeSummary(proposal);
    proposal.cached = { source: proposal.source, target: proposal.target, sourceText: proposal.sourceText, targetText: proposal.targetText, summary };
    return summary;
}

function computeSummary(proposal: Proposal): ProposalSummary {
    const kind = kindOf(proposal);
    const shown = (proposal.target ?? proposal.source)!;
    const stats = diffStats(proposal.source ? proposal.sourceText ?? "" : "", proposal.target ? proposal.targetText ?? "" : "");
    return {
        id: proposal.id,
        kind,
        path: shown.display,
        absPath: shown.abs,
        ...(kind === "rename" ? { from: proposal.source!.display, fromAbsPath: proposal.source!.abs } : {}),
        ...stats
    };
}

function toChange(proposal: Proposal): FileChange {
    switch (kindOf(proposal)) {
        case "create": return { kind: "create", path: proposal.target!.abs, text: proposal.targetText ?? "" };
        case "delete": return { kind: "delete", path: proposal.source!.abs, before: proposal.sourceText ?? "", ...linkOf(proposal) };
        case "modify": return { kind: "modify", path: proposal.target!.abs, before: proposal.sourceText ?? "", after: proposal.targetText ?? "" };
        case "rename": return {
            kind: "rename", from: proposal.source!.abs, to: proposal.target!.abs, before: proposal.sourceText ?? "", after: proposal.targetText ?? "",
            ...linkOf(proposal)
        };
    }
}

function linkPending(proposal: Proposal, file: ResolvedPath): ToolError {
    return new ToolError(`${file.display} is the symbolic link to ${proposal.link} that a pending change moves there; `
        + "it can be changed again once the user has accepted or rejected that.");
}

function linkOf(proposal: Proposal): { link?: string } {
    return proposal.link !== undefined ? { link: proposal.link } : {};
}

/** A proposed file larger than the tools would ever read back is refused before anything diffs or holds it. */
function checkProposedSize(file: ResolvedPath, text: string): void {
    if (text.length > LIMITS.maxTextFileBytes) {
        throw new ToolError(`The proposed content of ${file.display} is ${formatBytes(text.length)} of text, more than the ${formatBytes(LIMITS.maxTextFileBytes)} `
            + "a file changed by the tools may have; nothing was proposed. Make smaller changes, or generate such a file with a command.");
    }
}

function changedMessage(display: string, current: string | undefined, consequence: string): string {
    if (current === undefined) return `${display} was deleted since you read it. ${consequence}.`;
    const shown = capMiddle(current, LIMITS.conflictChars);
    return `${display} changed since you read it (it was edited outside the agent). ${consequence}. `
        + `Its current content${shown.truncated ? " (shortened; read_file shows all of it)" : ""}:\n${shown.text}`;
}
