/**
 * The extension side of the engine: forks the worker process lazily, speaks the typed protocol, turns
 * AbortSignals into cancel messages, and survives the worker dying — in-flight requests fail with a clear
 * error, the state says so, and the next request restarts it (with backoff, giving up after repeated crashes).
 * Plain Node: no `vscode` here, so the CLI and the tests use the same client.
 */
import { fork, type ChildProcess } from "node:child_process";
import { Emitter, type Event } from "../core/events";
import { errorMessage, type Logger } from "../core/log";
import {
    isWorkerMessage, sameLoad, type DownloadParams, type FindModelParams, type DownloadProgress, type DownloadResult, type EngineEstimate, type ErrorCode, type GenerateChunk, type GenerateParams, type GenerateResult, type InspectParams, type LoadParams,
    type LoadProgress, type MethodName, type ModelInfo, type PromptInput, type SequenceName, type SequenceState,
    type WorkerMethods
} from "./protocol";
import { raceAbort } from "../core/util/abort";

export type EngineState =
    | { kind: "stopped" }
    | { kind: "starting" }
    | { kind: "loading"; modelPath: string; progress: number }
    | { kind: "ready"; info: ModelInfo; lastTokensPerSecond?: number }
    | { kind: "crashed"; message: string }
    | { kind: "gaveUp"; message: string }
    | { kind: "error"; message: string };

export class EngineError extends Error {
    constructor(readonly code: ErrorCode | "gaveUp", message: string) {
        super(message);
        this.name = "EngineError";
    }
}

/** A cancelled request: a normal outcome, never shown as an error. */
export class CancelledError extends EngineError {
    constructor() {
        super("cancelled", "Cancelled.");
        this.name = "CancelledError";
    }
}

export function isCancelled(error: unknown): boolean {
    return error instanceof EngineError && error.code === "cancelled";
}

export interface RequestOptions<Chunk> {
    signal?: AbortSignal;
    onChunk?: (chunk: Chunk) => void;
}

export interface EngineClientOptions {
    /** Path of the bundled worker (dist/worker.js). */
    workerPath: string;
    log: Logger;
    /** Extra environment for the worker (tests set the scripted-engine script here). */
    env?: NodeJS.ProcessEnv;
    /**
     * Finds the model to load when a request needs one (may ask the user, may download). Called once for all the
     * requests waiting on it, with no single request's signal.
     */
    resolveModel?: (signal: AbortSignal | undefined) => Promise<LoadParams>;
    /** Delay before each restart after a crash: the n-th consecutive crash waits restartBackoffMs[n-1]. */
    restartBackoffMs?: readonly number[];
    /** This many crashes within crashWindowMs and the client stops restarting until resetCrashes(). */
    maxCrashes?: number;
    crashWindowMs?: number;
    /** Stop the worker (freeing RAM/VRAM) after this long without requests; 0 keeps it. */
    idleUnloadMs?: number;
    /** How long the worker may take to start. */
    startTimeoutMs?: number;
}

interface Pending {
    method: MethodName;
    resolve: (value: unknown) => void;
    reject: (error: Error) => void;
    onChunk?: (chunk: unknown) => void;
}

interface Worker {
    process: ChildProcess;
    pid: number;
    scripted: boolean;
    loaded?: { params: LoadParams; info: ModelInfo };
    expectedExit: boolean;
}

export class EngineClient {
    private readonly stateEmitter = new Emitter<EngineState>();
    readonly onDidChangeState: Event<EngineState> = this.stateEmitter.event;
    private currentState: EngineState = { kind: "stopped" };

    private worker?: Worker;
    private starting?: Promise<Worker>;
    private loading?: Promise<ModelInfo>;
    private ensuring?: Promise<void>;
    private readonly pending = new Map<number, Pending>();
    private nextId = 1;
    private crashTimes: number[] = [];
    /** What was last loaded: reloaded by the next request after a crash or an idle unload. */
    private lastLoad?: LoadParams;
    private idleTimer?: NodeJS.Timeout;
    private disposed = false;

    constructor(private readonly options: EngineClientOptions) {}


    get state(): EngineState {
        return this.currentState;
    }

    /** The worker's process id while it runs. */
    get workerPid(): number | undefined {
        return this.worker?.pid;
    }

    get modelInfo(): ModelInfo | undefined {
        return this.worker?.loaded?.info;
    }

    /** Loads a model (restarting the worker if needed). Later requests that need a model use the same one. */
    async load(params: LoadParams, options: RequestOptions<LoadProgress> = {}): Promise<ModelInfo> {
        this.lastLoad = params;
        const worker = await this.ensureWorker();
        if (worker.loaded && sameLoad(worker.loaded.params, params)) return worker.loaded.info;
        const loading = this.loadOn(worker, params, options);
        this.loading = loading;
        try {
            return await loading;
        } finally {
            if (this.loading === loading) this.loading = undefined;
        }
    }

    async generate(params: GenerateParams, options: RequestOptions<GenerateChunk> = {}): Promise<GenerateResult> {
        const result = await this.withModel("generate", params, options);
        if (this.currentState.kind === "ready" && result.timings.generatedTokens > 1) {
            this.setState({ ...this.currentState, lastTokensPerSecond: result.timings.tokensPerSecond });
        }
        return result;
    }

    /** Downloads a model in the worker process (the extension host stays light), streaming progress. */
    async download(params: DownloadParams, options: RequestOptions<DownloadProgress> = {}): Promise<DownloadResult> {
        this.clearIdleTimer();
        try {
            return await this.request(await this.ensureWorker(), "download", params, options);
        } finally {
            this.armIdleTimer();
        }
    }

    /**
     * Finds a downloaded model in the worker, where node-llama-cpp's own file naming is known (a model its CLI
     * downloaded); offline.
     */
    async findModel(params: FindModelParams, signal?: AbortSignal): Promise<string | undefined> {
        this.clearIdleTimer();
        try {
            return (await this.request(await this.ensureWorker(), "findModel", params, { signal })).path ?? undefined;
        } finally {
            this.armIdleTimer();
        }
    }

    /**
     * Asks llama.cpp, in the worker process, whether it can load a model and how it would run it, without loading
     * the weights. A file that makes llama.cpp abort rejects with code "workerCrashed"; one it refuses, "modelInvalid".
     */
    async inspect(params: InspectParams, signal?: AbortSignal): Promise<EngineEstimate> {
        this.clearIdleTimer();
        try {
            return await this.request(await this.ensureWorker(), "inspect", params, { signal });
        } finally {
            this.armIdleTimer();
        }
    }

    async tokenize(prompt: PromptInput, signal?: AbortSignal): Promise<number[]> {
        return (await this.withModel("tokenize", { prompt }, { signal })).tokens;
    }

    async detokenize(tokens: number[], signal?: AbortSignal): Promise<string> {
        return (await this.withModel("detokenize", { tokens }, { signal })).text;
    }

    async sequenceState(sequence: SequenceName): Promise<SequenceState> {
        return this.withModel("sequenceState", { sequence }, {});
    }

    async resetSequence(sequence: SequenceName): Promise<void> {
        await this.withModel("resetSequence", { sequence }, {});
    }

    /** Stops the worker, which frees all the model's memory. The next request starts it again. */
    async unload(): Promise<void> {
        this.clearIdleTimer();
        const worker = this.worker;
        if (!worker) return;
        await this.stopWorker(worker);
        this.setState({ kind: "stopped" });
    }

    setIdleUnloadMs(idleUnloadMs: number): void {
        this.options.idleUnloadMs = idleUnloadMs;
        this.clearIdleTimer();
        this.armIdleTimer();
    }

    /** Forget the last loaded model, so the next request resolves the model again (after a settings change). */
    forgetModel(): void {
        this.lastLoad = undefined;
    }

    /** After repeated crashes the client gives up; the user can ask it to try again. */
    resetCrashes(): void {
        this.crashTimes = [];
        if (this.currentState.kind === "gaveUp") this.setState({ kind: "stopped" });
    }

    async dispose(): Promise<void> {
        this.disposed = true;
        this.clearIdleTimer();
        if (this.worker) await this.stopWorker(this.worker);
        this.stateEmitter.dispose();
    }

    // ---- internals

    private async withModel<M extends MethodName>(
        method: M, params: WorkerMethods[M]["params"], options: RequestOptions<WorkerMethods[M]["chunk"]>
    ): Promise<WorkerMethods[M]["result"]> {
        this.clearIdleTimer();
        try {
            const worker = await this.ensureWorker();
            if (!worker.loaded) await untilAborted(this.ensureModel(), options.signal);
            return await this.request(this.worker ?? worker, method, params, options);
        } finally {
            this.armIdleTimer();
        }
    }

    /**
     * One shared model setup for all waiting requests: a consent question or a download must not be asked twice,
     * nor stopped because one request (a superseded completion, say) was cancelled — that request only stops waiting.
     */
    private ensureModel(): Promise<void> {
        this.ensuring ??= (async () => {
            if (this.loading) {
                await this.loading;
                return;
            }
            const resolve = this.options.resolveModel;
            const params = resolve ? await resolve(undefined) : this.lastLoad;
            if (!params) throw new EngineError("noModel", "No model is loaded: choose one with “Qwen Local: Select Model…”.");
            await this.load(params);
        })().finally(() => { this.ensuring = undefined; });
        return this.ensuring;
    }

    private async loadOn(worker: Worker, params: LoadParams, options: RequestOptions<LoadProgress>): Promise<ModelInfo> {
        this.setState({ kind: "loading", modelPath: params.modelPath, progress: 0 });
        try {
            const info = await this.request(worker, "load", params, {
                signal: options.signal,
                onChunk: (progress) => {
                    this.setState({ kind: "loading", modelPath: params.modelPath, progress: progress.progress });
                    options.onChunk?.(progress);
                }
            });
            worker.loaded = { params, info };
            this.options.log.info(`Loaded ${info.name ?? info.modelPath} (${info.architecture}, ${info.gpu === false ? "CPU" : info.gpu}, ` +
                `${info.gpuLayers}/${info.totalLayers} layers on GPU, context ${info.contextSize}) in ${info.loadMs} ms`);
            for (const warning of info.warnings) this.options.log.warn(warning);
            this.setState({ kind: "ready", info });
            return info;
        } catch (error) {
            worker.loaded = undefined;
            if (isCancelled(error)) {
                this.setState({ kind: "stopped" });
            } else if (this.currentState.kind !== "crashed" && this.currentState.kind !== "gaveUp") {
                this.setState({ kind: "error", message: errorMessage(error) });
            }
            throw error;
        }
    }

    private request<M extends MethodName>(
        worker: Worker, method: M, params: WorkerMethods[M]["params"], options: RequestOptions<WorkerMethods[M]["chunk"]>
    ): Promise<WorkerMethods[M]["result"]> {
        if (options.signal?.aborted) return Promise.reject(new CancelledError());
        const id = this.nextId++;
        return new Promise<WorkerMethods[M]["result"]>((resolve, reject) => {
            const onAbort = () => {
                if (this.worker === worker && worker.process.connected) worker.process.send({ type: "cancel", id });
            };
            options.signal?.addEventListener("abort", onAbort, { once: true });
            const release = () => options.signal?.removeEventListener("abort", onAbort);
            this.pending.set(id, {
                method,
                resolve: (value) => { release(); resolve(value as WorkerMethods[M]["result"]); },
                reject: (error) => { release(); reject(error); },
                onChunk: options.onChunk as ((chunk: unknown) => void) | undefined
            });
            try {
                worker.process.send({ type: "request", id, method, params });
            } catch (error) {
                this.pending.delete(id);
                release();
                reject(new EngineError("workerCrashed", `Could not reach the engine process: ${errorMessage(error)}`));
            }
        });
    }

    private ensureWorker(): Promise<Worker> {
        if (this.disposed) return Promise.reject(new EngineError("internal", "The engine has been shut down."));
        if (this.worker) return Promise.resolve(this.worker);
        this.starting ??= this.startWorker().finally(() => { this.starting = undefined; });
        return this.starting;
    }

    private async startWorker(): Promise<Worker> {
        const windowMs = this.options.crashWindowMs ?? 5 * 60_000;
        const now = Date.now();
        this.crashTimes = this.crashTimes.filter((time) => now - time < windowMs);
        const maxCrashes = this.options.maxCrashes ?? 5;
        if (this.crashTimes.length >= maxCrashes) {
            const message = `The engine crashed ${this.crashTimes.length} times in ${Math.round(windowMs / 60_000)} minutes, so Qwen Local ` +
                "stopped restarting it. See the log (“Qwen Local: Show Log”), try another model, or run “Qwen Local: Restart Engine”.";
            this.setState({ kind: "gaveUp", message });
            throw new EngineError("gaveUp", message);
        }
        if (this.crashTimes.length > 0) {
            const backoff = this.options.restartBackoffMs ?? [0, 1000, 3000, 10_000];
            const delay = backoff[Math.min(this.crashTimes.length - 1, backoff.length - 1)] ?? 0;
            const wait = this.crashTimes[this.crashTimes.length - 1]! + delay - now;
            if (wait > 0) {
                this.options.log.info(`Restarting the engine in ${wait} ms`);
                await new Promise((resolve) => setTimeout(resolve, wait));
            }
        }

        this.setState({ kind: "starting" });
        const child = fork(this.options.workerPath, [], {
            env: { ...process.env, ...this.options.env, ELECTRON_RUN_AS_NODE: "1" },
            stdio: ["ignore", "ignore", "pipe", "ipc"],
            serialization: "json"
        });
        child.stderr?.setEncoding("utf8");
        child.stderr?.on("data", (data: string) => {
            for (const line of data.split("\n")) if (line.trim().length > 0) this.options.log.debug(`[worker] ${line}`);
        });

        const worker = await new Promise<Worker>((resolve, reject) => {
            const timeout = setTimeout(() => {
                child.kill("SIGKILL");
                reject(new EngineError("workerCrashed", "The engine process did not start in time."));
            }, this.options.startTimeoutMs ?? 30_000);
            const onEarlyExit = (code: number | null, signal: NodeJS.Signals | null) => {
                clearTimeout(timeout);
                reject(new EngineError("workerCrashed", `The engine process exited while starting (${describeExit(code, signal)}).`));
            };
            child.once("exit", onEarlyExit);
            child.once("error", (error) => {
                clearTimeout(timeout);
                reject(new EngineError("workerCrashed", `Could not start the engine process: ${error.message}`));
            });
            child.on("message", (message: unknown) => {
                if (isWorkerMessage(message) && message.type === "ready") {
                    clearTimeout(timeout);
                    child.off("exit", onEarlyExit);
                    resolve({ process: child, pid: message.pid, scripted: message.scripted, expectedExit: false });
                }
            });
        }).catch((error: unknown) => {
            this.crashTimes.push(Date.now());
            this.setState({ kind: "crashed", message: errorMessage(error) });
            throw error;
        });

        child.on("message", (message: unknown) => this.onMessage(message));
        child.on("exit", (code, signal) => this.onExit(worker, code, signal));
        this.worker = worker;
        this.options.log.info(`Engine process ${worker.pid} started${worker.scripted ? " (scripted engine for tests)" : ""}`);
        this.setState({ kind: "stopped" });
        return worker;
    }

    private onMessage(message: unknown): void {
        if (!isWorkerMessage(message)) {
            this.options.log.warn(`Ignored a malformed message from the engine: ${JSON.stringify(message)?.slice(0, 200)}`);
            return;
        }
        switch (message.type) {
            case "ready":
                return;
            case "log":
                this.options.log[message.level](`[engine] ${message.message}`);
                return;
            case "chunk":
                this.pending.get(message.id)?.onChunk?.(message.data);
                return;
            case "result": {
                const pending = this.pending.get(message.id);
                this.pending.delete(message.id);
                pending?.resolve(message.result);
                return;
            }
            case "error": {
                const pending = this.pending.get(message.id);
                this.pending.delete(message.id);
                if (!pending) return;
                pending.reject(message.error.code === "cancelled" ? new CancelledError() : new EngineError(message.error.code, message.error.message));
                return;
            }
        }
    }

    private onExit(worker: Worker, code: number | null, signal: NodeJS.Signals | null): void {
        if (this.worker === worker) this.worker = undefined;
        const expected = worker.expectedExit || this.disposed;
        const message = expected
            ? "The engine was stopped."
            : `The engine process stopped unexpectedly (${describeExit(code, signal)}). It restarts on the next request.`;
        for (const [id, pending] of this.pending) {
            this.pending.delete(id);
            pending.reject(new EngineError("workerCrashed", message));
        }
        if (expected) return;
        this.crashTimes.push(Date.now());
        this.options.log.error(message);
        this.setState({ kind: "crashed", message });
    }

    private async stopWorker(worker: Worker): Promise<void> {
        worker.expectedExit = true;
        if (worker.process.exitCode !== null || worker.process.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => worker.process.once("exit", () => resolve()));
        try {
            worker.process.send({ type: "shutdown" });
        } catch {
            worker.process.kill("SIGKILL");
        }
        const timer = setTimeout(() => worker.process.kill("SIGKILL"), 3000);
        await exited;
        clearTimeout(timer);
    }

    private armIdleTimer(): void {
        const idleMs = this.options.idleUnloadMs ?? 0;
        if (idleMs <= 0 || this.pending.size > 0 || this.disposed) return;
        this.clearIdleTimer();
        this.idleTimer = setTimeout(() => {
            if (this.pending.size > 0 || !this.worker) return;
            this.options.log.info(`Unloading the model after ${Math.round(idleMs / 1000)} s without requests`);
            void this.unload().catch((error: unknown) => this.options.log.warn(`Idle unload failed: ${errorMessage(error)}`));
        }, idleMs);
        this.idleTimer.unref?.();
    }

    private clearIdleTimer(): void {
        if (this.idleTimer) clearTimeout(this.idleTimer);
        this.idleTimer = undefined;
    }

    private setState(state: EngineState): void {
        this.currentState = state;
        this.stateEmitter.fire(state);
    }
}

/** Waits for a shared promise, but gives up waiting (not the work) when this caller's signal aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    return raceAbort(promise, signal, () => { throw new CancelledError(); });
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
    if (signal) return `signal ${signal}`;
    return `exit code ${code ?? "unknown"}`;
}
