/**
 * `info <model>` and `chat <model> "prompt"`: the engine from the command line, through the same worker process
 * and protocol the extension uses.
 */
import path from "node:path";
import { renderConversationSegments } from "../core/qwen35/render";
import { samplingModeFor, SAMPLING_PRESETS } from "../core/qwen35/sampling";
import { EngineClient, EngineError } from "../engine/client";
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
    usage: "info <model.gguf> [--context N] [--verbose]   what the file is, and how the engine would run it (no weights are loaded)",
    async run(args, io) {
        const flags = parseFlags(args, ["--context"], ["--verbose"]);
        const [modelPath] = flags.positional;
        if (!modelPath) throw new CliUsageError("give the path of a .gguf model");
        const resolvedPath = path.resolve(modelPath);
        // The header is read here, in plain JavaScript; llama.cpp only ever sees the file in the worker process.
        const inspection = await inspectGgufFile(resolvedPath, { allowOtherArchitectures: true });
        const problems: { kind: string; message: string }[] = [...inspection.problems];
        const report: Record<string, unknown> = {
            path: resolvedPath,
            ok: inspection.ok,
            architecture: inspection.architecture,
            name: inspection.name,
            ggufVersion: inspection.version,
            tensors: inspection.tensorCount,
            sizeBytes: inspection.actualSizeBytes,
            expectedSizeBytes: inspection.expectedSizeBytes,
            metadata: inspection.metadata && { ...inspection.metadata, chatTemplate: undefined, specialTokenIds: undefined },
            problems,
            warnings: inspection.warnings
        };
        if (inspection.ok) {
            // What llama.cpp makes of it, and what the engine would do: the backend it would pick and how many layers
            // would fit on it.
            const client = new EngineClient({
                workerPath: path.join(__dirname, "worker.js"),
                log: stderrLogger(io, flags.switches.has("--verbose")),
                maxCrashes: 1
            });
            try {
                report.engine = await client.inspect({
                    modelPath: resolvedPath,
                    contextSize: wholeNumber(flags, "--context", 32768),
                    gpu: "auto"
                });
            } catch (error) {
                problems.push(engineProblem(error, resolvedPath));
            } finally {
                await client.dispose();
            }
            report.ok = problems.length === 0;
        }
        io.stdout.write(JSON.stringify(report, null, 2) + "\n");
        return report.ok === true ? 0 : 1;
    }
};

function engineProblem(error: unknown, modelPath: string): { kind: string; message: string } {
    const label = `The model file "${path.basename(modelPath)}"`;
    if (error instanceof EngineError && error.code === "workerCrashed") {
        return {
            kind: "crashed",
            message: `${label} made llama.cpp crash while reading it (${error.message.replace(/^The engine process stopped unexpectedly \((.*?)\).*$/s, "$1")}): ` +
                "its metadata or vocabulary is damaged or uses something this llama.cpp cannot handle. Download the model again, or choose another one."
        };
    }
    if (error instanceof EngineError && error.code === "modelInvalid") {
        return { kind: "notLoadable", message: `${label} cannot be loaded by llama.cpp: ${error.message.replace(/^llama\.cpp cannot load [^:]*: /, "")}` };
    }
    return { kind: "engine", message: `${label} could not be checked by the engine: ${error instanceof Error ? error.message : String(error)}` };
}

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
            }, { signal: controller.signal }).catch((error: unknown) => {
                // Only a crash needs rewording here: the worker's own errors already say what is wrong with the file.
                if (error instanceof EngineError && error.code === "workerCrashed") throw new Error(engineProblem(error, path.resolve(modelPath)).message);
                throw error;
            });
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
