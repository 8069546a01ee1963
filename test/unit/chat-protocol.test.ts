import assert from "node:assert/strict";
import type { AgentEvent } from "../../src/core/agent/events";
import type { ChatViewState, FromWebview, ToWebview } from "../../src/core/chat/protocol";
import { isFromWebview, isSafeLink, isToWebview, MAX_MESSAGE_CHARS, MAX_PROPOSAL_IDS } from "../../src/core/chat/protocol";

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

const proposal = { id: 1, kind: "modify", path: "src/a.ts", absPath: "/w/src/a.ts", added: 1, removed: 1 } as const;

/** One of each agent event, as a session emits them. */
const agentEvents: AgentEvent[] = [
    { type: "start", task: "Rename formatPrice" },
    { type: "round", round: 1, maxRounds: 25 },
    { type: "thinking", text: "I'll search" },
    { type: "text", text: "Let me look." },
    { type: "toolCall", id: "c1", name: "edit_file", arguments: { path: "src/a.ts", old_text: "a", new_text: "b" }, summary: "edit src/a.ts", access: "write" },
    { type: "toolCall", id: "c2", name: "?", arguments: {}, summary: "a malformed call" },
    { type: "approval", id: "c1", state: "pending" },
    { type: "approval", id: "c1", state: "approved", by: "session" },
    { type: "toolResult", id: "c1", ok: true, text: "Proposed 1 replacement in src/a.ts" },
    { type: "diff", id: "c1", proposal, diff: "--- a/src/a.ts\n+++ b/src/a.ts\n-a\n+b\n" },
    { type: "proposals", pending: [proposal, { ...proposal, id: 2, kind: "rename", path: "b.ts", from: "a.ts", fromAbsPath: "/w/a.ts" }] },
    { type: "proposals", pending: [] },
    { type: "notice", text: "A conflict", level: "warning" },
    { type: "done", reason: "answered", rounds: 2 },
    { type: "done", reason: "error", rounds: 1, message: "The engine stopped" }
];

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
            { type: "selectModel" },
            { type: "send", text: "Explain this", thinking: true, mode: "chat" },
            { type: "send", text: "Rename formatPrice to formatAmount everywhere", thinking: false, mode: "agent" },
            { type: "agentStop" },
            { type: "agentReview", action: "accept", ids: "all" },
            { type: "agentReview", action: "reject", ids: [1, 2] },
            { type: "agentReview", action: "open", ids: [3] },
            { type: "agentReview", action: "open", ids: "all" },
            { type: "agentReview", action: "accept", ids: [] }
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
            { type: "constructor" },
            { type: "send", text: "x", thinking: true, mode: "shell" },
            { type: "send", text: "x", thinking: true, mode: 1 },
            { type: "agentReview", action: "accept" },
            { type: "agentReview", action: "apply", ids: "all" },
            { type: "agentReview", action: "accept", ids: "some" },
            { type: "agentReview", action: "accept", ids: 1 },
            { type: "agentReview", action: "accept", ids: [1.5] },
            { type: "agentReview", action: "accept", ids: [-1] },
            { type: "agentReview", action: "accept", ids: ["1"] },
            { type: "agentReview", action: "reject", ids: [Number.NaN] },
            { type: "agentReview", action: "reject", ids: Array.from({ length: MAX_PROPOSAL_IDS + 1 }, (_, index) => index) }
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

    it("accepts every agent event, alone and as a log", () => {
        for (const event of agentEvents) {
            const message: ToWebview = { type: "agentEvent", event };
            assert.ok(isToWebview(message), JSON.stringify(message).slice(0, 120));
        }
        assert.ok(isToWebview({ type: "agentLog", events: agentEvents }));
        assert.ok(isToWebview({ type: "agentLog", events: [] }));
        // What the session really sends survives the trip through JSON.
        assert.ok(isToWebview(JSON.parse(JSON.stringify({ type: "agentLog", events: agentEvents }))));
    });

    it("rejects malformed agent events", () => {
        const bad: unknown[] = [
            { type: "agentEvent" },
            { type: "agentEvent", event: null },
            { type: "agentEvent", event: { type: "explode" } },
            { type: "agentEvent", event: { type: "text" } },
            { type: "agentEvent", event: { type: "text", text: 5 } },
            { type: "agentEvent", event: { type: "toolCall", id: "c1", name: "x", arguments: "rm -rf /", summary: "x" } },
            { type: "agentEvent", event: { type: "toolCall", id: "c1", name: "x", arguments: [], summary: "x" } },
            { type: "agentEvent", event: { type: "toolCall", id: "c1", name: "x", arguments: {}, summary: "x", access: "root" } },
            { type: "agentEvent", event: { type: "approval", id: "c1", state: "maybe" } },
            { type: "agentEvent", event: { type: "toolResult", id: "c1", ok: "yes", text: "" } },
            { type: "agentEvent", event: { type: "diff", id: "c1", proposal: { id: 1 }, diff: "" } },
            { type: "agentEvent", event: { type: "proposals", pending: [{ ...proposal, kind: "format" }] } },
            { type: "agentEvent", event: { type: "notice", text: "x", level: "fatal" } },
            { type: "agentEvent", event: { type: "done", reason: "bored", rounds: 1 } },
            { type: "agentLog" },
            { type: "agentLog", events: [{ type: "text" }] },
            { type: "agentLog", events: {} }
        ];
        for (const message of bad) assert.equal(isToWebview(message), false, JSON.stringify(message)?.slice(0, 120));
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
