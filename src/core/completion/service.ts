/**
 * Inline suggestions, editor-independent: a request is a document's text and a cursor offset; the answer is a
 * suggestion (or none), with what it cost. The editor adapter only translates; the engine is reached through the
 * core's `Engine` port (src/core/engine.ts) (the worker client in the extension, a fake in unit tests).
 *
 * Latency: a cache hit needs no engine (also while the user types into a suggestion on screen); otherwise an
 * adaptive debounce, then one generation at a time on the completion sequence — a newer request aborts the older
 * one, which stops in the worker — with token and time caps. After a suggestion is shown, the suggestion that would
 * follow it is prefetched, as if it were accepted. The prompt layout that keeps the engine's cache warm across
 * keystrokes and cursor jumps is in layout.ts.
 */
import type { Engine, GenerateResult, SamplingOptions, StopReason } from "../engine";
import { CompletionCache, DEFAULT_CACHE_OPTIONS, type CacheHit, type CompletionCacheOptions } from "./cache";
import { ContextRing, DEFAULT_RING_OPTIONS, type ContextChunk, type ContextRingOptions } from "./contextRing";
import { cursorContext, type CursorContext } from "./cursorContext";
import { AdaptiveDebounce, DEFAULT_DEBOUNCE, type DebounceOptions } from "./debounce";
import { DEFAULT_LAYOUT_OPTIONS, DocumentLayout, type FileRebuildReason, type LayoutOptions } from "./layout";
import { postProcess } from "./postprocess";
import { headerText, renderPrompt, type PromptMode } from "./prompt";
import { TokenEstimator } from "./tokenEstimate";
import { raceAbort } from "../util/abort";

export interface CompletionServiceOptions {
    /** "fim": Qwen's fill-in-the-middle tokens (the chat prompt when the model has none); "chat": always the chat prompt. */
    mode: PromptMode;
    /** Repo-level context: other files' chunks and a frozen copy of the file being edited. */
    repoContext: boolean;
    /** Token cap of one suggestion. */
    maxTokens: number;
    /** Time cap of one generation. */
    timeoutMs: number;
    /** Most lines of a multi-line suggestion. */
    maxLines: number;
    /** After a suggestion is produced, prefetch the one that follows it (as if accepted). */
    speculative: boolean;
    /** Pending context chunks join the ring at the next stale-file rebuild once the oldest is this old. */
    ringCommitAfterMs: number;
    sampling: SamplingOptions;
    layout: LayoutOptions;
    ring: ContextRingOptions;
    cache: CompletionCacheOptions;
    debounce: DebounceOptions;
}

export const DEFAULT_COMPLETION_OPTIONS: CompletionServiceOptions = {
    mode: "fim",
    repoContext: true,
    maxTokens: 64,
    timeoutMs: 5000,
    maxLines: 8,
    speculative: true,
    ringCommitAfterMs: 30_000,
    // Greedy: a completion should be the most likely text, and the same text for the same place.
    sampling: { temperature: 0 },
    layout: DEFAULT_LAYOUT_OPTIONS,
    ring: DEFAULT_RING_OPTIONS,
    cache: DEFAULT_CACHE_OPTIONS,
    debounce: DEFAULT_DEBOUNCE
};

export interface CompletionRequest {
    /** Identifies the document (its URI): each document keeps its own prompt layout. */
    document: string;
    /** Workspace-relative path, shown to the model. */
    path: string;
    languageId: string;
    text: string;
    /** The cursor, as an offset into `text`. */
    offset: number;
    /** The workspace's name, for `<|repo_name|>`. */
    repoName?: string;
}

export interface CompletionStats {
    /** "shared": joined a generation already under way for the same place (a prefetch). */
    source: "cache" | "engine" | "shared";
    mode: PromptMode;
    promptTokens: number;
    /** Prompt tokens the engine had to evaluate (the rest came from its cache). */
    evaluatedTokens: number;
    generatedTokens: number;
    /** From the request (after the debounce) to the suggestion. */
    latencyMs: number;
    debounceMs: number;
    timeToFirstTokenMs?: number;
    /** Extension-side work: building the prompt + IPC + post-processing. */
    overheadMs: number;
    buildMs: number;
    ipcMs: number;
    postMs: number;
    /** Prompt tokenization in the worker (engine time, not in overheadMs), when the engine reports it. */
    tokenizeMs?: number;
    stopReason?: StopReason;
    fileRebuild?: FileRebuildReason;
    reanchored?: boolean;
}

export type CompletionOutcome =
    | { kind: "suggestion"; text: string; stats: CompletionStats }
    | { kind: "none"; stats: CompletionStats }
    | { kind: "cancelled" }
    | { kind: "error"; message: string };

export interface Clock {
    now(): number;
    setTimeout(callback: () => void, ms: number): unknown;
    clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
    now: () => performance.now(),
    setTimeout: (callback, ms) => setTimeout(callback, ms),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>)
};

const CANCELLED: CompletionOutcome = { kind: "cancelled" };
/** Most layouts kept (one per recently completed document). */
const MAX_LAYOUTS = 32;
const CALIBRATION_SAMPLE_CHARS = 8000;

interface Place {
    request: CompletionRequest;
    context: CursorContext;
    mode: PromptMode;
    variant: string;
    prefix: string;
    suffix: string;
    key: string;
}

interface Flight {
    key: string;
    controller: AbortController;
    speculative: boolean;
    promise: Promise<CompletionOutcome>;
}

export class CompletionService {
    private options: CompletionServiceOptions;
    private readonly estimator = new TokenEstimator();
    private readonly cache: CompletionCache;
    private readonly ring: ContextRing;
    private readonly debounce: AdaptiveDebounce;
    private readonly layouts = new Map<string, DocumentLayout>();
    private current?: Flight;
    private speculativeTimer?: unknown;
    /** The model the estimate was calibrated for (null: an engine that does not say). */
    private calibratedFor?: string | null;
    private disposed = false;

    constructor(private readonly engine: Engine, options: Partial<CompletionServiceOptions> = {}, private readonly clock: Clock = systemClock) {
        this.options = { ...DEFAULT_COMPLETION_OPTIONS, ...options };
        this.cache = new CompletionCache(this.options.cache);
        this.ring = new ContextRing(this.options.ring, this.estimator);
        this.debounce = new AdaptiveDebounce(this.options.debounce);
    }

    get settings(): Readonly<CompletionServiceOptions> {
        return this.options;
    }

    /** The delay the next request waits (for logs and tests). */
    get debounceMs(): number {
        return this.debounce.delayMs;
    }

    /** Characters per token currently assumed for budgets. */
    get charsPerToken(): number {
        return this.estimator.charsPerToken;
    }

    /** New options; suggestions cached under the old ones are dropped when the prompt changes. */
    updateOptions(options: Partial<CompletionServiceOptions>): void {
        const before = this.options;
        this.options = { ...this.options, ...options };
        if (before.mode !== this.options.mode || before.repoContext !== this.options.repoContext ||
            before.maxTokens !== this.options.maxTokens || before.maxLines !== this.options.maxLines) {
            this.cache.clear();
        }
    }

    /** Code from elsewhere (an edit, an opened file, the clipboard) for the repo context. */
    addContext(chunk: ContextChunk): void {
        this.ring.add(chunk, this.clock.now());
    }

    /** Forget a document's layout (closed, or its prompt should start afresh). */
    forgetDocument(document: string): void {
        this.layouts.delete(document);
    }

    async complete(request: CompletionRequest, signal?: AbortSignal, { debounce = true }: { debounce?: boolean } = {}): Promise<CompletionOutcome> {
        const started = this.clock.now();
        this.cancelSpeculative();
        if (signal?.aborted || this.disposed) return CANCELLED;
        const place = this.place(request);
        const hit = this.cache.get(place.prefix, place.suffix, place.variant);
        if (hit) return this.fromCache(place, hit, started);
        const shared = this.join(place, signal, started, 0);
        if (shared) return shared;

        let debounceMs = 0;
        if (debounce) {
            debounceMs = this.debounce.delayMs;
            if (!(await this.sleep(debounceMs, signal))) return CANCELLED;
            const late = this.cache.get(place.prefix, place.suffix, place.variant);
            if (late) return this.fromCache(place, late, started);
            const joined = this.join(place, signal, started, debounceMs);
            if (joined) return joined;
        }
        return this.start(place, false, signal, debounceMs);
    }

    /** The user accepted a suggestion: compute the next one now, for the document as it is after accepting. */
    accepted(request: CompletionRequest): void {
        this.cancelSpeculative();
        this.prefetch(this.place(request), true);
    }

    /** Stops the generation under way and any pending prefetch. */
    cancel(): void {
        this.cancelSpeculative();
        this.current?.controller.abort();
        this.current = undefined;
    }

    dispose(): void {
        this.disposed = true;
        this.cancel();
    }

    // ---- internals

    private place(request: CompletionRequest): Place {
        const context = cursorContext(request.text, request.offset);
        const mode = this.resolveMode();
        const variant = `${mode}:${context.multiline ? "lines" : "line"}:${this.options.repoContext ? "repo" : "file"}`;
        const { prefixChars, suffixChars, maxTypedChars } = this.options.cache;
        const prefix = request.text.slice(Math.max(0, request.offset - prefixChars - maxTypedChars), request.offset);
        const suffix = request.text.slice(request.offset, request.offset + suffixChars);
        const key = `${variant}\u0000${prefix.slice(Math.max(0, prefix.length - prefixChars))}\u0000${suffix}`;
        return { request, context, mode, variant, prefix, suffix, key };
    }

    private resolveMode(): PromptMode {
        return this.options.mode === "chat" || this.engine.modelInfo?.hasFimTokens === false ? "chat" : "fim";
    }

    private fromCache(place: Place, hit: CacheHit, started: number): CompletionOutcome {
        const latencyMs = this.clock.now() - started;
        const stats: CompletionStats = {
            source: "cache", mode: place.mode, promptTokens: 0, evaluatedTokens: 0, generatedTokens: 0, latencyMs, debounceMs: 0,
            overheadMs: latencyMs, buildMs: 0, ipcMs: 0, postMs: 0
        };
        return hit.text.length > 0 ? { kind: "suggestion", text: hit.text, stats } : { kind: "none", stats };
    }

    /** Joins a generation already under way for this very place (a prefetch), instead of starting another. */
    private join(place: Place, signal: AbortSignal | undefined, started: number, debounceMs: number): Promise<CompletionOutcome> | undefined {
        const flight = this.current;
        if (!flight || flight.key !== place.key || flight.controller.signal.aborted) return undefined;
        return untilAborted(flight.promise, signal).then((outcome) => {
            if (outcome.kind !== "suggestion" && outcome.kind !== "none") return outcome;
            const latencyMs = this.clock.now() - started - debounceMs;
            return { ...outcome, stats: { ...outcome.stats, source: "shared", latencyMs, debounceMs } };
        });
    }

    private prefetch(place: Place, userInitiated: boolean): void {
        if (this.disposed || this.cache.get(place.prefix, place.suffix, place.variant)) return;
        const flight = this.current;
        if (flight?.key === place.key) return;
        // A guess never displaces a request the user is waiting for.
        if (flight && !flight.speculative && !userInitiated) return;
        void this.start(place, true, undefined, 0);
    }

    private start(place: Place, speculative: boolean, signal: AbortSignal | undefined, debounceMs: number): Promise<CompletionOutcome> {
        // Latest wins: the superseded generation is aborted, and the worker stops it.
        this.current?.controller.abort();
        const controller = new AbortController();
        const onAbort = () => controller.abort();
        signal?.addEventListener("abort", onAbort, { once: true });
        const flight: Flight = { key: place.key, controller, speculative, promise: Promise.resolve(CANCELLED) };
        this.current = flight;
        flight.promise = this.run(place, controller.signal, speculative, debounceMs).finally(() => {
            signal?.removeEventListener("abort", onAbort);
            if (this.current === flight) this.current = undefined;
        });
        return flight.promise;
    }

    private async run(place: Place, signal: AbortSignal, speculative: boolean, debounceMs: number): Promise<CompletionOutcome> {
        const { request, context } = place;
        const started = this.clock.now();
        await this.calibrate(request, signal);
        if (signal.aborted) return CANCELLED;

        const buildStarted = this.clock.now();
        const layout = this.layoutFor(request.document);
        const repoContext = this.options.repoContext && this.fitsRepoContext();
        const plan = layout.plan({
            text: request.text,
            offset: request.offset,
            withFile: repoContext && this.options.layout.fileContextTokens > 0,
            headerTokens: this.estimator.estimate(headerText(place.mode, request.path)) + 2
        });
        if (plan.fileRebuild && this.ring.pendingCount > 0) {
            const pendingFor = this.clock.now() - (this.ring.pendingSince ?? 0);
            if (plan.fileRebuild !== "stale" || pendingFor >= this.options.ringCommitAfterMs) this.ring.commit();
        }
        const prompt = renderPrompt(place.mode, {
            plan,
            path: request.path,
            languageId: request.languageId,
            repoName: request.repoName ?? "workspace",
            ring: repoContext ? this.ring.chunks(request.path) : []
        }, context.multiline);
        const buildMs = this.clock.now() - buildStarted;

        const engineStarted = this.clock.now();
        // A multi-line suggestion stops being generated once it has more lines than can be shown.
        const generation = new AbortController();
        const onAbort = () => generation.abort();
        signal.addEventListener("abort", onAbort, { once: true });
        let streamed = "";
        let enough = false;
        let result: GenerateResult;
        try {
            result = await this.engine.generate({
                sequence: "completion",
                prompt: { kind: "segments", segments: prompt.segments },
                maxTokens: this.options.maxTokens,
                stop: prompt.stop,
                sampling: this.options.sampling,
                timeoutMs: this.options.timeoutMs
            }, {
                signal: generation.signal,
                onChunk: (chunk) => {
                    streamed += chunk.text;
                    if (!enough && context.multiline && lineCount(streamed) > this.options.maxLines) {
                        enough = true;
                        generation.abort();
                    }
                }
            });
        } catch (error) {
            if (signal.aborted || isCancellation(error)) return CANCELLED;
            return { kind: "error", message: error instanceof Error ? error.message : String(error) };
        } finally {
            signal.removeEventListener("abort", onAbort);
        }
        const roundTripMs = this.clock.now() - engineStarted;
        if (signal.aborted || (result.stopReason === "cancelled" && !enough)) return CANCELLED;
        const raw = result.stopReason === "cancelled" ? streamed : result.text;

        const postStarted = this.clock.now();
        const text = postProcess(raw, context, { maxLines: this.options.maxLines, chat: place.mode === "chat" });
        const postMs = this.clock.now() - postStarted;
        this.cache.set(place.prefix, place.suffix, place.variant, text);
        this.debounce.record(roundTripMs);
        this.estimator.observe(prompt.plainChars, result.timings.promptTokens - prompt.specialTokens);

        const ipcMs = Math.max(0, roundTripMs - result.timings.totalMs);
        const stats: CompletionStats = {
            source: "engine",
            mode: place.mode,
            promptTokens: result.timings.promptTokens,
            evaluatedTokens: result.timings.evaluatedTokens,
            generatedTokens: result.timings.generatedTokens,
            latencyMs: this.clock.now() - started,
            debounceMs,
            timeToFirstTokenMs: result.timings.generatedTokens > 0 ? result.timings.timeToFirstTokenMs : undefined,
            overheadMs: buildMs + ipcMs + postMs,
            buildMs,
            ipcMs,
            postMs,
            tokenizeMs: result.timings.tokenizeMs,
            stopReason: result.stopReason,
            fileRebuild: plan.fileRebuild,
            reanchored: plan.reanchored
        };
        if (text.length > 0 && !speculative && this.options.speculative) this.scheduleSpeculative(request, text);
        return text.length > 0 ? { kind: "suggestion", text, stats } : { kind: "none", stats };
    }

    /** A context too small for the repo context (and the rest of the prompt) gets plain fill-in-the-middle. */
    private fitsRepoContext(): boolean {
        const contextSize = this.engine.modelInfo?.contextSize;
        if (contextSize === undefined) return true;
        const { layout, ring, maxTokens } = this.options;
        return contextSize >= layout.fileContextTokens + ring.maxTokens + layout.checkpointInterval + layout.suffixTokens + maxTokens + 64;
    }

    /** Once per model: the tokenizer's characters per token on this document, so budgets are real token counts. */
    private async calibrate(request: CompletionRequest, signal: AbortSignal): Promise<void> {
        const model = this.engine.modelInfo?.modelPath ?? null;
        if (this.calibratedFor !== undefined && this.calibratedFor === model) return;
        const sample = request.text.slice(0, CALIBRATION_SAMPLE_CHARS);
        if (!this.engine.tokenize || sample.length < 256) return;
        try {
            const tokens = await this.engine.tokenize({ kind: "segments", segments: [{ text: sample, special: false }] }, signal);
            this.estimator.calibrate(sample.length, tokens.length);
            this.calibratedFor = this.engine.modelInfo?.modelPath ?? null;
        } catch {
            // The estimate keeps its default and is corrected from the prompt sizes the engine reports.
        }
    }

    private layoutFor(document: string): DocumentLayout {
        let layout = this.layouts.get(document);
        if (layout) {
            this.layouts.delete(document);
        } else {
            layout = new DocumentLayout(this.options.layout, this.estimator);
        }
        this.layouts.set(document, layout);
        while (this.layouts.size > MAX_LAYOUTS) this.layouts.delete(this.layouts.keys().next().value!);
        return layout;
    }

    private scheduleSpeculative(request: CompletionRequest, suggestion: string): void {
        this.cancelSpeculative();
        const next: CompletionRequest = {
            ...request,
            text: request.text.slice(0, request.offset) + suggestion + request.text.slice(request.offset),
            offset: request.offset + suggestion.length
        };
        this.speculativeTimer = this.clock.setTimeout(() => {
            this.speculativeTimer = undefined;
            this.prefetch(this.place(next), false);
        }, this.debounce.delayMs);
    }

    private cancelSpeculative(): void {
        if (this.speculativeTimer !== undefined) this.clock.clearTimeout(this.speculativeTimer);
        this.speculativeTimer = undefined;
    }

    /** Resolves true after `ms`, false as soon as the signal aborts. */
    private sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
        if (ms <= 0) return Promise.resolve(!signal?.aborted);
        return new Promise((resolve) => {
            const done = (value: boolean) => {
                signal?.removeEventListener("abort", onAbort);
                resolve(value);
            };
            const onAbort = () => {
                this.clock.clearTimeout(timer);
                done(false);
            };
            const timer = this.clock.setTimeout(() => done(!signal?.aborted), ms);
            signal?.addEventListener("abort", onAbort, { once: true });
        });
    }
}

function lineCount(text: string): number {
    let lines = 1;
    for (let index = text.indexOf("\n"); index >= 0; index = text.indexOf("\n", index + 1)) lines++;
    return lines;
}

function isCancellation(error: unknown): boolean {
    const value = error as { code?: unknown; name?: unknown } | undefined;
    return value?.code === "cancelled" || value?.name === "AbortError";
}

/** The promise's outcome, or "cancelled" as soon as the signal aborts (the promise itself runs on). */
function untilAborted(promise: Promise<CompletionOutcome>, signal: AbortSignal | undefined): Promise<CompletionOutcome> {
    if (!signal) return promise;
    return raceAbort(promise.catch(() => CANCELLED), signal, () => CANCELLED);
}
