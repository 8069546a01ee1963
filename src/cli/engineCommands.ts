/**
 * `info <model>` and `chat <model> "prompt"`: the engine from the command line, through the same worker process
 * and protocol the extension uses.
 */
import os from "node:os";
import path from "node:path";
import { renderConversationSegments } from "../core/qwen35/render";
import { samplingModeFor, SAMPLING_PRESETS } from "../core/qwen35/sampling";
import { EngineClient } from "../engine/client";
import { inspectGgufFile } from "../engine/ggufFile";
import { CliUsageError, parseFlags, wholeNumber, type CliCommand, type CliIo } from "./command";

function stderrLogger(io: CliIo, verbose: boolean) {
    const write = (level: string) => (message: string) => {
        if (verbose || level === "error" || level === "warn") io.stderr.write(`[${level}] ${message}\n`);
    };
    return { trace: write("trace"), debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}

export const infoCommand: CliCommand = {
    name: "info",
    usage: "info <model.gguf> [--context N]   what the file is, and how the engine would run it (nothing is loaded)",
    async run(args, io) {
        const flags = parseFlags(args, ["--context"], []);
        const [modelPath] = flags.positional;
        if (!modelPath) throw new CliUsageError("give the path of a .gguf model");
        const inspection = await inspectGgufFile(path.resolve(modelPath), { allowOtherArchitectures: true });
        const report: Record<string, unknown> = {
            path: path.resolve(modelPath),
            ok: inspection.ok,
            architecture: inspection.architecture,
            name: inspection.name,
            ggufVersion: inspection.version,
            tensors: inspection.tensorCount,
            sizeBytes: inspection.actualSizeBytes,
            expectedSizeBytes: inspection.expectedSizeBytes,
            metadata: inspection.metadata && { ...inspection.metadata, chatTemplate: undefined, specialTokenIds: undefined },
            problems: inspection.problems,
            warnings: inspection.warnings
        };
        if (inspection.ok) {
            // What the engine would do: the backend it would pick and how many layers would fit on it.
            const { getLlama, readGgufFileInfo, GgufInsights } = await import("node-llama-cpp");
            const llama = await getLlama({ gpu: "auto", build: "never", progressLogs: false });
            const insights = await GgufInsights.from(await readGgufFileInfo(path.resolve(modelPath)), llama);
            const contextSize = wholeNumber(flags, "--context", 32768);
            const resolved = await insights.configurationResolver.resolveAndScoreConfig({
                targetContextSize: Math.min(contextSize, insights.trainContextSize ?? contextSize)
            });
            report.engine = {
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
            await llama.dispose();
        }
        io.stdout.write(JSON.stringify(report, null, 2) + "\n");
        return inspection.ok ? 0 : 1;
    }
};

export const chatCommand: CliCommand = {
    name: "chat",
    usage: "chat <model.gguf> \"prompt\" [--thinking] [--max-tokens N] [--context N] [--threads N] [--seed N] [--verbose]   one streamed answer",
    async run(args, io) {
        const flags = parseFlags(args, ["--max-tokens", "--context", "--threads", "--seed"], ["--thinking", "--verbose"]);
        const [modelPath, prompt] = flags.positional;
        if (!modelPath || prompt === undefined) throw new CliUsageError("usage: chat <model.gguf> \"prompt\"");
        const thinking = flags.switches.has("--thinking");
        const client = new EngineClient({
            workerPath: path.join(__dirname, "worker.js"),
            log: stderrLogger(io, flags.switches.has("--verbose")),
            maxCrashes: 1
        });
        const controller = new AbortController();
        const onSigint = () => controller.abort();
        process.once("SIGINT", onSigint);
        try {
            await client.load({
                modelPath: path.resolve(modelPath),
                contextSize: wholeNumber(flags, "--context", 8192),
                gpu: "auto",
                threads: wholeNumber(flags, "--threads", 0)
            }, { signal: controller.signal });
            const preset = SAMPLING_PRESETS[samplingModeFor(thinking)];
            const segments = renderConversationSegments({
                messages: [{ role: "user", content: prompt }],
                add_generation_prompt: true,
                enable_thinking: thinking
            });
            if (thinking) io.stdout.write("<think>\n");
            const result = await client.generate({
                sequence: "chat",
                prompt: { kind: "segments", segments },
                maxTokens: wholeNumber(flags, "--max-tokens", 2048),
                stop: ["<|im_end|>"],
                sampling: { ...preset, seed: flags.values.has("--seed") ? wholeNumber(flags, "--seed", 0) : undefined }
            }, { signal: controller.signal, onChunk: (chunk) => io.stdout.write(chunk.text) });
            const t = result.timings;
            io.stdout.write("\n");
            io.stderr.write(`[${result.stopReason}] ${t.generatedTokens} tokens, ${t.tokensPerSecond.toFixed(1)} tokens/s, ` +
                `first token after ${Math.round(t.timeToFirstTokenMs)} ms, prompt ${t.promptTokens} tokens\n`);
            return 0;
        } finally {
            process.off("SIGINT", onSigint);
            await client.dispose();
        }
    }
};
