/** The extension under test, as the integration tests find it. */
import assert from "node:assert/strict";
import * as vscode from "vscode";
import type { QwenLocalApi } from "../../../src/extension";

export const extensionId = "qwen-local.qwen-local";

export function theExtension(): vscode.Extension<unknown> {
    const extension = vscode.extensions.getExtension(extensionId);
    assert.ok(extension, `${extensionId} is not installed in this VS Code`);
    return extension;
}

/**
 * For a suite that needs the engine: activates the extension, points it at the generated tiny model (one thread:
 * the two cores are shared with code-server and chromium) plus `extra` qwenLocal settings, and undoes it all after.
 * Returns a getter for the extension's API.
 */
export function useTinyModel(extra: Record<string, unknown> = {}): () => QwenLocalApi {
    let api: QwenLocalApi | undefined;
    const settings: Record<string, unknown> = { threads: 1, contextSize: 2048, ...extra };
    before(async () => {
        const modelPath = process.env.QWEN_E2E_TINY_MODEL;
        assert.ok(modelPath, "QWEN_E2E_TINY_MODEL is not set (test/e2e/run.mjs writes the tiny model)");
        const extension = theExtension();
        api = (extension.isActive ? extension.exports : await extension.activate()) as QwenLocalApi;
        const configuration = vscode.workspace.getConfiguration("qwenLocal");
        for (const [key, value] of Object.entries({ model: modelPath, ...settings })) {
            await configuration.update(key, value, vscode.ConfigurationTarget.Global);
        }
    });
    after(async () => {
        const configuration = vscode.workspace.getConfiguration("qwenLocal");
        for (const key of ["model", ...Object.keys(settings)]) await configuration.update(key, undefined, vscode.ConfigurationTarget.Global);
        await api?.engine.client.unload();
    });
    return () => {
        assert.ok(api, "the extension did not activate (see the before-all hook's error)");
        return api;
    };
}
