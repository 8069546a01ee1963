/**
 * The rule that keeps a long conversation inside the context: when the next prompt would not fit, the oldest
 * exchanges stop being sent, never the newest one, and the panel shows where the cut is.
 *
 * The cut moves in steps, down to {@link TRIM_TARGET} of the budget, not one exchange at a time: every move changes
 * the start of the prompt, so the engine re-evaluates all of it; a step leaves room for several turns before the next.
 * It never moves back, so the prompt prefix stays stable between trims.
 */

/** After a trim the prompt uses at most this share of its budget. */
export const TRIM_TARGET = 0.75;

export interface TrimInput {
    /** Tokens of each exchange as it appears in the prompt (the last is the message being sent). */
    exchangeTokens: readonly number[];
    /** Tokens outside the exchanges: system prompt, generation prompt. */
    fixedTokens: number;
    /** Most tokens the prompt may take (the context size less the room kept for the answer). */
    budget: number;
    /** The current cut: index of the first exchange sent. */
    start: number;
}

export interface TrimPlan {
    /** The new cut (>= the old one). */
    start: number;
    /** Tokens of the prompt from `start`. */
    promptTokens: number;
    /** False when even the newest exchange alone is over the budget. */
    fits: boolean;
}

export function planTrim(input: TrimInput): TrimPlan {
    const { exchangeTokens, fixedTokens, budget } = input;
    const last = exchangeTokens.length - 1;
    let start = Math.min(Math.max(0, input.start), Math.max(0, last));
    const total = (from: number) => fixedTokens + exchangeTokens.slice(from).reduce((sum, tokens) => sum + tokens, 0);
    let promptTokens = total(start);
    if (promptTokens <= budget) return { start, promptTokens, fits: true };
    const target = budget * TRIM_TARGET;
    while (start < last && promptTokens > target) {
        promptTokens -= exchangeTokens[start]!;
        start++;
    }
    return { start, promptTokens, fits: promptTokens <= budget };
}

/** Room kept for the answer: the answer limit, but never more than a quarter of the context. */
export function answerReserve(contextSize: number, maxTokens: number): number {
    return Math.max(1, Math.min(maxTokens, Math.floor(contextSize / 4)));
}
