/**
 * "Ask the Model": one question, answered without thinking — the prompt is the template's own rendering of a
 * one-message conversation (never ChatML written by hand).
 */
import type { PromptSegment } from "../engine";
import { buildChatPromptSegments } from "../qwen35/chatPrompt";

export function askPrompt(question: string): PromptSegment[] {
    return buildChatPromptSegments({ messages: [{ role: "user", content: question }], add_generation_prompt: true, enable_thinking: false });
}
