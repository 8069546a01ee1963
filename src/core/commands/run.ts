/**
 * One editor command's model turn: the chat turn with the command's thinking choice, its sampling and token limits,
 * streaming the reasoning and the answer apart. The reasoning goes to the thinking view; only the answer is ever
 * read for code.
 */
import type { Engine, GenerationTimings, PromptSegment, SamplingOptions, StopReason } from "../engine";
import { buildChatPromptSegments } from "../qwen35/chatPrompt";
import { runChatTurn } from "../qwen35/chatTurn";
import { samplingFor, type SamplingOverrides } from "../qwen35/sampling";
import { isThinkingEnabled, THOUGHT_BUDGET_GRACE_TOKENS } from "../qwen35/thinking";
import type { ChatRequest } from "../qwen35/types";

export interface CommandTurnOptions {
    /** Built for `thinking` (its `enable_thinking` is set from it here anyway). */
    request: ChatRequest;
    thinking: boolean;
    /** Most reasoning tokens before the thinking is closed (undefined: no budget). */
    thoughtBudgetTokens?: number;
    /** Most tokens of the answer after the reasoning. */
    answerTokens: number;
    /** The request as prepareCommandTurn rendered it (else it is rendered here). */
    promptSegments?: PromptSegment[];
    sampling: SamplingOptions;
    signal?: AbortSignal;
    onThinking?: (delta: string) => void;
    onAnswer?: (delta: string, soFar: string) => void;
}

export interface CommandTurnResult {
    reasoning: string;
    answer: string;
    stopReason: StopReason;
    thinkingClosedByBudget: boolean;
    /** Everything the model wrote after `<|im_start|>assistant\n`, the template's prefill included. */
    rawOutput: string;
    timings: GenerationTimings[];
}

/** Thinking without a budget still stops: at this many reasoning tokens the turn's token limit ends it. */
const UNBUDGETED_THINKING_TOKENS = 16_384;
/** The shortest answer worth starting, and the least thinking worth having. */
const MIN_ANSWER_TOKENS = 256;
const MIN_THOUGHT_TOKENS = 32;

export interface TokenPlan {
    answerTokens: number;
    /** With thinking: always a number here, so that thinking fits the context too. */
    thoughtBudgetTokens?: number;
}

/**
 * Fits a command's answer (and thinking) into the context left after its prompt: the answer keeps its tokens where
 * it can, the thinking budget shrinks first. Undefined when not even a short answer fits.
 */
export function planCommandTokens(contextSize: number, promptTokens: number, wanted: { answerTokens: number; thinking: boolean; thoughtBudgetTokens?: number }):
    TokenPlan | undefined {
    const room = contextSize - promptTokens - 1;
    const minimum = Math.min(wanted.answerTokens, MIN_ANSWER_TOKENS);
    if (!wanted.thinking) return room >= minimum ? { answerTokens: Math.min(wanted.answerTokens, room) } : undefined;
    const budgetWanted = wanted.thoughtBudgetTokens ?? UNBUDGETED_THINKING_TOKENS;
    let answerTokens = Math.min(wanted.answerTokens, room - MIN_THOUGHT_TOKENS - THOUGHT_BUDGET_GRACE_TOKENS);
    if (answerTokens < minimum) return undefined;
    const thoughtBudgetTokens = Math.min(budgetWanted, room - answerTokens - THOUGHT_BUDGET_GRACE_TOKENS);
    answerTokens = Math.min(wanted.answerTokens, room - thoughtBudgetTokens - THOUGHT_BUDGET_GRACE_TOKENS);
    return { answerTokens, thoughtBudgetTokens };
}

/** A command's turn, planned: what runCommandTurn takes besides sampling and callbacks. */
export interface PreparedCommandTurn {
    request: ChatRequest;
    /** Off when the plan left no thinking budget. */
    thinking: boolean;
    thoughtBudgetTokens?: number;
    answerTokens: number;
    /** The prompt, rendered once: tokenized here, sent as it is. */
    promptSegments: PromptSegment[];
    promptTokens: number;
}

export type CommandTurnPlan =
    | { ok: true; turn: PreparedCommandTurn }
    /** Not even a short answer fits after the prompt. */
    | { ok: false; promptTokens: number; contextSize: number };

/**
 * Plans a command's turn: renders its prompt once (the template's exact text), counts it with the model's tokenizer,
 * and fits the answer and the thinking into the context that is left.
 */
export async function prepareCommandTurn(engine: Pick<Engine, "tokenize">, input: {
    request: ChatRequest; thinking: boolean; thoughtBudgetTokens?: number; answerTokens: number; contextSize: number;
}, signal?: AbortSignal): Promise<CommandTurnPlan> {
    const render = (thinking: boolean) => buildChatPromptSegments({ ...input.request, enable_thinking: thinking, add_generation_prompt: true });
    let promptSegments = render(input.thinking);
    const promptTokens = (await engine.tokenize({ kind: "segments", segments: promptSegments }, signal)).length;
    const plan = planCommandTokens(input.contextSize, promptTokens, input);
    if (!plan) return { ok: false, promptTokens, contextSize: input.contextSize };
    const thinking = isThinkingEnabled(input.thinking, plan.thoughtBudgetTokens);
    // A budget planned down to nothing turns the thinking off: the prompt then ends with the template's empty thinking.
    if (thinking !== input.thinking) promptSegments = render(thinking);
    return {
        ok: true,
        turn: { request: { ...input.request, enable_thinking: thinking }, thinking, ...plan, promptSegments, promptTokens }
    };
}

export async function runCommandTurn(engine: Pick<Engine, "generate">, options: CommandTurnOptions): Promise<CommandTurnResult> {
    let reasoning = "";
    let answer = "";
    // The budget may run over by the grace it gives the thinking to finish a sentence: the answer keeps its tokens.
    const thinkingTokens = options.thinking ? (options.thoughtBudgetTokens ?? UNBUDGETED_THINKING_TOKENS) + THOUGHT_BUDGET_GRACE_TOKENS : 0;
    const result = await runChatTurn(engine, {
        request: { ...options.request, enable_thinking: options.thinking },
        maxTokens: options.answerTokens + thinkingTokens,
        sampling: options.sampling,
        thoughtBudgetTokens: options.thinking ? options.thoughtBudgetTokens : undefined,
        promptSegments: options.promptSegments,
        signal: options.signal,
        onEvent: (event) => {
            if (event.type === "reasoning") {
                reasoning += event.text;
                options.onThinking?.(event.text);
            } else if (event.type === "content") {
                answer += event.text;
                options.onAnswer?.(event.text, answer);
            }
        }
    });
    return {
        reasoning: result.reasoning ?? reasoning,
        answer: answerText(result.raw_output) ?? answer,
        stopReason: result.stopReason,
        thinkingClosedByBudget: result.thinkingClosedByBudget,
        rawOutput: result.raw_output,
        timings: result.timings
    };
}

/**
 * The answer as the model wrote it: what follows the thinking, up to the end of the turn. The chat parser's content
 * is trimmed, which would drop the indentation of an unfenced answer's first line.
 */
export function answerText(rawOutput: string): string | undefined {
    const close = rawOutput.indexOf("</think>");
    if (close < 0) return undefined;
    const answer = rawOutput.slice(close + "</think>".length);
    const end = answer.indexOf("<|im_end|>");
    return (end >= 0 ? answer.slice(0, end) : answer).replace(/^(?:[ \t]*\n)+/, "");
}

/**
 * The sampling for a command: the model card's preset for the mode, with the user's overrides. Without thinking the
 * card's presence penalty (1.5) is dropped unless the user set one: a rewrite must repeat the code's own tokens —
 * names, keywords, punctuation — and a penalty on repeats pushes the model to rename and paraphrase.
 */
export function commandSampling(thinking: boolean, overrides: { thinking?: SamplingOverrides; nonThinking?: SamplingOverrides }): SamplingOptions {
    const sampling = samplingFor(thinking, overrides);
    if (!thinking && (overrides.nonThinking?.presencePenalty ?? null) === null) sampling.presencePenalty = 0;
    return sampling;
}
