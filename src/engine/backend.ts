/**
 * What the worker process runs requests against: the real node-llama-cpp engine, or a scripted one for
 * deterministic tests. Both speak the same protocol; the worker does not know which it has.
 */
import type {
    GenerateChunk, GenerateParams, GenerateResult, LoadParams, LoadProgress, ModelInfo, PromptInput,
    SequenceName, SequenceState
} from "./protocol";

export class BackendError extends Error {
    constructor(readonly code: "noModel" | "modelInvalid" | "loadFailed" | "badRequest" | "cancelled", message: string) {
        super(message);
    }
}

export interface EngineBackend {
    readonly scripted: boolean;
    readonly loaded: boolean;
    load(params: LoadParams, onProgress: (progress: LoadProgress) => void, signal: AbortSignal): Promise<ModelInfo>;
    unload(): Promise<boolean>;
    generate(params: GenerateParams, onChunk: (chunk: GenerateChunk) => void, signal: AbortSignal): Promise<GenerateResult>;
    tokenize(prompt: PromptInput): Promise<number[]>;
    detokenize(tokens: number[]): Promise<string>;
    sequenceState(sequence: SequenceName): Promise<SequenceState>;
    resetSequence(sequence: SequenceName): Promise<void>;
}
