import assert from "node:assert/strict";
import type { ChatViewState, FromWebview, ToWebview } from "../../src/core/chat/protocol";
import { isFromWebview, isSafeLink, isToWebview, MAX_MESSAGE_CHARS } from "../../src/core/chat/protocol";

const state: ChatViewState = {
    thread: {
        id: "t1",
        title: "Hello",
        contextStart: 0,
        exchanges: [{
            id: "e1",
            user: { text: "hi", sentAt: 1, attachments: [{ kind: "selection", path: "src/a.ts", range: { startLine: 1, endLine: 3 } }] },
            answer: { requestId: "r1", thinking: true, reasoning: "hm", content: "hello", status: "done", reasoningTokens: 2, thinkingMs: 10 }
        }]
    },
    history: [{ id: "t1", title: "Hello", updatedAt: 2, exchangeCount: 1 }],
    context: { chips: [{ id: "activeFile", kind: "activeFile", label: "a.ts", detail: "the open file src/a.ts", tokens: 12 }], historyTokens: 40, estimated: true, contextSize: 4096, budget: 3072, tokenScale: 1 },
    engine: { kind: "idle", label: "The model loads when you send a message." },
    thinkingDefault: true
};

describe("chat protocol", () => {
    it("accepts every well-formed message from the webview", () => {
        const messages: FromWebview[] = [
            { type: "ready" },
            { type: "send", text: "Explain this", thinking: true },
            { type: "stop", requestId: "0b6a7e1c-1f1e-4c4a-9d1e-2f4b3a1c9e77" },
            { type: "regenerate", thinking: false },
            { type: "editLast", text: "Explain that", thinking: true },
            { type: "newChat" },
            { type: "openChat", id: "t1" },
            { type: "deleteChat", id: "t1" },
            { type: "removeChip", id: "file:src/a.ts" },
            { type: "pickFiles" },
            { type: "code", action: "apply", code: "x", language: "ts", path: "src/a.ts" },
            { type: "code", action: "copy", code: "x" },
            { type: "openLink", href: "https://example.com" },
            { type: "selectModel" }
        ];
        for (const message of messages) assert.ok(isFromWebview(message), JSON.stringify(message));
    });

    it("rejects malformed messages from the webview", () => {
        const bad: unknown[] = [
            null, "send", 42, [], {},
            { type: "send" },
            { type: "send", text: 3, thinking: true },
            { type: "send", text: "x", thinking: "yes" },
            { type: "send", text: "x".repeat(MAX_MESSAGE_CHARS + 1), thinking: true },
            { type: "stop", requestId: "../../etc/passwd" },
            { type: "stop", requestId: "" },
            { type: "openChat", id: "a b" },
            { type: "code", action: "run", code: "rm -rf /" },
            { type: "code", action: "apply" },
            { type: "openLink", href: 5 },
            { type: "eval", code: "1" },
            { type: "__proto__" },
            { type: "constructor" }
        ];
        for (const message of bad) assert.equal(isFromWebview(message), false, JSON.stringify(message)?.slice(0, 80));
    });

    it("accepts full snapshots, slices, deltas and commands to the webview", () => {
        const messages: ToWebview[] = [
            { type: "state", state },
            { type: "context", context: state.context },
            { type: "engine", engine: { kind: "busy", label: "Loading the model: 40%" } },
            { type: "delta", requestId: "r1", exchangeId: "e1", content: "he", reasoningTokens: 3 },
            { type: "delta", requestId: "r1", exchangeId: "e1", reasoning: "so", reasoningTokens: 4, thinkingMs: 120 },
            { type: "command", command: "showHistory" }
        ];
        for (const message of messages) assert.ok(isToWebview(message), JSON.stringify(message).slice(0, 80));
    });

    it("rejects snapshots and deltas with missing or mistyped parts", () => {
        const withAnswerStatus = structuredClone(state);
        (withAnswerStatus.thread.exchanges[0]!.answer as { status: string }).status = "exploded";
        const bad: unknown[] = [
            { type: "state" },
            { type: "state", state: { ...state, thread: undefined } },
            { type: "state", state: withAnswerStatus },
            { type: "state", state: { ...state, history: [{ id: "t1" }] } },
            { type: "delta", requestId: "r1", exchangeId: "e1", content: 5, reasoningTokens: 1 },
            { type: "delta", requestId: "r1", content: "x", reasoningTokens: 1 },
            { type: "engine", engine: { kind: "melting", label: "" } },
            { type: "command", command: "eval" }
        ];
        for (const message of bad) assert.equal(isToWebview(message), false, JSON.stringify(message)?.slice(0, 80));
    });

    it("opens only web and mail links", () => {
        assert.ok(isSafeLink("https://code.visualstudio.com/docs"));
        assert.ok(isSafeLink("http://localhost:3000/"));
        assert.ok(isSafeLink("mailto:someone@example.com"));
        for (const href of ["javascript:alert(1)", "JAVASCRIPT:alert(1)", " javascript:alert(1)", "data:text/html,<script>", "command:workbench.action.quit",
            "file:///etc/passwd", "vscode://foo", "not a url", ""]) {
            assert.equal(isSafeLink(href), false, href);
        }
    });
});
