/**
 * Code from other places — recently edited, opened and copied — shown to the model before the file being edited
 * (Qwen's repo-level format: `<|file_sep|>path\n…` chunks). It sits at the very start of the prompt, so every change
 * to it costs re-evaluating everything after it: new chunks wait in `pending` and enter the ring only when the
 * service commits them, which it does at moments when the prompt after the ring is rebuilt anyway.
 * The ring is append-only between commits: new chunks go last, the oldest leave first.
 */
import type { TokenEstimator } from "./tokenEstimate";

export type ContextReason = "edit" | "open" | "copy";

export interface ContextChunk {
    /** Workspace-relative path (shown to the model). */
    path: string;
    text: string;
    reason: ContextReason;
}

export interface ContextRingOptions {
    /** Total estimated tokens of the committed chunks. */
    maxTokens: number;
    maxChunks: number;
    /** Estimated tokens of one chunk (longer ones keep their first lines). */
    chunkTokens: number;
}

export const DEFAULT_RING_OPTIONS: ContextRingOptions = { maxTokens: 1024, maxChunks: 8, chunkTokens: 256 };

interface Pending {
    chunk: ContextChunk;
    at: number;
}

/** Chunks that share at least this fraction of their lines are the same place in a file. */
const SAME_PLACE_OVERLAP = 0.5;

export class ContextRing {
    private committed: ContextChunk[] = [];
    private waiting: Pending[] = [];

    constructor(private readonly options: ContextRingOptions, private readonly estimator: TokenEstimator) {}

    /** Committed chunks, oldest first, without those of `excludePath` (the file being completed is shown whole). */
    chunks(excludePath?: string): readonly ContextChunk[] {
        return excludePath === undefined ? this.committed : this.committed.filter((chunk) => chunk.path !== excludePath);
    }

    get pendingCount(): number {
        return this.waiting.length;
    }

    /** When the oldest pending chunk arrived (undefined: none pending). */
    get pendingSince(): number | undefined {
        return this.waiting[0]?.at;
    }

    add(chunk: ContextChunk, now: number): void {
        const text = this.truncate(chunk.text);
        if (text.trim().length === 0) return;
        const candidate = { ...chunk, text };
        if (this.committed.some((existing) => existing.path === candidate.path && existing.text === candidate.text)) return;
        this.waiting = this.waiting.filter((pending) => !samePlace(pending.chunk, candidate));
        this.waiting.push({ chunk: candidate, at: now });
        // Pending chunks beyond what the ring can hold would be evicted on commit anyway.
        while (this.waiting.length > this.options.maxChunks) this.waiting.shift();
    }

    /** Moves pending chunks into the ring (replacing chunks of the same place); true when the ring changed. */
    commit(): boolean {
        if (this.waiting.length === 0) return false;
        for (const { chunk } of this.waiting) {
            this.committed = this.committed.filter((existing) => !samePlace(existing, chunk));
            this.committed.push(chunk);
        }
        this.waiting = [];
        let total = this.committed.reduce((sum, chunk) => sum + this.estimator.estimate(chunk.text), 0);
        while (this.committed.length > 0 && (this.committed.length > this.options.maxChunks || total > this.options.maxTokens)) {
            total -= this.estimator.estimate(this.committed.shift()!.text);
        }
        return true;
    }

    clear(): void {
        this.committed = [];
        this.waiting = [];
    }

    private truncate(text: string): string {
        const maxChars = this.estimator.chars(this.options.chunkTokens);
        if (text.length <= maxChars) return text;
        const cut = text.lastIndexOf("\n", maxChars);
        return text.slice(0, cut > 0 ? cut + 1 : maxChars);
    }
}

function samePlace(a: ContextChunk, b: ContextChunk): boolean {
    if (a.path !== b.path) return false;
    const linesA = new Set(a.text.split("\n").map((line) => line.trim()).filter((line) => line.length > 0));
    const linesB = b.text.split("\n").map((line) => line.trim()).filter((line) => line.length > 0);
    if (linesA.size === 0 || linesB.length === 0) return false;
    const shared = linesB.filter((line) => linesA.has(line)).length;
    return shared / Math.min(linesA.size, linesB.length) >= SAME_PLACE_OVERLAP;
}
