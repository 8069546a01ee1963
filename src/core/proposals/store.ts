/**
 * Every proposed change of the workspace, in one place: the agent's whole-file changes and the commands' range
 * replacements (which may still be streaming), one id space, one review list, one way to accept and reject, one
 * history. Nothing is written until the user accepts; accepted proposals are applied together through the
 * WorkspaceFs (in the editor: one WorkspaceEdit, so one undo restores every file).
 *
 * Accepting checks each proposal twice, the same way whoever proposed it:
 * - the trust check (trust.ts): every file it writes still resolves, through the workspace rules of paths.ts
 *   (inside the folders, links resolved, never `.git`), to the very path that was checked when it was proposed;
 * - the conflict rule (conflict.ts): what it replaces is still there unchanged.
 * A proposal that fails either is not applied, stays open, and the outcome says why (`message` for the user,
 * `forModel` for the agent, which withdraws its own: the model is told to make it again).
 */
import { diffStats, unifiedDiff } from "../agent/diff";
import { ToolError } from "../agent/errors";
import type { ResolvedPath, WorkspacePaths } from "../agent/paths";
import { capMiddle, decodeText, LIMITS } from "../agent/text";
import { formatBytes } from "../util/bytes";
import type { FileChange, WorkspaceFs } from "../agent/workspaceFs";
import { Emitter, type Event } from "../events";
import { locateReplaced } from "./conflict";
import { ProposalHistory, type HistoryAction } from "./history";
import { recheckWritable } from "./trust";
import type { ProposalKind, ProposalOrigin, ProposalSummary } from "./types";

/** A whole-file change: create (no source), delete (no target), edit (same path) or rename. */
export interface FileProposal {
    readonly type: "file";
    readonly id: number;
    origin: ProposalOrigin;
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

/** A replacement of one range of one document (a command's rewrite, the chat's Apply). */
export interface RangeProposal {
    readonly type: "range";
    readonly id: number;
    readonly origin: ProposalOrigin;
    /** The command, for titles and messages ("Add Documentation"). */
    readonly title: string;
    /** The document as the host names it (the editor: its URI); a WorkspaceFs path when there is no host reader. */
    readonly document: string;
    /** The file, when the document is a file inside the workspace (checked with the workspace rules). */
    readonly file?: ResolvedPath;
    /** How it is shown: relative to its workspace folder, or the document's name. */
    readonly display: string;
    /** The document's text when proposed, and the range replaced (offsets into it). */
    readonly base: string;
    readonly start: number;
    readonly end: number;
    replacement: string;
    /** Still being written: it cannot be accepted yet, and the review list does not show it. */
    streaming: boolean;
    cached?: { replacement: string; summary: ProposalSummary };
}

export type Proposal = FileProposal | RangeProposal;

export interface Conflict {
    proposal: ProposalSummary;
    /** For the user: why it was not applied. */
    message: string;
    /** For the agent's model: the same, with the file's current content. */
    forModel: string;
    /** The file's current text, when it could be read. */
    current?: string;
}

export interface AcceptOutcome {
    applied: ProposalSummary[];
    /** Proposals not applied: what they replace changed, or a path no longer passes the workspace rules. */
    conflicts: Conflict[];
    /** For each applied range replacement: where its new text now is in the document (offsets). */
    placed?: Map<number, { start: number; end: number }>;
}

/** A decision on proposals, as it happens (the agent keeps its notes for the model from these). */
export interface Decision {
    action: Exclude<HistoryAction, "proposed" | "updated">;
    proposals: Proposal[];
    conflicts?: Conflict[];
}

export interface ProposalStoreOptions {
    fs: WorkspaceFs;
    paths: WorkspacePaths;
    /** Workspace Trust, checked before anything of this origin is written (the agent's changes need it). */
    canWrite?: (origin: ProposalOrigin) => boolean;
    /** A document's current text (an editor's unsaved buffer); without it, range documents are WorkspaceFs paths. */
    readDocument?: (document: string) => Promise<string | undefined>;
    /** Names the change in the editor's undo history when it is not one command's. */
    label?: string;
    /** Told what is about to be written, before it is (the checkpoints record the files' state). */
    onWillApply?: (changes: readonly FileChange[], proposals: readonly Proposal[]) => Promise<void>;
    now?: () => number;
}

export const RESTRICTED_APPLY_MESSAGE = "This workspace is not trusted (Restricted Mode), so the agent's changes cannot be applied.";

export class ProposalStore {
    readonly history: ProposalHistory;
    private readonly proposals = new Map<number, Proposal>();
    private nextId = 1;
    private queue: Promise<unknown> = Promise.resolve();
    private readonly changeEmitter = new Emitter<ProposalSummary[]>();
    private readonly updateEmitter = new Emitter<number>();
    private readonly decisionEmitter = new Emitter<Decision>();
    /** Fires with the pending proposals whenever the list changes (not while a range streams: see onDidUpdate). */
    readonly onDidChange: Event<ProposalSummary[]> = this.changeEmitter.event;
    /** A proposal's content changed (a streaming range, the agent editing its own change): its diff should refresh. */
    readonly onDidUpdate: Event<number> = this.updateEmitter.event;
    /** Proposals were accepted, rejected, found in conflict or withdrawn. */
    readonly onDidDecide: Event<Decision> = this.decisionEmitter.event;

    constructor(readonly options: ProposalStoreOptions) {
        this.history = new ProposalHistory(options.now);
    }

    /** The workspace folders changed: later checks use the new ones (pending proposals keep the paths they checked). */
    setWorkspace(fs: WorkspaceFs, paths: WorkspacePaths): void {
        this.options.fs = fs;
        this.options.paths = paths;
    }

    get fs(): WorkspaceFs {
        return this.options.fs;
    }

    get paths(): WorkspacePaths {
        return this.options.paths;
    }

    /** Proposals waiting for a decision (streaming ones are not), oldest first. */
    pending(filter?: (proposal: Proposal) => boolean): ProposalSummary[] {
        return this.list(filter).map(summarize);
    }

    /** The proposals themselves (streaming ones included with `includeStreaming`). */
    list(filter?: (proposal: Proposal) => boolean, includeStreaming = false): Proposal[] {
        return [...this.proposals.values()].filter((proposal) =>
            (includeStreaming || proposal.type !== "range" || !proposal.streaming) && (!filter || filter(proposal)));
    }

    get(id: number): Proposal | undefined {
        return this.proposals.get(id);
    }

    summary(id: number): ProposalSummary | undefined {
        const proposal = this.proposals.get(id);
        return proposal && summarize(proposal);
    }

    /** The two sides of a proposal, for a diff view: the file as it was proposed against, and with the change. */
    contents(id: number): { original: string; proposed: string; summary: ProposalSummary } | undefined {
        const proposal = this.proposals.get(id);
        if (!proposal) return undefined;
        if (proposal.type === "range") return { original: proposal.base, proposed: resultOf(proposal), summary: summarize(proposal) };
        if (proposal.link !== undefined) {
            const shown = `symbolic link to ${proposal.link}\n`;
            return { original: shown, proposed: proposal.target ? shown : "", summary: summarize(proposal) };
        }
        return { original: proposal.sourceText ?? "", proposed: proposal.targetText ?? "", summary: summarize(proposal) };
    }

    /** A proposal as a unified diff. */
    diff(id: number, maxChars = Infinity): string {
        const proposal = this.proposals.get(id);
        if (!proposal) return "";
        if (proposal.type === "range") return unifiedDiff(proposal.display, proposal.display, proposal.base, resultOf(proposal), maxChars);
        const from = proposal.source?.display ?? proposal.target?.display ?? "";
        const to = proposal.target?.display ?? from;
        if (proposal.link !== undefined) {
            return proposal.target ? `rename symbolic link ${from} → ${to} (to ${proposal.link})` : `delete symbolic link ${from} (to ${proposal.link})`;
        }
        return unifiedDiff(from, to, proposal.source ? proposal.sourceText : undefined, proposal.target ? proposal.targetText : undefined, maxChars);
    }

    // ---- producers

    /** Registers a whole-file proposal (the agent's edit session builds them). Call inside `exclusive`. */
    addFile(fields: Omit<FileProposal, "type" | "id" | "cached">): FileProposal {
        const proposal: FileProposal = { type: "file", id: this.nextId++, ...fields };
        this.proposals.set(proposal.id, proposal);
        this.record("proposed", proposal);
        return proposal;
    }

    /** A whole-file proposal changed again (the agent edited its own pending change). Call inside `exclusive`. */
    updated(proposal: Proposal): void {
        if (!this.proposals.has(proposal.id)) return;
        this.record("updated", proposal);
        this.updateEmitter.fire(proposal.id);
    }

    /**
     * Proposes replacing `start`..`end` of a document whose text is `base`. It streams (`streaming`, not in the review
     * list) until `finish`. A file inside the workspace is given as `file`, resolved with the workspace rules for
     * writing: the same check repeats when it is accepted.
     */
    proposeRange(init: {
        origin: ProposalOrigin; title: string; document: string; display: string; file?: ResolvedPath;
        base: string; start: number; end: number; replacement?: string; streaming?: boolean;
    }): RangeProposal {
        if (init.start < 0 || init.end < init.start || init.end > init.base.length) throw new Error(`The range ${init.start}..${init.end} is not in ${init.display}.`);
        const proposal: RangeProposal = {
            type: "range", id: this.nextId++, origin: init.origin, title: init.title, document: init.document, display: init.display,
            ...(init.file ? { file: init.file } : {}), base: init.base, start: init.start, end: init.end,
            replacement: init.replacement ?? "", streaming: init.streaming ?? true
        };
        this.proposals.set(proposal.id, proposal);
        this.record("proposed", proposal);
        if (!proposal.streaming) this.fire();
        return proposal;
    }

    /** The replacement so far, as it streams. */
    updateRange(id: number, replacement: string): void {
        const proposal = this.proposals.get(id);
        if (proposal?.type !== "range" || proposal.replacement === replacement) return;
        proposal.replacement = replacement;
        this.updateEmitter.fire(id);
    }

    /** The final replacement: the proposal joins the review list and can be accepted. */
    finishRange(id: number, replacement: string): void {
        const proposal = this.proposals.get(id);
        if (proposal?.type !== "range") return;
        proposal.replacement = replacement;
        proposal.streaming = false;
        this.record("updated", proposal);
        this.updateEmitter.fire(id);
        this.fire();
    }

    // ---- decisions

    /** Applies the chosen proposals together; those that fail the trust check or the conflict rule stay open. */
    accept(ids: readonly number[] | "all"): Promise<AcceptOutcome> {
        return this.exclusive(async () => {
            const chosen = this.select(ids);
            if (chosen.some((proposal) => this.options.canWrite && !this.options.canWrite(proposal.origin))) throw new Error(RESTRICTED_APPLY_MESSAGE);
            const ready: { proposal: Proposal; change: FileChange; placed?: { start: number; end: number } }[] = [];
            const conflicts: Conflict[] = [];
            for (const proposal of chosen) {
                const checked = await this.check(proposal);
                if ("change" in checked) ready.push({ proposal, ...checked });
                else conflicts.push({ proposal: summarize(proposal), ...checked });
            }
            for (const conflict of conflicts) this.record("conflict", this.proposals.get(conflict.proposal.id)!, conflict.message);
            if (conflicts.length > 0) {
                this.decisionEmitter.fire({ action: "conflict", proposals: conflicts.map((c) => this.proposals.get(c.proposal.id)!), conflicts });
            }
            const placed = new Map<number, { start: number; end: number }>();
            if (ready.length > 0) {
                await this.options.onWillApply?.(ready.map((item) => item.change), ready.map((item) => item.proposal));
                await this.options.fs.applyChanges(ready.map((item) => item.change), this.labelFor(ready.map((item) => item.proposal)));
                for (const item of ready) {
                    this.proposals.delete(item.proposal.id);
                    this.record("accepted", item.proposal);
                    if (item.placed) placed.set(item.proposal.id, item.placed);
                }
                this.decisionEmitter.fire({ action: "accepted", proposals: ready.map((item) => item.proposal) });
            }
            this.fire();
            return { applied: ready.map((item) => summarize(item.proposal)), conflicts, placed };
        });
    }

    reject(ids: readonly number[] | "all"): Promise<ProposalSummary[]> {
        return this.exclusive(async () => this.decide(this.select(ids), "rejected"));
    }

    /** Drops proposals without the user deciding (a cancelled command, a change its producer made moot). */
    withdraw(ids: readonly number[], message?: string): Promise<ProposalSummary[]> {
        return this.exclusive(async () => this.decide(ids.map((id) => this.proposals.get(id)).filter(isDefined), "withdrawn", message));
    }

    /** `withdraw` for code already inside `exclusive` (the agent's edit session). Fires nothing: the caller does. */
    withdrawNow(proposal: Proposal, message?: string): void {
        if (!this.proposals.delete(proposal.id)) return;
        this.record("withdrawn", proposal, message);
    }

    /** Tells listeners the list changed (after `withdrawNow` or an agent's change). */
    fire(): void {
        this.changeEmitter.fire(this.pending());
    }

    /** One change at a time: producers and the review change proposals from different places. */
    exclusive<T>(work: () => Promise<T>): Promise<T> {
        const run = this.queue.then(work, work);
        this.queue = run.catch(() => undefined);
        return run;
    }

    dispose(): void {
        this.changeEmitter.dispose();
        this.updateEmitter.dispose();
        this.decisionEmitter.dispose();
    }

    // -----------------------------------------------------------------------------------------------------------

    private decide(chosen: Proposal[], action: "rejected" | "withdrawn", message?: string): ProposalSummary[] {
        const summaries = chosen.map(summarize);
        for (const proposal of chosen) {
            this.proposals.delete(proposal.id);
            this.record(action, proposal, message);
        }
        if (chosen.length > 0) {
            this.decisionEmitter.fire({ action, proposals: chosen });
            this.fire();
        }
        return summaries;
    }

    private select(ids: readonly number[] | "all"): Proposal[] {
        const chosen = ids === "all" ? [...this.proposals.values()] : ids.map((id) => this.proposals.get(id)).filter(isDefined);
        return chosen.filter((proposal) => proposal.type !== "range" || !proposal.streaming);
    }

    private labelFor(proposals: Proposal[]): string {
        const commands = new Set(proposals.map((proposal) => proposal.origin.kind === "command" ? proposal.origin.command : ""));
        const [only] = commands;
        return commands.size === 1 && only ? `Qwen: ${only}` : this.options.label ?? "Qwen agent edits";
    }

    private record(action: HistoryAction, proposal: Proposal, message?: string): void {
        const summary = summarize(proposal);
        this.history.record({
            action, proposalId: proposal.id, origin: proposal.origin, kind: summary.kind, path: summary.path,
            ...(summary.from !== undefined ? { from: summary.from } : {}), ...(message !== undefined ? { message } : {})
        });
    }

    /** The trust check, then the conflict rule: the change to apply, or why not. */
    private async check(proposal: Proposal): Promise<{ change: FileChange; placed?: { start: number; end: number } } | { message: string; forModel: string; current?: string }> {
        if (proposal.type === "range") return this.checkRange(proposal);
        const sides = [proposal.source, proposal.target].filter(isDefined);
        for (const side of sides) {
            const problem = await recheckWritable(this.options.paths, side, { entry: proposal.link !== undefined && side === proposal.source });
            if (problem !== undefined) return { message: problem, forModel: `Your change to ${side.display} was not applied: ${problem}` };
        }
        if (proposal.source && proposal.link !== undefined) {
            const now = await this.options.fs.readlink(proposal.source.abs).catch(() => undefined);
            if (now !== proposal.link) {
                return {
                    message: `${proposal.source.display} is no longer the symbolic link it was, so it was left alone.`,
                    forModel: `${proposal.source.display} changed since you looked (it is no longer a link to ${proposal.link}); your change was NOT applied.`
                };
            }
        } else if (proposal.source) {
            let current: string | undefined;
            try {
                current = await this.fileText(proposal.source);
            } catch (error) {
                const reason = error instanceof Error ? error.message : String(error);
                return { message: reason, forModel: `Your change to ${proposal.source.display} was not applied: ${reason}` };
            }
            // The conflict rule: a whole-file change replaces the whole file, which must be as it was.
            const base = proposal.sourceText ?? "";
            if (current === undefined || !locateReplaced(current, { base, start: 0, end: base.length })) {
                return {
                    message: `${proposal.source.display} changed since the agent read it, so it was not overwritten.`,
                    forModel: changedMessage(proposal.source.display, current, "Your change to it was NOT applied: make it again based on the current content"),
                    ...(current !== undefined ? { current } : {})
                };
            }
        }
        if (proposal.target && proposal.target.abs !== proposal.source?.abs && await this.options.fs.lstat(proposal.target.abs)) {
            return {
                message: `${proposal.target.display} exists now, so it was not overwritten.`,
                forModel: `${proposal.target.display} was created by someone else meanwhile, so your change was NOT applied; read it and decide again.`
            };
        }
        return { change: toChange(proposal) };
    }

    private async checkRange(proposal: RangeProposal): Promise<{ change: FileChange; placed: { start: number; end: number } } | { message: string; forModel: string; current?: string }> {
        if (proposal.file) {
            const problem = await recheckWritable(this.options.paths, proposal.file, {});
            if (problem !== undefined) return { message: problem, forModel: problem };
        }
        let current: string | undefined;
        try {
            current = this.options.readDocument ? await this.options.readDocument(proposal.document) : await this.fileText(proposal.file ?? pathOnly(proposal));
        } catch (error) {
            const reason = error instanceof Error ? error.message : String(error);
            return { message: reason, forModel: reason };
        }
        const where = current === undefined ? undefined : locateReplaced(current, { base: proposal.base, start: proposal.start, end: proposal.end, result: resultOf(proposal) });
        if (current === undefined || !where) {
            const message = `${proposal.display} changed where Qwen's change goes, so it was not applied. `
                + "The proposal stays open: copy what you need from it, or run the command again.";
            return { message, forModel: message, ...(current !== undefined ? { current } : {}) };
        }
        return {
            change: {
                kind: "replace", document: proposal.document, ...(proposal.file ? { path: proposal.file.abs } : {}),
                start: where.start, end: where.end, before: current, text: proposal.replacement
            },
            placed: { start: where.start, end: where.start + proposal.replacement.length }
        };
    }

    /** The decoded text of a file (an editor's unsaved text where there is one), undefined when there is nothing. */
    private async fileText(file: ResolvedPath): Promise<string | undefined> {
        const stat = await this.options.fs.lstat(file.abs);
        if (!stat) return undefined;
        if (stat.kind === "directory") throw new ToolError(`${file.display} is a folder, not a file (list_dir shows what is in it).`);
        if (stat.kind !== "file") throw new ToolError(`${file.display} is not a regular file.`);
        if (stat.size > LIMITS.maxTextFileBytes) {
            throw new ToolError(`${file.display} is ${formatBytes(stat.size)}, more than the ${formatBytes(LIMITS.maxTextFileBytes)} the tools read; use search_text to find what you need in it.`);
        }
        const decoded = decodeText(await this.options.fs.readFile(file.abs, LIMITS.maxTextFileBytes + 1));
        if (!decoded.ok) throw new ToolError(`${file.display} ${decoded.reason} (${formatBytes(stat.size)}); its content cannot be shown or edited.`);
        return decoded.text;
    }

    /** For the agent's edit session: a file's current text, read the way `accept` reads it. */
    readFileText(file: ResolvedPath): Promise<string | undefined> {
        return this.fileText(file);
    }
}

/** The document's text with the replacement in place (as proposed against `base`). */
export function resultOf(proposal: RangeProposal): string {
    return proposal.base.slice(0, proposal.start) + proposal.replacement + proposal.base.slice(proposal.end);
}

export function kindOf(proposal: Proposal): ProposalKind {
    if (proposal.type === "range") return "modify";
    if (!proposal.source) return "create";
    if (!proposal.target) return "delete";
    return proposal.source.abs === proposal.target.abs ? "modify" : "rename";
}

export function summarize(proposal: Proposal): ProposalSummary {
    if (proposal.type === "range") {
        if (proposal.cached?.replacement === proposal.replacement) return proposal.cached.summary;
        const summary: ProposalSummary = {
            id: proposal.id, kind: "modify", path: proposal.display, absPath: proposal.file?.abs ?? proposal.document,
            ...diffStats(proposal.base.slice(proposal.start, proposal.end), proposal.replacement), range: true
        };
        proposal.cached = { replacement: proposal.replacement, summary };
        return summary;
    }
    const cached = proposal.cached;
    if (cached && cached.source === proposal.source && cached.target === proposal.target
        && cached.sourceText === proposal.sourceText && cached.targetText === proposal.targetText) {
        return cached.summary;
    }
    const kind = kindOf(proposal);
    const shown = (proposal.target ?? proposal.source)!;
    const stats = diffStats(proposal.source ? proposal.sourceText ?? "" : "", proposal.target ? proposal.targetText ?? "" : "");
    const summary: ProposalSummary = {
        id: proposal.id,
        kind,
        path: shown.display,
        absPath: shown.abs,
        ...(kind === "rename" ? { from: proposal.source!.display, fromAbsPath: proposal.source!.abs } : {}),
        ...stats
    };
    proposal.cached = { source: proposal.source, target: proposal.target, sourceText: proposal.sourceText, targetText: proposal.targetText, summary };
    return summary;
}

function toChange(proposal: FileProposal): FileChange {
    const link = proposal.link !== undefined ? { link: proposal.link } : {};
    switch (kindOf(proposal)) {
        case "create": return { kind: "create", path: proposal.target!.abs, text: proposal.targetText ?? "" };
        case "delete": return { kind: "delete", path: proposal.source!.abs, before: proposal.sourceText ?? "", ...link };
        case "modify": return { kind: "modify", path: proposal.target!.abs, before: proposal.sourceText ?? "", after: proposal.targetText ?? "" };
        case "rename": return {
            kind: "rename", from: proposal.source!.abs, to: proposal.target!.abs, before: proposal.sourceText ?? "", after: proposal.targetText ?? "", ...link
        };
    }
}

/** A range document without a host reader is a WorkspaceFs path (the CLI, the tests). */
function pathOnly(proposal: RangeProposal): ResolvedPath {
    return { abs: proposal.document, display: proposal.display, root: { name: "", path: "" } };
}

export function changedMessage(display: string, current: string | undefined, consequence: string): string {
    if (current === undefined) return `${display} was deleted since you read it. ${consequence}.`;
    const shown = capMiddle(current, LIMITS.conflictChars);
    return `${display} changed since you read it (it was edited outside the agent). ${consequence}. `
        + `Its current content${shown.truncated ? " (shortened; read_file shows all of it)" : ""}:\n${shown.text}`;
}

function isDefined<T>(value: T | undefined): value is T {
    return value !== undefined;
}
