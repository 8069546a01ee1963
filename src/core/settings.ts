/**
 * Every setting of the extension, in one typed table. package.json's `contributes.configuration` mirrors it
 * (a unit test keeps the two equal), and the extension reads settings only through `readSettings`.
 */

export const DEFAULT_MODEL = "hf:unsloth/Qwen3.5-35B-A3B-GGUF:UD-Q4_K_XL";
export const DEFAULT_DOWNLOAD_ENDPOINT = "https://huggingface.co/";

interface SettingBase<T> {
    default: T;
    description: string;
    scope?: "application" | "machine" | "window" | "resource" | "language-overridable";
    order?: number;
}

export type SettingSpec =
    | (SettingBase<string> & { type: "string"; enum?: string[]; enumDescriptions?: string[] })
    | (SettingBase<number> & { type: "number"; minimum?: number; maximum?: number })
    | (SettingBase<boolean> & { type: "boolean" })
    | (SettingBase<readonly string[]> & { type: "array"; items: { type: "string"; enum?: string[] } })
    | (SettingBase<Record<string, number>> & { type: "object"; properties: Record<string, { type: "number"; description: string }>; additionalProperties: false });

const SAMPLING_PROPERTIES = {
    temperature: { type: "number", description: "Sampling temperature (0–2)." },
    topP: { type: "number", description: "Nucleus sampling: keep the most likely tokens up to this probability mass (0–1]." },
    topK: { type: "number", description: "Keep only the K most likely tokens (0: off)." },
    minP: { type: "number", description: "Drop tokens less likely than this fraction of the most likely one (0–1)." },
    presencePenalty: { type: "number", description: "Penalty for tokens already generated (-2–2); the model card uses 1.5 without thinking." }
} as const;

export const SETTINGS = {
    model: {
        type: "string",
        default: DEFAULT_MODEL,
        description: "The model: a local `.gguf` file path, or an `hf:` URI that Qwen Local downloads once, after you agree " +
            "(for example `hf:unsloth/Qwen3.5-9B-GGUF:UD-Q4_K_XL` for smaller machines). Use “Qwen Local: Select Model…” to pick one.",
        scope: "machine",
        order: 0
    },
    modelsDirectory: {
        type: "string",
        default: "",
        description: "Where downloaded models are kept. Empty: the extension's global storage folder.",
        scope: "machine",
        order: 1
    },
    downloadEndpoint: {
        type: "string",
        default: DEFAULT_DOWNLOAD_ENDPOINT,
        description: "The Hugging Face endpoint that `hf:` models are downloaded from (a mirror, or a local server for tests). " +
            "Nothing is downloaded without your consent, and nothing touches the network once the model is present.",
        scope: "machine",
        order: 2
    },
    contextSize: {
        type: "number",
        default: 32768,
        minimum: 512,
        maximum: 262144,
        description: "Context size in tokens for chat and completion (capped at what the model was trained on). " +
            "Larger contexts use more memory: about 20 KB per token for Qwen3.5-35B-A3B.",
        scope: "machine",
        order: 3
    },
    gpu: {
        type: "string",
        default: "auto",
        enum: ["auto", "off"],
        enumDescriptions: ["Use CUDA, Vulkan or Metal when present, else the CPU.", "Run on the CPU only."],
        description: "Whether the model runs on a GPU.",
        scope: "machine",
        order: 4
    },
    idleUnloadMinutes: {
        type: "number",
        default: 15,
        minimum: 0,
        description: "Unload the model after this many minutes without requests, freeing its memory (0: keep it loaded).",
        order: 5
    },
    allowOtherArchitectures: {
        type: "boolean",
        default: false,
        description: "Allow GGUF models that are not Qwen3.5 (loaded with a warning; prompts are written for Qwen3.5).",
        scope: "machine",
        order: 6
    },
    threads: {
        type: "number",
        default: 0,
        minimum: 0,
        maximum: 256,
        description: "CPU threads for the model (0: all cores). Fewer threads leave the editor more room on small machines.",
        scope: "machine",
        order: 7
    },
    checkpointMemoryMB: {
        type: "number",
        default: 1024,
        minimum: 64,
        description: "Memory cap, per sequence, for the recurrent-state checkpoints that make prompt reuse cheap on Qwen3.5's hybrid layers.",
        scope: "machine",
        order: 8
    },
    "sampling.thinking": {
        type: "object",
        default: {},
        properties: SAMPLING_PROPERTIES,
        additionalProperties: false,
        description: "Overrides for sampling when thinking is on. Defaults are the model card's values for precise coding: " +
            "temperature 0.6, topP 0.95, topK 20, minP 0, presencePenalty 0.",
        order: 20
    },
    "sampling.nonThinking": {
        type: "object",
        default: {},
        properties: SAMPLING_PROPERTIES,
        additionalProperties: false,
        description: "Overrides for sampling when thinking is off. Defaults are the model card's: " +
            "temperature 0.7, topP 0.8, topK 20, minP 0, presencePenalty 1.5.",
        order: 21
    },
    "inlineSuggestions.enabled": {
        type: "boolean",
        default: true,
        description: "Show inline suggestions (ghost text) from the local model while typing.",
        order: 10
    },
    "inlineSuggestions.disabledLanguages": {
        type: "array",
        items: { type: "string" },
        default: [],
        description: "Language ids without inline suggestions (for example `markdown`, `plaintext`).",
        order: 11
    },
    "inlineSuggestions.mode": {
        type: "string",
        default: "fim",
        enum: ["fim", "chat"],
        enumDescriptions: [
            "Fill-in-the-middle with Qwen's FIM tokens (the chat prompt is used when the model has none).",
            "A chat-style prompt, thinking off: slower, for models whose fill-in-the-middle output is poor."
        ],
        description: "How inline suggestions ask the model.",
        order: 12
    },
    "inlineSuggestions.maxTokens": {
        type: "number",
        default: 64,
        minimum: 1,
        maximum: 512,
        description: "Most tokens of one inline suggestion.",
        order: 13
    },
    "inlineSuggestions.repoContext": {
        type: "boolean",
        default: true,
        description: "Show the model code from recently edited, opened and copied places and the whole current file, " +
            "not just the text around the cursor. Kept as a slowly changing prompt prefix, so it costs little after the first suggestion.",
        order: 14
    },
    "chat.thinking": {
        type: "boolean",
        default: true,
        description: "Whether the chat's thinking toggle starts on: the model reasons (shown in a collapsible block) before it answers. " +
            "The toggle in the chat's input bar changes it for the next message.",
        order: 30
    },
    "chat.maxTokens": {
        type: "number",
        default: 16384,
        minimum: 256,
        maximum: 131072,
        description: "Most tokens of one chat answer, thinking included (also capped by the room left in the context).",
        order: 31
    },
    "chat.thoughtBudgetTokens": {
        type: "number",
        default: 8192,
        minimum: 0,
        maximum: 131072,
        description: "Most thinking tokens before the model is asked to answer (0: no limit but `qwenLocal.chat.maxTokens`).",
        order: 32
    },
    "agent.thinking": {
        type: "boolean",
        default: true,
        description: "Whether the agent thinks (reasons before each step, shown collapsed) — slower, but it plans multi-file changes better.",
        order: 40
    },
    "agent.thoughtBudgetTokens": {
        type: "number",
        default: 4096,
        minimum: 0,
        maximum: 131072,
        description: "Most thinking tokens per agent step before the model is asked to act (0: no limit but the step's own, 32768 tokens in all).",
        order: 41
    },
    "agent.maxRounds": {
        type: "number",
        default: 25,
        minimum: 1,
        maximum: 200,
        description: "Most model turns for one agent request; it stops there (ask again to let it continue).",
        order: 42
    },
    "agent.autoApprove": {
        type: "array",
        items: { type: "string", enum: ["edit_file", "create_file", "rename_file", "delete_file"] },
        default: [],
        description: "Agent tools that may propose changes without asking you each time (`edit_file`, `create_file`, `rename_file`, " +
            "`delete_file`). Their changes are still proposals that you review as diffs before anything is written. " +
            "`run_command` always asks, and nothing but reading runs in an untrusted workspace. A user setting only: a workspace cannot set it.",
        scope: "machine",
        order: 43
    }
} as const satisfies Record<string, SettingSpec>;

export type SettingKey = keyof typeof SETTINGS;

type Widen<T> = T extends string ? string : T extends number ? number : T extends boolean ? boolean :
    T extends readonly unknown[] ? string[] : T extends Record<string, unknown> ? Record<string, number> : T;
export type Settings = { -readonly [K in SettingKey]: Widen<(typeof SETTINGS)[K]["default"]> };

export const SETTINGS_SECTION = "qwenLocal";

/** Reads every setting through `get`, falling back to the table's default for a missing or mistyped value. */
export function readSettings(get: (key: string) => unknown): Settings {
    const settings = {} as Record<string, unknown>;
    for (const [key, spec] of Object.entries(SETTINGS) as [SettingKey, SettingSpec][]) {
        const value = get(key);
        let valid = spec.type === "object"
            ? typeof value === "object" && value !== null && !Array.isArray(value)
            : spec.type === "array"
                ? Array.isArray(value) && value.every((item) => typeof item === "string")
                : typeof value === spec.type;
        if (valid && spec.type === "number") {
            const number = value as number;
            valid = Number.isFinite(number) && (spec.minimum === undefined || number >= spec.minimum) &&
                (spec.maximum === undefined || number <= spec.maximum);
        }
        if (valid && spec.type === "string" && spec.enum) valid = spec.enum.includes(value as string);
        settings[key] = valid ? value : spec.default;
    }
    return settings as Settings;
}

/** The `contributes.configuration.properties` object that package.json must contain. */
export function contributedProperties(): Record<string, Record<string, unknown>> {
    const properties: Record<string, Record<string, unknown>> = {};
    for (const [key, spec] of Object.entries(SETTINGS) as [SettingKey, SettingSpec][]) {
        const { description, ...rest } = spec;
        properties[`${SETTINGS_SECTION}.${key}`] = { ...rest, markdownDescription: description };
    }
    return properties;
}
