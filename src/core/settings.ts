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
    | (SettingBase<Record<string, number>> & { type: "object"; properties: Record<string, { type: "number"; description: string; minimum?: number }>; additionalProperties: false })
    | (SettingBase<Record<string, string>> & {
        type: "object";
        properties: Record<string, { type: "string"; enum: readonly string[]; description: string }>;
        additionalProperties: false;
    })
    /** A map of named entries whose shape is checked where it is used (the MCP servers). */
    | (SettingBase<Record<string, never>> & { type: "object"; additionalProperties: Record<string, unknown>; properties?: undefined });

/**
 * What thinking can be set for, per task: the chat, the agent and each editor command. Inline completion is not
 * here on purpose: it never thinks (latency is everything there).
 */
export const THINKING_TASKS = {
    chat: { label: "the chat panel (the default of its thinking toggle)", thinking: "on", budget: 8192 },
    agent: { label: "the agent, per step", thinking: "on", budget: 4096 },
    explain: { label: "Explain Selection", thinking: "on", budget: 4096 },
    fix: { label: "Fix Problems", thinking: "on", budget: 4096 },
    tests: { label: "Generate Tests", thinking: "on", budget: 4096 },
    edit: { label: "Edit Selection with Instruction", thinking: "off", budget: 2048 },
    document: { label: "Add Documentation", thinking: "off", budget: 2048 },
    simplify: { label: "Simplify / Refactor Selection", thinking: "off", budget: 2048 },
    types: { label: "Add Types", thinking: "off", budget: 2048 }
} as const satisfies Record<string, { label: string; thinking: "on" | "off"; budget: number }>;

export type ThinkingTask = keyof typeof THINKING_TASKS;
const TASKS = Object.keys(THINKING_TASKS) as ThinkingTask[];
const mapTasks = <T>(value: (task: ThinkingTask) => T): Record<ThinkingTask, T> =>
    Object.fromEntries(TASKS.map((task) => [task, value(task)])) as Record<ThinkingTask, T>;

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
    thinking: {
        type: "object",
        default: mapTasks((task) => THINKING_TASKS[task].thinking),
        properties: mapTasks((task) => ({ type: "string", enum: ["on", "off"], description: `Thinking for ${THINKING_TASKS[task].label}.` })),
        additionalProperties: false,
        description: "Whether the model thinks (reasons before it answers) for each task: `on` or `off`. Thinking is slower but " +
            "better where reasoning pays (explaining, fixing, tests, the agent); off answers at once. Inline suggestions never think. " +
            "Every command also has a one-off opposite: “Qwen Local: Commands…” (also in the editor's context menu) lists both, " +
            "and a keybinding can pass `{ \"thinking\": true }` or `false` as its args. The thinking text is shown in the chat panel or the “Qwen Local: Thinking” output, never in your code.",
        order: 25
    },
    thoughtBudgetTokens: {
        type: "object",
        default: mapTasks((task) => THINKING_TASKS[task].budget),
        properties: mapTasks((task) => ({ type: "number", minimum: 0, description: `Most thinking tokens for ${THINKING_TASKS[task].label} (0: no limit).` })),
        additionalProperties: false,
        description: "Most thinking tokens per task before the model is asked to answer (0: no limit but the answer's own). " +
            "For the agent the budget is per step.",
        order: 26
    },
    "chat.maxTokens": {
        type: "number",
        default: 16384,
        minimum: 256,
        maximum: 131072,
        description: "Most tokens of one chat answer, thinking included (also capped by the room left in the context).",
        order: 31
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
    },
    "agent.commandEnvironment": {
        type: "array",
        items: { type: "string" },
        default: [],
        description: "Environment variables that `run_command` passes to commands although they look like secrets. By default a "
            + "command gets your environment without tokens, keys, passwords and cloud or registry credentials (names such as "
            + "`GITHUB_TOKEN`, `HF_TOKEN`, `AWS_*`, `*_API_KEY`, `*PASSWORD*`, and proxies with a password). List names here, or "
            + "prefixes ending in `*` (`AWS_*`), that your builds and tests need. A user setting only: a workspace cannot set it.",
        scope: "machine",
        order: 44
    },
    "agent.commandRules": {
        type: "array",
        items: { type: "string" },
        default: [],
        description: "Rules for the agent's `run_command`, checked for every part of a pipeline or `&&` / `;` chain: `\"allow npm test\"` "
            + "(that command and its longer forms), `\"allow =git status\"` (exactly that), `\"ask …\"`, `\"deny /regex/\"`. A command runs "
            + "without asking only when every part is allowed and it has no substitution, redirection or variable; a denied one never "
            + "runs. Built-in rules deny `rm -rf /`-like commands, a download piped into a shell, and `git push --force`. A user "
            + "setting only: a workspace cannot set it.",
        scope: "machine",
        order: 45
    },
    "instructions.agentsMd": {
        type: "boolean",
        default: true,
        description: "Project instructions: put `AGENTS.md` (the workspace folder's, and the nearest one above a file the agent, chat or editor command works on) into the system prompt.",
        order: 50
    },
    "instructions.copilotInstructions": {
        type: "boolean",
        default: true,
        description: "Project instructions: put `.github/copilot-instructions.md` into the system prompt.",
        order: 51
    },
    "instructions.claudeMd": {
        type: "boolean",
        default: true,
        description: "Project instructions: put `CLAUDE.md` into the system prompt.",
        order: 52
    },
    "instructions.rules": {
        type: "boolean",
        default: true,
        description: "Project instructions: put `.qwen-local/rules/*.md` into the system prompt; a rule with an `applyTo` glob in its front matter (`applyTo: \"src/**/*.ts\"` between `---` lines) only when the turn works on a matching file.",
        order: 53
    },
    "mcpServers": {
        type: "object",
        default: {},
        additionalProperties: {
            type: "object",
            properties: {
                type: { type: "string", enum: ["stdio", "http", "sse"], description: "How to reach the server: `stdio` (a command), `http` (streamable HTTP)." },
                command: { type: "string", description: "stdio: the program to start." },
                args: { type: "array", items: { type: "string" }, description: "stdio: its arguments." },
                env: { type: "object", additionalProperties: { type: ["string", "null"] }, description: "stdio: environment variables." },
                envFile: { type: "string", description: "stdio: a file of environment variables." },
                cwd: { type: "string", description: "stdio: the working directory." },
                url: { type: "string", description: "http: the server's URL." },
                headers: { type: "object", additionalProperties: { type: "string" }, description: "http: request headers." }
            }
        },
        description: "MCP servers whose tools the agent may use, in the shape of the `servers` of VS Code's `.vscode/mcp.json`: "
            + "`{ \"name\": { \"command\": \"npx\", \"args\": [\"-y\", \"some-mcp-server\"] } }` or `{ \"name\": { \"type\": \"http\", \"url\": \"…\" } }`. "
            + "Each tool reaches the model as `SERVER__TOOL`; every call asks you first unless `#qwenLocal.mcp.autoApprove#` allows it. "
            + "A server starts when the agent first needs it, and never in an untrusted workspace. A user setting only: a workspace cannot set it "
            + "(a workspace's servers come from its `.vscode/mcp.json`).",
        scope: "machine",
        order: 46
    },
    "mcp.workspaceServers": {
        type: "boolean",
        default: true,
        description: "Use the MCP servers of the workspace's `.vscode/mcp.json` (only in a trusted workspace, and each asks you once before it first starts).",
        order: 47
    },
    "mcp.autoApprove": {
        type: "array",
        items: { type: "string" },
        default: [],
        description: "MCP servers (all their tools: `\"files\"`) and tools (`\"files__read_text\"`) the agent may call without asking you each time. "
            + "A user setting only: a workspace cannot set it.",
        scope: "machine",
        order: 48
    },
    "agent.extensionTools": {
        type: "boolean",
        default: false,
        description: "Offer the agent the tools other extensions register for language models (`vscode.lm.tools`), as `vscode__NAME`. "
            + "Every call asks you first unless `#qwenLocal.mcp.autoApprove#` names the tool. A user setting only: a workspace cannot set it.",
        scope: "machine",
        order: 49
    },
    "instructions.maxFileChars": {
        type: "number",
        default: 16000,
        minimum: 500,
        maximum: 200000,
        description: "Project instructions: most characters of one instruction file; a longer one is cut, with a notice in the prompt and in the chat panel.",
        order: 54
    }
} as const satisfies Record<string, SettingSpec>;

export type SettingKey = keyof typeof SETTINGS;

type Widen<T> = T extends string ? string : T extends number ? number : T extends boolean ? boolean :
    T extends readonly unknown[] ? string[] :
    keyof T extends never ? Record<string, number> : { -readonly [K in keyof T]: Widen<T[K]> };
/** Settings whose entries are checked where they are used. */
type FreeForm = "mcpServers";
export type Settings = { -readonly [K in Exclude<SettingKey, FreeForm>]: Widen<(typeof SETTINGS)[K]["default"]> } & { [K in FreeForm]: Record<string, unknown> };

export const SETTINGS_SECTION = "qwenLocal";

/** Reads every setting through `get`, falling back to the table's default for a missing or mistyped value. */
export function readSettings(get: (key: string) => unknown): Settings {
    const settings = {} as Record<string, unknown>;
    for (const [key, spec] of Object.entries(SETTINGS) as [SettingKey, SettingSpec][]) {
        const value = get(key);
        if (spec.type === "object" && spec.properties && Object.keys(spec.properties).length > 0 && Object.keys(spec.default).length > 0) {
            settings[key] = readMap(spec.properties, spec.default, value);
            continue;
        }
        let valid = spec.type === "object"
            ? typeof value === "object" && value !== null && !Array.isArray(value)
            : spec.type === "array"
                ? Array.isArray(value) && value.every((item) => typeof item === "string")
                : typeof value === spec.type;
        if (valid && spec.type === "number") valid = inRange(value as number, spec.minimum, spec.maximum);
        if (valid && spec.type === "string" && spec.enum) valid = spec.enum.includes(value as string);
        settings[key] = valid ? value : spec.default;
    }
    return settings as Settings;
}

function inRange(value: number, minimum?: number, maximum?: number): boolean {
    return Number.isFinite(value) && (minimum === undefined || value >= minimum) && (maximum === undefined || value <= maximum);
}

/** A map setting with known keys: each entry is checked on its own, a missing or invalid one keeps its default. */
function readMap(
    properties: Record<string, { type: "number"; minimum?: number } | { type: "string"; enum: readonly string[] }>,
    defaults: Record<string, unknown>,
    value: unknown
): Record<string, unknown> {
    const given = typeof value === "object" && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : {};
    const result: Record<string, unknown> = {};
    for (const [name, property] of Object.entries(properties)) {
        const entry = given[name];
        const valid = property.type === "number"
            ? typeof entry === "number" && inRange(entry, property.minimum)
            : typeof entry === "string" && property.enum.includes(entry);
        result[name] = valid ? entry : defaults[name];
    }
    return result;
}

/** Whether a task thinks, and with what budget (undefined: no budget), after a one-off override. */
export function thinkingFor(settings: Pick<Settings, "thinking" | "thoughtBudgetTokens">, task: ThinkingTask, override?: boolean):
    { thinking: boolean; thoughtBudgetTokens: number | undefined } {
    const thinking = override ?? settings.thinking[task] === "on";
    const budget = settings.thoughtBudgetTokens[task];
    return { thinking, thoughtBudgetTokens: thinking && budget > 0 ? budget : undefined };
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
