/**
 * A conversation that outgrows the context is compacted, not cut: the older part becomes a summary the model
 * writes (thinking off), the most recent rounds stay verbatim, and the prompt is laid out again once.
 *
 * On a hybrid model (Qwen3.5: DeltaNet layers beside attention) a prompt whose start changes is evaluated again
 * from the change on, so compaction happens rarely and in one step: only when the next prompt would not leave room
 * for a round's answer, and then down to well below the context, so many rounds follow before the next one.
 *
 * The summary is asked for in the cheapest place for the cache. When the conversation ends in tool results (an
 * agent mid-task), the request rides on them as one more tool response: the whole prompt so far is reused and only
 * the request and the summary are evaluated. Otherwise (or when that prompt has no room left for the summary) it is
 * a user message after the part being summarised.
 */
import type { ChatMessage, MessageContent } from "../qwen35/types";

/** The summary request; the model answers it with plain text (thinking off). */
export function compactionRequest(maxWords: number): string {
    return "[Qwen Local: the conversation is about to outgrow the context window, so the older part of it will be "
        + "replaced by your summary.] Before continuing, write that summary now, as plain text with no tool calls: "
        + "the user's request(s) in full, what you found (files, symbols, line numbers, facts you will need), "
        + "the changes you proposed or made and their state, commands you ran and their results, and what remains "
        + `to do. At most ${maxWords} words.`;
}

/** Starts the user message that replaces the summarised part. */
export const SUMMARY_HEADER = "[Earlier in this conversation (compacted to fit the context; this is the summary of it)]";
const REQUEST_HEADER = "[The current request, as the user wrote it]";

/**
 * Where a conversation may be cut: before a user message, or before an assistant message that does not answer
 * tool calls still waiting for their results (a round's assistant message and its tool results stay together).
 * Index 0 (the system message) and the first message after it are never cut points.
 */
export function cutPoints(messages: readonly ChatMessage[]): number[] {
    const points: number[] = [];
    for (let index = 2; index < messages.length; index++) {
        const role = messages[index]!.role;
        if (role === "user" || role === "assistant") points.push(index);
    }
    return points;
}

export interface CompactionPlan {
    /** messages[first, cut) are summarised (first is 1, or 0 without a system message). */
    first: number;
    cut: number;
    /** Index of the current request (the last user message), or -1. */
    currentRequest: number;
}

/**
 * Which part to summarise, keeping the last `keepRounds` rounds (an assistant message with its tool results, or a
 * user message with its answer) verbatim. Undefined when nothing older than them is left to summarise.
 */
export function planCompaction(messages: readonly ChatMessage[], keepRounds: number): CompactionPlan | undefined {
    const first = messages[0]?.role === "system" ? 1 : 0;
    const points = cutPoints(messages).filter((point) => point > first);
    if (points.length === 0) return undefined;
    const cut = keepRounds <= 0 ? messages.length : points[Math.max(0, points.length - keepRounds)]!;
    if (cut <= first + 1 && keepRounds > 0) return undefined;
    let currentRequest = -1;
    for (let index = messages.length - 1; index >= first; index--) {
        if (messages[index]!.role === "user" && !isToolResponse(messages[index]!.content)) {
            currentRequest = index;
            break;
        }
    }
    return { first, cut, currentRequest };
}

/**
 * The conversation after compaction: the system message, one user message with the summary (and, when the current
 * request was among the summarised messages, that request verbatim), then the kept rounds.
 */
export function compactedMessages(messages: readonly ChatMessage[], plan: CompactionPlan, summary: string): ChatMessage[] {
    const head = messages.slice(0, plan.first);
    const kept = messages.slice(plan.cut);
    let content = `${SUMMARY_HEADER}\n${summary.trim()}`;
    if (plan.currentRequest >= plan.first && plan.currentRequest < plan.cut) {
        const request = requestOf(textOf(messages[plan.currentRequest]!.content));
        if (request !== "") content += `\n\n${REQUEST_HEADER}\n${request}`;
    }
    // Kept rounds that start with the model's turn need the summary as the user turn before them; a kept user
    // message gets the summary in front of it instead of a second user message.
    const firstKept = kept[0];
    if (firstKept && firstKept.role === "user") {
        return [...head, { role: "user", content: `${content}\n\n${textOf(firstKept.content)}` }, ...kept.slice(1)];
    }
    return [...head, { role: "user", content }, ...kept];
}

/**
 * The user's request in a user message: the whole text, or — in a message an earlier compaction wrote — only the
 * request it carries (the old summary is summarised again, not nested).
 */
function requestOf(text: string): string {
    if (!text.startsWith(SUMMARY_HEADER)) return text;
    const marker = `\n\n${REQUEST_HEADER}\n`;
    const at = text.lastIndexOf(marker);
    return at < 0 ? "" : text.slice(at + marker.length);
}

/**
 * A summary written without the model (its answer was empty or failed): the requests, and one line per call with
 * the first line of its result. Bounded by `maxChars`.
 */
export function digest(messages: readonly ChatMessage[], maxChars: number): string {
    const lines: string[] = [];
    for (const message of messages) {
        const text = textOf(message.content).trim();
        if (message.role === "user") {
            lines.push(isToolResponse(message.content) ? `- result: ${firstLine(text)}` : `User: ${clip(text, 600)}`);
        } else if (message.role === "assistant") {
            if (text !== "") lines.push(`You said: ${clip(text, 300)}`);
            for (const call of message.tool_calls ?? []) {
                const fn = "function" in call ? call.function : call;
                lines.push(`- you called ${fn.name}(${clip(JSON.stringify(fn.arguments ?? {}), 200)})`);
            }
        } else if (message.role === "tool") {
            lines.push(`  → ${firstLine(text)}`);
        }
    }
    let out = lines.join("\n");
    if (out.length > maxChars) out = `…\n${out.slice(out.length - maxChars)}`;
    return out;
}

/** The messages the summary request is sent with, and how it is sent (see the file's comment). */
export function summaryRequestMessages(messages: readonly ChatMessage[], plan: CompactionPlan, maxWords: number, ridesOnToolResults: boolean): ChatMessage[] {
    const request = compactionRequest(maxWords);
    if (ridesOnToolResults) return [...messages, { role: "tool", name: "qwen_local", content: request }];
    return [...messages.slice(0, plan.cut), { role: "user", content: request }];
}

/**
 * A summary request of its own, for when the conversation leaves no room to ask in place: the conversation's system
 * message (so the engine resumes after its cached system turn) or, without one, a short one, then the part to
 * summarise as a plain transcript, its oldest lines cut first to fit `maxChars`.
 */
export function standaloneSummaryRequest(part: readonly ChatMessage[], maxWords: number, maxChars: number, system?: ChatMessage): ChatMessage[] {
    const lines: string[] = [];
    for (const message of part) {
        const text = textOf(message.content).trim();
        if (message.role === "assistant") {
            const calls = (message.tool_calls ?? []).map((call) => {
                const fn = "function" in call ? call.function : call;
                return `${fn.name}(${JSON.stringify(fn.arguments ?? {})})`;
            });
            lines.push(`Assistant: ${text}${calls.length > 0 ? `\n[called ${calls.join(", ")}]` : ""}`);
        } else if (message.role === "tool") {
            lines.push(`Tool result:\n${text}`);
        } else if (message.role === "user") {
            lines.push(`User: ${text}`);
        }
    }
    let transcript = lines.join("\n\n");
    if (transcript.length > Math.max(0, maxChars)) transcript = `[…the start was cut]\n${transcript.slice(transcript.length - Math.max(0, maxChars))}`;
    return [
        system ?? { role: "system", content: "You summarise a coding agent's work session so that the agent can continue it from your summary alone." },
        { role: "user", content: `[The conversation so far, as a transcript]\n${transcript}\n\n${compactionRequest(maxWords)}` }
    ];
}

/** Whether a conversation ends in tool results, so the request can ride on them. */
export function endsInToolResults(messages: readonly ChatMessage[]): boolean {
    return messages[messages.length - 1]?.role === "tool";
}

/** What the model wrote, made fit for a summary: tool-call markup and thinking removed. */
export function cleanSummary(text: string): string {
    return text
        .replace(/<think>[\s\S]*?<\/think>/g, "")
        .replace(/<tool_call>[\s\S]*?(<\/tool_call>|$)/g, "")
        .trim();
}

function isToolResponse(content: MessageContent | undefined): boolean {
    const text = textOf(content).trim();
    return text.startsWith("<tool_response>") && text.endsWith("</tool_response>");
}

export function textOf(content: MessageContent | undefined): string {
    if (typeof content === "string") return content;
    if (Array.isArray(content)) return content.map((part) => (typeof part === "object" && part !== null && "text" in part ? String(part.text) : "")).join("");
    return content === null || content === undefined ? "" : String(content);
}

function firstLine(text: string): string {
    return clip(text.split("\n", 1)[0] ?? "", 200);
}

function clip(text: string, max: number): string {
    const one = text.replace(/\s+/g, " ");
    return one.length > max ? `${one.slice(0, max)}…` : one;
}
