/**
 * Downloading `hf:` models with node-llama-cpp's `createModelDownloader` (ipull underneath), and finding a downloaded
 * model offline (the index, then node-llama-cpp's naming). Engine worker and CLI only; modelFiles.ts is the rest.
 *
 * How node-llama-cpp 3.21.1 / ipull 3.9.5 behave, and what this file adds (checked against a local server, see
 * test/model/download.test.ts):
 * - Names: `hf:unsloth/Qwen3.5-35B-A3B-GGUF:UD-Q4_K_XL` is saved as `hf_unsloth_Qwen3.5-35B-A3B.UD-Q4_K_XL.gguf`
 *   whatever the file is called on the Hub; a split model as `hf_unsloth_Qwen3.5-27B.UD-Q4_K_XL-00001-of-00003.gguf`
 *   and so on, one file per part; a file URI `hf:unsloth/Qwen3.5-35B-A3B-GGUF/Qwen3.5-35B-A3B-UD-Q4_K_XL.gguf` as
 *   `hf_unsloth_Qwen3.5-35B-A3B-UD-Q4_K_XL.gguf` (repository and folder join the name when the file name does not
 *   start with the model's). While downloading, the data lives in `<name>.ipull` (file-sized, with the chunk map
 *   appended as JSON) and is renamed when complete.
 * - The size comes from a GET without Range (not HEAD) whose body is never read; then one Range request per stream.
 * - Resume works in 5 MiB chunks: a chunk counts once all of it is written, so a resumed download starts again at
 *   the first chunk that was not complete (Range requests start at multiples of 5 MiB).
 * - A dropped connection is retried by ipull on its own (up to 150 times, backing off to 5 s): the download goes on.
 *   A stall detector here turns "nothing arrives any more" into an error instead of a silent wait.
 * - Cancelling through the signal makes `download()` RESOLVE, not reject; this file checks the signal and rejects.
 * - node-llama-cpp checks nothing but sizes, and only one way: if the server announces a size smaller than the file,
 *   the download "succeeds" with a truncated file. The Hub's manifest states the file's real size; it is compared
 *   with the announced one before any byte is transferred, and the file on disk with both afterwards.
 * - On a busy machine a late chunk-map save can land after the end of the finished file: cut off here
 *   (trimTrailingProgressRecord) instead of failing the size check.
 * - An HTTP error during the transfer (a 4xx, or a 206 of the wrong length) escapes ipull as an unhandled promise
 *   rejection as well as through `download()`, which would kill a plain Node process; a guard swallows those while a
 *   download runs (see guardIpullRejections).
 *
 * Errors are ModelDownloadError with a `code`; a cancelled download rejects with ModelDownloadCancelledError, whose
 * `name` is "AbortError" and `code` "cancelled" (the worker protocol's code), so either test works.
 */
import { constants as fsConstants, createReadStream } from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import crypto from "node:crypto";
import type { ModelDownloader } from "node-llama-cpp" with { "resolution-mode": "import" };
import { parseHfUri, type DownloadProgress, type HfModelRef } from "../core/models/catalog";
import { formatBytes } from "../core/util/bytes";
import { inspectGgufFile } from "./ggufFile";
import {
    fileSize, isDirectory, lookupIndexedModel, ModelDownloadCancelledError, ModelDownloadError, ModelSizeMismatchError,
    PARTIAL_SUFFIX, DEFAULT_HF_ENDPOINT, recordDownload, removeQuietly, splitPartNames, startsWith
} from "./modelFiles";

// The models folder's index, listing, deleting and errors live in modelFiles.ts (no node-llama-cpp there).
export {
    DEFAULT_HF_ENDPOINT, deleteDownloadedModel, INDEX_FILE_NAME, isDownloadCancelled, listDownloadedModels, ModelDownloadCancelledError,
    ModelDownloadError, ModelSizeMismatchError, PARTIAL_SUFFIX, type DownloadedModel, type ModelDownloadErrorCode
} from "./modelFiles";

export type { DownloadProgress } from "../core/models/catalog";

export interface DownloadModelOptions {
    uri: string;
    directory: string;
    /** Hugging Face or a mirror; default https://huggingface.co/. */
    endpoint?: string;
    signal?: AbortSignal;
    onProgress?: (progress: DownloadProgress) => void;
    /** How often progress is reported (and the stall detector looks); default 250 ms. */
    progressIntervalMs?: number;
    /** Give up when no byte arrives for this long (the partial file is kept); default 120 s. */
    stallTimeoutMs?: number;
}

export interface DownloadModelResult {
    /** The file to load (the first part of a split model). */
    path: string;
    /** All files of the model. */
    files: string[];
    sizeBytes: number;
    /** Bytes already on disk from an earlier attempt (ipull counts in whole 5 MiB chunks); 0 for a fresh start. */
    resumedFromBytes: number;
}

// ---- The download

export async function downloadModel(options: DownloadModelOptions): Promise<DownloadModelResult> {
    const ref = parseUri(options.uri);
    const endpoint = normalizeEndpoint(options.endpoint);
    const directory = path.resolve(options.directory);
    throwIfCancelled(options.signal);
    await fsp.mkdir(directory, { recursive: true });
    const lock = await acquireDownloadLock(directory, ref.uri);
    try {
        return await downloadLocked(ref, endpoint, directory, options);
    } finally {
        await lock.release();
    }
}

interface HubManifestFile {
    rfilename: string;
    size?: number;
    /** The Git LFS object id of the file: its SHA-256, in hex. */
    sha256?: string;
}

async function downloadLocked(ref: HfModelRef, endpoint: string, directory: string,
    options: DownloadModelOptions): Promise<DownloadModelResult> {
    const { signal } = options;
    const stallTimeoutMs = options.stallTimeoutMs ?? 120_000;
    const manifest = ref.kind === "quant" ? await fetchManifest(ref, endpoint, signal, stallTimeoutMs) : undefined;

    const { createModelDownloader } = await import("node-llama-cpp");
    const downloader = await untilSettledOrCancelled(createModelDownloader({
        modelUri: ref.uri,
        dirPath: directory,
        skipExisting: true,
        deleteTempFileOnCancel: false,
        showCliProgress: false,
        endpoints: { huggingFace: endpoint },
        // node-llama-cpp sends the user's Hugging Face token (HF_TOKEN or ~/.cache/huggingface/token) to whatever host
        // the endpoint names; a mirror or a test server gets none.
        ...(isHuggingFace(endpoint) ? {} : { tokens: { huggingFace: null as unknown as string } })
    }), signal, stallTimeoutMs, endpoint).catch((error: unknown) => {
        throw toDownloadError(error, ref, endpoint);
    });

    let finished = false;
    try {
        const files = downloader.filesInfo;
        const announcedBytes = downloader.totalSize;
        const unknown = files.find((file) => !(file.totalSize > 0));
        if (unknown != null) {
            throw new ModelDownloadError("sizeUnknown", `${endpoint} did not say how large ${unknown.fileName} is, ` +
                "so the download could neither be checked nor resumed. Try again later, or use another endpoint.");
        }
        if (manifest?.size != null && files[0]!.totalSize !== manifest.size) {
            throw new ModelSizeMismatchError(`${endpoint} announces ${files[0]!.totalSize} bytes for ` +
                `${manifest.rfilename}, but its manifest says ${manifest.size} bytes: the server is not serving the ` +
                "file it lists. Nothing was downloaded; try again later or use another endpoint.",
            manifest.size, files[0]!.totalSize);
        }
        const resumedFromBytes = Math.min(downloader.downloadedSize, announcedBytes);
        await checkFreeSpace(directory, announcedBytes - resumedFromBytes);
        const staged = stageDownloads(downloader);

        try {
            await Promise.all(staged.map((file) => file.writer?.open())).catch((error: unknown) => {
                throw toDownloadError(error, ref, endpoint);
            });
            await transfer(downloader, { ...options, stallTimeoutMs, endpoint, ref, resumedFromBytes });
        } finally {
            await Promise.all(staged.map((file) => file.writer?.stop()));
        }
        finished = true;

        // Only a file checked byte for byte gets the model's name: until then it is the partial download.
        await verifyDownloadedFiles(staged, manifest);
        for (const file of staged) {
            if (file.stagedPath !== file.finalPath) await fsp.rename(file.stagedPath, file.finalPath);
        }
        await recordDownload(directory, ref.uri, files.map((file) => ({ name: file.fileName, sizeBytes: file.totalSize })));
        return {
            path: downloader.entrypointFilePath,
            files: files.map((file) => file.filePath),
            sizeBytes: announcedBytes,
            resumedFromBytes
        };
    } finally {
        if (!finished) await downloader.cancel({ deleteTempFile: false }).catch(() => undefined);
    }
}

interface TransferContext extends DownloadModelOptions {
    stallTimeoutMs: number;
    endpoint: string;
    ref: HfModelRef;
    resumedFromBytes: number;
}

async function transfer(downloader: ModelDownloader, context: TransferContext): Promise<void> {
    const { signal, endpoint, ref } = context;
    throwIfCancelled(signal);
    // One controller for everything that may stop the transfer: the user's signal and the stall detector.
    const stop = new AbortController();
    let stalledForMs: number | undefined;
    const onUserAbort = (): void => stop.abort();
    signal?.addEventListener("abort", onUserAbort, { once: true });

    const reporter = new ProgressReporter(downloader.totalSize, context.resumedFromBytes, context.onProgress);
    let lastBytes = context.resumedFromBytes;
    let lastChange = Date.now();
    reporter.report(context.resumedFromBytes);
    const timer = setInterval(() => {
        const now = Date.now();
        const bytes = downloader.downloadedSize;
        if (bytes !== lastBytes) {
            lastBytes = bytes;
            lastChange = now;
        } else if (now - lastChange >= context.stallTimeoutMs && !stop.signal.aborted) {
            stalledForMs = now - lastChange;
            stop.abort();
        }
        reporter.report(bytes);
    }, context.progressIntervalMs ?? 250);

    const releaseGuard = guardIpullRejections();
    try {
        await downloader.download({ signal: stop.signal });
    } catch (error) {
        if (!stop.signal.aborted) {
            const mapped = toDownloadError(error, ref, endpoint);
            if (mapped instanceof ModelSizeMismatchError) {
                // The partial file was laid out for a size the server does not deliver: resuming it would go wrong.
                await Promise.all(downloader.filesInfo.map((file) => removeQuietly(file.filePath + PARTIAL_SUFFIX)));
            }
            throw mapped;
        }
    } finally {
        clearInterval(timer);
        signal?.removeEventListener("abort", onUserAbort);
        releaseGuard();
    }
    if (stalledForMs != null) {
        throw new ModelDownloadError("stalled", `Nothing arrived from ${endpoint} for ${Math.round(stalledForMs / 1000)} s, ` +
            "so the download was paused. Check the network connection; it resumes where it stopped when you try again.");
    }
    if (stop.signal.aborted) throw new ModelDownloadCancelledError();
    reporter.report(downloader.totalSize, true);
}

/**
 * Turns the downloaded byte count into events at a steady rate, with a speed averaged over the last few seconds.
 * ipull's own `averageSpeed` / `estimatedTimeLeft` are not used: against the local server they reported ~0.3 MB/s
 * for a download running at ~50 MB/s.
 */
class ProgressReporter {
    private readonly samples: { at: number; bytes: number }[] = [];
    private lastReported: DownloadProgress | undefined;

    constructor(private readonly totalBytes: number, startBytes: number,
        private readonly onProgress: ((progress: DownloadProgress) => void) | undefined,
        private readonly windowMs = 5000) {
        this.samples.push({ at: Date.now(), bytes: startBytes });
    }

    report(downloadedBytes: number, final = false): void {
        const now = Date.now();
        const bytes = Math.min(downloadedBytes, this.totalBytes);
        // ipull's count can step back when a dropped connection's unsaved bytes are fetched again.
        if (bytes < this.samples[this.samples.length - 1]!.bytes) this.samples.length = 0;
        this.samples.push({ at: now, bytes });
        while (this.samples.length > 2 && now - this.samples[0]!.at > this.windowMs) this.samples.shift();
        const first = this.samples[0]!;
        const elapsed = (now - first.at) / 1000;
        const bytesPerSecond = elapsed > 0 ? Math.max(0, (bytes - first.bytes) / elapsed) : 0;
        const remaining = this.totalBytes - bytes;
        const progress: DownloadProgress = {
            downloadedBytes: bytes,
            totalBytes: this.totalBytes,
            percent: this.totalBytes > 0 ? (bytes / this.totalBytes) * 100 : 0,
            bytesPerSecond,
            etaSeconds: remaining <= 0 ? 0 : bytesPerSecond > 0 ? remaining / bytesPerSecond : undefined
        };
        if (final && this.lastReported?.downloadedBytes === bytes && this.lastReported.percent === 100) return;
        this.lastReported = progress;
        if (this.onProgress == null) return;
        try {
            this.onProgress(progress);
        } catch {
            // A failing progress listener must not break the download.
        }
    }
}

// ---- Checks

async function fetchManifest(ref: HfModelRef & { kind: "quant" }, endpoint: string, signal: AbortSignal | undefined,
    timeoutMs: number): Promise<HubManifestFile | undefined> {
    // The same request node-llama-cpp makes next (it keeps only the file name): the Hub answers with the file's real
    // size only to this User-Agent.
    const url = `${endpoint}v2/${encodeURIComponent(ref.user)}/${encodeURIComponent(ref.repo)}/manifests/` +
        encodeURIComponent(ref.quant ?? "latest");
    const timeout = AbortSignal.timeout(timeoutMs);
    let response: Response;
    try {
        response = await fetch(url, {
            headers: { "User-Agent": "llama-cpp", "Accept": "application/json" },
            signal: signal != null ? AbortSignal.any([signal, timeout]) : timeout
        });
    } catch (error) {
        throwIfCancelled(signal);
        throw networkError(endpoint, timeout.aborted ? new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`) : error);
    }
    if (response.status === 404 || response.status === 400) {
        await response.body?.cancel();
        throw notFoundError(ref, endpoint);
    }
    if (response.status === 401 || response.status === 403) {
        await response.body?.cancel();
        throw new ModelDownloadError("http", `${endpoint} refused access to ${ref.user}/${ref.repo} (HTTP ${response.status}): ` +
            "the repository is gated or private.");
    }
    if (!response.ok) {
        // Rate limits and server errors: node-llama-cpp retries those itself; the size check is then skipped.
        await response.body?.cancel();
        return undefined;
    }
    try {
        const json = await response.json() as { ggufFile?: { rfilename?: unknown; size?: unknown; lfs?: { sha256?: unknown } } };
        const file = json.ggufFile;
        if (typeof file?.rfilename !== "string") return undefined;
        const sha256 = file.lfs?.sha256;
        return {
            rfilename: file.rfilename,
            size: typeof file.size === "number" && file.size > 0 ? file.size : undefined,
            sha256: typeof sha256 === "string" && /^[0-9a-f]{64}$/i.test(sha256) ? sha256.toLowerCase() : undefined
        };
    } catch {
        throwIfCancelled(signal);
        return undefined;
    }
}

async function checkFreeSpace(directory: string, neededBytes: number): Promise<void> {
    if (neededBytes <= 0) return;
    let freeBytes: number;
    try {
        const stats = await fsp.statfs(directory);
        freeBytes = stats.bavail * stats.bsize;
    } catch {
        return; // Not every file system can say; ENOSPC is then reported when it happens.
    }
    if (freeBytes < neededBytes) {
        throw new ModelDownloadError("diskFull", `Not enough free space in ${directory}: the model needs ` +
            `${formatBytes(neededBytes)} more and ${formatBytes(freeBytes)} is free. Free some space or choose another ` +
            "models folder.");
    }
}

const GGUF_MAGIC = Buffer.from("GGUF", "ascii");

/**
 * After ipull reports success, before any file gets its final name: every file is as large as announced (and as the
 * manifest says), hashes to the manifest's SHA-256 where it gives one, and is a GGUF whose header parses and whose
 * tensor data fits in the file. A file that fails is deleted (resuming it would only reproduce it).
 */
async function verifyDownloadedFiles(files: readonly StagedFile[], manifest: HubManifestFile | undefined): Promise<void> {
    const problems: ModelDownloadError[] = [];
    for (const [index, file] of files.entries()) {
        await trimTrailingProgressRecord(file.stagedPath, file.totalSize);
        const problem = await verifyFile(file, index === 0 ? manifest : undefined);
        if (problem != null) problems.push(problem);
    }
    if (problems.length > 0) {
        // A bad file left at the final name would be taken for a complete model by node-llama-cpp's own lookup.
        await Promise.all(files.map((file) => removeQuietly(file.stagedPath)));
        throw problems[0]!;
    }
}

async function verifyFile(file: StagedFile, manifest: HubManifestFile | undefined): Promise<ModelDownloadError | undefined> {
    const size = await fileSize(file.stagedPath);
    const expected = manifest?.size ?? file.totalSize;
    if (size !== file.totalSize || size !== expected) {
        return new ModelSizeMismatchError(`${file.fileName} is ${size ?? "missing, "} bytes after the download, ` +
            `but ${expected} bytes were announced: the download is incomplete or corrupt and was deleted. Try again.`,
        expected, size ?? 0);
    }
    if (!(await startsWith(file.stagedPath, GGUF_MAGIC))) {
        return new ModelDownloadError("notGguf", `${file.fileName} is not a GGUF model file (the server may have ` +
            "sent an error page instead); it was deleted. Check the model URI and the download endpoint.");
    }
    if (manifest?.sha256 != null) {
        const actual = await sha256File(file.stagedPath);
        if (actual !== manifest.sha256) {
            return new ModelDownloadError("hashMismatch", `${file.fileName} does not have the SHA-256 its manifest gives ` +
                `(${manifest.sha256}, but the downloaded file's is ${actual}): the file is corrupt, or not the one listed. ` +
                "It was deleted; try again, or use another endpoint.");
        }
    }
    return checkGgufStructure(file.stagedPath, file.fileName, size);
}

/** The GGUF's own account of its size: the header parses, and the tensor data it describes lies within the file. */
async function checkGgufStructure(filePath: string, fileName: string, size: number): Promise<ModelDownloadError | undefined> {
    const inspection = await inspectGgufFile(filePath, { allowOtherArchitectures: true, fileLabel: fileName });
    const expected = inspection.expectedSizeBytes;
    if (expected != null && expected > size) {
        return new ModelSizeMismatchError(`${fileName} is ${size} bytes, but its GGUF header places tensor data up to byte ` +
            `${expected}: the server sent a truncated file (${expected - size} bytes are missing). It was deleted; try ` +
            "again, or use another endpoint.", expected, size);
    }
    const structural = inspection.problems.find((problem) => STRUCTURAL_PROBLEMS.has(problem.kind));
    if (structural != null) {
        return new ModelDownloadError("notGguf", `The downloaded file is not a usable GGUF, so it was deleted: ${structural.message}`);
    }
    return undefined;
}

/** What makes a file unreadable as a GGUF, as opposed to one llama.cpp reads but Qwen Local would rather not run. */
const STRUCTURAL_PROBLEMS = new Set(["notAFile", "missing", "unreadable", "empty", "notGguf", "unsupportedVersion",
    "truncated", "corrupt", "unknownTensorType"]);

async function sha256File(filePath: string): Promise<string> {
    const hash = crypto.createHash("sha256");
    for await (const chunk of createReadStream(filePath, { highWaterMark: 4 * 1024 * 1024 })) hash.update(chunk as Buffer);
    return hash.digest("hex");
}

/**
 * Whether a .gguf found without a completion record in the index (downloaded by node-llama-cpp's CLI, an older
 * version, or left by a crash) can be used: its header parses and its tensor data fits in the file.
 */
export async function isUsableModelFile(filePath: string): Promise<boolean> {
    const size = await fileSize(filePath);
    if (size == null) return false;
    return (await checkGgufStructure(filePath, path.basename(filePath), size)) === undefined;
}

const MAX_PROGRESS_RECORD_BYTES = 1024 * 1024;

/**
 * ipull saves its chunk map after the data without awaiting it, so a save that was under way when the download
 * finished can land after the final truncation: the complete file then ends with that JSON record (seen on a busy
 * machine). Cuts such a record off; returns whether it did. Anything else past the expected size is left alone, for
 * the size check to reject.
 */
export async function trimTrailingProgressRecord(filePath: string, expectedBytes: number): Promise<boolean> {
    const size = await fileSize(filePath);
    if (size == null || size <= expectedBytes || size - expectedBytes > MAX_PROGRESS_RECORD_BYTES) return false;
    const handle = await fsp.open(filePath, "r+");
    try {
        const tail = Buffer.alloc(size - expectedBytes);
        await handle.read(tail, 0, tail.length, expectedBytes);
        let record: unknown;
        try {
            record = JSON.parse(tail.toString("utf8"));
        } catch {
            return false;
        }
        if (typeof record !== "object" || record === null || !Array.isArray((record as { chunks?: unknown }).chunks)) return false;
        await handle.truncate(expectedBytes);
        return true;
    } finally {
        await handle.close();
    }
}

// ---- Errors

function parseUri(uri: string): HfModelRef {
    try {
        return parseHfUri(uri);
    } catch (error) {
        throw new ModelDownloadError("invalidUri", (error as Error).message);
    }
}

function normalizeEndpoint(endpoint: string | undefined): string {
    const text = endpoint == null || endpoint.trim() === "" ? DEFAULT_HF_ENDPOINT : endpoint.trim();
    let url: URL;
    try {
        url = new URL(text);
    } catch {
        throw new ModelDownloadError("invalidUri", `The download endpoint "${text}" is not a URL (the default is ${DEFAULT_HF_ENDPOINT}).`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
        throw new ModelDownloadError("invalidUri", `The download endpoint "${text}" must be an http(s) URL.`);
    }
    return url.href.endsWith("/") ? url.href : url.href + "/";
}

function isHuggingFace(endpoint: string): boolean {
    const host = new URL(endpoint).hostname;
    return host === "huggingface.co" || host === "hf.co";
}

function throwIfCancelled(signal: AbortSignal | undefined): void {
    if (signal?.aborted) throw new ModelDownloadCancelledError();
}

function notFoundError(ref: HfModelRef, endpoint: string): ModelDownloadError {
    const what = ref.kind === "quant"
        ? `${ref.quant != null ? `quantization "${ref.quant}" of ` : ""}${ref.user}/${ref.repo}`
        : `${ref.file} in ${ref.user}/${ref.repo}`;
    return new ModelDownloadError("notFound", `${endpoint} has no ${what}. Check the model URI (${ref.uri}).`);
}

function networkError(endpoint: string, cause: unknown): ModelDownloadError {
    return new ModelDownloadError("network", `Could not reach ${endpoint}: ${describeCause(cause)}. ` +
        "Check the network connection (and the qwenLocal.downloadEndpoint setting).", { cause });
}

function describeCause(error: unknown): string {
    let current: unknown = error;
    // fetch wraps the socket error: "fetch failed" ← "connect ECONNREFUSED 127.0.0.1:1".
    while (current instanceof Error && current.cause instanceof Error) current = current.cause;
    const text = current instanceof Error ? current.message : String(current);
    return text.replace(/^TypeError: /, "");
}

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH",
    "ENETUNREACH", "EPIPE", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_SOCKET", "UND_ERR_HEADERS_TIMEOUT"]);

function isNetworkFailure(error: unknown): boolean {
    let current: unknown = error;
    for (let depth = 0; current instanceof Error && depth < 5; depth++) {
        const code = (current as { code?: unknown }).code;
        if (typeof code === "string" && NETWORK_CODES.has(code)) return true;
        if (current.message === "fetch failed" || current.message.startsWith("Failed to fetch manifest")) return true;
        current = current.cause;
    }
    return false;
}

/** Translates what node-llama-cpp and ipull throw into errors that say what happened and what to do. */
function toDownloadError(error: unknown, ref: HfModelRef, endpoint: string): ModelDownloadError {
    if (error instanceof ModelDownloadError) return error;
    const message = error instanceof Error ? error.message : String(error);
    const lengths = /Expected (\d+) bytes, but got (\d+) bytes/.exec(message);
    if (lengths != null) {
        return new ModelSizeMismatchError(`${endpoint} sent ${lengths[2]} bytes where ${lengths[1]} were expected: the file ` +
            `it serves for ${ref.uri} does not match the size it announced. The partial download was deleted; try again ` +
            "later or use another endpoint.", Number(lengths[1]), Number(lengths[2]));
    }
    const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
    if (typeof status === "number") {
        if (status === 404) return notFoundError(ref, endpoint);
        return new ModelDownloadError("http", `${endpoint} answered HTTP ${status} while downloading ${ref.uri}` +
            (status === 401 || status === 403 ? ": the repository is gated or private." : ". Try again later."), { cause: error });
    }
    if (message.startsWith("Cannot get quantization")) return notFoundError(ref, endpoint);
    if ((error as { code?: unknown } | undefined)?.code === "ENOSPC") {
        return new ModelDownloadError("diskFull", `The disk is full; the partial download is kept. Free some space and ` +
            "try again: it resumes where it stopped.", { cause: error });
    }
    if (isNetworkFailure(error)) return networkError(endpoint, error);
    return new ModelDownloadError("failed", `Downloading ${ref.uri} failed: ${message}`, { cause: error });
}

/**
 * Waits for node-llama-cpp to resolve the URI and size the file — which it cannot be told to stop, and which ipull
 * retries for minutes when the network is gone — but gives up on cancel or after timeoutMs; a downloader that
 * arrives after that is closed.
 */
async function untilSettledOrCancelled(creating: Promise<ModelDownloader>, signal: AbortSignal | undefined,
    timeoutMs: number, endpoint: string): Promise<ModelDownloader> {
    let gaveUp = false;
    let cleanup = (): void => undefined;
    const stopped = new Promise<never>((_resolve, reject) => {
        const giveUp = (error: ModelDownloadError): void => {
            gaveUp = true;
            reject(error);
        };
        const onAbort = (): void => giveUp(new ModelDownloadCancelledError());
        const timer = setTimeout(() => giveUp(networkError(endpoint, new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`))),
            timeoutMs);
        signal?.addEventListener("abort", onAbort, { once: true });
        cleanup = () => {
            clearTimeout(timer);
            signal?.removeEventListener("abort", onAbort);
        };
    });
    creating.then((late) => {
        if (gaveUp) void late.cancel({ deleteTempFile: false }).catch(() => undefined);
    }, () => undefined);
    try {
        throwIfCancelled(signal);
        return await Promise.race([creating, stopped]);
    } finally {
        cleanup();
    }
}

// ---- Staging: the download stays under its temporary name, with a chunk map that claims only bytes on disk

/** ipull 3.9.5's per-file engine and write stream, as far as used here (public members in ipull's typings). */
interface IpullWriteStream {
    path: string;
    finalPath: string;
    fileSize: number;
    write(cursor: number, buffer: Uint8Array): Promise<void>;
    saveMedataAfterFile(data: unknown): Promise<void>;
    close(): Promise<void>;
}

interface IpullFileEngine {
    options?: { writeStream?: IpullWriteStream };
}

interface IpullProgress {
    part: number;
    chunks: number[];
    chunkSize: number;
}

interface StagedFile {
    fileName: string;
    totalSize: number;
    /** Where the data is until it is verified: the partial download (`<name>.ipull`), or the final name for a file
     *  ipull found already there ("skip existing"), which is verified in place. */
    stagedPath: string;
    finalPath: string;
    writer?: ChunkMapKeeper;
}

/**
 * Makes ipull leave a finished download under its temporary name (it would rename it to the final name on close even
 * after a failed write: it counts a chunk as complete before its bytes are written) and routes its data writes through
 * a ChunkMapKeeper. Uses node-llama-cpp 3.21.1's internal list of ipull engines, one per file; without it the download
 * is refused rather than done unchecked.
 */
function stageDownloads(downloader: ModelDownloader): StagedFile[] {
    const engines = (downloader as unknown as { _specificFileDownloaders?: IpullFileEngine[] })._specificFileDownloaders;
    const files = downloader.filesInfo;
    if (!Array.isArray(engines) || engines.length !== files.length || engines.some((engine) => engine.options?.writeStream == null)) {
        throw new ModelDownloadError("failed", "This version of node-llama-cpp downloads differently from the one Qwen " +
            "Local was built for (3.21.1), so the download could not be checked. Reinstall Qwen Local.");
    }
    return files.map((file, index) => {
        const stream = engines[index]!.options!.writeStream!;
        const finalPath = path.resolve(stream.finalPath);
        if (path.resolve(stream.path) === finalPath) {
            // ipull found a file of the announced size at the final name and will not download it.
            return { fileName: file.fileName, totalSize: file.totalSize, stagedPath: finalPath, finalPath };
        }
        stream.finalPath = stream.path;
        return { fileName: file.fileName, totalSize: file.totalSize, stagedPath: path.resolve(stream.path), finalPath,
            writer: new ChunkMapKeeper(stream) };
    });
}

const CHUNK_COMPLETE = 2;
const CHUNK_NOT_STARTED = 0;

/**
 * ipull writes a chunk's bytes without waiting for them (fire and forget), marks the chunk complete at once, and saves
 * that chunk map after the data: after a crash or a failed write (a full disk) the map claims bytes that never
 * reached the disk, and the resumed file has a hole. This keeps the map honest:
 * - data is written here, whole (a short write, what a nearly full disk does, is continued or fails; ipull ignores
 *   it), through a file handle of its own;
 * - a saved map marks a chunk complete only when every write into it has landed, and never one whose write failed;
 *   the map is saved again when a chunk's last write lands.
 * A failed write still fails ipull's download, so the error reaches the user, and the partial file resumes correctly.
 */
class ChunkMapKeeper {
    private handle?: Promise<fsp.FileHandle>;
    private readonly pending = new Set<{ start: number; end: number }>();
    private readonly writes = new Set<Promise<unknown>>();
    private readonly failed: { start: number; end: number }[] = [];
    private latest?: IpullProgress;
    private saving: Promise<void> = Promise.resolve();
    private stopped = false;
    private accepting = true;
    private readonly saveOriginal: (data: unknown) => Promise<void>;

    constructor(private readonly stream: IpullWriteStream) {
        this.saveOriginal = stream.saveMedataAfterFile.bind(stream);
        const writeOriginal = stream.write.bind(stream);
        stream.write = (cursor, buffer) => cursor >= stream.fileSize
            ? tagStray(writeOriginal(cursor, buffer)) // the chunk map itself, after the data
            : this.write(cursor, buffer);
        stream.saveMedataAfterFile = (data) => this.save(data as IpullProgress);
    }

    /**
     * Creates the partial file (if new) before ipull writes anything: ipull's first chunk-map save "ensures" the file
     * exists by writing it EMPTY when it is not there yet, which would truncate data written here in the meantime.
     */
    async open(): Promise<void> {
        const handle = await (this.handle ??= fsp.open(this.stream.path, fsConstants.O_RDWR | fsConstants.O_CREAT));
        // The chunk map lives after the data and needs new space each time it grows: on a disk that fills up, the map
        // is what could no longer be saved, and the download would start over. Its room is taken now, as blanks
        // (JSON allows trailing white space; ipull cuts it all off when the download completes).
        if ((await handle.stat()).size <= this.stream.fileSize) {
            const room = Buffer.alloc(256 + 2 * Math.ceil(this.stream.fileSize / (1024 * 1024)), 0x20);
            for (let done = 0; done < room.length;) {
                const { bytesWritten } = await handle.write(room, done, room.length - done, this.stream.fileSize + done);
                if (bytesWritten <= 0) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
                done += bytesWritten;
            }
        }
    }

    private write(cursor: number, buffer: Uint8Array): Promise<void> {
        const range = { start: cursor, end: cursor + buffer.length };
        this.pending.add(range);
        const writing = (async () => {
            try {
                if (!this.accepting) throw new Error("The download was stopped.");
                const handle = await (this.handle ??= fsp.open(this.stream.path, fsConstants.O_RDWR | fsConstants.O_CREAT));
                for (let done = 0; done < buffer.length;) {
                    const { bytesWritten } = await handle.write(buffer, done, buffer.length - done, cursor + done);
                    if (bytesWritten <= 0) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
                    done += bytesWritten;
                }
            } catch (error) {
                this.failed.push(range);
                throw error;
            } finally {
                this.pending.delete(range);
            }
            if (this.latest != null && this.chunksOf(range).some((index) => this.latest!.chunks[index] === CHUNK_COMPLETE &&
                this.isOnDisk(index))) {
                void this.save(this.latest);
            }
        })();
        this.writes.add(writing);
        void writing.then(() => this.writes.delete(writing), () => this.writes.delete(writing));
        return tagStray(writing);
    }

    /** ipull's progress, with every chunk whose bytes are not all on disk marked as not started. */
    private save(progress: IpullProgress): Promise<void> {
        this.latest = progress;
        this.saving = this.saving.then(async () => {
            if (this.stopped) return;
            const chunks = progress.chunks.map((status, index) =>
                status === CHUNK_COMPLETE && !this.isOnDisk(index) ? CHUNK_NOT_STARTED : status);
            await this.saveOriginal({ ...progress, chunks });
        }).catch(() => undefined); // a map that cannot be saved leaves the previous, still honest one
        return this.saving;
    }

    private chunkRange(index: number): { start: number; end: number } {
        const size = this.latest?.chunkSize ?? 0;
        return { start: index * size, end: Math.min((index + 1) * size, this.stream.fileSize) };
    }

    private chunksOf(range: { start: number; end: number }): number[] {
        const size = this.latest?.chunkSize ?? 0;
        if (!(size > 0)) return [];
        const indexes: number[] = [];
        for (let index = Math.floor(range.start / size); index * size < range.end; index++) indexes.push(index);
        return indexes;
    }

    private isOnDisk(index: number): boolean {
        // A file in several binary parts (not used for GGUF) would need the part offsets: trust nothing there.
        if (this.latest == null || this.latest.part !== 0) return this.pending.size === 0 && this.failed.length === 0;
        const chunk = this.chunkRange(index);
        const overlaps = (range: { start: number; end: number }): boolean => range.start < chunk.end && range.end > chunk.start;
        return ![...this.pending].some(overlaps) && !this.failed.some(overlaps);
    }

    /**
     * After the transfer: no more writes; waits for those under way, saves the map once more (writes that landed after
     * ipull gave up count: a resume need not fetch them again), and closes the files.
     */
    async stop(): Promise<void> {
        this.accepting = false;
        await Promise.allSettled([...this.writes]);
        // After a completed download ipull refuses this save (the map was cut off with the truncation): nothing is written.
        if (this.latest != null) await this.save(this.latest);
        this.stopped = true;
        await this.saving;
        await this.stream.close().catch(() => undefined); // ipull's own handle, in case that save reopened it
        const handle = this.handle;
        this.handle = undefined;
        if (handle != null) await (await handle.catch(() => undefined))?.close().catch(() => undefined);
    }
}

/**
 * ipull chains `.then()` onto every write without a catch, so a failed write is also an unhandled rejection; those
 * errors are known here and dropped by guardIpullRejections (the same error fails the download, and is reported).
 */
const strayErrors = new WeakSet<object>();

function tagStray<T>(promise: Promise<T>): Promise<T> {
    return promise.catch((error: unknown) => {
        if (typeof error === "object" && error !== null) strayErrors.add(error);
        throw error;
    });
}

// ---- ipull's unhandled rejections

const IPULL_ERROR_NAMES = new Set(["IpullError", "FetchStreamError", "HttpError", "StatusCodeError",
    "InvalidContentLengthError", "EmptyResponseError", "EngineError", "XhrError", "PathNotAFileError",
    "DownloadAlreadyStartedError"]);
let guardUsers = 0;
let guardListener: ((reason: unknown) => void) | undefined;

function isIpullError(reason: unknown): boolean {
    if (typeof reason === "object" && reason !== null && strayErrors.has(reason)) return true;
    if (!(reason instanceof Error)) return false;
    return IPULL_ERROR_NAMES.has(reason.constructor.name) || /[\\/]ipull[\\/]/.test(reason.stack ?? "");
}

/**
 * ipull 3.9.5 chains `.then()` onto each stream's promise without a catch, so a stream that fails with an HTTP error
 * also surfaces as an unhandled rejection — fatal in a plain Node process such as the engine worker — although the
 * same error reaches download() and is reported from there. While downloads run, those rejections are dropped;
 * anything else is rethrown when no other handler exists, as Node would have.
 */
function guardIpullRejections(): () => void {
    if (guardUsers++ === 0) {
        guardListener = (reason: unknown) => {
            if (isIpullError(reason)) return;
            if (process.listenerCount("unhandledRejection") === 1) throw reason;
        };
        process.on("unhandledRejection", guardListener);
    }
    let released = false;
    return () => {
        if (released) return;
        released = true;
        // The stray rejections are reported after the main one has settled: keep listening a little longer.
        setTimeout(() => {
            if (--guardUsers === 0 && guardListener != null) {
                process.off("unhandledRejection", guardListener);
                guardListener = undefined;
            }
        }, 2000).unref();
    };
}

// ---- One download of a model at a time, also across VS Code windows (they share the global storage folder)

const LOCK_HEARTBEAT_MS = 10_000;
const LOCK_STALE_MS = 60_000;
const locksHeld = new Set<string>();

interface DownloadLock {
    release(): Promise<void>;
}

async function acquireDownloadLock(directory: string, uri: string): Promise<DownloadLock> {
    const key = crypto.createHash("sha256").update(uri.toLowerCase()).digest("hex").slice(0, 16);
    const lockPath = path.join(directory, `.download-${key}.lock`);
    const busy = (): ModelDownloadError => new ModelDownloadError("busy", `${uri} is already being downloaded ` +
        "(possibly in another VS Code window); wait for that download to finish.");
    if (locksHeld.has(lockPath)) throw busy();
    const content = JSON.stringify({ pid: process.pid, uri, startedAt: new Date().toISOString() });
    try {
        await fsp.writeFile(lockPath, content, { flag: "wx" });
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        if (await isLockAlive(lockPath)) throw busy();
        await fsp.writeFile(lockPath, content);
    }
    locksHeld.add(lockPath);
    // The lock file's age tells other windows that its owner is still at work (a reused pid would not).
    const heartbeat = setInterval(() => {
        const now = new Date();
        fsp.utimes(lockPath, now, now).catch(() => undefined);
    }, LOCK_HEARTBEAT_MS);
    heartbeat.unref();
    return {
        release: async () => {
            clearInterval(heartbeat);
            locksHeld.delete(lockPath);
            await removeQuietly(lockPath);
        }
    };
}

async function isLockAlive(lockPath: string): Promise<boolean> {
    try {
        const [text, stats] = await Promise.all([fsp.readFile(lockPath, "utf8"), fsp.stat(lockPath)]);
        if (Date.now() - stats.mtimeMs > LOCK_STALE_MS) return false;
        const pid = (JSON.parse(text) as { pid?: unknown }).pid;
        if (typeof pid !== "number" || pid === process.pid) return false;
        try {
            process.kill(pid, 0);
            return true;
        } catch (error) {
            return (error as NodeJS.ErrnoException).code === "EPERM";
        }
    } catch {
        return false;
    }
}

/**
 * The downloaded file for an hf: URI, or undefined — without any network access. A model in the index counts only
 * when all its files are there at the recorded sizes; one that is not indexed (downloaded by node-llama-cpp's CLI, or
 * by an older version) is found by node-llama-cpp's own naming, offline (`resolveModelFile(..., {download: false})`),
 * used only when it is a whole GGUF, and then recorded so that the extension host finds it without node-llama-cpp.
 * Runs in the engine worker (the `findModel` request) and the CLI.
 */
export async function findDownloadedModel(options: { uri: string; directory: string }): Promise<string | undefined> {
    const ref = parseUri(options.uri);
    const directory = path.resolve(options.directory);
    const indexed = await lookupIndexedModel(ref.uri, directory);
    if (indexed === "stale") return undefined;
    if (indexed !== "unknown") return indexed.path;
    if (!(await isDirectory(directory))) return undefined;
    const { resolveModelFile } = await import("node-llama-cpp");
    let found: string;
    try {
        found = await resolveModelFile(ref.uri, { directory, download: false, cli: false });
    } catch {
        return undefined;
    }
    // Not recorded as verified: used only when it is a whole GGUF (a download cut short is not).
    if (!(await isUsableModelFile(found))) return undefined;
    const parts = splitPartNames(path.basename(found));
    const files: { name: string; sizeBytes: number }[] = [];
    for (const name of parts) {
        const size = await fileSize(path.join(path.dirname(found), name));
        if (size == null) return undefined;
        files.push({ name, sizeBytes: size });
    }
    if (path.dirname(found) === directory) await recordDownload(directory, ref.uri, files).catch(() => undefined);
    return found;
}
