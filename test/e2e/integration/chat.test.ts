/**
 * The chat inside the real extension host, on the real engine and the tiny model: the packaged webview bundle is
 * there, the chat view and its commands are registered, and a message is answered through the worker and listed
 * among the saved chats (the UI test reloads the window to read them back).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import * as vscode from "vscode";
import type { QwenLocalApi } from "../../../src/extension";
import { theExtension } from "./extension";

describe("the chat in the extension host", function () {
    this.timeout(120_000);
    let api: QwenLocalApi;

    before(async () => {
        const modelPath = process.env.QWEN_E2E_TINY_MODEL;
        assert.ok(modelPath, "QWEN_E2E_TINY_MODEL is not set (test/e2e/run.mjs writes the tiny model)");
        const extension = theExtension();
        api = (extension.isActive ? extension.exports : await extension.activate()) as QwenLocalApi;
        const configuration = vscode.workspace.getConfiguration("qwenLocal");
        await configuration.update("model", modelPath, vscode.ConfigurationTarget.Global);
        // One thread: the test machine's two cores are shared with code-server and chromium.
        await configuration.update("threads", 1, vscode.ConfigurationTarget.Global);
        await configuration.update("contextSize", 2048, vscode.ConfigurationTarget.Global);
        await configuration.update("chat.maxTokens", 16, vscode.ConfigurationTarget.Global);
    });

    after(async () => {
        const configuration = vscode.workspace.getConfiguration("qwenLocal");
        for (const key of ["model", "threads", "contextSize", "chat.maxTokens"]) await configuration.update(key, undefined, vscode.ConfigurationTarget.Global);
        await api?.chat.newChat();
        await api?.engine.client.unload();
    });

    it("ships the webview bundle and registers the view and its commands", async () => {
        for (const file of ["media/chat/chat.js", "media/chat/chat.css", "media/chat/codicon.ttf", "media/qwen-local.svg"]) {
            assert.ok(fs.existsSync(path.join(theExtension().extensionPath, file)), `${file} missing from the installed extension`);
        }
        const commands = await vscode.commands.getCommands(true);
        for (const command of ["qwenLocal.openChat", "qwenLocal.newChat", "qwenLocal.chatHistory", "qwenLocal.chat.focus"]) {
            assert.ok(commands.includes(command), `${command} is not registered`);
        }
    });

    it("answers a message with the real engine and lists the saved chat", async () => {
        const chat = api.chat;
        await chat.newChat();
        let deltas = 0;
        const subscription = chat.onDelta(() => deltas++);
        try {
            await chat.send("Say hello.", [], false);
            // The random-weight model sometimes ends at once: regenerate until it writes something.
            for (let attempt = 0; attempt < 8 && chat.current.exchanges[0]!.answer!.content.length === 0; attempt++) await chat.regenerate(false);
        } finally {
            subscription.dispose();
        }
        const answer = chat.current.exchanges[0]!.answer!;
        assert.equal(answer.status, "done", answer.error);
        assert.ok(answer.content.length > 0 && answer.stats!.generatedTokens > 0);
        assert.ok(deltas > 0, "the answer streamed");
        await chat.flush();
        const saved = chat.history.find((summary) => summary.id === chat.current.id);
        assert.equal(saved?.title, "Say hello.");
    });
});
