/**
 * The chat panel's logic, editor-free: the open conversation and the saved ones, sending a message (context
 * trimming, the exact Qwen3.5 prompt through `runChatTurn`, streamed reasoning and answer), stop, regenerate,
 * edit-and-resend, new / open / delete. The VS Code adapter (src/vscode/chatView.ts) turns its events into webview
 * messages and the person's intents into calls.
 *
 * One generation at a time. Everything the person sees is saved: the message before generation starts, the
 * answer every few seconds while it streams and when it ends, so a crash of the engine (or of the window) keeps the
 * partial answer, marked.
 */
import { randomInt, randomUUID } from "node:crypto";
import type { Engine, GenerationTimings } from "../engine";
import { Emitter, type Event } from "../events";
import { errorMessage, type Logger } from "../log";
import { buildChatPromptSegments } from "../qwen35/chatPrompt";
import { runChatTurn } from "../qwen35/chatTurn";
import { renderConversation } from "../qwen35/render";
import { samplingFor, type SamplingOverrides } from "../qwen35/sampling";
import type { ChatRequest } from "../qwen35/types";
import { cleanSummary, compactionRequest, digest, standaloneSummaryRequest } from "../context/compaction";
import type { ChatMessage } from "../qwen35/types";
import {
    deriveTitle, emptyThread, historyMessages, summarize, SYSTEM_PROMPT, threadMessages, userMessageContent,
    type AnswerStats, type ChatAnswer, type ChatThread, type ContextAttachment, type ContextSummary, type ThreadSummary
} from "./conversation";
import type { ChatDelta, ExchangeView, ThreadView } from "./protocol";

export type { ChatDelta } from "./protocol";
import type { ChatStore } from "./store";
import { calibrateTokenScale, estimateTokens } from "./tokens";
import { answerReserve, planTrim } from "./trimming";

export interface ChatConfig {
    /** The context of the loaded model (or the setting before one is loaded). */
    contextSize: number;
    /** Most tokens of one answer, reasoning included. */
    maxTokens: number;
    /** Most reasoning tokens before thinking is closed; undefined: no budget but maxTokens. */
    thoughtBudgetTokens?: number;
    sampling: { thinking?: SamplingOverrides; nonThinking?: SamplingOverrides };
}

export interface ChatServiceOptions {
    /** Generates the answers; `tokenize` counts a prompt exactly (loads the model if needed: only when a message is sent). */
    engine: Pick<Engine, "generate" | "tokenize">;
    store: ChatStore;
    log: Logger;
    config: () => ChatConfig;
    now?: () => number;
    newId?: () => string;
    /** How often a streaming answer is saved. */
    saveIntervalMs?: number;
    /** The sampling seed of each answer (tests fix it). */
    seed?: () => number;
    /**
     * The project instructions for a message about these files (paths of its attachments), rendered for the system
     * prompt (src/core/instructions); read at every message, so a changed file applies to the next one.
     */
    instructions?: (files: readonly string[], signal: AbortSignal) => Promise<string>;
}

/** A message that cannot be sent as it is; the text says what to do. */
export class ChatError extends Error {
    override name = "ChatError";
}

interface Running {
    requestId: string;
    exchangeId: string;
    controller: AbortController;
    done: Promise<void>;
}

export class ChatService {
    private readonly changeEmitter = new Emitter<void>();
    /** The conversation list, the open conversation or the busy state changed: re-read the view. */
    readonly onDidChange: Event<void> = this.changeEmitter.event;
    private readonly deltaEmitter = new Emitter<ChatDelta>();
    /** Streamed text of the running generation. */
    readonly onDelta: Event<ChatDelta> = this.deltaEmitter.event;

    private thread: ChatThread;
    private summaries: ThreadSummary[] = [];
    private running?: Running;
    private readonly now: () => number;
    private readonly newId: () => string;
    private readonly seed: () => number;
    /** Saves run one after another, so an older snapshot never overwrites a newer one. */
    private saving: Promise<void> = Promise.resolve();

    constructor(private readonly options: ChatServiceOptions) {
        this.now = options.now ?? Date.now;
        this.newId = options.newId ?? randomUUID;
        this.seed = options.seed ?? (() => randomInt(0x7fffffff));
        this.thread = emptyThread(this.newId(), this.now());
    }

    /** Loads the saved conversations and reopens the one that was open. */
    async initialize(): Promise<void> {
        try {
            const index = await this.options.store.loadIndex();
            this.summaries = index.threads;
            const current = index.currentId !== undefined ? await this.options.store.load(index.currentId) : undefined;
            if (current) this.thread = current;
        } catch (error) {
            this.options.log.warn(`Could not read the saved chats: ${errorMessage(error)}`);
        }
        this.changeEmitter.fire();
    }

    get current(): ChatThread {
        return this.thread;
    }

    get history(): readonly ThreadSummary[] {
        return this.summaries;
    }

    get busy(): { requestId: string; exchangeId: string } | undefined {
        return this.running && { requestId: this.running.requestId, exchangeId: this.running.exchangeId };
    }

    /** The open conversation for the webview: everything but the attachments' texts. */
    threadView(): ThreadView {
        const thread = this.thread;
        return {
            id: thread.id,
            title: thread.title,
            contextStart: thread.contextStart,
            ...(thread.contextSummary && thread.contextSummary.upTo === thread.contextStart && thread.contextStart > 0
                ? { contextSummary: { text: thread.contextSummary.text, byModel: thread.contextSummary.byModel } } : {}),
            exchanges: thread.exchanges.map((exchange): ExchangeView => ({
                id: exchange.id,
                user: {
                    text: exchange.user.text,
                    sentAt: exchange.user.sentAt,
                    attachments: exchange.user.attachments.map(({ kind, path, range, truncated }) => ({ kind, path, range, truncated }))
                },
                answer: exchange.answer && { ...exchange.answer }
            }))
        };
    }

    /** What the conversation so far takes in the next prompt: an estimate, corrected by the last exact count. */
    historyTokens(): { tokens: number; estimated: boolean } {
        const messages = historyMessages(this.thread);
        // The template refuses a conversation without a user message: before the first one, count the system turn.
        const text = messages.some((message) => message.role === "user")
            ? renderConversation({ messages, add_generation_prompt: true })
            : `<|im_start|>system\n${SYSTEM_PROMPT}<|im_end|>\n<|im_start|>assistant\n<think>\n`;
        return { tokens: estimateTokens(text, this.thread.tokenScale), estimated: this.thread.tokenScale === undefined };
    }

    get tokenScale(): number {
        return this.thread.tokenScale ?? 1;
    }

    // ---- intents

    /** Sends a message (with its context) and streams the answer; resolves when the answer ends. */
    async send(text: string, attachments: ContextAttachment[], thinking: boolean): Promise<void> {
        if (this.running) throw new ChatError("Wait for the answer to finish, or stop it, before sending another message.");
        if (text.trim().length === 0 && attachments.length === 0) return;
        const thread = this.thread;
        if (thread.exchanges.length === 0) thread.title = deriveTitle(text || attachments[0]?.path || "");
        thread.exchanges.push({ id: this.newId(), user: { text, attachments, sentAt: this.now() } });
        await this.answer(thinking);
    }

    /** Answers the last message again (the old answer is replaced). */
    async regenerate(thinking: boolean): Promise<void> {
        if (this.running) throw new ChatError("Stop the current answer first.");
        const last = this.thread.exchanges[this.thread.exchanges.length - 1];
        if (!last) return;
        last.answer = undefined;
        await this.answer(thinking);
    }

    /** Replaces the last message's text (its attachments stay) and answers it again. */
    async editLast(text: string, thinking: boolean): Promise<void> {
        if (this.running) throw new ChatError("Stop the current answer first.");
        const thread = this.thread;
        const last = thread.exchanges[thread.exchanges.length - 1];
        if (!last || text.trim().length === 0) return;
        last.user = { ...last.user, text, sentAt: this.now() };
        last.answer = undefined;
        if (thread.exchanges.length === 1) thread.title = deriveTitle(text);
        await this.answer(thinking);
    }

    /** Stops the running generation (in the worker, at once); its partial answer stays, marked stopped. */
    stop(requestId?: string): void {
        const running = this.running;
        if (running && (requestId === undefined || requestId === running.requestId)) running.controller.abort();
    }

    async newChat(): Promise<void> {
        await this.stopAndWait();
        if (this.thread.exchanges.length === 0) return;
        this.thread = emptyThread(this.newId(), this.now());
        await this.enqueueSave(() => this.options.store.setCurrent(undefined));
        this.changeEmitter.fire();
    }

    async open(id: string): Promise<void> {
        if (id === this.thread.id) return;
        await this.stopAndWait();
        const thread = await this.options.store.load(id);
        if (!thread) {
            this.summaries = this.summaries.filter((summary) => summary.id !== id);
            this.changeEmitter.fire();
            throw new ChatError("That chat could not be read; it was removed from the list.");
        }
        this.thread = thread;
        await this.enqueueSave(() => this.options.store.setCurrent(id));
        this.changeEmitter.fire();
    }

    async delete(id: string): Promise<void> {
        if (id === this.thread.id) {
            await this.stopAndWait();
            this.thread = emptyThread(this.newId(), this.now());
        }
        this.summaries = this.summaries.filter((summary) => summary.id !== id);
        await this.enqueueSave(() => this.options.store.delete(id));
        this.changeEmitter.fire();
    }

    /** Saves what is pending (deactivation). */
    async flush(): Promise<void> {
        await this.saving;
    }

    dispose(): void {
        this.running?.controller.abort();
        this.changeEmitter.dispose();
        this.deltaEmitter.dispose();
    }

    // ---- generation

    private async stopAndWait(): Promise<void> {
        const running = this.running;
        if (!running) return;
        running.controller.abort();
        await running.done;
    }

    private answer(thinking: boolean): Promise<void> {
        const thread = this.thread;
        const exchange = thread.exchanges[thread.exchanges.length - 1]!;
        const requestId = this.newId();
        const answer: ChatAnswer = { requestId, thinking, reasoning: "", content: "", status: "streaming", reasoningTokens: 0 };
        exchange.answer = answer;
        const controller = new AbortController();
        const done = this.generate(thread, answer, exchange.id, controller.signal);
        this.running = { requestId, exchangeId: exchange.id, controller, done };
        return done;
    }

    private async generate(thread: ChatThread, answer: ChatAnswer, exchangeId: string, signal: AbortSignal): Promise<void> {
        await Promise.resolve(); // let answer() record `running` before the first event
        thread.updatedAt = this.now();
        this.changeEmitter.fire();
        this.save(thread);
        const saver = setInterval(() => this.save(thread), this.options.saveIntervalMs ?? 2000);
        const index = thread.exchanges.length - 1;
        let thinkingStartedAt: number | undefined;
        let contentStarted = false;
        const delta = (part: { reasoning?: string; content?: string }) => this.deltaEmitter.fire({
            requestId: answer.requestId, exchangeId, ...part, reasoningTokens: answer.reasoningTokens,
            thinkingMs: answer.thinkingMs ?? (thinkingStartedAt !== undefined ? this.now() - thinkingStartedAt : undefined)
        });
        // Counts the reasoning tokens the engine reports: the parser's events carry text, not token counts.
        const engine: Pick<Engine, "generate"> = {
            generate: (params, options) => this.options.engine.generate(params, {
                signal: options.signal,
                onChunk: (chunk) => {
                    options.onChunk?.(chunk);
                    if (answer.thinking && !contentStarted) answer.reasoningTokens += chunk.tokens ?? 1;
                }
            })
        };
        try {
            const config = this.options.config();
            const { request, promptTokens } = await this.preparePrompt(thread, index, answer.thinking, config, signal);
            const result = await runChatTurn(engine, {
                request,
                maxTokens: Math.max(1, Math.min(config.maxTokens, config.contextSize - promptTokens)),
                // A seed per answer: the engine's default is the current second, so Regenerate would repeat itself.
                sampling: { ...samplingFor(answer.thinking, config.sampling), seed: this.seed() },
                thoughtBudgetTokens: answer.thinking ? config.thoughtBudgetTokens : undefined,
                signal,
                onEvent: (event) => {
                    if (event.type === "reasoning") {
                        thinkingStartedAt ??= this.now();
                        answer.reasoning += event.text;
                        delta({ reasoning: event.text });
                    } else if (event.type === "content") {
                        if (!contentStarted) {
                            contentStarted = true;
                            if (thinkingStartedAt !== undefined) answer.thinkingMs = this.now() - thinkingStartedAt;
                        }
                        answer.content += event.text;
                        delta({ content: event.text });
                    } else {
                        this.options.log.debug(`Chat: ignored a ${event.type} event (the chat offers no tools)`);
                    }
                }
            });
            answer.reasoning = result.reasoning;
            answer.content = result.content;
            answer.status = result.stopReason === "cancelled" ? "stopped" : "done";
            if (result.stopReason === "maxTokens") answer.hitTokenLimit = true;
            answer.stats = combineTimings(result.timings);
            const scale = calibrateTokenScale(renderConversation({ ...request, add_generation_prompt: true }), answer.stats.promptTokens);
            if (scale !== undefined) thread.tokenScale = scale;
            const { promptTokens: prompt, evaluatedTokens, generatedTokens, tokensPerSecond, timeToFirstTokenMs } = answer.stats;
            this.options.log.info(`Chat answer: ${generatedTokens} tokens at ${tokensPerSecond.toFixed(1)} tok/s, first token after ` +
                `${Math.round(timeToFirstTokenMs)} ms; prompt ${prompt} tokens, ${evaluatedTokens} evaluated (the rest reused)`);
        } catch (error) {
            const code = (error as { code?: unknown } | undefined)?.code;
            answer.content = answer.content.trim();
            answer.reasoning = answer.reasoning.trim();
            if (code === "cancelled" || signal.aborted) {
                answer.status = "stopped";
            } else if (code === "workerCrashed") {
                answer.status = "interrupted";
                answer.error = errorMessage(error);
            } else {
                answer.status = answer.content.length > 0 ? "interrupted" : "error";
                answer.error = errorMessage(error);
                // Anything but a message the chat itself refused comes from the model: no model, a bad file, a failed load.
                if (!(error instanceof ChatError)) answer.fix = "selectModel";
            }
            if (answer.status !== "stopped") this.options.log.warn(`Chat: ${answer.error}`);
        } finally {
            clearInterval(saver);
            if (thinkingStartedAt !== undefined && answer.thinkingMs === undefined) answer.thinkingMs = this.now() - thinkingStartedAt;
            thread.updatedAt = this.now();
            if (this.running?.requestId === answer.requestId) this.running = undefined;
            this.save(thread);
            this.changeEmitter.fire();
        }
    }

    /**
     * The request for exchange `index`, trimmed to fit the context by the rule in trimming.ts. The count is exact
     * (the engine tokenizes the prompt); the exchanges' shares of it are estimates scaled to that count.
     */
    private async preparePrompt(thread: ChatThread, index: number, thinking: boolean, config: ChatConfig, signal: AbortSignal):
        Promise<{ request: ChatRequest; promptTokens: number }> {
        const budget = config.contextSize - answerReserve(config.contextSize, config.maxTokens);
        const files = [...new Set(thread.exchanges.slice(thread.contextStart, index + 1).flatMap((exchange) => exchange.user.attachments.map((attachment) => attachment.path)))];
        let instructions = "";
        try {
            instructions = await this.options.instructions?.(files, signal) ?? "";
        } catch (error) {
            if (signal.aborted) throw error;
            this.options.log.warn(`Chat: could not read the project instructions: ${errorMessage(error)}`);
        }
        const system = instructions === "" ? SYSTEM_PROMPT : `${SYSTEM_PROMPT}\n\n${instructions}`;
        const build = (start: number): ChatRequest => ({ messages: threadMessages(thread, index, start, system), enable_thinking: thinking });
        const count = async (request: ChatRequest) => (await this.options.engine.tokenize(
            { kind: "segments", segments: buildChatPromptSegments({ ...request, add_generation_prompt: true }) }, signal)).length;
        let request = build(thread.contextStart);
        let promptTokens = await count(request);
        for (let attempt = 0; promptTokens > budget && attempt < 4; attempt++) {
            const shares = thread.exchanges.slice(0, index + 1).map((exchange, i) =>
                estimateTokens(userMessageContent(thread, i)) + estimateTokens(exchange.answer?.content ?? "") + 10);
            const fixed = estimateTokens(SYSTEM_PROMPT) + 10;
            const estimated = fixed + shares.slice(thread.contextStart).reduce((sum, tokens) => sum + tokens, 0);
            const scale = promptTokens / Math.max(1, estimated);
            const plan = planTrim({ exchangeTokens: shares.map((tokens) => tokens * scale), fixedTokens: fixed * scale, budget, start: thread.contextStart });
            // The estimate said it fits but the count disagrees: drop one more exchange.
            const start = plan.start > thread.contextStart ? plan.start : Math.min(index, thread.contextStart + 1);
            if (start === thread.contextStart) break;
            this.options.log.info(`Chat: the context is full (${promptTokens} of ${budget} prompt tokens): ` +
                `exchanges ${thread.contextStart + 1}–${start} are summarised for the model`);
            thread.contextSummary = await this.summarizeUpTo(thread, start, config, system, signal);
            thread.contextStart = start;
            this.changeEmitter.fire();
            request = build(start);
            promptTokens = await count(request);
        }
        if (promptTokens > budget) {
            throw new ChatError(`This message and its attachments take ${promptTokens} tokens, more than the ${budget} a prompt may use ` +
                `with a context of ${config.contextSize}: remove attachments, shorten the message, or raise “qwenLocal.contextSize”.`);
        }
        return { request, promptTokens };
    }

    /**
     * The summary of the exchanges before `upTo` (the earlier summary and the exchanges it did not cover), written by
     * the model with thinking off, asked right after them so the engine reuses its cache of that prefix; a request
     * of its own with a transcript cut to fit when that would not fit; a digest when the model fails.
     */
    private async summarizeUpTo(thread: ChatThread, upTo: number, config: ChatConfig, system: string, signal: AbortSignal): Promise<ContextSummary> {
        const summaryTokens = Math.max(64, Math.min(512, Math.floor(config.contextSize / 8)));
        const maxWords = Math.floor(summaryTokens * 0.6);
        // The part that leaves the prompt, as the model read it: the messages of exchanges contextStart … upTo-1.
        const part = threadMessages(thread, upTo - 1, thread.contextStart, system);
        const finished = part.slice(1);
        const last = thread.exchanges[upTo - 1];
        if (last?.answer && last.answer.content.trim().length > 0) finished.push({ role: "assistant", content: last.answer.content });
        const digestText = digest(finished, summaryTokens * 3);
        const asked: ChatMessage[] = [part[0]!, ...finished, { role: "user", content: compactionRequest(maxWords) }];
        const candidates = [asked, standaloneSummaryRequest(finished, maxWords, Math.max(400, (config.contextSize - summaryTokens - 600) * 3), part[0])];
        try {
            for (const messages of candidates) {
                const segments = buildChatPromptSegments({ messages, add_generation_prompt: true, enable_thinking: false });
                const tokens = (await this.options.engine.tokenize({ kind: "segments", segments }, signal)).length;
                if (tokens + summaryTokens > config.contextSize) continue;
                const turn = await runChatTurn(this.options.engine, {
                    request: { messages, enable_thinking: false }, promptSegments: segments, maxTokens: summaryTokens, thoughtBudgetTokens: 0,
                    sampling: { ...samplingFor(false, config.sampling), seed: this.seed() }, signal
                });
                const text = cleanSummary(turn.content);
                if (text.length >= 20) return { upTo, text, byModel: true };
                break;
            }
        } catch (error) {
            if (signal.aborted) throw error;
            this.options.log.warn(`Chat: the model could not summarise the earlier messages: ${errorMessage(error)}`);
        }
        return { upTo, text: digestText, byModel: false };
    }

    private save(thread: ChatThread): void {
        if (thread.exchanges.length === 0) return;
        const snapshot = structuredClone(thread);
        const summary = summarize(snapshot);
        this.summaries = [summary, ...this.summaries.filter((entry) => entry.id !== summary.id)].sort((a, b) => b.updatedAt - a.updatedAt);
        void this.enqueueSave(() => this.options.store.save(snapshot));
    }

    private enqueueSave(write: () => Promise<void>): Promise<void> {
        this.saving = this.saving.then(write).catch((error: unknown) => {
            this.options.log.warn(`Could not save the chat: ${errorMessage(error)}`);
        });
        return this.saving;
    }
}

/** One answer's numbers from its generation calls (two when the thought budget closed the thinking). */
export function combineTimings(timings: readonly GenerationTimings[]): AnswerStats {
    const first = timings[0];
    if (!first) return { promptTokens: 0, evaluatedTokens: 0, generatedTokens: 0, tokensPerSecond: 0, timeToFirstTokenMs: 0, totalMs: 0 };
    const generatedTokens = timings.reduce((sum, timing) => sum + timing.generatedTokens, 0);
    const weighted = timings.reduce((sum, timing) => sum + timing.tokensPerSecond * timing.generatedTokens, 0);
    return {
        promptTokens: first.promptTokens,
        evaluatedTokens: first.evaluatedTokens,
        generatedTokens,
        tokensPerSecond: generatedTokens > 0 ? weighted / generatedTokens : 0,
        timeToFirstTokenMs: first.timeToFirstTokenMs,
        totalMs: timings.reduce((sum, timing) => sum + timing.totalMs, 0)
    };
}
