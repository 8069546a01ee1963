import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { emptyThread, type ChatThread } from "../../src/core/chat/conversation";
import { FileChatStore } from "../../src/vscode/chatHistoryStore";
import type { Logger } from "../../src/core/log";

function captureLogger(): { logger: Logger; lines: string[] } {
    const lines: string[] = [];
    const write = (message: string) => { lines.push(message); };
    return { lines, logger: { trace: write, debug: write, info: write, warn: write, error: write } };
}

function thread(id: string, updatedAt: number, text: string): ChatThread {
    return {
        ...emptyThread(id, updatedAt), title: text, updatedAt,
        exchanges: [{ id: `${id}-1`, user: { text, attachments: [], sentAt: updatedAt }, answer: { requestId: "r", thinking: false, reasoning: "", content: "ok", status: "done", reasoningTokens: 0 } }]
    };
}

describe("chat history files", () => {
    let directory: string;
    beforeEach(() => { directory = fs.mkdtempSync(path.join(os.tmpdir(), "qwen-chat-store-")); });
    afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

    it("saves, lists newest first, reopens the current chat and deletes", async () => {
        const { logger } = captureLogger();
        const store = new FileChatStore(path.join(directory, "chats"), logger);
        await store.save(thread("a", 10, "first"));
        await store.save(thread("b", 20, "second"));
        // A new window reads the files afresh.
        const again = new FileChatStore(path.join(directory, "chats"), logger);
        const index = await again.loadIndex();
        assert.deepEqual(index.threads.map((summary) => summary.id), ["b", "a"]);
        assert.equal(index.currentId, "b");
        assert.equal((await again.load("a"))!.exchanges[0]!.user.text, "first");
        await again.delete("b");
        assert.deepEqual((await again.loadIndex()).threads.map((summary) => summary.id), ["a"]);
        assert.equal((await again.loadIndex()).currentId, undefined);
        assert.equal(fs.existsSync(path.join(directory, "chats", "b.json")), false);
        assert.deepEqual(fs.readdirSync(path.join(directory, "chats")).sort(), ["a.json", "index.json"], "no temporary files are left");
    });

    it("skips corrupt files and refuses ids that are paths", async () => {
        const { logger, lines } = captureLogger();
        const chats = path.join(directory, "chats");
        fs.mkdirSync(chats);
        fs.writeFileSync(path.join(chats, "index.json"), "{ not json");
        fs.writeFileSync(path.join(chats, "bad.json"), JSON.stringify({ id: "bad", exchanges: 3 }));
        const store = new FileChatStore(chats, logger);
        assert.deepEqual((await store.loadIndex()).threads, []);
        assert.equal(await store.load("bad"), undefined);
        assert.equal(await store.load("../../etc/passwd"), undefined);
        await assert.rejects(store.save(thread("../escape", 1, "x")));
        assert.ok(lines.some((line) => /not a chat/.test(line)));
        // A corrupt index is replaced on the next save.
        await store.save(thread("c", 5, "fresh"));
        assert.deepEqual((await new FileChatStore(chats, logger).loadIndex()).threads.map((summary) => summary.id), ["c"]);
    });
});
