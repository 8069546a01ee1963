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
import type { GenerateChunk, GenerateParams, GenerateResult, ModelInfo, PromptInput, SequenceName } from "../core/engine";

// The generation vocabulary is core's (src/core/engine.ts); the protocol carries it unchanged.
export type {
    GenerateChunk, GenerateParams, GenerateResult, GenerationTimings, ModelInfo, PromptInput, PromptSegment, SamplingOptions, SequenceName, StopReason
} from "../core/engine";
import { isObject } from "../core/util/isObject";

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

/**
 * Whether a model loaded with `a` serves a request to load `b` (the one answer to "same model loaded?": the client
 * and both backends ask it). Every setting that changes how the model runs counts.
 */
export function sameLoad(a: LoadParams, b: LoadParams): boolean {
    return a.modelPath === b.modelPath && a.contextSize === b.contextSize && a.gpu === b.gpu && (a.threads ?? 0) === (b.threads ?? 0) &&
        (a.allowOtherArchitectures ?? false) === (b.allowOtherArchitectures ?? false) && a.checkpointMaxMemoryMB === b.checkpointMaxMemoryMB;
}

export interface LoadProgress {
    /** 0..1 */
    progress: number;
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

/** Finding a downloaded model offline, node-llama-cpp's naming included (models its CLI downloaded). */
export interface FindModelParams {
    uri: string;
    directory: string;
}

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
    findModel: { params: FindModelParams; chunk: never; result: { path: string | null } };
    inspect: { params: InspectParams; chunk: never; result: EngineEstimate };
    ping: { params: Record<string, never>; chunk: never; result: { pid: number; scripted: boolean; loaded: boolean } };
}

export type MethodName = keyof WorkerMethods;
export const METHOD_NAMES: readonly MethodName[] = [
    "load", "unload", "generate", "tokenize", "detokenize", "sequenceState", "resetSequence", "download", "findModel", "inspect", "ping"
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
