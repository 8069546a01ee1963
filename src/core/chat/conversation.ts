/**
 * The chat panel's conversations: plain, serialisable data (saved per workspace, sent to the webview) and the pure
 * functions that turn one into the messages of Qwen3.5's template.
 *
 * An exchange is one user message and the answer to it. Attachments are stored with the text that was sent, so a
 * conversation renders the same prompt every time it is continued: the engine then reuses its cache, and what the
 * model saw stays what the person can inspect later.
 */
import { SUMMARY_HEADER } from "../context/compaction";
import type { ChatMessage } from "../qwen35/types";
import { arrayOf, isBoolean, isNumber, isString, oneOf, optional, shape } from "./validate";

export type AttachmentKind = "selection" | "activeFile" | "file";

export interface LineRange {
    /** 1-based, inclusive. */
    startLine: number;
    endLine: number;
}

export interface ContextAttachment {
    kind: AttachmentKind;
    /** Workspace-relative path (or the file name for a file outside the workspace). */
    path: string;
    /** VS Code language id, also the code fence's info string. */
    language: string;
    range?: LineRange;
    text: string;
    /** The text was cut at the attachment size limit. */
    truncated?: boolean;
}

export type AnswerStatus =
    /** Being generated now. */
    | "streaming"
    | "done"
    /** Stopped by the person; the partial answer is kept. */
    | "stopped"
    /** The engine process died (or the window closed) mid-answer; the partial answer is kept. */
    | "interrupted"
    /** Nothing could be generated (no model, a load error …). */
    | "error";

export interface AnswerStats {
    promptTokens: number;
    /** Prompt tokens the engine had to evaluate; the rest came from its cache of the previous turn. */
    evaluatedTokens: number;
    generatedTokens: number;
    tokensPerSecond: number;
    timeToFirstTokenMs: number;
    totalMs: number;
}

export interface ChatAnswer {
    /** Tags the streamed deltas of this generation. */
    requestId: string;
    /** Whether thinking was on for this answer. */
    thinking: boolean;
    reasoning: string;
    content: string;
    status: AnswerStatus;
    /** What went wrong, for "interrupted" and "error". */
    error?: string;
    /** What fixes the error: choosing another model (it was missing, or would not load). */
    fix?: "selectModel";
    /** From the first reasoning token to the first answer token (or the end). */
    thinkingMs?: number;
    reasoningTokens: number;
    /** The answer was cut by the token limit. */
    hitTokenLimit?: boolean;
    stats?: AnswerStats;
}

export interface ChatExchange {
    id: string;
    user: {
        text: string;
        attachments: ContextAttachment[];
        sentAt: number;
    };
    answer?: ChatAnswer;
}

export interface ChatThread {
    id: string;
    title: string;
    createdAt: number;
    updatedAt: number;
    exchanges: ChatExchange[];
    /**
     * Index of the first exchange that is still sent to the model. Earlier ones were trimmed when the context
     * filled up (oldest first); the panel draws a rule there. It only ever moves forward.
     */
    contextStart: number;
    /**
     * The summary of the exchanges before `upTo` the model wrote when the context filled up; it is sent in their
     * place while `upTo` is the context start.
     */
    contextSummary?: ContextSummary;
    /** Exact ÷ estimated tokens, learned from the engine's count after each turn (see tokens.ts). */
    tokenScale?: number;
}

export interface ContextSummary {
    upTo: number;
    text: string;
    /** False: the model could not write one, and a digest of the exchanges stands in. */
    byModel: boolean;
}

export interface ThreadSummary {
    id: string;
    title: string;
    updatedAt: number;
    exchangeCount: number;
}

export const SYSTEM_PROMPT = "You are Qwen, a coding assistant running locally inside the user's editor (Visual Studio Code). " +
    "Answer in Markdown. Put code in fenced code blocks with a language tag. Be accurate and concise; " +
    "say so when you are unsure. Files and selections the user attaches are quoted before their message.";

export function emptyThread(id: string, now: number): ChatThread {
    return { id, title: "New chat", createdAt: now, updatedAt: now, exchanges: [], contextStart: 0 };
}

export function summarize(thread: ChatThread): ThreadSummary {
    return { id: thread.id, title: thread.title, updatedAt: thread.updatedAt, exchangeCount: thread.exchanges.length };
}

const TITLE_LENGTH = 60;

/** A conversation's title: the first line of its first message with Markdown noise dropped, cut at a word. */
export function deriveTitle(text: string): string {
    const line = text
        .replace(/```[\s\S]*?(```|$)/g, " ")
        .split("\n")
        .map((part) => part.replace(/[#>*_`~[\]]+/g, " ").replace(/\s+/g, " ").trim())
        .find((part) => part.length > 0 && part !== "@");
    if (!line) return "New chat";
    if (line.length <= TITLE_LENGTH) return line;
    const cut = line.slice(0, TITLE_LENGTH);
    const space = cut.lastIndexOf(" ");
    return `${(space > TITLE_LENGTH / 2 ? cut.slice(0, space) : cut).replace(/[\s,.;:!?-]+$/, "")}…`;
}

/** A code fence longer than any backtick run in `text`, so quoted code cannot close it. */
export function fenceFor(text: string): string {
    let longest = 0;
    for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
    return "`".repeat(Math.max(3, longest + 1));
}

export function describeAttachment(attachment: ContextAttachment): string {
    const range = attachment.range
        ? attachment.range.startLine === attachment.range.endLine
            ? `, line ${attachment.range.startLine}`
            : `, lines ${attachment.range.startLine}-${attachment.range.endLine}`
        : "";
    const kind = attachment.kind === "selection" ? " (selected)" : attachment.kind === "activeFile" ? " (open in the editor)" : "";
    return `${attachment.path}${range}${kind}`;
}

/** Whether an earlier exchange still in context already carries this exact attachment. */
function sentBefore(thread: ChatThread, index: number, attachment: ContextAttachment): boolean {
    for (let i = thread.contextStart; i < index; i++) {
        const exchange = thread.exchanges[i];
        if (exchange && isInPrompt(exchange, false) && exchange.user.attachments.some((earlier) =>
            earlier.path === attachment.path && earlier.text === attachment.text &&
            earlier.range?.startLine === attachment.range?.startLine && earlier.range?.endLine === attachment.range?.endLine)) {
            return true;
        }
    }
    return false;
}

/**
 * The user message as the model reads it: each attachment as a labelled code block, then the text. An attachment
 * already quoted earlier in the context is referred to instead of repeated, so keeping the current file attached
 * costs its tokens once, not once per message.
 */
export function userMessageContent(thread: ChatThread, index: number): string {
    const exchange = thread.exchanges[index];
    if (!exchange) throw new RangeError(`no exchange ${index}`);
    const parts: string[] = [];
    for (const attachment of exchange.user.attachments) {
        const label = describeAttachment(attachment);
        if (sentBefore(thread, index, attachment)) {
            parts.push(`[Attached: ${label}: unchanged, quoted above]`);
            continue;
        }
        const fence = fenceFor(attachment.text);
        const body = attachment.text.endsWith("\n") ? attachment.text : `${attachment.text}\n`;
        const note = attachment.truncated ? " (truncated)" : "";
        parts.push(`[Attached: ${label}${note}]\n${fence}${attachment.language}\n${body}${fence}`);
    }
    parts.push(exchange.user.text);
    return parts.join("\n\n");
}

/**
 * Whether an exchange goes into the prompt: the current one always; an earlier one when its answer has text
 * (an answer that failed before writing anything would teach the model to say nothing).
 */
function isInPrompt(exchange: ChatExchange, isCurrent: boolean): boolean {
    return isCurrent || (exchange.answer !== undefined && exchange.answer.content.trim().length > 0);
}

/**
 * The messages for the template, for a turn that answers exchange `upTo` (default: the last). Earlier answers go
 * in by their content: the template drops the reasoning of turns before the last user message anyway, and a chat
 * without tools has no turns after it.
 */
export function threadMessages(thread: ChatThread, upTo = thread.exchanges.length - 1, start = thread.contextStart, system = SYSTEM_PROMPT): ChatMessage[] {
    const messages: ChatMessage[] = [{ role: "system", content: system }];
    // The summary of what was cut goes in front of the first message sent, the same text turn after turn.
    let summary = start > 0 && thread.contextSummary?.upTo === start ? `${SUMMARY_HEADER}\n${thread.contextSummary.text.trim()}\n\n` : "";
    for (let i = Math.max(0, start); i <= upTo; i++) {
        const exchange = thread.exchanges[i];
        if (!exchange || !isInPrompt(exchange, i === upTo)) continue;
        messages.push({ role: "user", content: summary + userMessageContent({ ...thread, contextStart: Math.max(0, start) }, i) });
        summary = "";
        if (i < upTo) messages.push({ role: "assistant", content: exchange.answer!.content });
    }
    return messages;
}

/** The same conversation with every exchange finished: what the next turn's prompt starts with. */
export function historyMessages(thread: ChatThread): ChatMessage[] {
    return threadMessages(thread, thread.exchanges.length);
}

/** After a restart: an answer still marked streaming was cut off when the window or the extension host closed. */
export function recoverInterrupted(thread: ChatThread): ChatThread {
    let changed = false;
    const exchanges = thread.exchanges.map((exchange) => {
        if (exchange.answer?.status !== "streaming") return exchange;
        changed = true;
        return { ...exchange, answer: { ...exchange.answer, status: "interrupted" as const, error: "The window closed while this answer was being written." } };
    });
    return changed ? { ...thread, exchanges } : thread;
}

// ---- validation of stored conversations (files can be corrupt, or from another version)

const isRange = shape({ startLine: isNumber, endLine: isNumber });
export const isContextAttachment = shape({
    kind: oneOf("selection", "activeFile", "file"), path: isString, language: isString, range: optional(isRange), text: isString,
    truncated: optional(isBoolean)
});
const isStats = shape({
    promptTokens: isNumber, evaluatedTokens: isNumber, generatedTokens: isNumber, tokensPerSecond: isNumber,
    timeToFirstTokenMs: isNumber, totalMs: isNumber
});
export const isChatAnswer = shape({
    requestId: isString, thinking: isBoolean, reasoning: isString, content: isString,
    status: oneOf("streaming", "done", "stopped", "interrupted", "error"), error: optional(isString), fix: optional(oneOf("selectModel")),
    thinkingMs: optional(isNumber), reasoningTokens: isNumber, hitTokenLimit: optional(isBoolean), stats: optional(isStats)
});
const isExchange = shape({
    id: isString,
    user: shape({ text: isString, attachments: arrayOf(isContextAttachment), sentAt: isNumber }),
    answer: optional(isChatAnswer)
});
const isThread = shape({
    id: isString, title: isString, createdAt: isNumber, updatedAt: isNumber, exchanges: arrayOf(isExchange),
    contextStart: isNumber, tokenScale: optional(isNumber),
    contextSummary: optional(shape({ upTo: isNumber, text: isString, byModel: isBoolean }))
});

/** A stored conversation, or undefined when the value is not one. */
export function parseThread(value: unknown): ChatThread | undefined {
    if (!isThread(value)) return undefined;
    const thread = value as ChatThread;
    const contextStart = Math.min(Math.max(0, Math.floor(thread.contextStart)), Math.max(0, thread.exchanges.length - 1));
    return recoverInterrupted({ ...thread, contextStart });
}
