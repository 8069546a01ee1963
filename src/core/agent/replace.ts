/**
 * Exact-text replacement, as edit_file does it: each `old_text` must occur exactly once. When it does not, the
 * error shows the model what is there instead (the same text with different whitespace, the lines where its first
 * line occurs, every place of an ambiguous match), so that its next attempt can succeed.
 */
import { ToolError } from "./errors";
import { capLine, splitLines } from "./text";

export interface Replacement {
    old_text: string;
    new_text: string;
}

const MAX_CANDIDATES = 5;

/** Applies the replacements in order (each to the result of the previous ones); all or nothing. */
export function applyReplacements(text: string, edits: readonly Replacement[], display: string): string {
    let result = text;
    edits.forEach((edit, index) => {
        const where = edits.length > 1 ? `Edit ${index + 1} of ${edits.length}: ` : "";
        const nothing = edits.length > 1 ? " None of the edits was made." : "";
        try {
            result = replaceOnce(result, edit, display);
        } catch (error) {
            if (error instanceof ToolError) throw new ToolError(`${where}${error.message}${nothing}`);
            throw error;
        }
    });
    return result;
}

function replaceOnce(text: string, edit: Replacement, display: string): string {
    let { old_text: oldText, new_text: newText } = edit;
    if (typeof oldText !== "string" || typeof newText !== "string") throw new ToolError("old_text and new_text must both be strings.");
    if (oldText === "") {
        throw new ToolError("old_text is empty. Copy the exact text to replace from the file (include a neighbouring line to add text next to it); use create_file for a new file.");
    }
    if (oldText === newText) throw new ToolError("old_text and new_text are the same, so this edit would change nothing.");
    let positions = occurrences(text, oldText);
    if (positions.length === 0 && text.includes("\r\n") && !oldText.includes("\r")) {
        // The model writes "\n"; the file uses CRLF. Matching (and writing) in the file's own line endings is exact.
        const crlfOld = oldText.replace(/\n/g, "\r\n");
        const crlfPositions = occurrences(text, crlfOld);
        if (crlfPositions.length > 0) {
            oldText = crlfOld;
            newText = newText.replace(/\r?\n/g, "\r\n");
            positions = crlfPositions;
        }
    }
    if (positions.length === 1) {
        const at = positions[0]!;
        return text.slice(0, at) + newText + text.slice(at + oldText.length);
    }
    if (positions.length > 1) {
        const lines = positions.slice(0, 10).map((at) => {
            const line = lineAt(text, at);
            return `  line ${line}: ${capLine(splitLines(text)[line - 1] ?? "").trim()}`;
        });
        const more = positions.length > 10 ? `\n  … and ${positions.length - 10} more` : "";
        throw new ToolError(`old_text occurs ${positions.length} times in ${display}, so it is not clear which to replace:\n`
            + `${lines.join("\n")}${more}\nInclude more of the surrounding lines in old_text so that it matches exactly one place.`);
    }
    throw new ToolError(notFoundMessage(text, oldText, display));
}

/** Every start index of `needle`, overlapping ones included (two overlapping matches are still ambiguous). */
function occurrences(text: string, needle: string): number[] {
    const positions: number[] = [];
    for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
        positions.push(at);
        if (positions.length > 1000) break;
    }
    return positions;
}

function lineAt(text: string, offset: number): number {
    let line = 1;
    for (let index = text.indexOf("\n"); index >= 0 && index < offset; index = text.indexOf("\n", index + 1)) line++;
    return line;
}

const normalizeWhitespace = (line: string) => line.trim().replace(/\s+/g, " ");

function notFoundMessage(text: string, oldText: string, display: string): string {
    const fileLines = splitLines(text);
    const oldLines = splitLines(oldText);
    while (oldLines.length > 0 && oldLines[0]!.trim() === "") oldLines.shift();
    while (oldLines.length > 0 && oldLines[oldLines.length - 1]!.trim() === "") oldLines.pop();
    const intro = `old_text was not found in ${display}.`;
    const hint = /^\s*\d+[\t:|]/.test(oldText)
        ? " It seems to start with a line number: leave line numbers out of old_text."
        : "";
    if (oldLines.length === 0) return `${intro}${hint} Read the file again with read_file and copy the text exactly.`;

    // The same lines with different indentation or spacing.
    const wanted = oldLines.map(normalizeWhitespace);
    const loose: number[] = [];
    for (let start = 0; start + wanted.length <= fileLines.length && loose.length < MAX_CANDIDATES; start++) {
        if (wanted.every((line, offset) => normalizeWhitespace(fileLines[start + offset]!) === line)) loose.push(start);
    }
    if (loose.length > 0) {
        const shown = loose.map((start) => excerpt(fileLines, start, oldLines.length)).join("\n");
        return `${intro} The same text with different whitespace or indentation is at:\n${shown}\n`
            + "Copy old_text exactly as it appears there, indentation included.";
    }

    // Where its first line occurs: the lines after it differ.
    const first = normalizeWhitespace(oldLines[0]!);
    const starts = first.length >= 3
        ? fileLines.flatMap((line, index) => (normalizeWhitespace(line).includes(first) ? [index] : [])).slice(0, MAX_CANDIDATES)
        : [];
    if (starts.length > 0) {
        const shown = starts.map((start) => excerpt(fileLines, start, Math.max(oldLines.length, 1))).join("\n");
        return `${intro}${hint} Its first line occurs here, but the lines after it differ:\n${shown}\n`
            + "Copy old_text exactly from the file (read_file shows the current content).";
    }

    // The most similar line by shared words.
    const best = mostSimilarLine(fileLines, oldLines[0]!);
    if (best !== undefined) {
        return `${intro}${hint} The most similar text is:\n${excerpt(fileLines, best, Math.min(oldLines.length, 8))}\n`
            + "Read the file again with read_file and copy the text exactly.";
    }
    return `${intro}${hint} Nothing like it is in the file: read it again with read_file and copy the text exactly.`;
}

function excerpt(lines: readonly string[], start: number, count: number): string {
    const end = Math.min(lines.length, start + count);
    const body = lines.slice(start, end).map((line) => capLine(line)).join("\n");
    return `--- lines ${start + 1}–${end} ---\n${body}`;
}

function mostSimilarLine(lines: readonly string[], wantedLine: string): number | undefined {
    const words = (line: string) => new Set(line.split(/[^\p{L}\p{N}_$]+/u).filter((word) => word.length > 1));
    const wanted = words(wantedLine);
    if (wanted.size === 0) return undefined;
    let best: number | undefined;
    let bestScore = 0.5;
    lines.forEach((line, index) => {
        const have = words(line);
        let shared = 0;
        for (const word of wanted) if (have.has(word)) shared++;
        const score = shared / Math.max(wanted.size, have.size);
        if (score > bestScore) {
            bestScore = score;
            best = index;
        }
    });
    return best;
}
