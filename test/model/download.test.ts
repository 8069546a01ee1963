/**
 * Model downloads through the real node-llama-cpp downloader over real HTTP, against a local stand-in for Hugging
 * Face on 127.0.0.1 (test/support/hfServer.ts), and the model store's consent and offline rules on top of it.
 *
 * The served file is the tiny GGUF model followed by random bytes up to 12 MiB: ipull downloads and resumes in
 * 5 MiB chunks (three streams in parallel), so a smaller file could show neither a resume nor a Range that starts
 * past 0.
 */
import { strict as assert } from "assert";
import { execFileSync, spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { findCatalogModel, type DownloadConsentInfo, type DownloadProgress } from "../../src/core/models/catalog";
import {
    deleteDownloadedModel, downloadModel, findDownloadedModel, INDEX_FILE_NAME, isDownloadCancelled, listDownloadedModels,
    ModelDownloadError, ModelSizeMismatchError, PARTIAL_SUFFIX, trimTrailingProgressRecord, type DownloadModelOptions
} from "../../src/engine/modelDownload";
import { ModelDownloadDeclinedError, ModelStore } from "../../src/engine/modelStore";
import { sha256Hex, startHfServer, type HfRequestLogEntry, type HfServer, type HfServerOptions } from "../support/hfServer";
import { buildTinyModel } from "../support/tinyModel";

/** ModelStore as the CLI runs it: finding and downloading in this process. */
const inProcess = { find: findDownloadedModel, download: downloadModel };

const URI = "hf:unsloth/Qwen3.5-35B-A3B-GGUF:UD-Q4_K_XL";
/** What node-llama-cpp 3.21.1 names the file for URI: `hf_{user}_{repo without -GGUF}.{QUANT}.gguf`. */
const LOCAL_NAME = "hf_unsloth_Qwen3.5-35B-A3B.UD-Q4_K_XL.gguf";
const REMOTE_NAME = "Qwen3.5-35B-A3B-UD-Q4_K_XL.gguf";
const MIB = 1024 * 1024;
const CHUNK = 5 * MIB;
const SIZE = 12 * MIB;
const REPO_ROOT = path.resolve(__dirname, "..", "..");

function rangeStart(entry: HfRequestLogEntry): number {
    return Number(/^bytes=(\d+)-/.exec(entry.range ?? "")?.[1] ?? NaN);
}

function ranged(server: HfServer): HfRequestLogEntry[] {
    return server.requests.filter((entry) => entry.range != null);
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
        if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
    }
}

/**
 * Chunks that ipull has recorded as complete in a partial download (its chunk map is appended to the `.ipull` file
 * as JSON; 2 = complete). Tests wait for one before interrupting, so that there is something to resume from.
 */
function savedChunks(partialPath: string): number {
    try {
        const bytes = fs.readFileSync(partialPath);
        if (bytes.length <= SIZE) return 0;
        const progress = JSON.parse(bytes.subarray(SIZE).toString("utf8")) as { chunks?: number[] };
        return progress.chunks?.filter((status) => status === 2).length ?? 0;
    } catch {
        return 0;
    }
}

/** A GGUF version 3 header with no tensors and only general.architecture, padded to the 32-byte alignment. */
function minimalGgufHeader(): Buffer {
    const key = Buffer.from("general.architecture");
    const value = Buffer.from("qwen35moe");
    const header = Buffer.alloc(4 + 4 + 8 + 8 + 8 + key.length + 4 + 8 + value.length);
    let at = header.write("GGUF", 0, "latin1");
    at = header.writeUInt32LE(3, at);
    at = header.writeBigUInt64LE(0n, at);
    at = header.writeBigUInt64LE(1n, at);
    at = header.writeBigUInt64LE(BigInt(key.length), at);
    at += key.copy(header, at);
    at = header.writeUInt32LE(8, at); // string
    at = header.writeBigUInt64LE(BigInt(value.length), at);
    value.copy(header, at);
    return Buffer.concat([header, Buffer.alloc((32 - (header.length % 32)) % 32)]);
}

interface ChildOutcome {
    exitCode: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
}

/**
 * downloadModel in a separate plain Node process — what the engine worker is — optionally killed once `killWhen`
 * holds. After settling, the child stays alive 3 s so that a stray unhandled rejection would still kill it.
 */
function runDownloadInChild(options: DownloadModelOptions, killWhen?: () => boolean,
    child: { fullDiskBytes?: number } = {}): Promise<ChildOutcome> {
    const script = `
        const { downloadModel } = require(${JSON.stringify(path.join(REPO_ROOT, "src/engine/modelDownload.ts"))});
        const report = (value) => process.stdout.write(JSON.stringify(value) + "\\n");
        downloadModel(JSON.parse(process.env.QWEN_LOCAL_TEST_DOWNLOAD)).then(
            (result) => report({ result }),
            (error) => report({ error: { name: error.name, code: error.code, message: error.message } })
        ).finally(() => setTimeout(() => process.exit(0), 3000));`;
    const preload = child.fullDiskBytes != null ? ["--require", path.join(REPO_ROOT, "test/support/fullDisk.ts")] : [];
    const spawned = spawn(process.execPath, ["--require", "tsx/cjs", ...preload, "-e", script], {
        cwd: REPO_ROOT,
        env: {
            ...process.env,
            QWEN_LOCAL_TEST_DOWNLOAD: JSON.stringify(options),
            QWEN_LOCAL_TEST_FULL_DISK_BYTES: child.fullDiskBytes != null ? String(child.fullDiskBytes) : ""
        },
        stdio: ["ignore", "pipe", "pipe"]
    });
    let stdout = "";
    let stderr = "";
    spawned.stdout.on("data", (data: Buffer) => (stdout += data.toString()));
    spawned.stderr.on("data", (data: Buffer) => (stderr += data.toString()));
    const watcher = killWhen == null ? undefined : setInterval(() => {
        if (killWhen()) {
            clearInterval(watcher);
            spawned.kill("SIGKILL");
        }
    }, 20);
    return new Promise((resolve) => {
        spawned.on("exit", (exitCode, signal) => {
            clearInterval(watcher);
            resolve({ exitCode, signal, stdout, stderr });
        });
    });
}

describe("model download (node-llama-cpp over HTTP on 127.0.0.1)", function () {
    this.timeout(120_000);

    let root: string;
    let payload: Buffer;
    let directoryCount = 0;
    const servers: HfServer[] = [];

    before(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "qwen-local-download-"));
        const model = buildTinyModel();
        payload = Buffer.concat([model, crypto.randomBytes(SIZE - model.length)]);
    });

    after(() => {
        fs.rmSync(root, { recursive: true, force: true });
    });

    afterEach(async () => {
        await Promise.all(servers.splice(0).map((server) => server.close()));
    });

    async function serve(options: Partial<HfServerOptions> = {}): Promise<HfServer> {
        const server = await startHfServer({
            files: [{ user: "unsloth", repo: "Qwen3.5-35B-A3B-GGUF", quant: "UD-Q4_K_XL", fileName: REMOTE_NAME, data: payload }],
            ...options
        });
        servers.push(server);
        return server;
    }

    function freshDirectory(): string {
        return path.join(root, `models-${++directoryCount}`);
    }

    function filesIn(directory: string): string[] {
        return fs.existsSync(directory) ? fs.readdirSync(directory).sort() : [];
    }

    it("downloads with progress events up to 100%, under node-llama-cpp's file name, and indexes it", async () => {
        const server = await serve({ bytesPerSecond: 8 * MIB });
        const directory = freshDirectory();
        const events: DownloadProgress[] = [];
        const result = await downloadModel({
            uri: URI, directory, endpoint: server.endpoint, progressIntervalMs: 50, onProgress: (event) => events.push(event)
        });

        assert.equal(result.path, path.join(directory, LOCAL_NAME));
        assert.equal(result.sizeBytes, SIZE);
        assert.equal(result.resumedFromBytes, 0);
        assert.ok(fs.readFileSync(result.path).equals(payload), "the file is byte-identical");
        assert.deepEqual(filesIn(directory), [LOCAL_NAME, INDEX_FILE_NAME], "no partial file or lock is left");

        assert.ok(events.length >= 4, `progress events: ${events.length}`);
        assert.equal(events[0]!.downloadedBytes, 0);
        for (let i = 1; i < events.length; i++) {
            assert.ok(events[i]!.downloadedBytes >= events[i - 1]!.downloadedBytes, "progress never goes back here");
        }
        const last = events[events.length - 1]!;
        assert.deepEqual([last.downloadedBytes, last.totalBytes, last.percent, last.etaSeconds], [SIZE, SIZE, 100, 0]);
        const middle = events.find((event) => event.percent > 0 && event.percent < 100 && event.bytesPerSecond > 0);
        assert.ok(middle != null, "an event in the middle has a speed");
        assert.ok(middle.etaSeconds != null && middle.etaSeconds > 0 && middle.etaSeconds < 120, `eta ${middle.etaSeconds}`);
        assert.equal(middle.totalBytes, SIZE);
        // Three streams throttled to 8 MiB/s each (unthrottled, this machine serves ~1 GB/s); short windows are bursty.
        const fastest = Math.max(...events.map((event) => event.bytesPerSecond));
        assert.ok(fastest > 256 * 1024 && fastest < 100 * MIB, `speed ${fastest}`);

        // The manifest (asked twice: once here for the size, once by node-llama-cpp), the size probe, then chunks.
        const manifests = server.requests.filter((entry) => entry.url.startsWith("/v2/"));
        assert.deepEqual(manifests.map((entry) => [entry.url, entry.userAgent]),
            [["/v2/unsloth/Qwen3.5-35B-A3B-GGUF/manifests/UD-Q4_K_XL", "llama-cpp"],
                ["/v2/unsloth/Qwen3.5-35B-A3B-GGUF/manifests/UD-Q4_K_XL", "llama-cpp"]]);
        assert.ok(server.requests.some((entry) => entry.url === `/unsloth/Qwen3.5-35B-A3B-GGUF/resolve/main/${REMOTE_NAME}?download=true` &&
            entry.range == null), "the size is learned from a request without Range");
        assert.deepEqual(ranged(server).map(rangeStart).sort((a, b) => a - b), [0, CHUNK, 2 * CHUNK]);

        const index = JSON.parse(fs.readFileSync(path.join(directory, INDEX_FILE_NAME), "utf8"));
        assert.deepEqual(index.models[URI.toLowerCase()].files, [{ name: LOCAL_NAME, sizeBytes: SIZE }]);
    });

    it("retries a dropped connection in place: only the broken chunk is fetched again, the file is byte-identical", async () => {
        const server = await serve({ failAfterBytes: 3 * MIB, bytesPerSecond: 16 * MIB });
        const directory = freshDirectory();
        const result = await downloadModel({ uri: URI, directory, endpoint: server.endpoint });

        assert.equal(server.failed, true, "the server dropped a connection");
        const ranges = ranged(server).map((entry) => entry.range);
        // Three streams, plus the dropped one again from its first incomplete chunk (none had completed yet).
        assert.equal(ranges.length, 4, `ranges: ${ranges.join(", ")}`);
        assert.equal(new Set(ranges).size, 3, `the dropped range was asked for again: ${ranges.join(", ")}`);
        assert.ok(server.rangedBytesServed < 2 * SIZE, `not downloaded all over again: ${server.rangedBytesServed}`);
        assert.ok(fs.readFileSync(result.path).equals(payload));
    });

    it("resumes a download whose process died: Range requests past 0 for the missing chunks only", async () => {
        const server = await serve({ bytesPerSecond: 1.5 * MIB });
        const directory = freshDirectory();
        // Killed once the short last chunk is on disk, while the two 5 MiB chunks are still on their way.
        const partial = path.join(directory, LOCAL_NAME + PARTIAL_SUFFIX);
        const outcome = await runDownloadInChild({ uri: URI, directory, endpoint: server.endpoint },
            () => savedChunks(partial) > 0);
        assert.equal(outcome.signal, "SIGKILL", `the child was killed mid-download: ${outcome.stdout} ${outcome.stderr}`);
        assert.deepEqual(filesIn(directory).filter((name) => !name.endsWith(".lock")), [LOCAL_NAME + PARTIAL_SUFFIX]);
        assert.equal(await findDownloadedModel({ uri: URI, directory }), undefined, "a partial file is not a model");

        server.clearLog();
        server.setOptions({ bytesPerSecond: undefined });
        const result = await downloadModel({ uri: URI, directory, endpoint: server.endpoint });
        assert.ok(result.resumedFromBytes > 0, `resumed from ${result.resumedFromBytes}`);
        const starts = ranged(server).map(rangeStart);
        assert.ok(!starts.includes(2 * CHUNK), `the saved chunk is not fetched again: ${starts.join(", ")}`);
        assert.ok(starts.some((start) => start > 0), `a Range past 0: ${starts.join(", ")}`);
        assert.ok(server.rangedBytesServed <= 2 * CHUNK, `served ${server.rangedBytesServed}`);
        assert.ok(fs.readFileSync(result.path).equals(payload), "the resumed file is byte-identical");
        assert.deepEqual(filesIn(directory), [LOCAL_NAME, INDEX_FILE_NAME], "the stale lock of the dead process is gone");
    });

    it("cancels through the AbortSignal: rejects as cancelled, keeps the partial file, and a later download resumes", async () => {
        const server = await serve({ bytesPerSecond: 1.5 * MIB });
        const directory = freshDirectory();
        const controller = new AbortController();
        const downloading = downloadModel({ uri: URI, directory, endpoint: server.endpoint, signal: controller.signal });
        const settled = downloading.then(() => undefined, (error: unknown) => error);
        await waitFor(() => savedChunks(path.join(directory, LOCAL_NAME + PARTIAL_SUFFIX)) > 0, 30_000, "a chunk on disk");
        const abortedAt = Date.now();
        controller.abort();
        const error = await settled;

        assert.ok(Date.now() - abortedAt < 2000, "cancelling is prompt");
        assert.ok(error instanceof ModelDownloadError, String(error));
        assert.equal(error.name, "AbortError");
        assert.equal(error.code, "cancelled");
        assert.ok(isDownloadCancelled(error));
        assert.deepEqual(filesIn(directory), [LOCAL_NAME + PARTIAL_SUFFIX], "the partial file is kept, the lock released");

        server.clearLog();
        server.setOptions({ bytesPerSecond: undefined });
        const result = await downloadModel({ uri: URI, directory, endpoint: server.endpoint });
        assert.ok(result.resumedFromBytes > 0);
        assert.ok(!ranged(server).map(rangeStart).includes(2 * CHUNK), "the chunk saved before cancelling is kept");
        assert.ok(fs.readFileSync(result.path).equals(payload));
    });

    it("rejects at once when the signal is already aborted, without any request", async () => {
        const server = await serve();
        const controller = new AbortController();
        controller.abort();
        await assert.rejects(downloadModel({ uri: URI, directory: freshDirectory(), endpoint: server.endpoint, signal: controller.signal }),
            (error: Error) => isDownloadCancelled(error));
        assert.deepEqual(server.requests, []);
    });

    it("detects an announced size that disagrees with the manifest before transferring anything", async () => {
        const server = await serve({ announcedSizeDelta: -1000 });
        const directory = freshDirectory();
        await assert.rejects(downloadModel({ uri: URI, directory, endpoint: server.endpoint }), (error: Error) => {
            assert.ok(error instanceof ModelSizeMismatchError, String(error));
            assert.equal(error.code, "sizeMismatch");
            assert.equal(error.expectedBytes, SIZE);
            assert.equal(error.actualBytes, SIZE - 1000);
            assert.match(error.message, /announces 12581912 bytes .* manifest says 12582912 bytes/);
            return true;
        });
        assert.deepEqual(ranged(server), [], "no byte of the model was requested");
        assert.deepEqual(filesIn(directory), []);
        assert.equal(await findDownloadedModel({ uri: URI, directory }), undefined);
    });

    it("detects a server that sends less than it announced (manifest agreeing with it) and keeps nothing", async () => {
        const server = await serve({ announcedSizeDelta: 1000, manifestSize: "announced" });
        const directory = freshDirectory();
        await assert.rejects(downloadModel({ uri: URI, directory, endpoint: server.endpoint }), (error: Error) => {
            assert.ok(error instanceof ModelSizeMismatchError, String(error));
            assert.match(error.message, /does not match the size it announced/);
            return true;
        });
        assert.ok(ranged(server).length > 0, "the mismatch showed during the transfer");
        assert.deepEqual(filesIn(directory), [], "neither a model nor a partial file is left");
        assert.equal(await findDownloadedModel({ uri: URI, directory }), undefined);
    });

    it("survives ipull's stray rejections in a plain Node process (the engine worker) and reports the mismatch", async () => {
        const server = await serve({ announcedSizeDelta: 1000, manifestSize: "omit" });
        const outcome = await runDownloadInChild({ uri: URI, directory: freshDirectory(), endpoint: server.endpoint });
        assert.equal(outcome.exitCode, 0, `the process stayed alive: ${outcome.stderr}`);
        const reported = JSON.parse(outcome.stdout.trim().split("\n").pop()!);
        assert.equal(reported.error?.code, "sizeMismatch", outcome.stdout);
    });

    it("refuses a file that is not GGUF (an error page served as the model) and deletes it", async () => {
        const page = Buffer.from("<html><body>Access denied</body></html>");
        const server = await startHfServer({
            files: [{ user: "unsloth", repo: "Qwen3.5-35B-A3B-GGUF", quant: "UD-Q4_K_XL", fileName: REMOTE_NAME, data: page }]
        });
        servers.push(server);
        const directory = freshDirectory();
        await assert.rejects(downloadModel({ uri: URI, directory, endpoint: server.endpoint }),
            (error: Error) => (error as ModelDownloadError).code === "notGguf");
        assert.deepEqual(filesIn(directory), []);
    });

    it("says clearly when the endpoint cannot be reached or has no such model", async () => {
        const closed = await serve();
        const endpoint = closed.endpoint;
        await closed.close();
        await assert.rejects(downloadModel({ uri: URI, directory: freshDirectory(), endpoint }), (error: Error) => {
            assert.equal((error as ModelDownloadError).code, "network");
            assert.ok(error.message.startsWith(`Could not reach ${endpoint}: `), error.message);
            assert.match(error.message, /ECONNREFUSED/);
            return true;
        });

        const server = await serve();
        await assert.rejects(downloadModel({ uri: "hf:unsloth/Qwen3.5-35B-A3B-GGUF:Q2_K", directory: freshDirectory(), endpoint: server.endpoint }),
            (error: Error) => {
                assert.equal((error as ModelDownloadError).code, "notFound");
                assert.match(error.message, /has no quantization "Q2_K" of unsloth\/Qwen3.5-35B-A3B-GGUF/);
                return true;
            });
        await assert.rejects(downloadModel({ uri: "hf:unsloth", directory: freshDirectory(), endpoint: server.endpoint }),
            (error: Error) => (error as ModelDownloadError).code === "invalidUri");
    });

    it("gives up on a stalled transfer with a clear error and keeps what it has", async () => {
        // 1 KB/s: after its first 64 KiB slice each response pauses for about a minute.
        const server = await serve({ bytesPerSecond: 1000 });
        const directory = freshDirectory();
        const started = Date.now();
        await assert.rejects(downloadModel({ uri: URI, directory, endpoint: server.endpoint, stallTimeoutMs: 1500, progressIntervalMs: 100 }),
            (error: Error) => {
                assert.equal((error as ModelDownloadError).code, "stalled");
                assert.match(error.message, /^Nothing arrived from http:\/\/127\.0\.0\.1:\d+\/ for \d+ s/);
                return true;
            });
        assert.ok(Date.now() - started < 10_000);
        assert.deepEqual(filesIn(directory).filter((name) => name.endsWith(".lock")), [], "the lock is released");
    });

    it("refuses a second simultaneous download of the same model", async () => {
        const server = await serve({ bytesPerSecond: 4 * MIB });
        const directory = freshDirectory();
        const first = downloadModel({ uri: URI, directory, endpoint: server.endpoint });
        await waitFor(() => ranged(server).length > 0, 10_000, "the first download to start");
        await assert.rejects(downloadModel({ uri: URI, directory, endpoint: server.endpoint }),
            (error: Error) => (error as ModelDownloadError).code === "busy");
        assert.ok(fs.readFileSync((await first).path).equals(payload));
    });

    it("a disk that fills up near the end: the model never gets its name, the partial file resumes byte-identical", async () => {
        const server = await serve();
        const directory = freshDirectory();
        // The engine worker is a plain Node process: the failed writes must not kill it either.
        const outcome = await runDownloadInChild({ uri: URI, directory, endpoint: server.endpoint }, undefined,
            { fullDiskBytes: SIZE - 100_000 });
        assert.equal(outcome.exitCode, 0, `the process stayed alive: ${outcome.stderr}`);
        const reported = JSON.parse(outcome.stdout.trim().split("\n").pop()!);
        assert.equal(reported.error?.code, "diskFull", outcome.stdout);
        assert.match(reported.error.message, /The disk is full; the partial download is kept\. .*it resumes where it stopped/);

        assert.deepEqual(filesIn(directory), [LOCAL_NAME + PARTIAL_SUFFIX], "no file under the model's name, no index entry");
        assert.equal(await findDownloadedModel({ uri: URI, directory }), undefined);
        assert.deepEqual(await listDownloadedModels(directory), []);

        server.clearLog();
        const result = await downloadModel({ uri: URI, directory, endpoint: server.endpoint });
        assert.ok(result.resumedFromBytes > 0, `resumed from ${result.resumedFromBytes}`);
        assert.ok(server.rangedBytesServed < SIZE, `resumed, not started over: ${server.rangedBytesServed} bytes`);
        assert.ok(fs.readFileSync(result.path).equals(payload), "the resumed file is byte-identical");
        assert.deepEqual(filesIn(directory), [LOCAL_NAME, INDEX_FILE_NAME]);
    });

    it("without a manifest size, a server announcing fewer bytes than the file has: the GGUF header shows the cut", async () => {
        // The tiny model alone: its tensor data runs to its last byte, so a shorter file is cut inside a tensor.
        const model = buildTinyModel();
        const server = await startHfServer({
            files: [{ user: "unsloth", repo: "Qwen3.5-35B-A3B-GGUF", quant: "UD-Q4_K_XL", fileName: REMOTE_NAME, data: model }],
            announcedSizeDelta: -1000,
            manifestSize: "omit"
        });
        servers.push(server);
        const directory = freshDirectory();
        await assert.rejects(downloadModel({ uri: URI, directory, endpoint: server.endpoint }), (error: Error) => {
            assert.ok(error instanceof ModelSizeMismatchError, String(error));
            assert.equal(error.expectedBytes, model.length);
            assert.equal(error.actualBytes, model.length - 1000);
            assert.match(error.message, new RegExp(`is ${model.length - 1000} bytes, but its GGUF header places tensor data up to byte ` +
                `${model.length}: the server sent a truncated file \\(1000 bytes are missing\\)`));
            return true;
        });
        assert.deepEqual(filesIn(directory), [], "nothing is kept, nothing recorded");
        assert.equal(await findDownloadedModel({ uri: URI, directory }), undefined);
    });

    it("checks the manifest's SHA-256: a mismatch keeps nothing, and the next download is whole", async () => {
        const server = await serve({ manifestSha256: "0".repeat(64) });
        const directory = freshDirectory();
        await assert.rejects(downloadModel({ uri: URI, directory, endpoint: server.endpoint }), (error: Error) => {
            assert.equal((error as ModelDownloadError).code, "hashMismatch");
            assert.match(error.message, new RegExp(`does not have the SHA-256 its manifest gives \\(0{64}, but the downloaded file's is ${sha256Hex(payload)}\\)`));
            return true;
        });
        assert.deepEqual(filesIn(directory), []);

        server.setOptions({ manifestSha256: undefined });
        const result = await downloadModel({ uri: URI, directory, endpoint: server.endpoint });
        assert.ok(fs.readFileSync(result.path).equals(payload));
    });

    it("a file at the model's name without a completion record is used only when its GGUF is whole", async () => {
        const directory = freshDirectory();
        fs.mkdirSync(directory, { recursive: true });
        const model = buildTinyModel();
        // Cut inside a tensor, as a download interrupted by an older version (or node-llama-cpp's CLI) leaves it.
        fs.writeFileSync(path.join(directory, LOCAL_NAME), model.subarray(0, model.length - 4096));
        assert.equal(await findDownloadedModel({ uri: URI, directory }), undefined);
        fs.writeFileSync(path.join(directory, LOCAL_NAME), Buffer.from("<html>not a model</html>"));
        assert.equal(await findDownloadedModel({ uri: URI, directory }), undefined);
        fs.writeFileSync(path.join(directory, LOCAL_NAME), model);
        assert.equal(await findDownloadedModel({ uri: URI, directory }), path.join(directory, LOCAL_NAME));
    });

    it("a file of the right size already at the model's name is verified before it is recorded", async () => {
        const server = await serve();
        const directory = freshDirectory();
        fs.mkdirSync(directory, { recursive: true });
        // What an older version left after a full disk: the right size, a hole of zeros inside.
        const damaged = Buffer.from(payload);
        damaged.fill(0, SIZE - 200_000, SIZE - 100_000);
        fs.writeFileSync(path.join(directory, LOCAL_NAME), damaged);
        await assert.rejects(downloadModel({ uri: URI, directory, endpoint: server.endpoint }),
            (error: Error) => (error as ModelDownloadError).code === "hashMismatch");
        assert.deepEqual(filesIn(directory), [], "the damaged file is gone, nothing recorded");
        const result = await downloadModel({ uri: URI, directory, endpoint: server.endpoint });
        assert.ok(fs.readFileSync(result.path).equals(payload));
    });

    it("downloads every part of a split model and finds it offline by its first part", async () => {
        // Each part a GGUF of its own (a header without tensors here), as gguf-split writes them: a downloaded file
        // is kept only when its header parses.
        const parts = [1, 2, 3].map(() => {
            const header = minimalGgufHeader();
            return Buffer.concat([header, crypto.randomBytes(300_004 - header.length)]);
        });
        const server = await startHfServer({
            files: parts.map((data, index) => ({
                user: "unsloth", repo: "Qwen3.5-27B-GGUF", quant: index === 0 ? "UD-Q4_K_XL" : undefined,
                fileName: `UD-Q4_K_XL/Qwen3.5-27B-UD-Q4_K_XL-0000${index + 1}-of-00003.gguf`, data
            }))
        });
        servers.push(server);
        const directory = freshDirectory();
        const uri = "hf:unsloth/Qwen3.5-27B-GGUF:UD-Q4_K_XL";
        const result = await downloadModel({ uri, directory, endpoint: server.endpoint });

        const names = [1, 2, 3].map((part) => `hf_unsloth_Qwen3.5-27B.UD-Q4_K_XL-0000${part}-of-00003.gguf`);
        assert.equal(result.path, path.join(directory, names[0]!));
        assert.deepEqual(result.files, names.map((name) => path.join(directory, name)));
        assert.equal(result.sizeBytes, 3 * 300_004);
        names.forEach((name, index) => assert.ok(fs.readFileSync(path.join(directory, name)).equals(parts[index]!)));

        server.clearLog();
        assert.equal(await findDownloadedModel({ uri, directory }), result.path);
        assert.deepEqual(await listDownloadedModels(directory),
            [{ path: result.path, fileName: names[0], sizeBytes: 3 * 300_004, uri, complete: true }]);
        fs.rmSync(path.join(directory, names[2]!));
        assert.equal(await findDownloadedModel({ uri, directory }), undefined, "a missing part means not downloaded");
        assert.deepEqual(await deleteDownloadedModel(result.path), names.slice(0, 2).map((name) => path.join(directory, name)));
        assert.deepEqual(server.requests, []);
    });

    it("downloads an hf: file URI (no manifest) and never sends the user's Hugging Face token to another endpoint", async () => {
        const fileUri = `hf:unsloth/Qwen3.5-35B-A3B-GGUF/${REMOTE_NAME}`;
        const savedToken = process.env.HF_TOKEN;
        process.env.HF_TOKEN = "hf_secret_of_the_user";
        try {
            // Refused at first: node-llama-cpp (ipull) would then retry with the token it found.
            const refusing = await serve({ failAllWithStatus: 401 });
            await assert.rejects(downloadModel({ uri: fileUri, directory: freshDirectory(), endpoint: refusing.endpoint }),
                (error: Error) => (error as ModelDownloadError).code === "http" && /HTTP 401.*gated or private/.test(error.message));
            assert.ok(refusing.requests.length > 0);
            assert.deepEqual(refusing.requests.filter((entry) => entry.authorized), [], "no Authorization header was sent");

            const server = await serve();
            const directory = freshDirectory();
            const result = await downloadModel({ uri: fileUri, directory, endpoint: server.endpoint });
            assert.equal(path.basename(result.path), `hf_unsloth_${REMOTE_NAME}`);
            assert.ok(!server.requests.some((entry) => entry.url.startsWith("/v2/")), "a file URI needs no manifest");
            assert.ok(fs.readFileSync(result.path).equals(payload));
            assert.equal(await findDownloadedModel({ uri: fileUri, directory }), result.path);
        } finally {
            if (savedToken == null) delete process.env.HF_TOKEN;
            else process.env.HF_TOKEN = savedToken;
        }
    });

    it("cuts off a chunk map that ipull wrote after the end of a finished file, and nothing else", async () => {
        const directory = freshDirectory();
        fs.mkdirSync(directory, { recursive: true });
        const file = path.join(directory, "trailing.gguf");
        const data = Buffer.concat([Buffer.from("GGUF"), crypto.randomBytes(1000)]);
        fs.writeFileSync(file, Buffer.concat([data, Buffer.from(JSON.stringify({ part: 0, chunks: [2], chunkSize: 5242880, parallelStreams: 3 }))]));
        assert.equal(await trimTrailingProgressRecord(file, data.length), true);
        assert.ok(fs.readFileSync(file).equals(data));
        assert.equal(await trimTrailingProgressRecord(file, data.length), false, "nothing to cut");
        fs.appendFileSync(file, "not a progress record");
        assert.equal(await trimTrailingProgressRecord(file, data.length), false, "other trailing bytes stay, for the size check");
        assert.equal(fs.statSync(file).size, data.length + 21);
    });

    describe("finding, listing and deleting, offline", () => {
        let directory: string;

        before(async () => {
            const server = await serve();
            directory = freshDirectory();
            await downloadModel({ uri: URI, directory, endpoint: server.endpoint });
            await server.close();
        });

        it("finds a downloaded model without any network access, indexed or not", async () => {
            const realFetch = globalThis.fetch;
            let fetches = 0;
            globalThis.fetch = ((...args: Parameters<typeof fetch>) => {
                fetches++;
                return realFetch(...args);
            }) as typeof fetch;
            try {
                assert.equal(await findDownloadedModel({ uri: URI, directory }), path.join(directory, LOCAL_NAME));
                assert.equal(await findDownloadedModel({ uri: "hf:unsloth/Qwen3.5-35B-A3B-GGUF:ud-q4_k_xl", directory }),
                    path.join(directory, LOCAL_NAME), "the quant is matched case-insensitively");
                assert.equal(await findDownloadedModel({ uri: "hf:unsloth/Qwen3.5-9B-GGUF:UD-Q4_K_XL", directory }), undefined);

                // Without the index (a file from node-llama-cpp's CLI) it is found by node-llama-cpp's naming.
                const indexPath = path.join(directory, INDEX_FILE_NAME);
                const index = fs.readFileSync(indexPath);
                fs.rmSync(indexPath);
                try {
                    assert.equal(await findDownloadedModel({ uri: URI, directory }), path.join(directory, LOCAL_NAME));
                } finally {
                    fs.writeFileSync(indexPath, index);
                }
            } finally {
                globalThis.fetch = realFetch;
            }
            assert.equal(fetches, 0);
        });

        it("does not trust an indexed file whose size changed", async () => {
            const copy = freshDirectory();
            fs.cpSync(directory, copy, { recursive: true });
            fs.truncateSync(path.join(copy, LOCAL_NAME), SIZE - 1);
            assert.equal(await findDownloadedModel({ uri: URI, directory: copy }), undefined);
        });

        it("lists downloaded models with their URI, but not partial downloads", async () => {
            const copy = freshDirectory();
            fs.cpSync(directory, copy, { recursive: true });
            fs.writeFileSync(path.join(copy, "other.gguf" + PARTIAL_SUFFIX), "partial");
            fs.writeFileSync(path.join(copy, "mine-00001-of-00002.gguf"), "GGUF1");
            fs.writeFileSync(path.join(copy, "mine-00002-of-00002.gguf"), "GGUF22");
            fs.writeFileSync(path.join(copy, "lonely-00001-of-00003.gguf"), "GGUF");
            assert.deepEqual(await listDownloadedModels(copy), [
                { path: path.join(copy, LOCAL_NAME), fileName: LOCAL_NAME, sizeBytes: SIZE, uri: URI, complete: true },
                { path: path.join(copy, "lonely-00001-of-00003.gguf"), fileName: "lonely-00001-of-00003.gguf", sizeBytes: 4, uri: undefined, complete: false },
                { path: path.join(copy, "mine-00001-of-00002.gguf"), fileName: "mine-00001-of-00002.gguf", sizeBytes: 11, uri: undefined, complete: true }
            ]);
            assert.deepEqual(await listDownloadedModels(path.join(copy, "missing")), []);
        });

        it("deletes a model with its index entry", async () => {
            const copy = freshDirectory();
            fs.cpSync(directory, copy, { recursive: true });
            assert.deepEqual(await deleteDownloadedModel(path.join(copy, LOCAL_NAME)), [path.join(copy, LOCAL_NAME)]);
            assert.deepEqual(filesIn(copy), [INDEX_FILE_NAME]);
            assert.deepEqual(JSON.parse(fs.readFileSync(path.join(copy, INDEX_FILE_NAME), "utf8")).models, {});
            assert.equal(await findDownloadedModel({ uri: URI, directory: copy }), undefined);
            await assert.rejects(deleteDownloadedModel(path.join(copy, INDEX_FILE_NAME)), /not a \.gguf model file/);
        });
    });

    describe("ModelStore", () => {
        function refuseConsent(): never {
            throw new Error("must not ask");
        }

        it("does not download without consent: declined → ModelDownloadDeclinedError and no request at all", async () => {
            const server = await serve();
            const directory = freshDirectory();
            const asked: DownloadConsentInfo[] = [];
            const store = new ModelStore({
                ...inProcess,
                directory, endpoint: server.endpoint,
                confirmDownload: async (info) => {
                    asked.push(info);
                    return false;
                }
            });
            await assert.rejects(store.resolve(URI), (error: Error) => {
                assert.ok(error instanceof ModelDownloadDeclinedError);
                assert.equal(error.code, "declined");
                return true;
            });
            assert.deepEqual(server.requests, [], "the server's request log is empty");
            assert.deepEqual(filesIn(directory), []);
            const catalog = findCatalogModel(URI)!;
            assert.deepEqual(asked, [{
                uri: URI, directory, sizeBytes: catalog.fileSizeBytes, ramBytes: catalog.ramBytes,
                description: `Qwen3.5-35B-A3B UD-Q4_K_XL: ${catalog.description}`
            }]);
        });

        it("tells the user that an unknown model's size is shown when the download starts", async () => {
            const server = await serve();
            let asked: DownloadConsentInfo | undefined;
            const store = new ModelStore({
                ...inProcess,
                directory: freshDirectory(), endpoint: server.endpoint,
                confirmDownload: async (info) => {
                    asked = info;
                    return false;
                }
            });
            await assert.rejects(store.resolve("hf:someone/Other-GGUF:Q8_0"), ModelDownloadDeclinedError);
            assert.equal(asked?.sizeBytes, undefined);
            assert.equal(asked?.ramBytes, undefined);
            assert.match(asked!.description, /size is shown when the download starts/);
            assert.deepEqual(server.requests, []);
        });

        it("downloads after consent with progress, then resolves offline with zero requests", async () => {
            const server = await serve({ bytesPerSecond: 16 * MIB });
            const directory = freshDirectory();
            let asked = 0;
            const events: DownloadProgress[] = [];
            const store = new ModelStore({
                ...inProcess,
                directory, endpoint: server.endpoint,
                confirmDownload: async () => {
                    asked++;
                    return true;
                }
            });
            const first = await store.resolve(URI, { onProgress: (event) => events.push(event) });
            assert.deepEqual(first, { path: path.join(directory, LOCAL_NAME), downloaded: true, uri: URI });
            assert.equal(asked, 1);
            assert.equal(events[events.length - 1]?.percent, 100);

            server.clearLog();
            const again = new ModelStore({ ...inProcess, directory, endpoint: server.endpoint, confirmDownload: refuseConsent });
            assert.deepEqual(await again.resolve(URI), { path: path.join(directory, LOCAL_NAME), downloaded: false, uri: URI });
            assert.deepEqual(server.requests, [], "resolving a present model makes zero requests");
        });

        it("asks once and downloads once for simultaneous calls", async () => {
            const directory = freshDirectory();
            let asked = 0;
            const calls: DownloadModelOptions[] = [];
            const store = new ModelStore({
                ...inProcess,
                directory,
                confirmDownload: async () => {
                    asked++;
                    return true;
                },
                download: async (options) => {
                    calls.push(options);
                    await new Promise((resolve) => setTimeout(resolve, 100));
                    return { path: path.join(directory, "injected.gguf") };
                }
            });
            const results = await Promise.all([store.resolve(URI), store.resolve(URI)]);
            assert.equal(asked, 1);
            assert.equal(calls.length, 1, "the injected download function is used, once");
            assert.equal(calls[0]!.uri, URI);
            assert.equal(calls[0]!.directory, directory);
            assert.deepEqual(results.map((result) => result.path), [path.join(directory, "injected.gguf"), path.join(directory, "injected.gguf")]);
        });

        it("rejects as cancelled when the signal fires during the download", async () => {
            const server = await serve({ bytesPerSecond: 2 * MIB });
            const controller = new AbortController();
            const store = new ModelStore({ ...inProcess, directory: freshDirectory(), endpoint: server.endpoint, confirmDownload: async () => true });
            const resolving = store.resolve(URI, { signal: controller.signal });
            await waitFor(() => ranged(server).length > 0, 10_000, "the download to start");
            controller.abort();
            await assert.rejects(resolving, (error: Error) => isDownloadCancelled(error));
        });

        it("resolves local paths: must exist, ~ is expanded, relative means the models folder", async () => {
            const directory = freshDirectory();
            fs.mkdirSync(directory, { recursive: true });
            const file = path.join(directory, "local.gguf");
            fs.writeFileSync(file, "GGUF");
            const store = new ModelStore({ ...inProcess, directory, homeDir: directory, confirmDownload: refuseConsent });
            assert.deepEqual(await store.resolve(file), { path: file, downloaded: false });
            assert.deepEqual(await store.resolve("~/local.gguf"), { path: file, downloaded: false });
            assert.deepEqual(await store.resolve("local.gguf"), { path: file, downloaded: false });
            await assert.rejects(store.resolve(path.join(directory, "missing.gguf")), (error: Error) => {
                assert.equal((error as ModelDownloadError).code, "notFound");
                assert.match(error.message, /There is no model file at .*missing\.gguf/);
                return true;
            });
            await assert.rejects(store.resolve(directory), /is a folder, not a model file/);
            if (process.platform !== "win32") {
                const fifo = path.join(directory, "pipe.gguf");
                execFileSync("mkfifo", [fifo]);
                await assert.rejects(store.resolve(fifo), (error: Error) => {
                    assert.equal((error as ModelDownloadError).code, "notFound");
                    assert.match(error.message, /is a named pipe \(FIFO\), not a model file/);
                    return true;
                });
            }
            await assert.rejects(store.resolve("hf:bad uri"), (error: Error) => (error as ModelDownloadError).code === "invalidUri");
        });
    });
});
