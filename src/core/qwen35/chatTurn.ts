/**
 * One assistant turn of a chat or agent conversation: render the prompt exactly as the template does, generate,
 * and parse the stream into reasoning, answer text and tool calls as it arrives. A thought-token budget closes
 * the thinking gracefully (the closing text is appended and generation continues as the answer).
 *
 * The engine is reached through core's `Engine` port (only `generate`), so this runs the same against the worker
 * client, the scripted engine, or a test double.
 */
import type { Engine, GenerateResult, GenerationTimings, PromptSegment as EngineSegment, SamplingOptions, SequenceName, StopReason } from "../engine";
import { buildChatPromptSegments } from "./chatPrompt";
import { ToolCallStreamParser } from "./parser";
import { generationPrefill, isThinkingEnabled, ThoughtBudget, type ThinkingClose } from "./thinking";
import type { ChatRequest, ParseResult, ParserEvent, PromptSegment } from "./types";
import { linkAbort } from "../util/abort";

export interface ChatTurnOptions {
    /** The conversation; `add_generation_prompt` is implied, `enable_thinking` defaults to on. */
    request: ChatRequest;
    maxTokens: number;
    sampling?: SamplingOptions;
    /** Most reasoning tokens before thinking is closed (0: thinking off). */
    thoughtBudgetTokens?: number;
    sequence?: SequenceName;
    /**
     * The request already rendered (`buildChatPromptSegments` of it with `add_generation_prompt` and this turn's
     * thinking), by a caller that tokenized it to plan the turn: it is sent as it is, not rendered twice.
     */
    promptSegments?: PromptSegment[];
    signal?: AbortSignal;
    onEvent?: (event: ParserEvent) => void;
}

export interface ChatTurnResult extends ParseResult {
    /** Everything after `<|im_start|>assistant\n`, prefill included: replay it as the message's `raw_output`. */
    raw_output: string;
    stopReason: StopReason;
    /** True when the budget closed the thinking. */
    thinkingClosedByBudget: boolean;
    /** One entry per generation call (two when the budget closed the thinking). */
    timings: GenerationTimings[];
}

/** How much reasoning text the budget looks at to find a natural break. */
const REASONING_TAIL = 400;

export async function runChatTurn(engine: Pick<Engine, "generate">, options: ChatTurnOptions): Promise<ChatTurnResult> {
    const thinking = isThinkingEnabled(options.request.enable_thinking !== false, options.thoughtBudgetTokens);
    const request: ChatRequest = { ...options.request, enable_thinking: thinking, add_generation_prompt: true };
    const promptSegments: PromptSegment[] = options.promptSegments ?? buildChatPromptSegments(request);
    const parser = new ToolCallStreamParser({ tools: request.tools ?? undefined, startInReasoning: thinking });
    const budget = new ThoughtBudget({ budgetTokens: thinking ? options.thoughtBudgetTokens : undefined });
    const emit = (events: ParserEvent[]) => { for (const event of events) options.onEvent?.(event); };

    let generated = "";
    /** What the model wrote, as prompt segments for a continuation: its own tokens, then the budget's close. */
    const continuation: EngineSegment[] = [];
    let reasoningTokens = 0;
    let reasoningTail = "";
    let thinkingClosedByBudget = false;
    let tokensLeft = options.maxTokens;
    const timings: GenerationTimings[] = [];
    let stopReason: StopReason = "eos";

    for (;;) {
        const controller = new AbortController();
        const unlink = linkAbort(options.signal, controller);
        let close: ThinkingClose | undefined;
        let textThisCall = "";
        let result: GenerateResult;
        try {
            result = await engine.generate({
                sequence: options.sequence ?? "chat",
                prompt: { kind: "segments", segments: [...promptSegments, ...continuation] },
                maxTokens: tokensLeft,
                stop: ["<|im_end|>"],
                sampling: options.sampling,
                checkpointAtPromptEnd: true
            }, {
                signal: controller.signal,
                onChunk: (chunk) => {
                    if (close) return;
                    textThisCall += chunk.text;
                    emit(parser.push(chunk.text));
                    if (parser.inReasoning) {
                        reasoningTokens += chunk.tokens ?? 1;
                        reasoningTail = (reasoningTail + chunk.text).slice(-REASONING_TAIL);
                        close = budget.check(reasoningTokens, reasoningTail);
                        if (close) controller.abort();
                    }
                }
            });
        } finally {
            unlink();
        }
        timings.push(result.timings);
        tokensLeft -= result.timings.generatedTokens;
        generated += textThisCall;
        stopReason = result.stopReason;
        if (close && !options.signal?.aborted && tokensLeft > 0) {
            // The budget is spent: write the close into the sequence and let the model answer.
            thinkingClosedByBudget = true;
            continuation.push({ text: textThisCall, special: true }, ...close.segments);
            generated += close.text;
            emit(parser.push(close.text));
            continue;
        }
        break;
    }
    emit(parser.flush());
    const parsed = parser.end();
    return {
        ...parsed,
        raw_output: generationPrefill(thinking) + generated,
        stopReason,
        thinkingClosedByBudget,
        timings
    };
}
