/**
 * The extension downloads through the engine worker (the extension host stays light): progress streams over the
 * worker protocol, a cancel becomes the client's normal CancelledError, and the downloaded model then loads.
 */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { DownloadProgress } from "../../src/core/models/catalog";
import { CancelledError, EngineClient } from "../../src/engine/client";
import { findDownloadedModel } from "../../src/engine/modelDownload";
import { captureLogger, workerPath } from "../support/engine";
import { startHfServer, type HfServer } from "../support/hfServer";
import { buildTinyModel } from "../support/tinyModel";

const URI = "hf:unsloth/Qwen3.5-4B-GGUF:UD-Q4_K_XL";
const SIZE = 12 * 1024 * 1024;

describe("download through the engine worker", function () {
    this.timeout(120_000);
    let server: HfServer;
    let directory: string;
    let client: EngineClient;
    let content: Buffer;

    before(async () => {
        // The tiny model padded with random bytes to 12 MiB (ipull works in 5 MiB chunks); the padding is past the
        // tensor data, so the file still loads.
        const model = buildTinyModel();
        content = Buffer.concat([model, crypto.randomBytes(SIZE - model.length)]);
        server = await startHfServer({
            files: [{ user: "unsloth", repo: "Qwen3.5-4B-GGUF", quant: "UD-Q4_K_XL", fileName: "Qwen3.5-4B-UD-Q4_K_XL.gguf", data: content }],
            bytesPerSecond: 4 * 1024 * 1024
        });
        directory = fs.mkdtempSync(path.join(os.tmpdir(), "qwen-local-worker-download-"));
        client = new EngineClient({ workerPath, log: captureLogger().logger });
    });

    after(async () => {
        await client?.dispose();
        await server?.close();
        fs.rmSync(directory, { recursive: true, force: true });
    });

    it("cancels as a normal outcome, then resumes, streams progress, and the file loads", async () => {
        const controller = new AbortController();
        await assert.rejects(client.download({ uri: URI, directory, endpoint: server.endpoint }, {
            signal: controller.signal,
            onChunk: (progress) => { if (progress.downloadedBytes > 0) controller.abort(); }
        }), (error: unknown) => error instanceof CancelledError);
        assert.equal(await findDownloadedModel({ uri: URI, directory }), undefined, "a cancelled download is not a model");

        const progress: DownloadProgress[] = [];
        const result = await client.download({ uri: URI, directory, endpoint: server.endpoint }, { onChunk: (p) => progress.push(p) });
        assert.ok(progress.length > 1, `progress arrived over the protocol (${progress.length} events)`);
        assert.equal(progress[progress.length - 1]!.percent, 100);
        assert.equal(result.sizeBytes, SIZE);
        assert.ok(fs.readFileSync(result.path).equals(content), "byte-identical");
        assert.equal(await findDownloadedModel({ uri: URI, directory }), result.path);
        const info = await client.load({ modelPath: result.path, contextSize: 1024, gpu: false, threads: 1 });
        assert.equal(info.architecture, "qwen35moe");
    });
});
