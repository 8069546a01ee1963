/**
 * Unified diffs and line counts of proposed changes, for the model's tool results, the transcript and the CLI.
 *
 * Bounded work whatever the model proposes: the lines both sides share at the start and the end are set aside first
 * (linear), and the library's diff of what remains gives up past MAX_EDIT_LINES differing lines; such a change is
 * then shown as one block of removed and added lines. A 20,000-line rewrite costs milliseconds, not minutes.
 */
import { diffLines, structuredPatch } from "diff";
import { capMiddle } from "./text";

export interface DiffStats {
    added: number;
    removed: number;
}

/** Past this many differing lines, the exact line diff is not searched for. */
const MAX_EDIT_LINES = 1000;
const CONTEXT_LINES = 3;
/**
 * Shared lines given to the library around the differing middle, beyond the context: where lines repeat, the library
 * may align the change a little differently from the trimming, and still finds its context lines there.
 */
const MARGIN_LINES = 20;

interface Trimmed {
    before: string[];
    after: string[];
    /** Lines the two sides share at the start. */
    start: number;
    /** Lines the two sides share at the end (after the differing middle). */
    end: number;
    /** The middle of each side, rejoined. */
    middleBefore: string;
    middleAfter: string;
}

/** Lines with their line endings, the last one possibly without. */
function lines(text: string): string[] {
    return text === "" ? [] : text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function trim(beforeText: string, afterText: string): Trimmed {
    const before = lines(beforeText);
    const after = lines(afterText);
    let start = 0;
    const limit = Math.min(before.length, after.length);
    while (start < limit && before[start] === after[start]) start++;
    let end = 0;
    while (end < limit - start && before[before.length - 1 - end] === after[after.length - 1 - end]) end++;
    return {
        before, after, start, end,
        middleBefore: before.slice(start, before.length - end).join(""),
        middleAfter: after.slice(start, after.length - end).join("")
    };
}

export function diffStats(before: string, after: string): DiffStats {
    const trimmed = trim(before, after);
    const changes = diffLines(trimmed.middleBefore, trimmed.middleAfter, { maxEditLength: MAX_EDIT_LINES });
    if (changes === undefined) {
        return { added: trimmed.after.length - trimmed.start - trimmed.end, removed: trimmed.before.length - trimmed.start - trimmed.end };
    }
    const stats: DiffStats = { added: 0, removed: 0 };
    for (const change of changes) {
        if (change.added) stats.added += change.count ?? 0;
        else if (change.removed) stats.removed += change.count ?? 0;
    }
    return stats;
}

/** A unified diff (`--- a/x`, `+++ b/x`); `undefined` content is a file that does not exist on that side. */
export function unifiedDiff(beforePath: string, afterPath: string, before: string | undefined, after: string | undefined, maxChars = Infinity): string {
    const oldName = before === undefined ? "/dev/null" : `a/${beforePath}`;
    const newName = after === undefined ? "/dev/null" : `b/${afterPath}`;
    const trimmed = trim(before ?? "", after ?? "");
    // Only the differing middle and its context go to the library; line numbers are shifted back afterwards.
    const skip = Math.max(0, trimmed.start - MARGIN_LINES);
    const tail = Math.max(0, trimmed.end - MARGIN_LINES);
    const oldPart = trimmed.before.slice(skip, trimmed.before.length - tail).join("");
    const newPart = trimmed.after.slice(skip, trimmed.after.length - tail).join("");
    const header = [`--- ${oldName}`, `+++ ${newName}`];
    if (trimmed.before.length === trimmed.start + trimmed.end && trimmed.after.length === trimmed.start + trimmed.end) {
        return header.join("\n");
    }
    const patch = structuredPatch(oldName, newName, oldPart, newPart, undefined, undefined, { context: CONTEXT_LINES, maxEditLength: MAX_EDIT_LINES });
    const body: string[] = [];
    if (patch === undefined) {
        // Too different for an exact diff: one hunk that replaces the differing middle.
        const removed = trimmed.before.slice(trimmed.start, trimmed.before.length - trimmed.end);
        const added = trimmed.after.slice(trimmed.start, trimmed.after.length - trimmed.end);
        const first = Math.max(0, trimmed.start - CONTEXT_LINES);
        const contextBefore = trimmed.before.slice(first, trimmed.start);
        const contextAfter = trimmed.before.slice(trimmed.before.length - trimmed.end, trimmed.before.length - Math.max(0, trimmed.end - CONTEXT_LINES));
        const oldCount = contextBefore.length + removed.length + contextAfter.length;
        const newCount = contextBefore.length + added.length + contextAfter.length;
        body.push(`@@ -${hunkStart(first, oldCount)},${oldCount} +${hunkStart(first, newCount)},${newCount} @@`);
        for (const line of contextBefore) body.push(` ${stripEol(line)}`);
        for (const line of removed) body.push(`-${stripEol(line)}`);
        for (const line of added) body.push(`+${stripEol(line)}`);
        for (const line of contextAfter) body.push(` ${stripEol(line)}`);
    } else {
        for (const hunk of patch.hunks) {
            // An empty side starts at the line before, as diff writes it.
            const oldStart = hunk.oldStart + skip - (hunk.oldLines === 0 ? 1 : 0);
            const newStart = hunk.newStart + skip - (hunk.newLines === 0 ? 1 : 0);
            body.push(`@@ -${oldStart},${hunk.oldLines} +${newStart},${hunk.newLines} @@`, ...hunk.lines);
        }
    }
    return capMiddle([...header, ...body].join("\n").trimEnd(), maxChars).text;
}

/** A hunk's 1-based start line; 0 for an empty side, as diff does. */
function hunkStart(skip: number, count: number): number {
    return count === 0 ? skip : skip + 1;
}

function stripEol(line: string): string {
    return line.endsWith("\n") ? line.slice(0, -1) : line;
}
