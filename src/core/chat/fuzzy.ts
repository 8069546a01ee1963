/**
 * Fuzzy matching of workspace paths for the `@` file picker: the query's characters must appear in order
 * (`stts` finds `stats.py`, `srcfmt` finds `src/format.ts`); matches in the file name, at word starts and in runs
 * score higher, so the file a person means comes first.
 */

/** A score for `path` (higher is better), or undefined when the query's characters are not all in it, in order. */
export function fuzzyScore(query: string, path: string): number | undefined {
    const needle = query.replace(/\s+/g, "").toLowerCase();
    if (needle.length === 0) return 0;
    const nameStart = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1;
    // A match inside the file name beats one spread over the folders (the leftmost match would start in them).
    const inName = matchScore(needle, path, nameStart);
    const score = inName !== undefined ? inName + 2 * needle.length : matchScore(needle, path, 0);
    // Between equal matches, the shorter path (less left unmatched) wins.
    return score === undefined ? undefined : score - path.length * 0.01;
}

function matchScore(needle: string, path: string, start: number): number | undefined {
    const haystack = path.toLowerCase();
    let score = 0;
    let from = start;
    let previous = -2;
    for (const char of needle) {
        const index = haystack.indexOf(char, from);
        if (index < 0) return undefined;
        let points = 1;
        if (index === previous + 1) points += 4; // a run
        if (index === 0 || /[/\\._\-\s]/.test(path[index - 1]!) || (path[index] !== haystack[index] && path[index - 1] === haystack[index - 1])) {
            points += 3; // a word start: after a separator, or a capital in camelCase
        }
        score += points;
        previous = index;
        from = index + 1;
    }
    return score;
}

/** The paths that match, best first, at most `limit`. */
export function fuzzyFilter(query: string, paths: readonly string[], limit = 200): string[] {
    const scored: { path: string; score: number }[] = [];
    for (const path of paths) {
        const score = fuzzyScore(query, path);
        if (score !== undefined) scored.push({ path, score });
    }
    return scored.sort((a, b) => b.score - a.score || a.path.localeCompare(b.path)).slice(0, limit).map((entry) => entry.path);
}
