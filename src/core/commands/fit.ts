/**
 * Fits code from a model into the place it replaces. Models drop the base indentation of what they were given,
 * use their own indentation unit, answer with "\n" line endings and add or drop a final newline; the document
 * should instead look as if the code had always been there: its line endings, its indentation, and the same
 * blank lines around the replaced range.
 */

export type Eol = "\n" | "\r\n";

export interface IndentStyle {
    insertSpaces: boolean;
    tabSize: number;
}

export interface FitTarget {
    /** The text being replaced, as in the document (any line endings). */
    original: string;
    /** The document's line ending. */
    eol: Eol;
    /** The editor's indentation for the document. */
    indent: IndentStyle;
    /** The target starts at column 0 (whole lines): re-indent to the original's base indentation. */
    wholeLines: boolean;
    /** For a target starting mid-line: the indentation of the line it starts on (continuation lines are based on it). */
    lineIndent?: string;
}

/**
 * The code ready to replace `original`. Empty code gives "" (the range is deleted).
 *
 * - Whole lines: the code's base indentation becomes the original's; with a blank original, `lineIndent` when
 *   given, else the code's own.
 * - Mid-line: the first line starts where the original's first non-blank character was (the original's leading
 *   whitespace stays, the code's is dropped). Lines 2..n move from the code's base indentation of those lines to
 *   the original's; when the original is a single line, from the code's base indentation of all its lines to
 *   `lineIndent` (so `a &&\n    b` keeps its continuation indent under the line it starts on).
 * - In both, indentation relative to the base is converted to the document's unit and tabs or spaces.
 */
export function fitCode(code: string, target: FitTarget): string {
    const original = normalize(target.original);
    const edges = splitEdges(original, target.wholeLines);
    const lines = trimBlankLines(normalize(code).split("\n"));
    if (lines.length === 0) return "";
    const body = edges.body.length > 0 ? edges.body.split("\n") : [];
    const fitted = target.wholeLines ? fitWholeLines(lines, body, target) : fitMidLine(lines, body, target);
    const text = edges.head + fitted.map((line) => (line.trim().length === 0 ? "" : line)).join("\n") + edges.tail;
    return target.eol === "\n" ? text : text.replace(/\n/g, target.eol);
}

/** The majority line ending of a text ("\n" when it has none). */
export function detectEol(text: string): Eol {
    const crlf = text.match(/\r\n/g)?.length ?? 0;
    const lf = (text.match(/\n/g)?.length ?? 0) - crlf;
    return crlf > lf ? "\r\n" : "\n";
}

/**
 * The indentation unit a text uses (tabs, or N spaces), when it shows one: tabs when most indented lines start
 * with one; else the most common increase of indentation between consecutive lines, or failing that the largest
 * unit dividing every indentation.
 */
export function detectIndent(text: string): IndentStyle | undefined {
    const lines = normalize(text).split("\n");
    const style = detectIndentStrict(lines);
    if (style) return style;
    const widths = indentWidths(lines).filter((width) => width > 0);
    if (widths.length === 0) return undefined;
    return { insertSpaces: true, tabSize: widths.reduce(gcd) };
}

/** The leading whitespace common to all non-blank lines. */
export function baseIndent(text: string): string {
    return commonIndent(normalize(text).split("\n"));
}

function normalize(text: string): string {
    return text.replace(/\r\n?/g, "\n");
}

/** Doc-comment continuation lines (` * text`) are aligned by one space: they say nothing about the unit. */
function isCommentContinuation(line: string): boolean {
    return /^\s*\*/.test(line);
}

/**
 * Like detectIndent, but only on evidence of a unit: the increase between lines. A range whose lines share one
 * indentation (two statements in a method) shows its depth, not its unit.
 */
function detectIndentStrict(lines: readonly string[]): IndentStyle | undefined {
    const relevant = lines.filter((line) => line.trim().length > 0 && !isCommentContinuation(line));
    const indented = relevant.filter((line) => /^[ \t]/.test(line));
    if (indented.length === 0) return undefined;
    const tabbed = indented.filter((line) => line.startsWith("\t")).length;
    if (tabbed * 2 > indented.length) return { insertSpaces: false, tabSize: 4 };
    const counts = new Map<number, number>();
    let previous: number | undefined;
    for (const line of relevant) {
        const indent = /^[ \t]*/.exec(line)![0];
        if (indent.includes("\t")) {
            previous = undefined;
            continue;
        }
        if (previous !== undefined && indent.length > previous) {
            const step = indent.length - previous;
            counts.set(step, (counts.get(step) ?? 0) + 1);
        }
        previous = indent.length;
    }
    let unit: number | undefined;
    for (const [step, count] of counts) {
        if (unit === undefined || count > counts.get(unit)! || (count === counts.get(unit)! && step < unit)) unit = step;
    }
    return unit === undefined ? undefined : { insertSpaces: true, tabSize: unit };
}

/** The space-only indentation widths of the non-blank lines. */
function indentWidths(lines: readonly string[]): number[] {
    return lines
        .filter((line) => line.trim().length > 0 && !isCommentContinuation(line))
        .map((line) => /^[ \t]*/.exec(line)![0])
        .filter((indent) => !indent.includes("\t"))
        .map((indent) => indent.length);
}

function gcd(a: number, b: number): number {
    return b === 0 ? a : gcd(b, a % b);
}

function commonIndent(lines: readonly string[]): string {
    let common: string | undefined;
    for (const line of lines) {
        if (line.trim().length === 0) continue;
        const indent = /^[ \t]*/.exec(line)![0];
        if (common === undefined) {
            common = indent;
            continue;
        }
        let length = 0;
        while (length < common.length && length < indent.length && common[length] === indent[length]) length++;
        common = common.slice(0, length);
    }
    return common ?? "";
}

interface Edges {
    /** Blank lines before the code (and mid-line, the original's leading whitespace): kept. */
    head: string;
    /** From the first to the last non-blank line. */
    body: string;
    /** The line breaks after the code, and what follows the last of them: kept. */
    tail: string;
}

/**
 * The original's blank edges, which the result keeps: its blank lines emptied, except the text before the first
 * line break of a mid-line target and after the last one, which belong to lines outside the range.
 */
function splitEdges(original: string, wholeLines: boolean): Edges {
    const first = original.search(/\S/);
    if (first < 0) return { head: "", body: "", tail: emptyTail(original) };
    const headEnd = wholeLines ? original.lastIndexOf("\n", first) + 1 : first;
    let last = original.length - 1;
    while (/\s/.test(original[last]!)) last--;
    const newline = original.indexOf("\n", last);
    const tailStart = newline < 0 ? original.length : newline;
    const headParts = original.slice(0, headEnd).split("\n");
    const head = headParts.map((part, index) => {
        const outside = !wholeLines && (index === 0 || index === headParts.length - 1);
        return outside ? part : "";
    }).join("\n");
    return { head, body: original.slice(headEnd, tailStart), tail: emptyTail(original.slice(tailStart)) };
}

/** Line breaks, with what follows the last one (the start of the next line) kept as is. */
function emptyTail(tail: string): string {
    const parts = tail.split("\n");
    return parts.map((part, index) => (index === parts.length - 1 ? part : "")).join("\n");
}

function trimBlankLines(lines: readonly string[]): string[] {
    let start = 0;
    let end = lines.length;
    while (start < end && lines[start]!.trim().length === 0) start++;
    while (end > start && lines[end - 1]!.trim().length === 0) end--;
    return lines.slice(start, end);
}

function fitWholeLines(lines: readonly string[], original: readonly string[], target: FitTarget): string[] {
    const from = commonIndent(lines);
    const to = original.length > 0 ? commonIndent(original) : target.lineIndent ?? from;
    return rebase(lines, from, to, original, target);
}

function fitMidLine(lines: readonly string[], original: readonly string[], target: FitTarget): string[] {
    const [first, ...rest] = lines;
    const firstIndent = /^[ \t]*/.exec(first!)![0];
    if (rest.length === 0) return [first!.slice(firstIndent.length)];
    const restBase = commonIndent(rest);
    // The original's first line starts at a column, not at its indentation: it tells nothing of bases or units.
    const originalRest = original.slice(1);
    const multiLine = originalRest.some((line) => line.trim().length > 0);
    const from = multiLine ? restBase : commonIndent([firstIndent + "x", restBase + "x"]);
    const to = multiLine ? commonIndent(originalRest) : target.lineIndent ?? "";
    return [first!.slice(firstIndent.length), ...rebase(rest, from, to, originalRest, target)];
}

/**
 * Each non-blank line moves from base `from` to base `to`; its indentation beyond the base is converted to the
 * document's style, rescaled when the code's unit differs from the original's. When the code already has the
 * document's style, that indentation is kept byte for byte.
 */
function rebase(lines: readonly string[], from: string, to: string, original: readonly string[], target: FitTarget): string[] {
    const relative = lines.map((line) => (line.trim().length === 0 ? undefined : line.slice(from.length)));
    const convert = converter(relative.filter((line): line is string => line !== undefined), original, target);
    return relative.map((line) => {
        if (line === undefined) return "";
        const indent = /^[ \t]*/.exec(line)![0];
        return to + convert(indent) + line.slice(indent.length);
    });
}

function converter(relative: readonly string[], original: readonly string[], target: FitTarget): (indent: string) => string {
    const { insertSpaces, tabSize } = target.indent;
    const originalStyle = detectIndentStrict(original);
    const documentUnit = insertSpaces && originalStyle?.insertSpaces ? originalStyle.tabSize : tabSize;
    const codeStyle = detectIndentStrict(relative);
    if (codeStyle && codeStyle.insertSpaces === insertSpaces && (!insertSpaces || codeStyle.tabSize === documentUnit)) {
        return (indent) => indent;
    }
    const codeUnit = codeStyle ? (codeStyle.insertSpaces ? codeStyle.tabSize : tabSize) : undefined;
    const width = (indent: string) => [...indent].reduce((sum, char) => sum + (char === "\t" ? tabSize : 1), 0);
    const rescale = codeUnit !== undefined && codeUnit !== documentUnit && relative
        .filter((line) => !isCommentContinuation(line))
        .every((line) => width(/^[ \t]*/.exec(line)![0]) % codeUnit === 0);
    return (indent) => {
        let columns = width(indent);
        if (rescale) columns = Math.floor(columns / codeUnit) * documentUnit + (columns % codeUnit);
        return insertSpaces ? " ".repeat(columns) : "\t".repeat(Math.floor(columns / tabSize)) + " ".repeat(columns % tabSize);
    };
}
