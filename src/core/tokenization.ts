/**
 * Plans how a prompt made of trusted (template) and untrusted (user, file, tool) text is tokenized.
 *
 * llama.cpp first cuts the text at special tokens, then BPE-tokenizes each plain fragment on its own.
 * Qwen3.5's `<think>`, `<tool_call>`, `<tool_response>` … are USER_DEFINED tokens, which llama.cpp matches
 * even in plain text — so a file that contains `</tool_response>` would close the tool response for the model.
 * The plan keeps the TEXT identical but cuts untrusted text inside every such tag (after its first character),
 * so the tag becomes ordinary tokens. Where untrusted text holds no tags, the plan gives the same tokens as
 * tokenizing the whole text with special-token parsing, because plain text is merged across segment
 * boundaries exactly as llama.cpp would see it.
 */

import type { PromptSegment } from "./engine";

export type TokenizationPiece =
    | { kind: "special"; text: string }
    | { kind: "plain"; text: string }
    | { kind: "checkpoint"; transient?: boolean; prefix?: boolean };

/** The added tokens of the Qwen3.5 vocabulary (FACTS.md): control `<|…|>` tokens and the user-defined tags. */
export const QWEN35_SPECIAL_TOKEN_TEXTS: readonly string[] = [
    "<|endoftext|>", "<|im_start|>", "<|im_end|>",
    "<|object_ref_start|>", "<|object_ref_end|>", "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>",
    "<|vision_start|>", "<|vision_end|>", "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>",
    "<tool_call>", "</tool_call>",
    "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>",
    "<tool_response>", "</tool_response>", "<think>", "</think>"
];

/** Tags that llama.cpp matches even when special-token parsing is off (USER_DEFINED tokens). */
export const QWEN35_USER_DEFINED_TOKEN_TEXTS: readonly string[] = [
    "<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>", "<think>", "</think>"
];

function findAll(text: string, needles: readonly string[]): { index: number; needle: string }[] {
    const found: { index: number; needle: string }[] = [];
    let index = 0;
    while (index < text.length) {
        const next = text.indexOf("<", index);
        if (next < 0) break;
        const needle = needles.find((candidate) => text.startsWith(candidate, next));
        if (needle !== undefined) {
            found.push({ index: next, needle });
            index = next + needle.length;
        } else {
            index = next + 1;
        }
    }
    return found;
}

export function planTokenization(
    segments: readonly PromptSegment[],
    specialTokenTexts: readonly string[] = QWEN35_SPECIAL_TOKEN_TEXTS,
    userDefinedTokenTexts: readonly string[] = QWEN35_USER_DEFINED_TOKEN_TEXTS
): TokenizationPiece[] {
    const pieces: TokenizationPiece[] = [];
    // Plain text is accumulated across segments; cuts inside untrusted tags end the current plain piece.
    let plain = "";
    const flushPlain = () => {
        if (plain.length > 0) pieces.push({ kind: "plain", text: plain });
        plain = "";
    };
    // Longest first, so that e.g. `</think>` is never mistaken for a shorter tag.
    const specials = [...specialTokenTexts].sort((a, b) => b.length - a.length);
    const userDefined = [...userDefinedTokenTexts].sort((a, b) => b.length - a.length);

    for (const segment of segments) {
        if (segment.special) {
            let cursor = 0;
            for (const match of findAll(segment.text, specials)) {
                plain += segment.text.slice(cursor, match.index);
                flushPlain();
                pieces.push({ kind: "special", text: match.needle });
                cursor = match.index + match.needle.length;
            }
            plain += segment.text.slice(cursor);
        } else {
            let cursor = 0;
            for (const match of findAll(segment.text, userDefined)) {
                // Cut after the tag's first character: "…<" | "think>…" can never form the tag again.
                plain += segment.text.slice(cursor, match.index + 1);
                flushPlain();
                cursor = match.index + 1;
            }
            plain += segment.text.slice(cursor);
        }
        if (segment.checkpointAfter) {
            flushPlain();
            pieces.push(segment.checkpointAfter === "transient" ? { kind: "checkpoint", transient: true }
                : segment.checkpointAfter === "prefix" ? { kind: "checkpoint", prefix: true } : { kind: "checkpoint" });
        }
    }
    flushPlain();
    return pieces;
}
