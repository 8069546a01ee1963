/**
 * A prompt as tokens with the model's tokenizer, and the rule both backends apply to it: the real engine
 * (node-llama-cpp) and the scripted one count the same tokens and refuse the same prompts with the same words, so
 * tests of what happens near the context's end mean something on either.
 */
import { planTokenization } from "../core/tokenization";
import { BackendError } from "./backend";
import type { PromptInput } from "./protocol";

/** What tokenizes text: node-llama-cpp's LlamaModel (loaded whole, or vocabulary only). */
export interface Tokenizer {
    tokenize(text: string, specialTokens?: boolean): readonly number[];
}

export interface TokenizedPrompt {
    tokens: number[];
    /** Positions where the prompt asks for a checkpoint (segments' checkpointAfter). */
    checkpoints: number[];
    /** The checkpoints among them that are transient. */
    transient: Set<number>;
    /** The checkpoints among them that mark a long-lived prefix (kept in a group of their own). */
    prefix: Set<number>;
    /** Tokenizing stopped past `limit`: the prompt has at least this many tokens. */
    partial?: boolean;
}

/** Tokenizes piece by piece; a prompt far larger than `limit` stops being tokenized once it is past it. */
export function tokenizePrompt(model: Tokenizer, prompt: PromptInput, limit?: number): TokenizedPrompt {
    switch (prompt.kind) {
        case "tokens":
            return { tokens: prompt.tokens, checkpoints: [], transient: new Set(), prefix: new Set() };
        case "text":
            return { tokens: [...model.tokenize(prompt.text, prompt.special ?? false)], checkpoints: [], transient: new Set(), prefix: new Set() };
        case "segments": {
            const tokens: number[] = [];
            const checkpoints: number[] = [];
            const stable = new Set<number>();
            const transient = new Set<number>();
            const prefix = new Set<number>();
            for (const piece of planTokenization(prompt.segments)) {
                if (piece.kind === "checkpoint") {
                    if (checkpoints[checkpoints.length - 1] !== tokens.length) checkpoints.push(tokens.length);
                    (piece.transient ? transient : stable).add(tokens.length);
                    if (piece.prefix) prefix.add(tokens.length);
                } else {
                    // A loop, not push(...): a piece can be hundreds of thousands of tokens (a spread overflows the stack).
                    for (const token of model.tokenize(piece.text, piece.kind === "special")) tokens.push(token);
                    if (limit !== undefined && tokens.length > limit) return { tokens, checkpoints, transient, prefix, partial: true };
                }
            }
            // A position that is also asked for as a stable checkpoint is stable.
            for (const position of stable) transient.delete(position);
            return { tokens, checkpoints, transient, prefix };
        }
    }
}

/**
 * Refuses a prompt that leaves no room in the context (generation needs at least one free position), and returns
 * how many tokens may be generated: the request's limit, cut to what is left of the context.
 */
export function fitToContext(prompt: TokenizedPrompt, contextSize: number, maxTokens: number): number {
    if (prompt.tokens.length === 0) throw new BackendError("badRequest", "The prompt is empty.");
    if (prompt.tokens.length >= contextSize) {
        throw new BackendError("badRequest",
            `The prompt has ${prompt.partial ? "at least " : ""}${prompt.tokens.length} tokens but the context holds ${contextSize}: `
            + "shorten it or raise qwenLocal.contextSize.");
    }
    return Math.max(0, Math.min(maxTokens, contextSize - prompt.tokens.length));
}

/** The context a model gets: the requested size within what it was trained for (and at least 256). */
export function effectiveContextSize(requested: number, trainContextSize: number | undefined): number {
    return Math.max(256, Math.min(requested, trainContextSize ?? requested));
}
