/**
 * Thinking on/off and the thought-token budget.
 *
 * Qwen3.5 has no `/think` switch: thinking is chosen by the generation prompt (see {@link generationPrefill}).
 * A budget cannot simply stop generation mid-thought: the answer would never come. Instead, once the reasoning has
 * used its budget, the engine appends a closing text to the sequence — a sentence telling the model to answer now,
 * then the template's own `\n</think>\n\n` — and generation continues as the answer. This is the early-stopping
 * technique Qwen documents for its thinking models. To avoid cutting a sentence in half, the close waits for the end
 * of a line or sentence for up to `graceTokens` more tokens.
 *
 * The engine must tokenize the closing segments like prompt segments (`</think>` as the control token) and also
 * push the closing text into the ToolCallStreamParser, so that the parser sees the reasoning end.
 */
import type { PromptSegment } from "./types";

export const THINKING_ON_PREFILL = "<think>\n";
export const THINKING_OFF_PREFILL = "<think>\n\n</think>\n\n";

/** What the template writes after `<|im_start|>assistant\n` for `enable_thinking`. */
export function generationPrefill(enableThinking: boolean): string {
    return enableThinking ? THINKING_ON_PREFILL : THINKING_OFF_PREFILL;
}

/** A budget of 0 thought tokens is thinking off: the empty think block costs nothing and reads naturally. */
export function isThinkingEnabled(enableThinking: boolean, budgetTokens?: number): boolean {
    return enableThinking && budgetTokens !== 0;
}

/** The sentence Qwen's documentation uses to end thinking early. */
export const BUDGET_EXHAUSTED_SENTENCE =
    "Considering the limited time by the user, I have to give the solution based on the thinking directly now.";

export interface ThinkingClose {
    /** The text to append to the sequence (and to push into the parser). */
    text: string;
    /** The same text as segments: `</think>` belongs to the template's structure. */
    segments: PromptSegment[];
}

/** The closing text for reasoning that ends with `reasoningSoFar`: the sentence in its own paragraph, then `</think>`. */
export function closeThinking(reasoningSoFar: string): ThinkingClose {
    const separator = reasoningSoFar.endsWith("\n\n") || reasoningSoFar === "" ? "" : reasoningSoFar.endsWith("\n") ? "\n" : "\n\n";
    const segments: PromptSegment[] = [
        { text: separator + BUDGET_EXHAUSTED_SENTENCE, special: false },
        { text: "\n</think>\n\n", special: true }
    ];
    return { text: segments.map((segment) => segment.text).join(""), segments };
}

export interface ThoughtBudgetOptions {
    /** Most reasoning tokens before thinking is closed; undefined for no limit. */
    budgetTokens?: number;
    /** Further tokens allowed past the budget while waiting for the end of a line or sentence. Default 48. */
    graceTokens?: number;
}

/** Tokens the thinking may run past its budget while it finishes its line or sentence. */
export const THOUGHT_BUDGET_GRACE_TOKENS = 48;

const NATURAL_BREAK = /(?:[.!?。！？]\s*|\n)$/u;

/**
 * Decides when to close thinking. Call `check` after each reasoning token with the number of reasoning tokens so far
 * and the reasoning text so far (its last few hundred characters are enough); it returns the closing text once.
 */
export class ThoughtBudget {
    private closed = false;
    private readonly budget: number | undefined;
    private readonly grace: number;

    constructor(options: ThoughtBudgetOptions = {}) {
        const { budgetTokens, graceTokens } = options;
        this.budget = budgetTokens !== undefined && Number.isFinite(budgetTokens) && budgetTokens >= 0 ? Math.floor(budgetTokens) : undefined;
        this.grace = graceTokens !== undefined && Number.isFinite(graceTokens) && graceTokens >= 0 ? Math.floor(graceTokens) : THOUGHT_BUDGET_GRACE_TOKENS;
    }

    /** Whether the closing text has been handed out. */
    get isClosed(): boolean {
        return this.closed;
    }

    check(reasoningTokens: number, reasoningText: string): ThinkingClose | undefined {
        if (this.closed || this.budget === undefined || reasoningTokens < this.budget) return undefined;
        if (reasoningTokens < this.budget + this.grace && !NATURAL_BREAK.test(reasoningText)) return undefined;
        this.closed = true;
        return closeThinking(reasoningText);
    }
}
