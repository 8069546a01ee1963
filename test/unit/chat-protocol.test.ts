import assert from "node:assert/strict";
import type { AgentEvent } from "../../src/core/agent/events";
import type { ChatViewState, EngineView, FromWebview, ToWebview } from "../../src/core/chat/protocol";
import {
    agentEventChecks, fromWebviewChecks, isFromWebview, isSafeLink, isToWebview, MAX_MESSAGE_CHARS, MAX_PROPOSAL_IDS, toWebviewChecks
} from "../../src/core/chat/protocol";
import { union, type VariantChecks } from "../../src/core/chat/validate";

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
    { type: "start", task: "Rename formatPrice", turn: 1 },
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

/**
 * Samples of each message type of a union, keyed by the type like the checks: a message type added to the union
 * needs samples here too. `good[0]` carries every field, optional ones included; `bad` are messages of that type
 * that its check must refuse (a type without fields can only be malformed in its `type` or by not being an object).
 */
type Samples<M extends { type: string }> = { [T in M["type"]]: { good: Extract<M, { type: T }>[]; bad: unknown[] } };

const fromWebviewSamples: Samples<FromWebview> = {
    ready: { good: [{ type: "ready" }], bad: [{ type: "Ready" }, { kind: "ready" }, Object.assign([], { type: "ready" })] },
    send: {
        good: [{ type: "send", text: "Explain this", thinking: true, mode: "agent" }, { type: "send", text: "", thinking: false }],
        bad: [{ type: "send", text: "x", thinking: true, mode: "shell" }, { type: "send", text: "x".repeat(MAX_MESSAGE_CHARS + 1), thinking: true }]
    },
    stop: { good: [{ type: "stop", requestId: "0b6a7e1c-1f1e-4c4a-9d1e-2f4b3a1c9e77" }], bad: [{ type: "stop", requestId: "../x" }, { type: "stop", requestId: "" }] },
    regenerate: { good: [{ type: "regenerate", thinking: false }], bad: [{ type: "regenerate", thinking: "no" }, { type: "regenerate" }] },
    editLast: {
        good: [{ type: "editLast", text: "Explain that", thinking: true }],
        bad: [{ type: "editLast", text: "x".repeat(MAX_MESSAGE_CHARS + 1), thinking: true }, { type: "editLast", thinking: true }]
    },
    newChat: { good: [{ type: "newChat" }], bad: [{ type: "newchat" }, JSON.stringify({ type: "newChat" })] },
    openChat: { good: [{ type: "openChat", id: "t1" }], bad: [{ type: "openChat", id: "a b" }, { type: "openChat", id: "x".repeat(201) }] },
    deleteChat: { good: [{ type: "deleteChat", id: "t1" }], bad: [{ type: "deleteChat", id: ["t1"] }, { type: "deleteChat" }] },
    removeChip: { good: [{ type: "removeChip", id: "file:src/a.ts" }], bad: [{ type: "removeChip", id: "x".repeat(4097) }, { type: "removeChip", id: 1 }] },
    pickFiles: { good: [{ type: "pickFiles" }], bad: [{ type: "pickfiles" }, Object.assign([], { type: "pickFiles" })] },
    code: {
        good: [{ type: "code", action: "apply", code: "x", language: "ts", path: "src/a.ts" }, { type: "code", action: "copy", code: "x" }],
        bad: [{ type: "code", action: "run", code: "x" }, { type: "code", action: "insert", code: "x", language: "x".repeat(101) }]
    },
    openLink: { good: [{ type: "openLink", href: "https://example.com" }], bad: [{ type: "openLink", href: "x".repeat(8193) }, { type: "openLink" }] },
    selectModel: { good: [{ type: "selectModel" }], bad: [{ type: "select-model" }, null] },
    agentStop: { good: [{ type: "agentStop" }], bad: [{ type: "AgentStop" }, { agentStop: true }] },
    agentReview: {
        good: [{ type: "agentReview", action: "open", ids: [3] }, { type: "agentReview", action: "accept", ids: "all" }],
        bad: [{ type: "agentReview", action: "apply", ids: "all" }, { type: "agentReview", action: "accept", ids: [-1] }]
    },
    openInstruction: { good: [{ type: "openInstruction", path: "AGENTS.md" }], bad: [{ type: "openInstruction", path: "x".repeat(4097) }, { type: "openInstruction" }] },
    restoreTurn: { good: [{ type: "restoreTurn", turn: 2 }], bad: [{ type: "restoreTurn", turn: 0 }, { type: "restoreTurn", turn: 1.5 }, { type: "restoreTurn", turn: "2" }] },
    mcpServer: {
        good: [{ type: "mcpServer", name: "files", action: "restart" }],
        bad: [{ type: "mcpServer", name: "files", action: "delete" }, { type: "mcpServer", name: "x".repeat(201), action: "start" }]
    },
    showLog: { good: [{ type: "showLog" }], bad: [{ type: "showlog" }, null] }
};

const toWebviewSamples: Samples<ToWebview> = {
    state: { good: [{ type: "state", state }], bad: [{ type: "state", state: { ...state, engine: undefined } }] },
    context: { good: [{ type: "context", context: state.context }], bad: [{ type: "context", context: { ...state.context, chips: [{ id: "a" }] } }] },
    engine: {
        good: [{ type: "engine", engine: { kind: "error", label: "No model", action: "selectModel" } }],
        bad: [{ type: "engine", engine: { kind: "error", label: "No model", action: "reboot" } }]
    },
    delta: {
        good: [{ type: "delta", requestId: "r1", exchangeId: "e1", reasoning: "so", content: "he", reasoningTokens: 4, thinkingMs: 120 }],
        bad: [{ type: "delta", requestId: "r1", exchangeId: "e1", reasoningTokens: Number.POSITIVE_INFINITY }]
    },
    command: { good: [{ type: "command", command: "showChat" }], bad: [{ type: "command", command: "eval" }] },
    agentLog: { good: [{ type: "agentLog", events: agentEvents }], bad: [{ type: "agentLog", events: [{ type: "done" }] }] },
    agentEvent: { good: [{ type: "agentEvent", event: agentEvents[0]! }], bad: [{ type: "agentEvent", event: { type: "start", task: 1 } }] },
    instructions: {
        good: [{ type: "instructions", view: { files: [{ path: "AGENTS.md", truncated: true }], fromWorkspace: false } }],
        bad: [{ type: "instructions", view: { files: [{ path: "AGENTS.md" }], fromWorkspace: false } }]
    },
    draft: { good: [{ type: "draft", text: "Rename it" }], bad: [{ type: "draft", text: 3 }] },
    mcpServers: {
        good: [{
            type: "mcpServers",
            view: { servers: [{ name: "files", source: "workspace", state: "failed", toolCount: 0, error: "exited" }, { name: "t", source: "settings", state: "running", toolCount: 3 }], restricted: false }
        }],
        bad: [
            { type: "mcpServers", view: { servers: [{ name: "files", source: "workspace", state: "exploded", toolCount: 0 }], restricted: false } },
            { type: "mcpServers", view: { servers: [], restricted: "no" } }
        ]
    }
};

/** Not a value any field's check accepts (not even an optional field's). */
const WRONG = Symbol("wrong");

/**
 * Checks one direction's table against its samples: the table names exactly the sampled types, every good sample
 * passes, every bad one fails, and each field of the full sample is checked (a wrong value in it is refused).
 */
function checkTable<M extends { type: string }>(
    checks: VariantChecks<M>, samples: Samples<M>, accepts: (value: unknown) => boolean
): void {
    assert.deepEqual(Object.keys(checks).sort(), Object.keys(samples).sort());
    const table: Record<string, Record<string, unknown>> = checks;
    const sampleTable: Record<string, { good: Record<string, unknown>[]; bad: unknown[] }> = samples;
    for (const [type, { good, bad }] of Object.entries(sampleTable)) {
        assert.ok(good.length > 0 && bad.length > 0, `${type}: samples of both kinds`);
        for (const message of good) assert.equal(accepts(message), true, `${type} accepts ${JSON.stringify(message).slice(0, 100)}`);
        for (const message of bad) assert.equal(accepts(message), false, `${type} refuses ${JSON.stringify(message)?.slice(0, 100)}`);
        const full = good[0]!;
        assert.equal(full.type, type);
        for (const field of Object.keys(table[type]!)) {
            assert.ok(field in full, `${type}: the first good sample has ${field}`);
            assert.equal(accepts({ ...full, [field]: WRONG }), false, `${type}.${field} is checked`);
        }
    }
}

describe("chat protocol", () => {
    it("checks each message type from the webview by its own entry of the table", () => {
        checkTable(fromWebviewChecks, fromWebviewSamples, isFromWebview);
    });

    it("checks each message type to the webview, and each agent event, by its own entry of the table", () => {
        checkTable(toWebviewChecks, toWebviewSamples, isToWebview);
        const agentSamples: Samples<AgentEvent> = {
            start: { good: [agentEvents[0] as Extract<AgentEvent, { type: "start" }>], bad: [{ type: "start" }] },
            round: { good: [{ type: "round", round: 1, maxRounds: 25 }], bad: [{ type: "round", round: "1", maxRounds: 25 }] },
            thinking: { good: [{ type: "thinking", text: "hm" }], bad: [{ type: "thinking", text: null }] },
            text: { good: [{ type: "text", text: "ok" }], bad: [{ type: "text" }] },
            toolCall: {
                good: [{ type: "toolCall", id: "c1", name: "read_file", arguments: { path: "a" }, summary: "read a", access: "read" }],
                bad: [{ type: "toolCall", id: "c1", name: "x", arguments: [], summary: "x" }]
            },
            approval: { good: [{ type: "approval", id: "c1", state: "approved", by: "rule", rule: "allowed by the rule “allow npm test”" }, { type: "approval", id: "c1", state: "approved", by: "setting" }], bad: [{ type: "approval", id: "c1", state: "approved", by: "root" }] },
            toolResult: { good: [{ type: "toolResult", id: "c1", ok: false, text: "no" }], bad: [{ type: "toolResult", id: "c1", ok: 0, text: "no" }] },
            diff: { good: [{ type: "diff", id: "c1", proposal, diff: "" }], bad: [{ type: "diff", id: "c1", proposal: { ...proposal, added: "1" }, diff: "" }] },
            proposals: { good: [{ type: "proposals", pending: [proposal] }], bad: [{ type: "proposals", pending: [{ ...proposal, path: undefined }] }] },
            notice: { good: [{ type: "notice", text: "x", level: "info" }], bad: [{ type: "notice", text: "x" }] },
            instructions: {
                good: [{ type: "instructions", files: [{ path: "AGENTS.md", source: "agentsMd", truncated: false }] }],
                bad: [{ type: "instructions", files: [{ path: "AGENTS.md", source: "agentsMd" }] }]
            },
            compacting: { good: [{ type: "compacting" }], bad: [{ type: "compactin" }] },
            compacted: {
                good: [{ type: "compacted", summarized: 6, tokensBefore: 3900, tokensAfter: 1800, byModel: true, summary: "Read a.ts." }],
                bad: [{ type: "compacted", summarized: 6, tokensBefore: 3900, tokensAfter: 1800, byModel: "yes", summary: "x" }]
            },
            usage: {
                good: [{ type: "usage", round: 2, promptTokens: 900, evaluatedTokens: 120, generatedTokens: 40, compactionEvaluatedTokens: 0, compactionGeneratedTokens: 0 }],
                bad: [{ type: "usage", round: 2, promptTokens: 900, evaluatedTokens: 120, generatedTokens: 40, compactionEvaluatedTokens: 0 }]
            },
            done: { good: [{ type: "done", reason: "error", rounds: 1, message: "x" }], bad: [{ type: "done", reason: "error", rounds: 1, message: 5 }] }
        };
        checkTable(agentEventChecks, agentSamples, union(agentEventChecks));
    });

    it("keys the tables by the unions' types, so a type or field without its check does not compile", () => {
        // These lines are checked by `npm run typecheck` (tsconfig.json includes test/): each @ts-expect-error fails
        // the typecheck if its line stops being an error, i.e. if the tables stop being keyed by the unions.
        // @ts-expect-error a message type added to the union without an entry in the table
        union<FromWebview | { type: "brandNew"; text: string }>(fromWebviewChecks);
        // @ts-expect-error a field added to a message type without its check
        union<Exclude<ToWebview, { type: "engine" }> | { type: "engine"; engine: EngineView; extra: number }>(toWebviewChecks);
        // @ts-expect-error an entry for a type that is not in the union
        union<FromWebview>({ ...fromWebviewChecks, eval: {} });
        const { selectModel: _left, ...withoutSelectModel } = fromWebviewChecks;
        // @ts-expect-error a table missing one message type
        const missing = union<FromWebview>(withoutSelectModel);
        // And at run time a type without an entry is refused, like any unknown type.
        assert.equal(missing({ type: "selectModel" }), false);
        assert.equal(isFromWebview({ type: "selectModel" }), true);
    });

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
