/** What post-processing and the cache need to know about the text around the cursor. */

export interface CursorContext {
    /** The cursor line up to the cursor. */
    linePrefix: string;
    /** The cursor line after the cursor (without the newline). */
    lineSuffix: string;
    /** Mid-line (text after the cursor on its line): one line only. At a line's end or in an empty line: several. */
    multiline: boolean;
    /** Leading whitespace of the cursor line, as far as it goes before the cursor. */
    indent: string;
    /** The next few non-blank lines after the cursor line. */
    nextLines: string[];
}

const NEXT_LINES = 3;

export function cursorContext(text: string, offset: number): CursorContext {
    const lineStart = lineStartOf(text, offset);
    const newline = text.indexOf("\n", offset);
    const lineEnd = newline < 0 ? text.length : newline;
    const linePrefix = text.slice(lineStart, offset);
    const lineSuffix = stripCarriageReturn(text.slice(offset, lineEnd));
    const nextLines: string[] = [];
    let cursor = newline < 0 ? text.length : newline + 1;
    while (cursor < text.length && nextLines.length < NEXT_LINES) {
        const end = text.indexOf("\n", cursor);
        const line = stripCarriageReturn(text.slice(cursor, end < 0 ? text.length : end));
        if (line.trim().length > 0) nextLines.push(line);
        cursor = end < 0 ? text.length : end + 1;
    }
    return {
        linePrefix,
        lineSuffix,
        multiline: lineSuffix.trim().length === 0,
        indent: /^[ \t]*/.exec(linePrefix)![0],
        nextLines
    };
}

/** Start of the line that holds `offset` (lastIndexOf would search from 0 for a negative position). */
export function lineStartOf(text: string, offset: number): number {
    return offset <= 0 ? 0 : text.lastIndexOf("\n", offset - 1) + 1;
}

function stripCarriageReturn(line: string): string {
    return line.endsWith("\r") ? line.slice(0, -1) : line;
}
