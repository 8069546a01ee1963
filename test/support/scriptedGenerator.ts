import type { Engine, GenerateParams, GenerateResult, PromptSegment } from "../../src/core/engine";

export interface ScriptedGenerator extends Pick<Engine, "generate"> {
    /** Every request, in order. */
    calls: GenerateParams[];
    /** Each request's prompt segments. */
    prompts: PromptSegment[][];
}

export interface ScriptedOptions {
    /** Pause between streamed pieces (0: a microtask). */
    delayMs?: number;
    /** Throw when a call has no scripted output (else it generates nothing). */
    strict?: boolean;
}

/**
 * A generator that streams scripted texts (one per call; a function gets the prompt's text) word by word, honouring
 * the abort signal and the token limit.
 */
export function scripted(outputs: (string | ((prompt: string) => string))[], options: ScriptedOptions = {}): ScriptedGenerator {
    const calls: GenerateParams[] = [];
    const prompts: PromptSegment[][] = [];
    return {
        calls,
        prompts,
        async generate(params, { signal, onChunk }): Promise<GenerateResult> {
            calls.push(params);
            const segments = params.prompt.kind === "segments" ? params.prompt.segments : [];
            prompts.push(segments);
            const script = outputs[calls.length - 1];
            if (script === undefined && options.strict) throw new Error(`no scripted output for call ${calls.length}`);
            const text = typeof script === "function" ? script(segments.map((segment) => segment.text).join("")) : script ?? "";
            let sent = "";
            let generated = 0;
            let stopReason: GenerateResult["stopReason"] = "eos";
            for (const piece of text.match(/\S+\s*|\s+/g) ?? []) {
                if (signal?.aborted) { stopReason = "cancelled"; break; }
                if (generated >= params.maxTokens) { stopReason = "maxTokens"; break; }
                sent += piece;
                generated++;
                onChunk?.({ text: piece, tokens: 1 });
                await (options.delayMs ? new Promise((resolve) => setTimeout(resolve, options.delayMs)) : Promise.resolve());
            }
            return {
                text: sent, stopReason,
                timings: { promptTokens: 10, evaluatedTokens: 10, generatedTokens: generated, timeToFirstTokenMs: 1, totalMs: 2, tokensPerSecond: 100 }
            };
        }
    };
}
