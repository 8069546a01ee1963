/**
 * The llama.cpp half of `info`: whether llama.cpp itself accepts the file (its architecture and vocabulary, read
 * with a vocabulary-only load: no weights) and how the engine would run it. Runs only inside the worker process, so
 * that a GGUF which trips one of llama.cpp's assertions (an abort) takes down the worker, not the CLI.
 */
import os from "node:os";
import { BackendError } from "./backend";
import type { EngineEstimate, InspectParams } from "./protocol";

export async function inspectWithLlama(params: InspectParams): Promise<EngineEstimate> {
    const { getLlama, readGgufFileInfo, GgufInsights } = await import("node-llama-cpp");
    const llama = await getLlama({ gpu: params.gpu, build: "never", progressLogs: false });
    try {
        try {
            const vocabulary = await llama.loadModel({ modelPath: params.modelPath, vocabOnly: true, gpuLayers: 0 });
            await vocabulary.dispose();
        } catch (error) {
            throw new BackendError("modelInvalid", `llama.cpp cannot load ${params.modelPath}: ` +
                `${error instanceof Error ? error.message : String(error)}`);
        }
        const insights = await GgufInsights.from(await readGgufFileInfo(params.modelPath), llama);
        const resolved = await insights.configurationResolver.resolveAndScoreConfig({
            targetContextSize: Math.min(params.contextSize, insights.trainContextSize ?? params.contextSize)
        });
        return {
            backend: llama.gpu === false ? "cpu" : llama.gpu,
            cpuCores: os.availableParallelism(),
            gpuLayers: resolved.resolvedValues.gpuLayers,
            totalLayers: insights.totalLayers,
            contextSize: resolved.resolvedValues.contextSize,
            hybrid: insights.isHybrid,
            estimatedModelRamBytes: resolved.resolvedValues.modelRamUsage,
            estimatedContextRamBytes: resolved.resolvedValues.contextRamUsage,
            estimatedVramBytes: resolved.resolvedValues.modelVramUsage + resolved.resolvedValues.contextVramUsage,
            compatibilityScore: resolved.compatibilityScore
        };
    } finally {
        await llama.dispose();
    }
}
