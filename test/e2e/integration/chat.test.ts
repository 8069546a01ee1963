/**
 * The chat inside the real extension host, on the real engine and the tiny model: the packaged webview bundle is
 * there, the chat view and its commands are registered, and a message is answered through the worker and listed
 * among the saved chats (the UI test reloads the window to read them back).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import * as vscode from "vscode";
import { theExtension, useTinyModel } from "./extension";

describe("the chat in the extension host", function () {
    this.timeout(120_000);
    const api = useTinyModel({ "chat.maxTokens": 16 });

    after(async () => {
        await api().chat.newChat();
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
        const chat = api().chat;
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
