/**
 * The engine worker process, forked by the extension host (or the CLI). It owns node-llama-cpp, so a
 * llama.cpp assertion or crash takes down only this process; the client restarts it.
 *
 * It answers typed requests (see protocol.ts) over the IPC channel and never prints to stdout.
 */
import { errorMessage } from "../core/log";
import { BackendError, type EngineBackend } from "./backend";
import { LlamaBackend } from "./llamaBackend";
import { downloadModel, findDownloadedModel, ModelDownloadError } from "./modelDownload";
import { inspectWithLlama } from "./modelInspect";
import {
    isClientMessage, type ClientMessage, type DownloadParams, type FindModelParams, type GenerateParams, type InspectParams, type LoadParams, type LogLevel, type MethodName,
    type ProtocolError, type SequenceStateParams, type TokenizeParams, type WorkerMessage
} from "./protocol";
import { ScriptedBackend } from "./scriptedBackend";

export const SCRIPTED_ENGINE_ENV = "QWEN_LOCAL_SCRIPTED_ENGINE";

function send(message: WorkerMessage): void {
    if (process.connected) process.send!(message);
}

function log(level: LogLevel, message: string): void {
    send({ type: "log", level, message });
}

const scriptPath = process.env[SCRIPTED_ENGINE_ENV];
const backend: EngineBackend = scriptPath
    ? new ScriptedBackend(scriptPath, () => process.abort())
    : new LlamaBackend(log);
const inFlight = new Map<number, AbortController>();

async function dispatch(method: MethodName, params: unknown, id: number, signal: AbortSignal): Promise<unknown> {
    const chunk = (data: unknown) => send({ type: "chunk", id, data });
    switch (method) {
        case "download": {
            const download = params as DownloadParams;
            return downloadModel({ ...download, signal, onProgress: chunk });
        }
        case "findModel":
            return { path: (await findDownloadedModel(params as FindModelParams)) ?? null };
        case "inspect":
            return inspectWithLlama(params as InspectParams);
        case "ping":
            return { pid: process.pid, scripted: backend.scripted, loaded: backend.loaded };
        case "load":
            return backend.load(params as LoadParams, chunk, signal);
        case "unload":
            return { unloaded: await backend.unload() };
        case "generate":
            return backend.generate(params as GenerateParams, chunk, signal);
        case "tokenize":
            return { tokens: await backend.tokenize((params as TokenizeParams).prompt) };
        case "detokenize":
            return { text: await backend.detokenize((params as { tokens: number[] }).tokens) };
        case "sequenceState":
            return backend.sequenceState((params as SequenceStateParams).sequence);
        case "resetSequence":
            await backend.resetSequence((params as SequenceStateParams).sequence);
            return {};
    }
}

function toProtocolError(error: unknown, signal: AbortSignal): ProtocolError {
    if (error instanceof BackendError) return { code: error.code, message: error.message };
    if (error instanceof ModelDownloadError) {
        return { code: error.code === "cancelled" ? "cancelled" : "downloadFailed", message: error.message };
    }
    if (signal.aborted) return { code: "cancelled", message: "Cancelled." };
    return { code: "internal", message: errorMessage(error) };
}

async function handle(message: ClientMessage): Promise<void> {
    switch (message.type) {
        case "cancel":
            inFlight.get(message.id)?.abort();
            return;
        case "shutdown":
            for (const controller of inFlight.values()) controller.abort();
            await backend.unload().catch(() => undefined);
            process.exit(0);
            return;
        case "request": {
            const controller = new AbortController();
            inFlight.set(message.id, controller);
            try {
                const result = await dispatch(message.method, message.params, message.id, controller.signal);
                send({ type: "result", id: message.id, result });
            } catch (error) {
                send({ type: "error", id: message.id, error: toProtocolError(error, controller.signal) });
            } finally {
                inFlight.delete(message.id);
            }
        }
    }
}

process.on("message", (message: unknown) => {
    if (!isClientMessage(message)) {
        log("warn", `Ignored a malformed message: ${JSON.stringify(message)?.slice(0, 200)}`);
        return;
    }
    void handle(message);
});

// The parent went away (extension host closed or crashed): do not linger holding gigabytes of model.
process.on("disconnect", () => process.exit(0));

send({ type: "ready", pid: process.pid, scripted: backend.scripted });
