/**
 * Sampling presets from the Qwen3.5 model card, and their merge with the user's settings.
 * Names are this project's; the engine maps them onto node-llama-cpp's options.
 */

export interface SamplingParams {
    temperature: number;
    topP: number;
    topK: number;
    minP: number;
    /** OpenAI-style presence penalty: subtracted once from the logit of every token already generated. */
    presencePenalty: number;
}

/**
 * - `thinking`: the card's "thinking mode, precise coding" values — the default for a coding assistant;
 * - `thinking-general`: the card's "thinking mode, general tasks" values;
 * - `non-thinking`: the card's "non-thinking (instruct) mode, general tasks" values.
 */
export type SamplingMode = "thinking" | "thinking-general" | "non-thinking";

export const SAMPLING_PRESETS: Readonly<Record<SamplingMode, Readonly<SamplingParams>>> = Object.freeze({
    "thinking": Object.freeze({ temperature: 0.6, topP: 0.95, topK: 20, minP: 0, presencePenalty: 0 }),
    "thinking-general": Object.freeze({ temperature: 1.0, topP: 0.95, topK: 20, minP: 0, presencePenalty: 1.5 }),
    "non-thinking": Object.freeze({ temperature: 0.7, topP: 0.8, topK: 20, minP: 0, presencePenalty: 1.5 })
});

export function samplingModeFor(enableThinking: boolean): SamplingMode {
    return enableThinking ? "thinking" : "non-thinking";
}

/** Settings values: a missing or null value keeps the preset's. */
export type SamplingOverrides = { [K in keyof SamplingParams]?: number | null };

const LIMITS: Record<keyof SamplingParams, { min: number; max: number; integer?: boolean; minExclusive?: boolean }> = {
    temperature: { min: 0, max: 2 },
    topP: { min: 0, max: 1, minExclusive: true },
    topK: { min: 0, max: 1000, integer: true },
    minP: { min: 0, max: 1 },
    presencePenalty: { min: -2, max: 2 }
};

function isValidOverride(key: keyof SamplingParams, value: unknown): value is number {
    const limit = LIMITS[key];
    return typeof value === "number" && Number.isFinite(value)
        && (limit.minExclusive ? value > limit.min : value >= limit.min) && value <= limit.max
        && (!limit.integer || Number.isInteger(value));
}

/** Problems with the overrides, one sentence each, for the log; such values are ignored by {@link resolveSampling}. */
export function samplingOverrideProblems(overrides: SamplingOverrides = {}): string[] {
    const problems: string[] = [];
    for (const key of Object.keys(LIMITS) as (keyof SamplingParams)[]) {
        const value = overrides[key];
        if (value === undefined || value === null || isValidOverride(key, value)) continue;
        const limit = LIMITS[key];
        const range = `${limit.minExclusive ? "above" : "from"} ${limit.min} to ${limit.max}`;
        problems.push(`Sampling setting ${key} = ${String(value)} is ignored: it must be ${limit.integer ? "an integer" : "a number"} ${range}.`);
    }
    return problems;
}

/** The preset for `mode` with every valid override applied. */
export function resolveSampling(mode: SamplingMode, overrides: SamplingOverrides = {}): SamplingParams {
    const result: SamplingParams = { ...SAMPLING_PRESETS[mode] };
    for (const key of Object.keys(LIMITS) as (keyof SamplingParams)[]) {
        const value = overrides[key];
        if (isValidOverride(key, value)) result[key] = value;
    }
    return result;
}

/** The sampling for a request: the mode's preset with the user's overrides for that mode (invalid values ignored). */
export function samplingFor(enableThinking: boolean, overrides: { thinking?: SamplingOverrides; nonThinking?: SamplingOverrides }): SamplingParams {
    return resolveSampling(samplingModeFor(enableThinking), (enableThinking ? overrides.thinking : overrides.nonThinking) ?? {});
}
