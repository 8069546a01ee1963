/**
 * The typed protocol between the extension host (client) and the engine worker process.
 *
 * One request id per call. The worker answers a request with zero or more `chunk` messages
 * (streamed tokens, load/download progress) and exactly one `result` or `error`.
 * A `cancel` stops the request; the worker then answers with an `error` whose code is "cancelled"
 * (the client turns that into a normal cancelled outcome, never an error message).
 *
 * Every message is checked on arrival (`isWorkerMessage`, `isClientMessage`).
 */
import type { DownloadProgress } from "../core/models/catalog";

export type SequenceName = "completion" | "chat";

export interface SamplingOptions {
    temperature?: number;
    topK?: number;
    topP?: number;
    minP?: number;
    /** OpenAI-style presence penalty (applied once per token already present in the generated text). */
    presencePenalty?: number;
    /** Multiplicative repeat penalty (llama.cpp's `repeat_penalty`), 1 = off. */
    repeatPenalty?: number;
    seed?: number;
}

/**
 * A prompt, as text segments. `special: true` segments may contain control tokens written as text
 * (`<|im_start|>`, `<think>` …) and are tokenized with special-token parsing; `special: false` segments
 * (file contents, tool results, user text) are tokenized so that such tags stay ordinary text.
 */
export interface PromptSegment {
    text: string;
    special: boolean;
    /**
     * Take a checkpoint of the recurrent state right after this segment (hybrid models), so a later prompt that
     * diverges there restores it instead of re-evaluating from the start — e.g. before `<think>`, which the template
     * drops from earlier turns.
     *
     * "transient": a short-lived checkpoint (the inline completion's cuts near the cursor). The engine keeps the
     * newest few of these in a group of their own, so the many that typing leaves behind never push out the
     * stable ones (node-llama-cpp otherwise drops the oldest, i.e. the ones nearest the start of the prompt).
     */
    checkpointAfter?: boolean | "transient";
}

export type PromptInput =
    | { kind: "text"; text: string; special?: boolean }
    | { kind: "segments"; segments: PromptSegment[] }
    | { kind: "tokens"; tokens: number[] };

export interface GenerateParams {
    sequence: SequenceName;
    prompt: PromptInput;
    /** Hard cap on generated tokens. */
    maxTokens: number;
    /** Text that ends generation (not included in the result). EOS/EOG tokens always end it. */
    stop?: string[];
    sampling?: SamplingOptions;
    /** Take a checkpoint of the recurrent state at the end of the prompt, before generating (hybrid models). */
    checkpointAtPromptEnd?: boolean;
    /** Prefill the prompt in chunks of this many tokens, taking a checkpoint after each (hybrid models). */
    checkpointInterval?: number;
    /** Stop generating after this many milliseconds (the result says `stopReason: "timeout"`). */
    timeoutMs?: number;
}

export interface GenerationTimings {
    /** Tokens in the prompt. */
    promptTokens: number;
    /** Prompt tokens that had to be evaluated (the rest were reused from the sequence's cache). */
    evaluatedTokens: number;
    generatedTokens: number;
    /** From request arrival to the first generated token. */
    timeToFirstTokenMs: number;
    totalMs: number;
    /** Generated tokens per second, measured from the first generated token. */
    tokensPerSecond: number;
    /** Of totalMs, the time spent tokenizing the prompt (the real engine reports it). */
    tokenizeMs?: number;
}

export type StopReason = "eos" | "stop" | "maxTokens" | "timeout" | "cancelled";

export interface GenerateResult {
    text: string;
    stopReason: StopReason;
    /** The stop string that ended generation, when stopReason is "stop". */
    stopString?: string;
    timings: GenerationTimings;
}

export interface GenerateChunk {
    text: string;
    /** Generated tokens this chunk stands for (a chunk may hold several, or text held back from earlier ones). */
    tokens?: number;
}

export interface LoadParams {
    modelPath: string;
    contextSize: number;
    /** "auto" picks CUDA, Vulkan or Metal when present, else CPU. */
    gpu: "auto" | false;
    /** Allow a GGUF whose architecture is not qwen35/qwen35moe (with a warning). */
    allowOtherArchitectures?: boolean;
    /** CPU threads for evaluation; 0 or absent: llama.cpp's choice (all cores). */
    threads?: number;
    /** Memory cap for each sequence's recurrent-state checkpoints (default 1024 MB). */
    checkpointMaxMemoryMB?: number;
}

export interface LoadProgress {
    /** 0..1 */
    progress: number;
}

export interface ModelInfo {
    modelPath: string;
    architecture: string;
    name?: string;
    trainContextSize: number;
    contextSize: number;
    gpu: string | false;
    gpuLayers: number;
    totalLayers: number;
    isHybrid: boolean;
    hasFimTokens: boolean;
    vocabularySize: number;
    sizeBytes: number;
    loadMs: number;
    warnings: string[];
}

export interface TokenizeParams {
    prompt: PromptInput;
}

export interface SequenceStateParams {
    sequence: SequenceName;
}

export interface SequenceState {
    tokenCount: number;
    checkpointCount: number;
    checkpointsMemoryBytes: number;
}

export interface InspectParams {
    modelPath: string;
    contextSize: number;
    gpu: "auto" | false;
}

/** How the engine would run a model (`info`), from llama.cpp and node-llama-cpp's estimates. */
export interface EngineEstimate {
    backend: string;
    cpuCores: number;
    gpuLayers: number;
    totalLayers?: number;
    contextSize: number;
    hybrid: boolean;
    estimatedModelRamBytes: number;
    estimatedContextRamBytes: number;
    estimatedVramBytes: number;
    compatibilityScore: number;
}

export interface DownloadParams {
    /** An `hf:` URI (or an https URL) of the model. */
    uri: string;
    directory: string;
    /** The Hugging Face endpoint (tests point it at a local server). */
    endpoint?: string;
}

export type { DownloadProgress } from "../core/models/catalog";

export interface DownloadResult {
    path: string;
    sizeBytes: number;
    resumedFromBytes: number;
}

/** What one request of each method takes, streams and returns. */
export interface WorkerMethods {
    load: { params: LoadParams; chunk: LoadProgress; result: ModelInfo };
    unload: { params: Record<string, never>; chunk: never; result: { unloaded: boolean } };
    generate: { params: GenerateParams; chunk: GenerateChunk; result: GenerateResult };
    tokenize: { params: TokenizeParams; chunk: never; result: { tokens: number[] } };
    detokenize: { params: { tokens: number[] }; chunk: never; result: { text: string } };
    sequenceState: { params: SequenceStateParams; chunk: never; result: SequenceState };
    resetSequence: { params: SequenceStateParams; chunk: never; result: Record<string, never> };
    download: { params: DownloadParams; chunk: DownloadProgress; result: DownloadResult };
    inspect: { params: InspectParams; chunk: never; result: EngineEstimate };
    ping: { params: Record<string, never>; chunk: never; result: { pid: number; scripted: boolean; loaded: boolean } };
}

export type MethodName = keyof WorkerMethods;
export const METHOD_NAMES: readonly MethodName[] = [
    "load", "unload", "generate", "tokenize", "detokenize", "sequenceState", "resetSequence", "download", "inspect", "ping"
];

export type ErrorCode =
    | "cancelled"
    | "noModel"
    | "modelInvalid"
    | "loadFailed"
    | "downloadFailed"
    | "badRequest"
    | "workerCrashed"
    | "internal";

export interface ProtocolError {
    code: ErrorCode;
    message: string;
}

// ---- client → worker
export type ClientMessage =
    | { type: "request"; id: number; method: MethodName; params: unknown }
    | { type: "cancel"; id: number }
    | { type: "shutdown" };

// ---- worker → client
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error";
export type WorkerMessage =
    | { type: "ready"; pid: number; scripted: boolean }
    | { type: "chunk"; id: number; data: unknown }
    | { type: "result"; id: number; result: unknown }
    | { type: "error"; id: number; error: ProtocolError }
    | { type: "log"; level: LogLevel; message: string };

function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isId(value: unknown): value is number {
    return typeof value === "number" && Number.isInteger(value) && value >= 0;
}

export function isClientMessage(value: unknown): value is ClientMessage {
    if (!isObject(value)) return false;
    switch (value.type) {
        case "request":
            return isId(value.id) && typeof value.method === "string" &&
                (METHOD_NAMES as readonly string[]).includes(value.method) && isObject(value.params);
        case "cancel":
            return isId(value.id);
        case "shutdown":
            return true;
        default:
            return false;
    }
}

const LOG_LEVELS: readonly string[] = ["trace", "debug", "info", "warn", "error"];

export function isWorkerMessage(value: unknown): value is WorkerMessage {
    if (!isObject(value)) return false;
    switch (value.type) {
        case "ready":
            return typeof value.pid === "number" && typeof value.scripted === "boolean";
        case "chunk":
            return isId(value.id) && "data" in value;
        case "result":
            return isId(value.id) && "result" in value;
        case "error":
            return isId(value.id) && isObject(value.error) && typeof value.error.code === "string" &&
                typeof value.error.message === "string";
        case "log":
            return typeof value.level === "string" && LOG_LEVELS.includes(value.level) && typeof value.message === "string";
        default:
            return false;
    }
}
