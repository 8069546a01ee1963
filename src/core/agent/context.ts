/**
 * The agent's context window: every round's prompt is counted with the model's tokenizer before it is sent; a tool
 * result gets a budget (a share of the context); and when the next prompt would leave no room for a round's answer,
 * the conversation is compacted once (../context/compaction.ts), down to well below the context.
 */
import {
    cleanSummary, compactedMessages, digest, endsInToolResults, planCompaction, standaloneSummaryRequest, summaryRequestMessages,
    type CompactionPlan
} from "../context/compaction";
import type { Engine, SamplingOptions } from "../engine";
import { buildChatPromptSegments } from "../qwen35/chatPrompt";
import { runChatTurn } from "../qwen35/chatTurn";
import { isThinkingEnabled } from "../qwen35/thinking";
import type { ChatMessage, FunctionTool, PromptSegment } from "../qwen35/types";
import { LIMITS } from "./text";

/** A tool result may take this share of the context. */
const RESULT_SHARE = 0.25;
/** After compaction the prompt takes at most this share of what is left after the answer's room. */
const COMPACT_TARGET = 0.6;
/** Until the first count says otherwise (Qwen's tokenizer on code: about 3.5). */
const DEFAULT_CHARS_PER_TOKEN = 3;
/** The summary request riding on the prompt, with its turn markers. */
const RIDE_REQUEST_TOKENS = 200;

export interface ContextOptions {
    engine: Pick<Engine, "generate" | "tokenize">;
    /** The loaded model's context, read after the first count (which loads the model); undefined: not bounded. */
    contextSize: () => number | undefined;
    /** Tokens of one round's answer (the thinking included) the prompt must leave room for. */
    maxTokensPerRound: number;
    tools: FunctionTool[];
    sampling?: SamplingOptions;
}

export interface PreparedRound {
    segments: PromptSegment[];
    promptTokens: number;
    /** Tokens the round may generate: what is left of the context, at most the round's limit. */
    maxTokens: number;
}

export interface Compaction {
    /** Messages replaced by the summary. */
    summarized: number;
    tokensBefore: number;
    tokensAfter: number;
    /** The model wrote the summary (false: it failed or said nothing, and a digest of the calls stands in). */
    byModel: boolean;
    summary: string;
    /** Tokens the summary request evaluated and generated. */
    evaluatedTokens: number;
    generatedTokens: number;
}

/** The request cannot be sent at all; the message says why and what to do. */
export class ContextOverflowError extends Error {
    override name = "ContextOverflowError";
}

export class AgentContextWindow {
    private charsPerToken = DEFAULT_CHARS_PER_TOKEN;
    private contextSize?: number;
    /** The last round's prompt: how much a round adds. */
    private lastPromptTokens?: number;

    constructor(private readonly options: ContextOptions) {}

    /** Room kept for a round's answer: its limit, but at most an eighth of the context (and at least 256 tokens). */
    reserveFor(contextSize: number): number {
        return Math.max(Math.min(256, contextSize >> 2), Math.min(this.options.maxTokensPerRound, Math.floor(contextSize / 8)));
    }

    /** Most characters of one tool result (measured in this model's characters per token); undefined before a count. */
    resultChars(): number | undefined {
        if (this.contextSize === undefined) return undefined;
        const chars = Math.floor(this.contextSize * RESULT_SHARE * this.charsPerToken);
        return Math.max(800, Math.min(LIMITS.toolResultChars, chars));
    }

    /**
     * The round's prompt, counted; compacts `messages` (in place) first when it would not leave room for the answer.
     * Throws ContextOverflowError when even the compacted conversation (or the request alone) does not fit.
     */
    async prepare(messages: ChatMessage[], thinking: boolean, thoughtBudgetTokens: number | undefined, signal: AbortSignal,
        onCompacting: () => void): Promise<{ round: PreparedRound; compaction?: Compaction }> {
        let counted = await this.count(messages, thinking, thoughtBudgetTokens, signal);
        const contextSize = this.options.contextSize();
        this.contextSize = contextSize;
        if (contextSize === undefined) {
            return { round: { segments: counted.segments, promptTokens: counted.tokens, maxTokens: this.options.maxTokensPerRound } };
        }
        const reserve = this.reserveFor(contextSize);
        const limit = contextSize - reserve;
        // Compaction starts while the whole prompt still has room for the summary request to ride on it (the cheapest
        // way to ask: only the request is evaluated), when that leaves the recent rounds under this earlier bound.
        // It looks one round ahead: the next prompt grows by about as much as this one did.
        const summaryCap = Math.min(1024, Math.floor(contextSize / 8));
        const growth = this.lastPromptTokens !== undefined ? Math.max(0, counted.tokens - this.lastPromptTokens) : 0;
        this.lastPromptTokens = counted.tokens;
        const early = contextSize - Math.max(reserve, summaryCap + RIDE_REQUEST_TOKENS + growth);
        if (counted.tokens <= Math.min(limit, early)) return { round: this.round(counted, contextSize) };

        const before = counted.tokens;
        // The summary gets a fifth of the room the system turn and the request leave (within 64–1024 tokens).
        const bare = planCompaction(messages, 0);
        const fixed = bare ? (await this.count(compactedMessages(messages, bare, ""), thinking, thoughtBudgetTokens, signal)).tokens : before;
        const summaryTokens = Math.max(64, Math.min(summaryCap, Math.floor((limit - fixed) / 5)));
        // The most recent rounds (up to four) that leave the compacted prompt under the target (with a summary of the
        // size asked for), else the most that leave it under the bound; nothing kept only when the prompt must shrink.
        // Counted before the model is asked for anything.
        const choose = async (bound: number, lastResort: boolean): Promise<CompactionPlan | undefined> => {
            const target = Math.floor(bound * COMPACT_TARGET);
            let chosen: CompactionPlan | undefined;
            for (const keepRounds of [4, 3, 2, 1, 0]) {
                const plan = planCompaction(messages, keepRounds);
                if (!plan) continue;
                // Nothing kept verbatim is the last resort: the model would not see its last results.
                if (keepRounds === 0) return lastResort ? chosen ?? plan : chosen;
                const placeholder = digest(messages.slice(plan.first, plan.cut), Math.floor(summaryTokens * this.charsPerToken));
                const estimate = await this.count(compactedMessages(messages, plan, placeholder), thinking, thoughtBudgetTokens, signal);
                if (estimate.tokens <= target) return plan;
                if (estimate.tokens <= bound) chosen ??= plan;
            }
            return chosen;
        };
        let chosen: CompactionPlan | undefined;
        if (before <= limit) {
            // Only past the early bound: compact if that brings the prompt under it, else go on as it is.
            chosen = await choose(early, false);
            if (!chosen) return { round: this.round(counted, contextSize) };
        } else {
            chosen = await choose(limit, true);
        }
        let compaction: Compaction | undefined;
        if (chosen) {
            onCompacting();
            const written = await this.summarize(messages, chosen, before, contextSize, summaryTokens, signal);
            const next = compactedMessages(messages, chosen, written.summary);
            const nextCount = await this.count(next, thinking, thoughtBudgetTokens, signal);
            compaction = { ...written, summarized: chosen.cut - chosen.first, tokensBefore: before, tokensAfter: nextCount.tokens };
            messages.splice(0, messages.length, ...next);
            counted = nextCount;
            this.lastPromptTokens = nextCount.tokens;
        }
        if (counted.tokens > limit) {
            throw new ContextOverflowError(compaction || messages.length > 2
                ? `The conversation does not fit the context of ${contextSize} tokens even after compaction (${counted.tokens} tokens, `
                + `with ${reserve} kept for the answer): start a new conversation, or raise “qwenLocal.contextSize”.`
                : `The request is too large: with the agent's instructions and tools it takes ${counted.tokens} tokens, and the context `
                + `holds ${contextSize} (${reserve} of them kept for the answer). Shorten it, or raise “qwenLocal.contextSize”.`);
        }
        return { round: this.round(counted, contextSize), ...(compaction ? { compaction } : {}) };
    }

    private round(counted: { segments: PromptSegment[]; tokens: number }, contextSize: number): PreparedRound {
        return {
            segments: counted.segments,
            promptTokens: counted.tokens,
            maxTokens: Math.max(1, Math.min(this.options.maxTokensPerRound, contextSize - counted.tokens))
        };
    }

    private async count(messages: ChatMessage[], thinking: boolean, thoughtBudgetTokens: number | undefined, signal: AbortSignal, tools = true):
        Promise<{ segments: PromptSegment[]; tokens: number }> {
        const segments = buildChatPromptSegments({
            messages, ...(tools ? { tools: this.options.tools } : {}), add_generation_prompt: true,
            enable_thinking: isThinkingEnabled(thinking, thoughtBudgetTokens)
        });
        const tokens = (await this.options.engine.tokenize({ kind: "segments", segments }, signal)).length;
        const chars = segments.reduce((sum, segment) => sum + segment.text.length, 0);
        if (tokens > 0) this.charsPerToken = Math.min(6, Math.max(1, chars / tokens));
        return { segments, tokens };
    }

    /**
     * The summary of messages[plan.first, plan.cut), by the model with thinking off, asked where it costs least: on
     * the whole prompt (riding on the tool results), else after the summarised part, else — when neither leaves room
     * for the summary — in a request of its own with the part as a transcript cut to fit. A digest of the calls
     * stands in when the model fails or says nothing.
     */
    private async summarize(messages: ChatMessage[], plan: CompactionPlan, promptTokens: number, contextSize: number, summaryTokens: number,
        signal: AbortSignal): Promise<Omit<Compaction, "summarized" | "tokensBefore" | "tokensAfter">> {
        const maxWords = Math.max(30, Math.floor(summaryTokens * 0.6));
        const part = messages.slice(plan.first, plan.cut);
        const fallback = { byModel: false, summary: digest(part, Math.floor(summaryTokens * this.charsPerToken)), evaluatedTokens: 0, generatedTokens: 0 };
        const candidates: { messages: ChatMessage[]; tools: boolean }[] = [];
        if (endsInToolResults(messages) && promptTokens + RIDE_REQUEST_TOKENS + summaryTokens <= contextSize) {
            candidates.push({ messages: summaryRequestMessages(messages, plan, maxWords, true), tools: true });
        }
        candidates.push({ messages: summaryRequestMessages(messages, plan, maxWords, false), tools: true });
        // On its own: after the same system turn (its checkpoint is reused), else after a short one without tools.
        const system = messages[0]?.role === "system" ? messages[0] : undefined;
        if (system) {
            const systemTokens = (await this.count([system, { role: "user", content: "" }], false, undefined, signal)).tokens;
            const transcriptChars = Math.floor((contextSize - systemTokens - summaryTokens - 300) * this.charsPerToken * 0.9);
            if (transcriptChars > 400) candidates.push({ messages: standaloneSummaryRequest(part, maxWords, transcriptChars, system), tools: true });
        }
        const transcriptChars = Math.floor((contextSize - summaryTokens - 400) * this.charsPerToken * 0.9);
        candidates.push({ messages: standaloneSummaryRequest(part, maxWords, transcriptChars), tools: false });
        try {
            for (const candidate of candidates) {
                const counted = await this.count(candidate.messages, false, undefined, signal, candidate.tools);
                if (counted.tokens + summaryTokens > contextSize) continue;
                const turn = await runChatTurn(this.options.engine, {
                    request: { messages: candidate.messages, ...(candidate.tools ? { tools: this.options.tools } : {}), enable_thinking: false },
                    promptSegments: counted.segments,
                    maxTokens: summaryTokens,
                    thoughtBudgetTokens: 0,
                    sampling: this.options.sampling,
                    signal
                });
                if (signal.aborted) throw new Error("cancelled");
                const evaluatedTokens = turn.timings.reduce((sum, timing) => sum + timing.evaluatedTokens, 0);
                const generatedTokens = turn.timings.reduce((sum, timing) => sum + timing.generatedTokens, 0);
                const summary = cleanSummary(turn.content);
                return summary.length >= 20
                    ? { byModel: true, summary, evaluatedTokens, generatedTokens }
                    : { ...fallback, evaluatedTokens, generatedTokens };
            }
            return fallback;
        } catch (error) {
            if (signal.aborted) throw error;
            return fallback;
        }
    }
}
