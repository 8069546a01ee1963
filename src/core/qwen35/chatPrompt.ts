/**
 * The prompt the engine gets for a chat or agent turn: the template's rendering as trusted/untrusted segments,
 * with a checkpoint requested right after the generation prompt's `<|im_start|>assistant\n`.
 *
 * Why there: on the next turn the template drops this turn's reasoning, so the new prompt leaves the cached tokens
 * exactly where `<think>` began. Qwen3.5's recurrent layers cannot be rolled back, so without a checkpoint at that
 * point the engine would re-evaluate the whole conversation; with it, only this turn's answer and the new message.
 */
import { renderConversationSegments, type RenderInput } from "./render";
import type { PromptSegment } from "./types";

const ASSISTANT_HEADER = "<|im_start|>assistant\n";
const GENERATION_PREFILLS = ["<think>\n", "<think>\n\n</think>\n\n"];

export function buildChatPromptSegments(input: RenderInput): PromptSegment[] {
    const segments = renderConversationSegments(input).map((segment) => ({ ...segment }));
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
