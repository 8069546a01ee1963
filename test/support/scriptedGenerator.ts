import type { ChatGenerator } from "../../src/core/qwen35/chatTurn";
import type { GenerateParams, GenerateResult } from "../../src/engine/protocol";

/** A generator that streams scripted texts (one per call) word by word, honouring the abort signal. */
export function scripted(outputs: string[]): ChatGenerator & { calls: GenerateParams[] } {
    const calls: GenerateParams[] = [];
    return {
        calls,
        async generate(params, { signal, onChunk }): Promise<GenerateResult> {
            calls.push(params);
            const text = outputs[calls.length - 1] ?? "";
            let sent = "";
            let generated = 0;
            let stopReason: GenerateResult["stopReason"] = "eos";
            for (const piece of text.match(/\S+\s*|\s+/g) ?? []) {
                if (signal?.aborted) { stopReason = "cancelled"; break; }
                if (generated >= params.maxTokens) { stopReason = "maxTokens"; break; }
                sent += piece;
                generated++;
                onChunk?.({ text: piece, tokens: 1 });
                await Promise.resolve();
            }
            return {
                text: sent, stopReason,
                timings: { promptTokens: 10, evaluatedTokens: 10, generatedTokens: generated, timeToFirstTokenMs: 1, totalMs: 2, tokensPerSecond: 100 }
            };
        }
    };
}
