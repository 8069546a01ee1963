/**
 * Decides what of a document goes into the completion prompt, and where its checkpoints go, so that the engine's
 * sequence can be reused across keystrokes on Qwen3.5's hybrid layers (see docs/qwen35.md, "The hybrid cache": a recurrent state
 * cannot be truncated, only restored from a checkpoint taken earlier at or before the point where a new prompt
 * diverges; whatever follows that checkpoint is evaluated again).
 *
 * The prompt of one document, front to back (with repo context):
 *
 *   frozen file   the whole file (or a window of it) as it was when last frozen, in line-aligned chunks with a
 *                 stable checkpoint after each. It changes rarely — only when it has gone stale enough that
 *                 rebuilding is worth it, or the cursor has stayed outside its window — so it is almost always
 *                 restored from its last checkpoint, whatever the cursor does.
 *   local prefix  the live text from an anchor line to the cursor, at most about one checkpoint interval. The
 *                 anchor is sticky (found again by its text after edits above it); it moves only when the window
 *                 would grow past its budget or the cursor leaves it. Inside: a stable cut every half interval,
 *                 a transient cut at the cursor line's start, and transient cuts at the start of the word being
 *                 typed (kept from the previous request, so the next keystroke restores right there).
 *   suffix        the text after the cursor, line-aligned, a small fixed budget: re-evaluated on every request.
 *
 * So a keystroke costs the few tokens since the newest transient cut plus the suffix, and a cursor jump anywhere
 * costs at most the local window (≤ one interval) plus the suffix, because everything before the local window is
 * the frozen file. Without repo context there is no frozen file: the local prefix is the whole prefix budget
 * with a stable cut every interval, so jumps up cost at most an interval and jumps down cost the distance.
 */
import { lineStartOf } from "./cursorContext";
import type { TokenEstimator } from "./tokenEstimate";

export interface LayoutOptions {
    /** Tokens between stable checkpoints; the local window with a frozen file stays within one interval. */
    checkpointInterval: number;
    /** Prefix budget without a frozen file. */
    prefixTokens: number;
    /** Suffix budget (re-evaluated on every request). */
    suffixTokens: number;
    /** Frozen-file budget. */
    fileContextTokens: number;
    /** Most stable checkpoints inside the frozen file (chunks grow in powers of two to stay under it). */
    maxFileCheckpoints: number;
    /** Requests the cursor may spend outside a windowed frozen file before the window is re-centred on it. */
    outsideRequestsBeforeRecentre: number;
}

export const DEFAULT_LAYOUT_OPTIONS: LayoutOptions = {
    checkpointInterval: 256,
    prefixTokens: 1024,
    suffixTokens: 128,
    fileContextTokens: 2048,
    // With the header, the ring and the local window's cuts, about 14 checkpoints a sequence: ~1 GB of recurrent
    // state for Qwen3.5-35B-A3B (≈66 MB each), the default checkpointMemoryMB.
    maxFileCheckpoints: 6,
    outsideRequestsBeforeRecentre: 40
};

/** Documents longer than this get no frozen file: splitting them into lines on every keystroke costs too much. */
const MAX_FROZEN_DOCUMENT_CHARS = 400_000;

export interface PrefixPiece {
    text: string;
    /** A checkpoint after this piece. */
    checkpoint?: "stable" | "transient";
}

export type FileRebuildReason = "new" | "stale" | "outside" | "resized";

export interface LayoutPlan {
    /** The frozen file's chunks, a stable checkpoint after each (absent without repo context). */
    file?: readonly string[];
    /** The live prefix, ending at the cursor. */
    prefix: PrefixPiece[];
    suffix: string;
    /** Why the frozen file was rebuilt for this request (undefined: reused as it was). */
    fileRebuild?: FileRebuildReason;
    /** The local window moved (its start changed). */
    reanchored: boolean;
    estimates: { fileTokens: number; prefixTokens: number; suffixTokens: number };
}

export interface PlanInput {
    text: string;
    offset: number;
    /** Keep a frozen copy of the file before the local window. */
    withFile: boolean;
    /** Estimated tokens that come between the frozen file and the local prefix (separator, path, FIM token). */
    headerTokens: number;
}

/** A position found again after edits by the text around it. */
interface Fingerprint {
    offset: number;
    before: string;
    after: string;
}

interface FrozenFile {
    chunks: string[];
    lines: string[];
    /** tailTokens[i]: estimated tokens of lines i… (what rebuilding from line i re-evaluates). */
    tailTokens: number[];
    startLine: number;
    endLine: number;
    documentLines: number;
    whole: boolean;
    chunkTokens: number;
    charsPerToken: number;
    outside: number;
    tokens: number;
}

export class DocumentLayout {
    private anchor?: Fingerprint;
    private nearCut?: Fingerprint;
    private frozen?: FrozenFile;

    constructor(private readonly options: LayoutOptions, private readonly estimator: TokenEstimator) {}

    /** Forget everything (the next request lays the document out afresh). */
    reset(): void {
        this.anchor = undefined;
        this.nearCut = undefined;
        this.frozen = undefined;
    }

    plan(input: PlanInput): LayoutPlan {
        const { text, offset } = input;
        const withFile = input.withFile && text.length <= MAX_FROZEN_DOCUMENT_CHARS;
        const estimate = (chars: number) => this.estimator.estimate(chars);
        const interval = Math.max(16, this.options.checkpointInterval);
        const lineStart = lineStartOf(text, offset);

        let fileRebuild: FileRebuildReason | undefined;
        if (withFile) fileRebuild = this.refreshFrozen(text, offset);
        else this.frozen = undefined;

        // The local window: within one interval (with the header) when a frozen file precedes it.
        const localMax = withFile ? Math.max(16, interval - input.headerTokens - 4) : Math.max(16, this.options.prefixTokens);
        const localTarget = withFile ? Math.floor(localMax / 2) : Math.floor(localMax * 0.75);
        const localChunk = withFile ? Math.floor(interval / 2) : interval;
        let anchor = this.anchor ? locate(text, this.anchor) : undefined;
        let reanchored = false;
        const longLine = estimate(offset - lineStart) > localMax;
        if (anchor === undefined || anchor > offset || (anchor > lineStart && !longLine) || estimate(offset - anchor) > localMax) {
            anchor = chooseAnchor(text, lineStart, offset, localTarget, localMax, this.estimator);
            reanchored = true;
        }
        // Only text before the cursor line identifies the anchor: the cursor line itself changes with every keystroke.
        this.anchor = fingerprint(text, anchor, 32, Math.min(24, Math.max(0, lineStart - anchor)));

        const prefix: PrefixPiece[] = [];
        let position = anchor;
        // Stable cuts: greedy, line-aligned, from the anchor, so each depends only on the text before it.
        let accumulated = 0;
        let line = anchor;
        while (line < lineStart) {
            const next = text.indexOf("\n", line) + 1;
            accumulated += estimate(next - line);
            if (accumulated >= localChunk && next <= lineStart) {
                prefix.push({ text: text.slice(position, next), checkpoint: "stable" });
                position = next;
                accumulated = 0;
            }
            line = next;
        }
        if (lineStart > position) {
            prefix.push({ text: text.slice(position, lineStart), checkpoint: "transient" });
            position = lineStart;
        }
        // Transient cuts at the start of the word being typed: this request's, and the previous request's if it is
        // still on this line with the text before it unchanged (the next keystroke restores the newest of them).
        const newCut = lineStart + lastPretokenStart(text.slice(lineStart, offset));
        const previousCut = this.nearCut ? locate(text, this.nearCut) : undefined;
        const cuts: number[] = [];
        if (previousCut !== undefined && previousCut > position && previousCut < newCut) cuts.push(previousCut);
        if (newCut > position && newCut < offset) cuts.push(newCut);
        for (const cut of cuts) {
            prefix.push({ text: text.slice(position, cut), checkpoint: "transient" });
            position = cut;
        }
        this.nearCut = newCut > lineStart && newCut < offset ? fingerprint(text, newCut, 48, 0) : this.nearCut;
        if (offset > position) prefix.push({ text: text.slice(position, offset) });

        const suffix = text.slice(offset, suffixEnd(text, offset, this.options.suffixTokens, this.estimator));
        return {
            file: withFile && this.frozen && this.frozen.chunks.length > 0 ? this.frozen.chunks : undefined,
            prefix,
            suffix,
            fileRebuild,
            reanchored,
            estimates: {
                fileTokens: withFile && this.frozen ? this.frozen.tokens : 0,
                prefixTokens: estimate(offset - anchor),
                suffixTokens: estimate(suffix.length)
            }
        };
    }

    /** Keeps the frozen file, or rebuilds it; returns why it was rebuilt. */
    private refreshFrozen(text: string, offset: number): FileRebuildReason | undefined {
        const lines = text.split("\n");
        const cursorLine = lineIndexAt(lines, offset);
        const frozen = this.frozen;
        const budget = Math.max(this.options.checkpointInterval, this.options.fileContextTokens);
        let reason: FileRebuildReason | undefined;
        if (!frozen) {
            reason = "new";
        } else if (frozen.charsPerToken !== this.estimator.charsPerToken) {
            reason = "resized";
        } else if (frozen.whole && this.estimator.estimate(text.length) > budget * 1.25) {
            reason = "resized";
        } else if (!frozen.whole && (cursorLine < frozen.startLine ||
            cursorLine >= frozen.endLine + (lines.length - frozen.documentLines))) {
            frozen.outside++;
            if (frozen.outside > this.options.outsideRequestsBeforeRecentre) reason = "outside";
        } else {
            frozen.outside = 0;
        }
        if (!reason && frozen && this.isStale(frozen, lines)) reason = "stale";
        if (reason) {
            const keepStart = reason === "stale" || reason === "resized" ? frozen?.startLine : undefined;
            this.frozen = this.freeze(lines, cursorLine, budget, keepStart, frozen?.chunkTokens);
        }
        return reason;
    }

    /**
     * Stale: the lines that are new since the freeze outweigh what rebuilding costs. Rebuilding re-evaluates the
     * frozen file from its first changed line on, so a change near its end is refreshed soon and one near its
     * start only once a quarter of that cost has changed (the local window shows the latest text meanwhile).
     */
    private isStale(frozen: FrozenFile, lines: string[]): boolean {
        const end = frozen.whole ? lines.length : Math.min(lines.length, frozen.endLine + (lines.length - frozen.documentLines));
        const current = lines.slice(frozen.startLine, Math.max(frozen.startLine, end));
        let first = 0;
        const common = Math.min(current.length, frozen.lines.length);
        while (first < common && current[first] === frozen.lines[first]) first++;
        if (first === current.length && first === frozen.lines.length) return false;
        const threshold = Math.max(this.options.checkpointInterval, (frozen.tailTokens[first] ?? 0) / 4);
        // Two measures of change, both cheap; the smaller counts. The span between the first and the last changed
        // character is right for one long edit (a line being typed counts only what was typed since the freeze);
        // lines that are new is right for scattered small edits (a fix at the top while typing at the bottom).
        if (this.estimator.estimate(changedSpan(frozen.lines.slice(first).join("\n"), current.slice(first).join("\n"))) <= threshold) return false;
        const remaining = new Map<string, number>();
        for (let index = first; index < frozen.lines.length; index++) {
            const line = frozen.lines[index]!;
            remaining.set(line, (remaining.get(line) ?? 0) + 1);
        }
        let changed = 0;
        for (let index = first; index < current.length; index++) {
            const line = current[index]!;
            const count = remaining.get(line) ?? 0;
            if (count > 0) remaining.set(line, count - 1);
            else changed += this.estimator.estimate(line.length + 1);
        }
        return changed > threshold;
    }

    private freeze(lines: string[], cursorLine: number, budget: number, keepStart: number | undefined, previousChunk: number | undefined): FrozenFile {
        const lineTokens = lines.map((line) => this.estimator.estimate(line.length + 1));
        const total = lineTokens.reduce((sum, tokens) => sum + tokens, 0);
        let start = 0;
        let end = lines.length;
        const whole = total <= budget;
        if (!whole) {
            // A window: from the kept start downwards (so the chunks before a change stay the same), or centred.
            let used = 0;
            if (keepStart !== undefined) {
                start = Math.min(Math.max(0, keepStart), lines.length - 1);
                end = start;
                while (end < lines.length && used + lineTokens[end]! <= budget) used += lineTokens[end++]!;
                while (start > 0 && used + lineTokens[start - 1]! <= budget) used += lineTokens[--start]!;
            } else {
                start = Math.min(cursorLine, lines.length - 1);
                end = start;
                let grew = true;
                while (grew) {
                    grew = false;
                    if (end < lines.length && used + lineTokens[end]! <= budget) { used += lineTokens[end++]!; grew = true; }
                    if (start > 0 && used + lineTokens[start - 1]! <= budget) { used += lineTokens[--start]!; grew = true; }
                }
            }
        }
        const window = lines.slice(start, end);
        const windowTokens = lineTokens.slice(start, end);
        const tokens = windowTokens.reduce((sum, value) => sum + value, 0);
        const maxChunks = Math.max(1, this.options.maxFileCheckpoints);
        const fits = (size: number) => Math.ceil(tokens / size) <= maxChunks;
        let chunkTokens = previousChunk !== undefined && fits(previousChunk) ? previousChunk : Math.max(16, this.options.checkpointInterval);
        while (!fits(chunkTokens)) chunkTokens *= 2;

        const chunks: string[] = [];
        let chunk = "";
        let accumulated = 0;
        for (let index = 0; index < window.length; index++) {
            // The document's final empty "line" (after its last newline) adds nothing.
            const last = start + index === lines.length - 1;
            if (last && window[index] === "") break;
            chunk += `${window[index]}\n`;
            accumulated += windowTokens[index]!;
            if (accumulated >= chunkTokens) {
                chunks.push(chunk);
                chunk = "";
                accumulated = 0;
            }
        }
        if (chunk.trim().length > 0 || (chunk.length > 0 && chunks.length > 0)) chunks.push(chunk);
        const tailTokens = new Array<number>(window.length + 1).fill(0);
        for (let index = window.length - 1; index >= 0; index--) tailTokens[index] = tailTokens[index + 1]! + windowTokens[index]!;
        const nonEmpty = chunks.some((text) => text.trim().length > 0);
        return {
            chunks: nonEmpty ? chunks : [],
            lines: window,
            tailTokens,
            startLine: start,
            endLine: end,
            documentLines: lines.length,
            whole,
            chunkTokens,
            charsPerToken: this.estimator.charsPerToken,
            outside: 0,
            tokens: nonEmpty ? tokens : 0
        };
    }
}

/**
 * Start of the last pre-token of `linePrefix`, after the split Qwen's tokenizer makes before BPE (a letter run
 * with one leading non-letter, single digits, punctuation runs, whitespace). BPE never merges across that split,
 * so cutting there gives the same tokens as not cutting, and the cut stays put while a word is being typed.
 */
const PRETOKEN = /'(?:[sdmtSDMT]|ll|ve|re|LL|VE|RE)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;
const PRETOKEN_LOOKBACK = 200;

export function lastPretokenStart(linePrefix: string): number {
    const from = Math.max(0, linePrefix.length - PRETOKEN_LOOKBACK);
    let last = 0;
    for (const match of linePrefix.slice(from).matchAll(PRETOKEN)) last = match.index;
    return linePrefix.length === 0 ? 0 : from + last;
}

function chooseAnchor(text: string, lineStart: number, offset: number, target: number, max: number, estimator: TokenEstimator): number {
    let total = estimator.estimate(offset - lineStart);
    if (total > max) {
        // A line longer than the window: anchor inside it, at multiples of half the window, so it moves rarely.
        const step = Math.max(1, Math.floor(estimator.chars(max) / 2));
        return lineStart + Math.max(0, Math.floor((offset - lineStart) / step) - 1) * step;
    }
    let anchor = lineStart;
    while (anchor > 0) {
        const previous = lineStartOf(text, anchor - 1);
        const add = estimator.estimate(anchor - previous);
        if (total + add > target) break;
        total += add;
        anchor = previous;
    }
    return anchor;
}

function suffixEnd(text: string, offset: number, budget: number, estimator: TokenEstimator): number {
    const maxChars = estimator.chars(budget);
    const firstNewline = text.indexOf("\n", offset);
    let end = firstNewline < 0 ? text.length : firstNewline + 1;
    if (end - offset > maxChars) return offset + maxChars;
    while (end < text.length) {
        const newline = text.indexOf("\n", end);
        const next = newline < 0 ? text.length : newline + 1;
        if (next - offset > maxChars) break;
        end = next;
    }
    return end;
}

/** Characters between the first and the last difference of two texts. */
function changedSpan(before: string, after: string): number {
    const shorter = Math.min(before.length, after.length);
    let head = 0;
    while (head < shorter && before.charCodeAt(head) === after.charCodeAt(head)) head++;
    let tail = 0;
    while (tail < shorter - head && before.charCodeAt(before.length - 1 - tail) === after.charCodeAt(after.length - 1 - tail)) tail++;
    return Math.max(before.length, after.length) - head - tail;
}

function fingerprint(text: string, offset: number, beforeChars: number, afterChars: number): Fingerprint {
    return { offset, before: text.slice(Math.max(0, offset - beforeChars), offset), after: text.slice(offset, offset + afterChars) };
}

/** Where the fingerprinted position is now: the same offset if the text there is unchanged, else the nearest match. */
function locate(text: string, mark: Fingerprint): number | undefined {
    const at = (offset: number) => offset >= mark.before.length && offset <= text.length &&
        text.startsWith(mark.after, offset) && text.startsWith(mark.before, offset - mark.before.length);
    if (at(mark.offset)) return mark.offset;
    const needle = mark.before + mark.after;
    if (needle.length < 16) return undefined;
    const from = Math.max(0, mark.offset - mark.before.length);
    const forward = text.indexOf(needle, from);
    const backward = text.lastIndexOf(needle, from);
    const candidates = [forward, backward].filter((index) => index >= 0).map((index) => index + mark.before.length);
    if (candidates.length === 0) return undefined;
    return candidates.reduce((best, candidate) => Math.abs(candidate - mark.offset) < Math.abs(best - mark.offset) ? candidate : best);
}

function lineIndexAt(lines: readonly string[], offset: number): number {
    let consumed = 0;
    for (let index = 0; index < lines.length; index++) {
        consumed += lines[index]!.length + 1;
        if (offset < consumed) return index;
    }
    return Math.max(0, lines.length - 1);
}
