/** Unified diffs and line counts of proposed changes, for the model's tool results, the transcript and the CLI. */
import { createTwoFilesPatch, diffLines } from "diff";
import { capMiddle } from "./text";

export interface DiffStats {
    added: number;
    removed: number;
}

export function diffStats(before: string, after: string): DiffStats {
    const stats: DiffStats = { added: 0, removed: 0 };
    for (const change of diffLines(before, after)) {
        if (change.added) stats.added += change.count ?? 0;
        else if (change.removed) stats.removed += change.count ?? 0;
    }
    return stats;
}

/** A unified diff (`--- a/x`, `+++ b/x`); `undefined` content is a file that does not exist on that side. */
export function unifiedDiff(beforePath: string, afterPath: string, before: string | undefined, after: string | undefined, maxChars = Infinity): string {
    const patch = createTwoFilesPatch(before === undefined ? "/dev/null" : `a/${beforePath}`, after === undefined ? "/dev/null" : `b/${afterPath}`,
        before ?? "", after ?? "", undefined, undefined, { context: 3 });
    // The library's "Index:" and "===" lines add nothing to a diff a person or the model reads.
    const body = patch.split("\n").filter((line) => !line.startsWith("Index: ") && !/^=+$/.test(line)).join("\n").trimEnd();
    return capMiddle(body, maxChars).text;
}
