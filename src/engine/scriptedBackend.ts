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
 */
import fs from "node:fs";
import { StopStringMatcher } from "../core/stopStrings";
import { BackendError, type EngineBackend } from "./backend";
import { inspectGgufFile } from "./ggufFile";
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

function promptText(prompt: PromptInput): string {
    switch (prompt.kind) {
        case "text": return prompt.text;
        case "segments": return prompt.segments.map((segment) => segment.text).join("");
        case "tokens": return String.fromCodePoint(...prompt.tokens);
    }
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
    private readonly sequenceTokens: Record<SequenceName, number> = { completion: 0, chat: 0 };

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
            contextSize: params.contextSize,
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
        return this.info;
    }

    async unload(): Promise<boolean> {
        const was = this.info !== undefined;
        this.info = undefined;
        this.loadedWith = undefined;
        return was;
    }

    async generate(params: GenerateParams, onChunk: (chunk: GenerateChunk) => void, signal: AbortSignal): Promise<GenerateResult> {
        if (!this.info) throw new BackendError("noModel", "No model is loaded.");
        const started = performance.now();
        const text = promptText(params.prompt);
        const script = this.readScript();
        const index = script.responses.findIndex((response, i) =>
            !this.consumed.has(i) && (response.match === undefined || new RegExp(response.match, "u").test(text)));
        if (index < 0) throw new BackendError("badRequest", "Scripted engine: no scripted response is left for this prompt.");
        const response = script.responses[index]!;
        if (!response.repeat) this.consumed.add(index);

        const promptTokens = text.length;
        const previous = this.sequenceTokens[params.sequence];
        this.sequenceTokens[params.sequence] = promptTokens;
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
            if (generated >= params.maxTokens) { stopReason = "maxTokens"; break; }
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
        const now = performance.now();
        const decodeMs = firstTokenAt !== undefined ? now - firstTokenAt : 0;
        return {
            text: matcher.fullText,
            stopReason,
            stopString,
            timings: {
                promptTokens,
                evaluatedTokens: text.length - Math.min(previous, text.length),
                generatedTokens: generated,
                timeToFirstTokenMs: (firstTokenAt ?? now) - started,
                totalMs: now - started,
                tokensPerSecond: generated > 1 && decodeMs > 0 ? ((generated - 1) * 1000) / decodeMs : 0
            }
        };
    }

    async tokenize(prompt: PromptInput): Promise<number[]> {
        return [...promptText(prompt)].map((char) => char.codePointAt(0)!);
    }

    async detokenize(tokens: number[]): Promise<string> {
        return String.fromCodePoint(...tokens);
    }

    async sequenceState(sequence: SequenceName): Promise<SequenceState> {
        return { tokenCount: this.sequenceTokens[sequence], checkpointCount: 0, checkpointsMemoryBytes: 0 };
    }

    async resetSequence(sequence: SequenceName): Promise<void> {
        this.sequenceTokens[sequence] = 0;
    }
}
