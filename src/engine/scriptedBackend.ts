/**
 * A deterministic engine for UI and agent tests: the same worker and protocol, but the text it "generates"
 * comes from a script of recorded outputs, streamed token by token with cancellation honoured.
 * Chosen by the QWEN_LOCAL_SCRIPTED_ENGINE environment variable (a path to the script), which only tests set.
 *
 * Script format (JSON):
 * {
 *   "tokenDelayMs": 5,            // default delay between streamed pieces
 *   "loadDelayMs": 200,           // how long "loading" takes
 *   "responses": [
 *     { "match": "regex",         // optional: used only for prompts whose text matches
 *       "text": "…",              // what is generated
 *       "tokenDelayMs": 20,       // optional per response
 *       "repeat": true,           // optional: not consumed (answers every matching prompt)
 *       "crashAfterTokens": 3 }   // optional: the worker process dies after streaming this many pieces
 *   ]
 * }
 * Responses are consumed in order: the first unconsumed one whose `match` fits the prompt answers it.
 *
 * The prompt is counted as the real engine counts it, with the model file's own tokenizer (node-llama-cpp loads
 * its vocabulary only), and the context is enforced the same way: a prompt that does not fit is refused with the
 * real engine's error, and the answer stops where the context ends. A response's streamed pieces count as tokens.
 */
import fs from "node:fs";
import { StopStringMatcher } from "../core/stopStrings";
import { BackendError, type EngineBackend } from "./backend";
import { inspectGgufFile } from "./ggufFile";
import { effectiveContextSize, fitToContext, tokenizePrompt, type Tokenizer } from "./promptTokens";
import type {
    GenerateChunk, GenerateParams, GenerateResult, LoadParams, LoadProgress, ModelInfo, PromptInput,
    SequenceName, SequenceState, StopReason
} from "./protocol";
import { sameLoad } from "./protocol";

export interface ScriptedResponse {
    match?: string;
    text: string;
    tokenDelayMs?: number;
    repeat?: boolean;
    crashAfterTokens?: number;
}

export interface EngineScript {
    tokenDelayMs?: number;
    loadDelayMs?: number;
    responses: ScriptedResponse[];
}

export function parseEngineScript(text: string, source: string): EngineScript {
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch (error) {
        throw new Error(`The engine script ${source} is not valid JSON: ${String(error)}`);
    }
    const script = value as EngineScript;
    if (typeof value !== "object" || value === null || !Array.isArray(script.responses) ||
        !script.responses.every((r) => typeof r === "object" && r !== null && typeof r.text === "string")) {
        throw new Error(`The engine script ${source} needs a "responses" array of {text} objects.`);
    }
    return script;
}

/** Splits text into token-like pieces: a word or run of punctuation with its leading space, at most 4 characters. */
export function splitIntoPieces(text: string): string[] {
    return text.match(/\s*[^\s]{1,4}|\s+/gu) ?? [];
}

type NodeLlamaCpp = typeof import("node-llama-cpp", { with: { "resolution-mode": "import" } });
type Llama = Awaited<ReturnType<NodeLlamaCpp["getLlama"]>>;
type VocabularyModel = Tokenizer & { detokenize(tokens: readonly never[], specialTokens?: boolean): string; dispose(): Promise<void> };

function promptText(prompt: PromptInput, tokenizer: VocabularyModel): string {
    switch (prompt.kind) {
        case "text": return prompt.text;
        case "segments": return prompt.segments.map((segment) => segment.text).join("");
        case "tokens": return tokenizer.detokenize(prompt.tokens as never[], true);
    }
}

function commonPrefixLength(a: readonly number[], b: readonly number[]): number {
    const length = Math.min(a.length, b.length);
    let index = 0;
    while (index < length && a[index] === b[index]) index++;
    return index;
}

const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
    }
});

export class ScriptedBackend implements EngineBackend {
    readonly scripted = true;
    private info?: ModelInfo;
    private loadedWith?: LoadParams;
    private readonly consumed = new Set<number>();
    /** What each sequence "holds": the last prompt and the pieces generated after it. */
    private readonly sequenceTokens: Record<SequenceName, number[]> = { completion: [], chat: [] };
    private llama?: Llama;
    private vocabulary?: { modelPath: string; model: VocabularyModel };

    constructor(private readonly scriptPath: string, private readonly crash: () => never) {}

    get loaded(): boolean {
        return this.info !== undefined;
    }

    private readScript(): EngineScript {
        // Read on every request so a test can change the script between steps.
        return parseEngineScript(fs.readFileSync(this.scriptPath, "utf8"), this.scriptPath);
    }

    async load(params: LoadParams, onProgress: (progress: LoadProgress) => void, signal: AbortSignal): Promise<ModelInfo> {
        if (this.info && this.loadedWith && sameLoad(this.loadedWith, params)) return this.info;
        const started = Date.now();
        const inspection = await inspectGgufFile(params.modelPath, { allowOtherArchitectures: params.allowOtherArchitectures });
        if (!inspection.ok) throw new BackendError("modelInvalid", inspection.problems.map((problem) => problem.message).join(" "));
        const vocabulary = await this.loadVocabulary(params.modelPath);
        const script = this.readScript();
        const steps = 5;
        for (let step = 1; step <= steps; step++) {
            await sleep((script.loadDelayMs ?? 50) / steps, signal);
            if (signal.aborted) throw new BackendError("cancelled", "Loading was cancelled.");
            onProgress({ progress: step / steps });
        }
        this.info = {
            modelPath: params.modelPath,
            architecture: inspection.architecture ?? "unknown",
            name: inspection.name,
            trainContextSize: inspection.metadata?.contextLength ?? params.contextSize,
            contextSize: effectiveContextSize(params.contextSize, inspection.metadata?.contextLength),
            gpu: false,
            gpuLayers: 0,
            totalLayers: inspection.metadata?.blockCount ?? 0,
            isHybrid: true,
            hasFimTokens: inspection.metadata?.hasFimTokens ?? false,
            vocabularySize: inspection.metadata?.vocabularySize ?? 0,
            sizeBytes: inspection.actualSizeBytes,
            loadMs: Date.now() - started,
            warnings: [...inspection.warnings, "Scripted engine: answers come from a test script, not the model."]
        };
        this.loadedWith = params;
        this.vocabulary = vocabulary;
        this.sequenceTokens.chat = [];
        this.sequenceTokens.completion = [];
        return this.info;
    }

    /** The model file's tokenizer: node-llama-cpp with the vocabulary only (no weights, no context). */
    private async loadVocabulary(modelPath: string): Promise<{ modelPath: string; model: VocabularyModel }> {
        if (this.vocabulary?.modelPath === modelPath) return this.vocabulary;
        await this.vocabulary?.model.dispose();
        this.vocabulary = undefined;
        try {
            const lib: NodeLlamaCpp = await import("node-llama-cpp");
            this.llama ??= await lib.getLlama({ gpu: false, build: "never", progressLogs: false, logLevel: lib.LlamaLogLevel.error });
            const model = await this.llama.loadModel({ modelPath, vocabOnly: true });
            return { modelPath, model };
        } catch (error) {
            throw new BackendError("loadFailed", `Could not read the tokenizer of ${modelPath}: ${error instanceof Error ? error.message : String(error)}`);
        }
    }

    private requireVocabulary(): VocabularyModel {
        if (!this.info || !this.vocabulary) throw new BackendError("noModel", "No model is loaded.");
        return this.vocabulary.model;
    }

    async unload(): Promise<boolean> {
        const was = this.info !== undefined;
        this.info = undefined;
        this.loadedWith = undefined;
        await this.vocabulary?.model.dispose();
        this.vocabulary = undefined;
        return was;
    }

    async generate(params: GenerateParams, onChunk: (chunk: GenerateChunk) => void, signal: AbortSignal): Promise<GenerateResult> {
        const tokenizer = this.requireVocabulary();
        const contextSize = this.info!.contextSize;
        const started = performance.now();
        const tokenized = tokenizePrompt(tokenizer, params.prompt, contextSize);
        const maxTokens = fitToContext(tokenized, contextSize, params.maxTokens);
        const text = promptText(params.prompt, tokenizer);
        const script = this.readScript();
        const index = script.responses.findIndex((response, i) =>
            !this.consumed.has(i) && (response.match === undefined || new RegExp(response.match, "u").test(text)));
        if (index < 0) throw new BackendError("badRequest", "Scripted engine: no scripted response is left for this prompt.");
        const response = script.responses[index]!;
        if (!response.repeat) this.consumed.add(index);

        const promptTokens = tokenized.tokens.length;
        // A cache that keeps the common prefix, as the real engine's does (at least one token is evaluated).
        const reused = Math.min(commonPrefixLength(this.sequenceTokens[params.sequence], tokenized.tokens), promptTokens - 1);
        this.sequenceTokens[params.sequence] = [...tokenized.tokens];
        const matcher = new StopStringMatcher(params.stop ?? []);
        const delay = response.tokenDelayMs ?? script.tokenDelayMs ?? 5;
        let generated = 0;
        let firstTokenAt: number | undefined;
        let stopReason: StopReason = "eos";
        let stopString: string | undefined;
        const deadline = params.timeoutMs !== undefined ? started + params.timeoutMs : Number.POSITIVE_INFINITY;
        for (const piece of splitIntoPieces(response.text)) {
            if (response.crashAfterTokens !== undefined && generated >= response.crashAfterTokens) {
                // Let the chunks already sent leave the IPC channel, as they would before a real crash.
                await new Promise((resolve) => setTimeout(resolve, 100));
                this.crash();
            }
            if (generated >= maxTokens) { stopReason = "maxTokens"; break; }
            await sleep(delay, signal);
            if (signal.aborted) { stopReason = "cancelled"; break; }
            firstTokenAt ??= performance.now();
            generated++;
            const { emit, stop } = matcher.push(piece);
            if (emit.length > 0) onChunk({ text: emit, tokens: 1 });
            if (stop !== undefined) { stopReason = "stop"; stopString = stop; break; }
            if (performance.now() > deadline) { stopReason = "timeout"; break; }
        }
        if (stopReason !== "stop") {
            const rest = matcher.flush();
            if (rest.length > 0) onChunk({ text: rest });
        }
        // The sequence now holds what was generated after the prompt, as the real one does.
        for (const token of tokenizer.tokenize(matcher.fullText, false)) this.sequenceTokens[params.sequence].push(token);
        const now = performance.now();
        const decodeMs = firstTokenAt !== undefined ? now - firstTokenAt : 0;
        return {
            text: matcher.fullText,
            stopReason,
            stopString,
            timings: {
                promptTokens,
                evaluatedTokens: promptTokens - reused,
                generatedTokens: generated,
                timeToFirstTokenMs: (firstTokenAt ?? now) - started,
                totalMs: now - started,
                tokensPerSecond: generated > 1 && decodeMs > 0 ? ((generated - 1) * 1000) / decodeMs : 0
            }
        };
    }

    async tokenize(prompt: PromptInput): Promise<number[]> {
        return tokenizePrompt(this.requireVocabulary(), prompt).tokens;
    }

    async detokenize(tokens: number[]): Promise<string> {
        return this.requireVocabulary().detokenize(tokens as never[], true);
    }

    async sequenceState(sequence: SequenceName): Promise<SequenceState> {
        return { tokenCount: this.sequenceTokens[sequence].length, checkpointCount: 0, checkpointsMemoryBytes: 0 };
    }

    async resetSequence(sequence: SequenceName): Promise<void> {
        this.sequenceTokens[sequence] = [];
    }
}
