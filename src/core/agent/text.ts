/**
 * File contents as the tools handle them: UTF-8 text only, binary and oversized files recognised before they reach
 * the model, and output capped so one tool result cannot fill the context.
 */

export const LIMITS = {
    /** Larger files are never read whole: read_file and edit_file refuse them, search_text skips them. */
    maxTextFileBytes: 4 * 1024 * 1024,
    searchFileBytes: 1024 * 1024,
    /** One read_file result. */
    readLines: 400,
    readChars: 24_000,
    /** Longer lines (minified code) are cut in results. */
    lineChars: 2000,
    /** A fresh copy of a file sent with a conflict error. */
    conflictChars: 12_000,
    /** One diff in a tool result. */
    diffChars: 6000,
    /**
     * One tool result, whatever the tool: the last bound before the prompt (each tool keeps well inside it; this
     * catches what one does not), so no result can crowd the conversation out of the context.
     */
    toolResultChars: 32_000,
    /** A diff sent to a UI (the chat panel's card, the transcript): the review's diff editor shows the whole change. */
    uiDiffChars: 200_000
} as const;

/** How much of a file's start decides whether it is binary, as git does. */
const BINARY_SNIFF_BYTES = 8000;

export type Decoded = { ok: true; text: string } | { ok: false; reason: string };

/** UTF-8 text without its byte-order mark, or why the bytes are not text. */
export function decodeText(bytes: Uint8Array): Decoded {
    const sniff = Math.min(bytes.length, BINARY_SNIFF_BYTES);
    for (let index = 0; index < sniff; index++) {
        if (bytes[index] === 0) return { ok: false, reason: "is a binary file" };
    }
    try {
        return { ok: true, text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
    } catch {
        return { ok: false, reason: "is not UTF-8 text" };
    }
}

export function splitLines(text: string): string[] {
    if (text === "") return [];
    const lines = text.split(/\r?\n/);
    if (lines[lines.length - 1] === "") lines.pop();
    return lines;
}

/** A line for a result: overlong lines are cut with a note, so a minified file does not fill the context. */
export function capLine(line: string): string {
    return line.length > LIMITS.lineChars ? `${line.slice(0, LIMITS.lineChars)}… [${line.length - LIMITS.lineChars} more characters]` : line;
}

/** Keeps the start and the end of a long text, saying how much was left out between them. */
export function capMiddle(text: string, maxChars: number): { text: string; truncated: boolean } {
    if (text.length <= maxChars) return { text, truncated: false };
    const head = Math.floor(maxChars * 0.4);
    const tail = maxChars - head;
    const omitted = text.length - head - tail;
    return { text: `${text.slice(0, head)}\n… [${omitted} characters left out] …\n${text.slice(text.length - tail)}`, truncated: true };
}

