/**
 * node-llama-cpp is loaded only in the engine worker: the extension host, running the built dist/extension.js, never
 * resolves it — while it lists models for Select Model, while a model downloads from a Hugging Face endpoint on
 * 127.0.0.1 (the worker downloads), and while it finds a downloaded model, recorded in the index or not (the worker
 * finds one that node-llama-cpp's naming alone knows), then loads it. (Activation is covered by the bundle itself:
 * test/unit/extension-bundle.test.ts shows dist/extension.js imports no node-llama-cpp at all.)
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as vscode from "vscode";
import type { QwenLocalApi } from "../../../src/extension";
import { getSettings as settingsNow } from "../../../src/vscode/settings";
import { startHfServer, type HfServer } from "../../support/hfServer";
import { theExtension } from "./extension";
import { resolvedModules, traceInstalled } from "./moduleTrace";

const URI = "hf:unsloth/Qwen3.5-35B-A3B-GGUF:UD-Q4_K_XL";

function engineModules(): string[] {
    const traced = resolvedModules().filter((entry) => /node-llama-cpp/.test(entry));
    const cached = Object.keys(require.cache).filter((file) => /node-llama-cpp/.test(file));
    return [...traced, ...cached];
}

describe("the extension host never loads node-llama-cpp", function () {
    this.timeout(180_000);
    let api: QwenLocalApi;
    let server: HfServer;
    let directory: string;
    const keys = ["model", "modelsDirectory", "downloadEndpoint", "threads", "contextSize"];

    before(async () => {
        const modelPath = process.env.QWEN_E2E_TINY_MODEL;
        assert.ok(modelPath, "QWEN_E2E_TINY_MODEL is not set (test/e2e/run.mjs writes the tiny model)");
        const extension = theExtension();
        api = (extension.isActive ? extension.exports : await extension.activate()) as QwenLocalApi;
        server = await startHfServer({
            files: [{ user: "unsloth", repo: "Qwen3.5-35B-A3B-GGUF", quant: "UD-Q4_K_XL", fileName: "Qwen3.5-35B-A3B-UD-Q4_K_XL.gguf", data: fs.readFileSync(modelPath) }]
        });
        directory = fs.mkdtempSync(path.join(os.tmpdir(), "qwen-boundary-"));
        const configuration = vscode.workspace.getConfiguration("qwenLocal");
        const settings: Record<string, unknown> = { model: URI, modelsDirectory: directory, downloadEndpoint: server.endpoint, threads: 1, contextSize: 2048 };
        for (const key of keys) await configuration.update(key, settings[key], vscode.ConfigurationTarget.Global);
    });

    after(async () => {
        const configuration = vscode.workspace.getConfiguration("qwenLocal");
        for (const key of keys) await configuration.update(key, undefined, vscode.ConfigurationTarget.Global);
        await api?.engine.client.unload();
        await server?.close();
        if (directory) fs.rmSync(directory, { recursive: true, force: true });
    });

    it("records what the extension host resolves (the trace works)", async () => {
        assert.ok(traceInstalled(), `module.registerHooks is missing in Node ${process.versions.node}`);
        const before = resolvedModules().length;
        await import("node:zlib");
        assert.ok(resolvedModules().slice(before).some((entry) => entry.startsWith("node:zlib")), "an import() after the hooks is recorded");
    });

    it("lists models for Select Model, downloads, finds and loads a model without it", async () => {
        // Select Model: the picker lists the models folder; close it once it is there (the command then ends).
        let picked = false;
        const selecting = Promise.resolve(vscode.commands.executeCommand("qwenLocal.selectModel")).finally(() => (picked = true));
        while (!picked) {
            await vscode.commands.executeCommand("workbench.action.closeQuickOpen");
            await new Promise((resolve) => setImmediate(resolve));
        }
        await selecting;
        assert.deepEqual(engineModules(), [], "after Select Model");

        // A download, as the consent flow starts it: in the worker, with progress streamed to the host.
        const progress: number[] = [];
        const downloaded = await api.engine.client.download({ uri: URI, directory, endpoint: server.endpoint },
            { onChunk: (chunk) => progress.push(chunk.percent) });
        assert.ok(fs.existsSync(downloaded.path), downloaded.path);
        assert.equal(progress.at(-1), 100);
        assert.equal(await api.engine.modelSetup.isPresent(settingsNow()), true, "recorded in the index");
        assert.deepEqual(engineModules(), [], "after the download");

        // Found without the index (as a model node-llama-cpp's CLI downloaded): the worker knows the naming, and records it.
        fs.rmSync(path.join(directory, "models.json"));
        const present = await api.engine.modelSetup.isPresent(settingsNow());
        assert.deepEqual(engineModules(), [], "after looking for a model the index does not record");
        assert.equal(present, false, "the host alone knows only the index");
        await api.engine.loadNow();
        assert.equal(api.engine.state.engine.kind, "ready");
        assert.equal(await api.engine.modelSetup.isPresent(settingsNow()), true, "found by the worker and recorded");
        const requestsAfterDownload = server.requests.length;
        await api.engine.client.unload();
        await api.engine.loadNow();
        assert.equal(server.requests.length, requestsAfterDownload, "found offline, from the index");

        assert.deepEqual(engineModules(), [], "after loading the model, found by the worker and then from the index");
    });
});

