/**
 * What happened to proposals, in order: who proposed what and when, and what was accepted, rejected, found in
 * conflict or withdrawn. Queryable by origin (an agent turn, a command), by proposal and by action — what the agent's
 * checkpoints are built on. Kept in memory, capped (the oldest entries go first).
 */
import type { ProposalKind, ProposalOrigin } from "./types";

export type HistoryAction =
    /** Proposed (for a streaming range: once, when it starts). */
    | "proposed"
    /** Proposed again with new content (the agent edited its own pending change, or the stream finished). */
    | "updated"
    | "accepted"
    | "rejected"
    /** Not applied because what it replaces changed since it was proposed (`message` says how). */
    | "conflict"
    /** Dropped without the user deciding: a cancelled command, a proposal made moot by its producer. */
    | "withdrawn";

export interface HistoryEntry {
    /** 1-based, in the order things happened. */
    seq: number;
    /** Milliseconds since the epoch (the store's clock). */
    at: number;
    action: HistoryAction;
    proposalId: number;
    origin: ProposalOrigin;
    kind: ProposalKind;
    path: string;
    /** For a rename: where the file was. */
    from?: string;
    message?: string;
}

export interface HistoryQuery {
    /** Entries of proposals from this origin: `{ kind: "agent", session: 1 }` matches every turn of session 1. */
    origin?: Partial<Pick<Extract<ProposalOrigin, { kind: "agent" }>, "session" | "turn">> & { kind: ProposalOrigin["kind"]; command?: string };
    proposalId?: number;
    action?: HistoryAction | readonly HistoryAction[];
    /** At or after this time. */
    since?: number;
}

const DEFAULT_CAP = 10_000;

export class ProposalHistory {
    private readonly list: HistoryEntry[] = [];
    private seq = 0;

    constructor(private readonly now: () => number = Date.now, private readonly cap = DEFAULT_CAP) {}

    record(entry: Omit<HistoryEntry, "seq" | "at">): HistoryEntry {
        const recorded: HistoryEntry = { ...entry, seq: ++this.seq, at: this.now() };
        this.list.push(recorded);
        if (this.list.length > this.cap) this.list.splice(0, this.list.length - this.cap);
        return recorded;
    }

    /** Entries matching every given criterion, oldest first. */
    entries(query: HistoryQuery = {}): HistoryEntry[] {
        const actions = query.action === undefined ? undefined : typeof query.action === "string" ? [query.action] : query.action;
        return this.list.filter((entry) =>
            (query.proposalId === undefined || entry.proposalId === query.proposalId)
            && (actions === undefined || actions.includes(entry.action))
            && (query.since === undefined || entry.at >= query.since)
            && (query.origin === undefined || originMatches(entry.origin, query.origin)));
    }

    /** How each proposal of the query ended (its last decision), by proposal id; undecided ones are absent. */
    outcomes(query: Omit<HistoryQuery, "action"> = {}): Map<number, HistoryEntry> {
        const decided = new Map<number, HistoryEntry>();
        for (const entry of this.entries({ ...query, action: ["accepted", "rejected", "conflict", "withdrawn"] })) decided.set(entry.proposalId, entry);
        return decided;
    }

    /** The agent turns and commands that proposed something, in order of their first proposal. */
    origins(): ProposalOrigin[] {
        const seen = new Map<string, ProposalOrigin>();
        for (const entry of this.list) {
            if (entry.action !== "proposed") continue;
            const key = JSON.stringify(entry.origin);
            if (!seen.has(key)) seen.set(key, entry.origin);
        }
        return [...seen.values()];
    }
}

function originMatches(origin: ProposalOrigin, query: NonNullable<HistoryQuery["origin"]>): boolean {
    if (origin.kind !== query.kind) return false;
    if (origin.kind === "agent") {
        return (query.session === undefined || origin.session === query.session) && (query.turn === undefined || origin.turn === query.turn);
    }
    return query.command === undefined || origin.command === query.command;
}
