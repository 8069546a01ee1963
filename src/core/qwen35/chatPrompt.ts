/**
 * The prompt the engine gets for a chat or agent turn: the template's rendering as trusted/untrusted segments,
 * with a checkpoint requested right after the generation prompt's `<|im_start|>assistant\n`.
 *
 * Why there: on the next turn the template drops this turn's reasoning, so the new prompt leaves the cached tokens
 * exactly where `<think>` began. Qwen3.5's recurrent layers cannot be rolled back, so without a checkpoint at that
 * point the engine would re-evaluate the whole conversation; with it, only this turn's answer and the new message.
 *
 * A second checkpoint goes right after the system turn (instructions and tools, the longest part that never
 * changes): when a conversation is compacted (../context/compaction.ts) everything after it changes, and the
 * engine resumes from there instead of evaluating the system turn again.
 */
import { renderConversationSegments, type RenderInput } from "./render";
import type { PromptSegment } from "./types";

const ASSISTANT_HEADER = "<|im_start|>assistant\n";
const GENERATION_PREFILLS = ["<think>\n", "<think>\n\n</think>\n\n"];

const SYSTEM_HEADER = "<|im_start|>system\n";
const TURN_END = "<|im_end|>\n";

export function buildChatPromptSegments(input: RenderInput): PromptSegment[] {
    const segments = markSystemTurnEnd(renderConversationSegments(input).map((segment) => ({ ...segment })));
    const last = segments[segments.length - 1];
    if (!last || !last.special) return segments;
    const at = last.text.lastIndexOf(ASSISTANT_HEADER);
    if (at < 0) return segments;
    const head = last.text.slice(0, at + ASSISTANT_HEADER.length);
    const prefill = last.text.slice(at + ASSISTANT_HEADER.length);
    // Only the generation prompt: the header followed by nothing but its thinking prefill.
    if (!GENERATION_PREFILLS.includes(prefill)) return segments;
    segments.splice(segments.length - 1, 1, { text: head, special: true, checkpointAfter: true },
        ...(prefill.length > 0 ? [{ text: prefill, special: true }] : []));
    return segments;
}

/** Splits the template segment that ends the system turn there, asking for a checkpoint after it. */
function markSystemTurnEnd(segments: PromptSegment[]): PromptSegment[] {
    const first = segments[0];
    if (!first || !first.special || !first.text.startsWith(SYSTEM_HEADER)) return segments;
    for (let index = 0; index < segments.length; index++) {
        const segment = segments[index]!;
        // The system turn's end is the first end-of-turn the template writes (the system content is data).
        const at = segment.special ? segment.text.indexOf(TURN_END, index === 0 ? SYSTEM_HEADER.length : 0) : -1;
        if (at < 0) continue;
        const end = at + TURN_END.length;
        // The turn's end closing the last segment is followed by the generation prompt's: nothing to mark then.
        if (end === segment.text.length && index === segments.length - 1) return segments;
        const rest = segment.text.slice(end);
        segments.splice(index, 1, { ...segment, text: segment.text.slice(0, end), checkpointAfter: "prefix" },
            ...(rest.length > 0 ? [{ ...segment, text: rest, checkpointAfter: segment.checkpointAfter }] : []));
        return segments;
    }
    return segments;
}
