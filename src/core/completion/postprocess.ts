/**
 * Turns what the model wrote into a suggestion that fits where the cursor is: never control-token or thinking
 * text, one line mid-line, a bounded number of lines elsewhere, nothing that merely repeats the text after the
 * cursor, nothing that leaves the block the cursor is in. Empty and whitespace-only suggestions become "".
 */
import type { CursorContext } from "./cursorContext";

export interface PostProcessOptions {
    /** Most lines of a multi-line suggestion. */
    maxLines: number;
    /** The chat-style fallback: strip code fences and a repeated line prefix. */
    chat?: boolean;
}

/** Control-token texts and the user-defined tags: nothing from the first of them on is a suggestion. */
const SPECIAL_TEXT = /<\|[a-z_]+\|>|<\/?think>|<\/?tool_call>|<\/?tool_response>/;

export function postProcess(raw: string, context: CursorContext, options: PostProcessOptions): string {
    let text = raw.replace(/\r\n/g, "\n");
    const special = SPECIAL_TEXT.exec(text);
    if (special) text = text.slice(0, special.index);
    if (options.chat) text = unwrapChatAnswer(text, context);

    let lines = text.split("\n");
    if (!context.multiline) lines = lines.slice(0, 1);
    lines = lines.slice(0, Math.max(1, options.maxLines));
    lines = stopAtRepeatedNextLine(lines, context);
    lines = stopAtDedent(lines, context);
    // Trailing blank lines and trailing whitespace add nothing on screen.
    while (lines.length > 1 && lines[lines.length - 1]!.trim().length === 0) lines.pop();
    lines[lines.length - 1] = lines[lines.length - 1]!.trimEnd();
    text = lines.join("\n");

    text = trimSuffixOverlap(text, context);
    return text.trim().length === 0 ? "" : text;
}

/** Chat answers come fenced and sometimes restate the line the cursor is on. */
function unwrapChatAnswer(text: string, context: CursorContext): string {
    let result = text.replace(/^\s*```[\w+#.-]*[ \t]*\n/, "");
    const fence = result.indexOf("```");
    if (fence >= 0) result = result.slice(0, fence);
    const restated = context.linePrefix.trimStart();
    if (restated.length > 0 && result.trimStart().startsWith(restated)) {
        result = result.trimStart().slice(restated.length);
    }
    return result;
}

/** A line equal to the first non-blank line after the cursor line is the model walking into the existing code. */
function stopAtRepeatedNextLine(lines: string[], context: CursorContext): string[] {
    const next = context.nextLines[0]?.trim();
    if (!next) return lines;
    for (let index = 1; index < lines.length; index++) {
        if (lines[index]!.trim() === next) return lines.slice(0, index);
    }
    return lines;
}

/** A line indented less than the cursor's block ends the block: the suggestion stops before it. */
function stopAtDedent(lines: string[], context: CursorContext): string[] {
    if (lines.length <= 1) return lines;
    const base = indentWidth(context.indent);
    for (let index = 1; index < lines.length; index++) {
        const line = lines[index]!;
        if (line.trim().length === 0) continue;
        if (indentWidth(/^[ \t]*/.exec(line)![0]) < base) return lines.slice(0, index);
    }
    return lines;
}

function indentWidth(indent: string): number {
    let width = 0;
    for (const char of indent) width += char === "\t" ? 4 : 1;
    return width;
}

/**
 * Mid-line, the text after the cursor is already there: a suggestion that ends with it (`a, b)` before `)`)
 * drops it, and one that reproduces a longer rest of the line stops where that starts.
 */
function trimSuffixOverlap(text: string, context: CursorContext): string {
    const rest = context.lineSuffix.trim();
    if (rest.length === 0) return text;
    const firstLineEnd = text.indexOf("\n");
    const firstLine = firstLineEnd < 0 ? text : text.slice(0, firstLineEnd);
    const after = firstLineEnd < 0 ? "" : text.slice(firstLineEnd);
    let line = firstLine.trimEnd();
    if (line.endsWith(rest)) {
        line = line.slice(0, line.length - rest.length);
    } else if (rest.length >= 4) {
        const index = line.indexOf(rest);
        if (index >= 0) line = line.slice(0, index);
    }
    return line === firstLine.trimEnd() ? text : line + after;
}
