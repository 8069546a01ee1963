/**
 * Core's port to the engine: the one vocabulary of generation (prompts, sampling, results, the loaded model) and the
 * one `Engine` interface that every core service talks to. The worker client (src/engine/client.ts) implements it in
 * the extension and the CLI; the scripted engine and test doubles implement it in tests. src/engine's protocol re-uses
 * these types; nothing in src/core imports src/engine.
 */

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
     *
     * "prefix": the end of a long part that stays the same while everything after it changes (the system turn, which
     * a compacted conversation keeps). Kept in a small group of its own, so a long run of turns never prunes it.
     */
    checkpointAfter?: boolean | "transient" | "prefix";
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

/** How a caller follows and stops one generation. */
export interface GenerateOptions {
    signal?: AbortSignal;
    /** Streamed text, as it is generated (stop strings never reach it). */
    onChunk?: (chunk: GenerateChunk) => void;
}

/**
 * The engine, as core sees it. Services take the part they use (`Pick<Engine, "generate">` for one chat turn), so a
 * test double implements only that.
 */
export interface Engine {
    /** Generate on a sequence; cancelled generations resolve with `stopReason: "cancelled"`. */
    generate(params: GenerateParams, options: GenerateOptions): Promise<GenerateResult>;
    /** Exact token ids of a prompt with the loaded model's tokenizer (loads the model if needed). */
    tokenize(prompt: PromptInput, signal?: AbortSignal): Promise<number[]>;
    /** The loaded model, once there is one. */
    readonly modelInfo?: LoadedModel;
}

/** What core reads of the loaded model (the adapters see the whole `ModelInfo`). */
export type LoadedModel = Pick<ModelInfo, "modelPath" | "hasFimTokens"> & Partial<Pick<ModelInfo, "contextSize">>;

