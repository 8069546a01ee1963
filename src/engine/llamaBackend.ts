/**
 * The real engine: node-llama-cpp on one model, one context with a sequence for completion and one for
 * chat/agent work, so neither evicts the other's cache. Runs only inside the worker process.
 */
import fs from "node:fs";
import type { Llama, LlamaContext, LlamaContextSequence, LlamaModel, Token } from "node-llama-cpp" with { "resolution-mode": "import" };
import { StopStringMatcher } from "../core/stopStrings";
import { BackendError, type EngineBackend } from "./backend";
import { inspectGgufFile } from "./ggufFile";
import { effectiveContextSize, fitToContext, tokenizePrompt } from "./promptTokens";
import type {
    GenerateChunk, GenerateParams, GenerateResult, LoadParams, LoadProgress, LogLevel, ModelInfo, PromptInput,
    SequenceName, SequenceState, StopReason
} from "./protocol";
import { sameLoad } from "./protocol";

type NodeLlamaCpp = typeof import("node-llama-cpp", { with: { "resolution-mode": "import" } });

interface Loaded {
    params: LoadParams;
    model: LlamaModel;
    context: LlamaContext;
    sequences: Record<SequenceName, LlamaContextSequence>;
    info: ModelInfo;
}

/** Prefill is cut into chunks of this size so a cancel is noticed between them. */
const PREFILL_CHUNK = 512;
/** How many recent tokens the presence/repeat penalty looks at (llama.cpp's penalty_last_n default). */
const PENALTY_LAST_N = 64;
/**
 * How many "transient" checkpoints (PromptSegment.checkpointAfter === "transient") a sequence keeps. They live in
 * a named group that node-llama-cpp prunes on its own, oldest first, so the cuts that typing leaves behind never
 * push out the stable ones; a prompt asks for at most 3 and the next request restores the newest.
 */
const TRANSIENT_CHECKPOINTS = 4;
const TRANSIENT_CHECKPOINT_GROUP = "qwenLocal.transient";
/**
 * Checkpoints at the end of a long-lived prefix (PromptSegment.checkpointAfter === "prefix": the system turn), in a
 * group of their own so that a long run of turns, each leaving its own checkpoints, never prunes them.
 */
const PREFIX_CHECKPOINTS = 2;
const PREFIX_CHECKPOINT_GROUP = "qwenLocal.prefix";

/**
 * node-llama-cpp 3.21.1 internals, used guarded (without them the public behaviour applies): the named-checkpoint
 * method, and the checkpoint list — its public `getRestoreToPrefixIndexEvaluationSize` answers "no checkpoint"
 * whenever a newer checkpoint lies after the index, which is the usual case here.
 */
interface SequenceInternals {
    _takeNamedCheckpoint?: (name: string, maxNamedCheckpoints: number) => Promise<void>;
    _checkpoints?: { _checkpoints?: unknown };
}

export class LlamaBackend implements EngineBackend {
    readonly scripted = false;
    private lib?: NodeLlamaCpp;
    private llama?: Llama;
    private llamaGpuSetting?: LoadParams["gpu"];
    private current?: Loaded;
    private readonly sequenceLocks = new Map<SequenceName, Promise<unknown>>();

    constructor(private readonly log: (level: LogLevel, message: string) => void) {}

    get loaded(): boolean {
        return this.current !== undefined;
    }

    async load(params: LoadParams, onProgress: (progress: LoadProgress) => void, signal: AbortSignal): Promise<ModelInfo> {
        const current = this.current;
        if (current && sameLoad(current.params, params)) {
            return current.info;
        }
        await this.unload();
        const started = Date.now();

        const inspection = await inspectGgufFile(params.modelPath, { allowOtherArchitectures: params.allowOtherArchitectures });
        if (!inspection.ok) {
            throw new BackendError("modelInvalid", inspection.problems.map((problem) => problem.message).join(" "));
        }
        if (signal.aborted) throw new BackendError("cancelled", "Loading was cancelled.");

        const llama = await this.getLlama(params.gpu);
        let model: LlamaModel;
        try {
            model = await llama.loadModel({
                modelPath: params.modelPath,
                gpuLayers: "auto",
                onLoadProgress: (progress) => onProgress({ progress }),
                loadSignal: signal
            });
        } catch (error) {
            if (signal.aborted) throw new BackendError("cancelled", "Loading was cancelled.");
            throw new BackendError("loadFailed", `Could not load ${params.modelPath}: ${String(error instanceof Error ? error.message : error)}`);
        }

        try {
            const contextSize = effectiveContextSize(params.contextSize, model.trainContextSize);
            const context = await model.createContext({ contextSize, sequences: 2, threads: params.threads || undefined });
            const checkpointMemory = (params.checkpointMaxMemoryMB ?? 1024) * 1024 * 1024;
            const sequences: Record<SequenceName, LlamaContextSequence> = {
                completion: context.getSequence({ checkpoints: { max: 32, interval: false, maxMemory: checkpointMemory } }),
                chat: context.getSequence({ checkpoints: { max: 32, interval: false, maxMemory: checkpointMemory } })
            };
            const fileSize = (await fs.promises.stat(params.modelPath)).size;
            const info: ModelInfo = {
                modelPath: params.modelPath,
                architecture: inspection.architecture ?? "unknown",
                name: inspection.name,
                trainContextSize: model.trainContextSize,
                contextSize: sequences.chat.contextSize,
                gpu: llama.gpu,
                gpuLayers: model.gpuLayers,
                totalLayers: model.fileInsights.totalLayers,
                isHybrid: model.fileInsights.isHybrid,
                hasFimTokens: model.tokens.infill.prefix != null && model.tokens.infill.suffix != null &&
                    model.tokens.infill.middle != null,
                vocabularySize: inspection.metadata?.vocabularySize ?? 0,
                sizeBytes: fileSize,
                loadMs: Date.now() - started,
                warnings: [...inspection.warnings]
            };
            this.current = { params, model, context, sequences, info };
            return info;
        } catch (error) {
            await model.dispose();
            throw new BackendError("loadFailed", `Could not create a context for ${params.modelPath}: ${String(error instanceof Error ? error.message : error)}`);
        }
    }

    async unload(): Promise<boolean> {
        const current = this.current;
        if (!current) return false;
        this.current = undefined;
        this.sequenceLocks.clear();
        await current.context.dispose();
        await current.model.dispose();
        return true;
    }

    async tokenize(prompt: PromptInput): Promise<number[]> {
        return tokenizePrompt(this.requireLoaded().model, prompt).tokens;
    }

    async detokenize(tokens: number[]): Promise<string> {
        return this.requireLoaded().model.detokenize(tokens as Token[], true);
    }

    async sequenceState(sequence: SequenceName): Promise<SequenceState> {
        const seq = this.requireLoaded().sequences[sequence];
        return {
            tokenCount: seq.nextTokenIndex,
            checkpointCount: seq.lastCheckpointIndex >= 0 ? 1 : 0,
            checkpointsMemoryBytes: seq.checkpointsMemoryUsage
        };
    }

    async resetSequence(sequence: SequenceName): Promise<void> {
        const seq = this.requireLoaded().sequences[sequence];
        await this.withSequenceLock(sequence, () => seq.clearHistory());
    }

    generate(params: GenerateParams, onChunk: (chunk: GenerateChunk) => void, signal: AbortSignal): Promise<GenerateResult> {
        const loaded = this.requireLoaded();
        return this.withSequenceLock(params.sequence, () => this.generateLocked(loaded, params, onChunk, signal));
    }

    private async generateLocked(
        loaded: Loaded, params: GenerateParams, onChunk: (chunk: GenerateChunk) => void, signal: AbortSignal
    ): Promise<GenerateResult> {
        const started = performance.now();
        const { model } = loaded;
        const seq = loaded.sequences[params.sequence];
        // Checked first, piece by piece: a prompt far larger than the context stops being tokenized once it is too large.
        const tokenized = tokenizePrompt(model, params.prompt, seq.contextSize);
        const tokenizeMs = performance.now() - started;
        const tokens = tokenized.tokens as Token[];
        const maxTokens = fitToContext(tokenized, seq.contextSize, params.maxTokens);
        const meterStart = seq.tokenMeter.usedInputTokens;
        const measured: { evaluatedPrompt?: number } = {};

        const result = (text: string, stopReason: StopReason, generated: number, firstTokenAt?: number, stopString?: string): GenerateResult => {
            const now = performance.now();
            const decodeMs = firstTokenAt !== undefined ? now - firstTokenAt : 0;
            return {
                text, stopReason, stopString,
                timings: {
                    promptTokens: tokens.length,
                    evaluatedTokens: measured.evaluatedPrompt ?? seq.tokenMeter.usedInputTokens - meterStart,
                    generatedTokens: generated,
                    timeToFirstTokenMs: firstTokenAt !== undefined ? firstTokenAt - started : now - started,
                    totalMs: now - started,
                    tokensPerSecond: generated > 1 && decodeMs > 0 ? ((generated - 1) * 1000) / decodeMs : 0,
                    tokenizeMs
                }
            };
        };

        // Reuse what the sequence already holds; keep at least one prompt token to evaluate, since generation
        // needs the logits of the prompt's last token. On a hybrid model the erase restores the newest
        // checkpoint at or before the divergence and re-evaluates from there.
        const common = commonPrefixLength(seq.contextTokens, tokens);
        const keep = Math.min(common, tokens.length - 1);
        const marks = seq.needsCheckpoints ? tokenized.checkpoints : [];
        if (keep < seq.nextTokenIndex) {
            await seq.eraseContextTokenRanges([{ start: restoreBoundary(seq, keep, marks), end: seq.nextTokenIndex }]);
        }
        // Prefill all but the last prompt token (in chunks, so a cancel is noticed between them).
        // Checkpoints go at every `checkpointInterval` tokens and where the prompt asks for them.
        const interval = params.checkpointInterval && seq.needsCheckpoints ? params.checkpointInterval : 0;
        let position = seq.nextTokenIndex;
        while (position < tokens.length - 1) {
            if (signal.aborted) return result("", "cancelled", 0);
            let end = Math.min(tokens.length - 1, position + PREFILL_CHUNK);
            if (interval > 0) end = Math.min(end, (Math.floor(position / interval) + 1) * interval);
            const mark = marks.find((index) => index > position);
            if (mark !== undefined) end = Math.min(end, mark);
            await seq.evaluateWithoutGeneratingNewTokens(tokens.slice(position, end));
            position = end;
            if (tokenized.transient.has(position) && !(interval > 0 && position % interval === 0)) {
                await takeNamedCheckpoint(seq, TRANSIENT_CHECKPOINT_GROUP, TRANSIENT_CHECKPOINTS);
            } else if (tokenized.prefix.has(position)) {
                await takeNamedCheckpoint(seq, PREFIX_CHECKPOINT_GROUP, PREFIX_CHECKPOINTS);
            } else if ((interval > 0 && position % interval === 0) || marks.includes(position)) {
                await seq.takeCheckpoint();
            }
        }
        if (params.checkpointAtPromptEnd && seq.needsCheckpoints && seq.lastCheckpointIndex !== seq.nextTokenIndex - 1 &&
            seq.nextTokenIndex > 0) {
            await seq.takeCheckpoint();
        }
        // What the prompt cost: the restore/prefill above plus the last prompt token, evaluated with the first sampling.
        measured.evaluatedPrompt = seq.tokenMeter.usedInputTokens - meterStart + 1;
        if (signal.aborted) return result("", "cancelled", 0);
        if (maxTokens === 0) return result("", "maxTokens", 0);

        const sampling = params.sampling ?? {};
        const generatedTokens: Token[] = [];
        const matcher = new StopStringMatcher(params.stop ?? []);
        const deadline = params.timeoutMs !== undefined ? started + params.timeoutMs : Number.POSITIVE_INFINITY;
        let pending: Token[] = [];
        let unreported = 0;
        let firstTokenAt: number | undefined;
        let stopReason: StopReason = "eos";
        let stopString: string | undefined;
        const penalties = sampling.presencePenalty || (sampling.repeatPenalty && sampling.repeatPenalty !== 1);

        const iterator = seq.evaluate([tokens[tokens.length - 1]!], {
            temperature: sampling.temperature,
            topK: sampling.topK,
            topP: sampling.topP,
            minP: sampling.minP,
            seed: sampling.seed,
            repeatPenalty: penalties ? {
                punishTokens: () => generatedTokens.slice(-PENALTY_LAST_N),
                maxPunishTokens: PENALTY_LAST_N,
                penalty: sampling.repeatPenalty ?? 1,
                presencePenalty: sampling.presencePenalty ?? 0
            } : undefined
        });
        try {
            for await (const token of iterator) {
                firstTokenAt ??= performance.now();
                generatedTokens.push(token);
                pending.push(token);
                const lastTokens = generatedTokens.slice(Math.max(0, generatedTokens.length - pending.length - 8), generatedTokens.length - pending.length);
                const piece = model.detokenize(pending, false, lastTokens);
                // Hold back an incomplete UTF-8 sequence until its remaining bytes arrive.
                if (!piece.endsWith("\uFFFD") || pending.length >= 8) {
                    unreported += pending.length;
                    pending = [];
                    const { emit, stop } = matcher.push(piece);
                    if (emit.length > 0) {
                        onChunk({ text: emit, tokens: unreported });
                        unreported = 0;
                    }
                    if (stop !== undefined) {
                        stopReason = "stop";
                        stopString = stop;
                        break;
                    }
                }
                if (signal.aborted) { stopReason = "cancelled"; break; }
                if (generatedTokens.length >= maxTokens) { stopReason = "maxTokens"; break; }
                if (performance.now() > deadline) { stopReason = "timeout"; break; }
            }
        } finally {
            await iterator.return();
        }
        if (stopReason !== "stop") {
            if (pending.length > 0) {
                const { emit } = matcher.push(model.detokenize(pending, false));
                if (emit.length > 0) onChunk({ text: emit });
            }
            const rest = matcher.flush();
            if (rest.length > 0) onChunk({ text: rest });
        }
        return result(matcher.fullText, stopReason, generatedTokens.length, firstTokenAt, stopString);
    }

    /** The prompt's tokens, and the token positions where the prompt asks for checkpoints (and which are transient). */
    private async getLlama(gpu: LoadParams["gpu"]): Promise<Llama> {
        if (this.llama && this.llamaGpuSetting === gpu) return this.llama;
        if (this.llama) await this.llama.dispose();
        this.lib ??= await import("node-llama-cpp");
        this.llama = await this.lib.getLlama({
            gpu: gpu === false ? false : "auto",
            // Never compile llama.cpp on a user's machine: use the prebuilt binaries shipped with the extension.
            build: "never",
            progressLogs: false,
            logLevel: this.lib.LlamaLogLevel.warn,
            logger: (level, message) => {
                const text = message.trimEnd();
                if (text.length > 0) this.log(level === "error" || level === "fatal" ? "error" : level === "warn" ? "warn" : "debug", text);
            }
        });
        this.llamaGpuSetting = gpu;
        this.log("info", `llama.cpp backend: ${this.llama.gpu === false ? "CPU" : this.llama.gpu}`);
        return this.llama;
    }

    private requireLoaded(): Loaded {
        if (!this.current) throw new BackendError("noModel", "No model is loaded.");
        return this.current;
    }

    private withSequenceLock<T>(sequence: SequenceName, run: () => Promise<T>): Promise<T> {
        const previous = this.sequenceLocks.get(sequence) ?? Promise.resolve();
        const next = previous.then(run, run);
        this.sequenceLocks.set(sequence, next.catch(() => undefined));
        return next;
    }
}

/**
 * Where to erase from so that a prompt's own checkpoint marks are honoured. node-llama-cpp restores the newest
 * checkpoint at or before the divergence and re-evaluates up to it in one piece, taking no checkpoint on the
 * way and one at the divergence itself. When the prompt carries marks, erase from the restored checkpoint instead:
 * the same tokens are then evaluated by the prefill loop, which takes the prompt's checkpoints (a mark inside the
 * re-evaluated span would otherwise be missing, and the divergence checkpoints would pile up, one per keystroke).
 */
function restoreBoundary(seq: LlamaContextSequence, keep: number, marks: readonly number[]): number {
    if (marks.length === 0 || keep <= 1 || !seq.needsCheckpoints) return keep;
    const restored = newestCheckpointAtOrBefore(seq, keep - 1);
    return restored === undefined ? keep : restored + 1;
}

/** The position of the newest checkpoint whose state is at or before `index` (undefined: unknown). */
function newestCheckpointAtOrBefore(seq: LlamaContextSequence, index: number): number | undefined {
    const list = (seq as unknown as SequenceInternals)._checkpoints?._checkpoints;
    if (!Array.isArray(list)) return undefined;
    let best = -1;
    for (const entry of list) {
        const checkpoint = Array.isArray(entry) ? entry[1] as { minPos?: unknown; maxPos?: unknown } | undefined : undefined;
        if (typeof checkpoint?.maxPos !== "number" || typeof checkpoint.minPos !== "number") return undefined;
        if (checkpoint.maxPos <= index && checkpoint.minPos <= index && checkpoint.maxPos > best) best = checkpoint.maxPos;
    }
    // No checkpoint: the sequence is evaluated again from its start.
    return best;
}

async function takeNamedCheckpoint(seq: LlamaContextSequence, group: string, max: number): Promise<void> {
    const named = seq as unknown as SequenceInternals;
    if (typeof named._takeNamedCheckpoint === "function") await named._takeNamedCheckpoint.call(seq, group, max);
    else await seq.takeCheckpoint();
}

function commonPrefixLength(a: readonly number[], b: readonly number[]): number {
    const length = Math.min(a.length, b.length);
    let index = 0;
    while (index < length && a[index] === b[index]) index++;
    return index;
}
