/**
 * The protocol between the chat webview and the extension: one union per direction, each message checked where it
 * arrives (`isToWebview` in the webview, `isFromWebview` in the extension) against a table of checks keyed by the
 * message's `type` (`toWebviewChecks`, `fromWebviewChecks`): a message type or field added to a union without its
 * check does not compile.
 *
 * The extension owns every piece of state. It sends full snapshots — the whole view on (re)load and after each
 * change, or one whole slice (`context`, `engine`) when only that changed — and deltas only for streamed tokens,
 * tagged with the request id of the generation they belong to. The webview keeps UI state only (the draft, the
 * thinking toggle, which panels are open) and sends intents.
 *
 * Browser-safe: the webview bundle imports this file, so it uses nothing from Node.
 */
import type { AgentEvent } from "../agent/events";
import type { AttachmentKind, ChatAnswer, LineRange, ThreadSummary } from "./conversation";
import { isChatAnswer } from "./conversation";
import {
    arrayOf, isBoolean, isId, isNumber, isObject, isString, oneOf, optional, shape, stringUpTo, union, type Check, type VariantChecks
} from "./validate";

/** Most characters of a message the person types (about 250k tokens: more than any context). */
export const MAX_MESSAGE_CHARS = 1_000_000;
/** Most characters of a code block sent back for Copy / Insert / Apply. */
export const MAX_CODE_CHARS = 2_000_000;

// ---- what the webview shows

/** An attachment of a sent message, without its text (the webview only labels it). */
export interface AttachmentLabel {
    kind: AttachmentKind;
    path: string;
    range?: LineRange;
    truncated?: boolean;
}

export interface ExchangeView {
    id: string;
    user: { text: string; attachments: AttachmentLabel[]; sentAt: number };
    answer?: ChatAnswer;
}

export interface ThreadView {
    id: string;
    title: string;
    exchanges: ExchangeView[];
    /** Exchanges before this index are no longer sent to the model (the context filled up). */
    contextStart: number;
    /** What the model reads in place of the exchanges before contextStart (absent: they were dropped unsummarised). */
    contextSummary?: { text: string; byModel: boolean };
}

/** A context chip in the input bar: what the next message will carry. */
export interface ContextChip {
    id: string;
    kind: AttachmentKind;
    /** Short: `format.ts`, `format.ts:3-9`. */
    label: string;
    /** Longer, for the tooltip and screen readers: the workspace path and what it is. */
    detail: string;
    /** Estimated tokens it adds. */
    tokens: number;
}

export interface ContextView {
    chips: ContextChip[];
    /** Tokens the conversation so far takes in the next prompt (system prompt included). */
    historyTokens: number;
    /** Whether historyTokens is estimated (no exact count from the engine yet). */
    estimated: boolean;
    contextSize: number;
    /** Most tokens a prompt may take before the oldest exchanges are trimmed. */
    budget: number;
    /** Correction for the webview's estimate of the draft (see tokens.ts). */
    tokenScale: number;
}

/** The project instruction files the next message's system prompt carries (src/core/instructions). */
export interface InstructionsView {
    files: { path: string; truncated: boolean }[];
    /** Restricted Mode: the files are still read (they are text), and the panel says they come from the workspace. */
    fromWorkspace: boolean;
}

/** The MCP servers the agent may use, and what each is doing (src/node/mcp). */
export interface McpServersView {
    servers: McpServerView[];
    /** Restricted Mode: no server starts, and the panel says why. */
    restricted: boolean;
}

export interface McpServerView {
    name: string;
    /** Where it is configured. */
    source: "workspace" | "settings";
    state: "stopped" | "starting" | "running" | "failed" | "declined";
    toolCount: number;
    /** Why it failed or was not started. */
    error?: string;
}

export type McpServerAction = "start" | "stop" | "restart";

export interface EngineView {
    kind: "idle" | "busy" | "ready" | "error";
    /** One line: "Model loads when you send", "Loading model 40%", "Ready", the error. */
    label: string;
    /** A button next to the line: choosing a model fixes it. */
    action?: "selectModel";
}

export interface ChatViewState {
    thread: ThreadView;
    /** Saved conversations of this workspace, newest first. */
    history: ThreadSummary[];
    /** The generation in progress, if any. */
    busy?: { requestId: string; exchangeId: string };
    context: ContextView;
    engine: EngineView;
    /** The thinking toggle's default (`chat` in the `thinking` setting). */
    thinkingDefault: boolean;
}

// ---- extension → webview

/** Streamed text of one answer, tagged with its request. */
export interface ChatDelta {
    requestId: string;
    exchangeId: string;
    /** Text to append to the reasoning / the answer. */
    reasoning?: string;
    content?: string;
    reasoningTokens: number;
    thinkingMs?: number;
}

/** What the extension asks the panel to show: the chat list, the input, or the chat (leaving Agent mode). */
export type PanelCommand = "showHistory" | "focusInput" | "showChat";

export type ToWebview =
    | { type: "state"; state: ChatViewState }
    | { type: "context"; context: ContextView }
    | { type: "engine"; engine: EngineView }
    | ({ type: "delta" } & ChatDelta)
    | { type: "command"; command: PanelCommand }
    /** The agent session's events so far (on load, and when a new session starts): replaces what the panel shows. */
    | { type: "agentLog"; events: AgentEvent[] }
    /** One more event of the agent session (text and thinking are deltas). */
    | { type: "agentEvent"; event: AgentEvent }
    /** The project instruction files in use (after a change of the open file, the chips, trust or the files). */
    | { type: "instructions"; view: InstructionsView }
    /** Puts text into the input box (a request that "Restore to here" took back). */
    | { type: "draft"; text: string }
    /** The MCP servers and their states (on load, and whenever one changes). */
    | { type: "mcpServers"; view: McpServersView };

// ---- webview → extension

export type CodeAction = "copy" | "insert" | "apply";

/** Which of the agent's proposals a review action is for: their ids, or all pending ones. */
export type ProposalIds = number[] | "all";

/** Most proposal ids in one review message. */
export const MAX_PROPOSAL_IDS = 10_000;

export type FromWebview =
    | { type: "ready" }
    /** `mode` "agent" runs the text as an agent request (default "chat"). */
    | { type: "send"; text: string; thinking: boolean; mode?: "chat" | "agent" }
    | { type: "stop"; requestId: string }
    | { type: "regenerate"; thinking: boolean }
    | { type: "editLast"; text: string; thinking: boolean }
    | { type: "newChat" }
    | { type: "openChat"; id: string }
    | { type: "deleteChat"; id: string }
    | { type: "removeChip"; id: string }
    | { type: "pickFiles" }
    /** `language` and `path` come from the code fence's info string (```ts src/a.ts). */
    | { type: "code"; action: CodeAction; code: string; language?: string; path?: string }
    | { type: "openLink"; href: string }
    | { type: "selectModel" }
    | { type: "agentStop" }
    /** Accept or reject proposals, or open their diffs ("all": the multi-file review). */
    | { type: "agentReview"; action: "accept" | "reject" | "open"; ids: ProposalIds }
    /** Open one of the instruction files the panel lists. */
    | { type: "openInstruction"; path: string }
    /** "Restore to here" on the agent's request `turn`: its files back, the conversation rewound. */
    | { type: "restoreTurn"; turn: number }
    /** Start, stop or restart one of the MCP servers the panel lists. */
    | { type: "mcpServer"; name: string; action: McpServerAction }
    /** Open the log (an MCP server's stderr, the engine's messages). */
    | { type: "showLog" };

// ---- checks

const isRange = shape({ startLine: isNumber, endLine: isNumber });
const isKind = oneOf("selection", "activeFile", "file");
const isAttachmentLabel = shape({ kind: isKind, path: isString, range: optional(isRange), truncated: optional(isBoolean) });
const isExchangeView = shape({
    id: isString,
    user: shape({ text: isString, attachments: arrayOf(isAttachmentLabel), sentAt: isNumber }),
    answer: optional(isChatAnswer)
});
const isThreadView = shape({
    id: isString, title: isString, exchanges: arrayOf(isExchangeView), contextStart: isNumber,
    contextSummary: optional(shape({ text: isString, byModel: isBoolean }))
});
const isSummary = shape({ id: isString, title: isString, updatedAt: isNumber, exchangeCount: isNumber });
const isChip = shape({ id: isString, kind: isKind, label: isString, detail: isString, tokens: isNumber });
const isContextView: Check = shape({
    chips: arrayOf(isChip), historyTokens: isNumber, estimated: isBoolean, contextSize: isNumber, budget: isNumber, tokenScale: isNumber
});
const isEngineView: Check = shape({ kind: oneOf("idle", "busy", "ready", "error"), label: isString, action: optional(oneOf("selectModel")) });
const isState = shape({
    thread: isThreadView,
    history: arrayOf(isSummary),
    busy: optional(shape({ requestId: isString, exchangeId: isString })),
    context: isContextView,
    engine: isEngineView,
    thinkingDefault: isBoolean
});

const isProposal: Check = shape({
    id: isNumber, kind: oneOf("create", "modify", "delete", "rename"), path: isString, absPath: isString, from: optional(isString),
    fromAbsPath: optional(isString), added: isNumber, removed: isNumber
});
/** The agent's events (src/core/agent/events.ts), one check per event type. */
export const agentEventChecks: VariantChecks<AgentEvent> = {
    start: { task: isString, turn: optional(isNumber) },
    round: { round: isNumber, maxRounds: isNumber },
    thinking: { text: isString },
    text: { text: isString },
    toolCall: { id: isString, name: isString, arguments: isObject, summary: isString, access: optional(oneOf("read", "write", "command", "external")) },
    approval: {
        id: isString, state: oneOf("pending", "approved", "denied", "refused"),
        by: optional(oneOf("user", "setting", "session", "restricted", "rule")), rule: optional(isString)
    },
    toolResult: { id: isString, ok: isBoolean, text: isString },
    diff: { id: isString, proposal: isProposal, diff: isString },
    proposals: { pending: arrayOf(isProposal) },
    notice: { text: isString, level: oneOf("info", "warning", "error") },
    instructions: { files: arrayOf(shape({ path: isString, source: isString, truncated: isBoolean })) },
    compacting: {},
    compacted: { summarized: isNumber, tokensBefore: isNumber, tokensAfter: isNumber, byModel: isBoolean, summary: isString },
    usage: {
        round: isNumber, promptTokens: isNumber, evaluatedTokens: isNumber, generatedTokens: isNumber,
        compactionEvaluatedTokens: isNumber, compactionGeneratedTokens: isNumber
    },
    done: { reason: oneOf("answered", "roundLimit", "cancelled", "error"), rounds: isNumber, message: optional(isString) }
};
const isAgentEvent = union(agentEventChecks);

/** Extension → webview: one check per message type. */
export const toWebviewChecks: VariantChecks<ToWebview> = {
    state: { state: isState },
    context: { context: isContextView },
    engine: { engine: isEngineView },
    delta: {
        requestId: isString, exchangeId: isString, reasoning: optional(isString), content: optional(isString),
        reasoningTokens: isNumber, thinkingMs: optional(isNumber)
    },
    command: { command: oneOf("showHistory", "focusInput", "showChat") },
    agentLog: { events: arrayOf(isAgentEvent) },
    agentEvent: { event: isAgentEvent },
    instructions: { view: shape({ files: arrayOf(shape({ path: isString, truncated: isBoolean })), fromWorkspace: isBoolean }) },
    draft: { text: isString },
    mcpServers: {
        view: shape({
            servers: arrayOf(shape({
                name: isString, source: oneOf("workspace", "settings"), state: oneOf("stopped", "starting", "running", "failed", "declined"),
                toolCount: isNumber, error: optional(isString)
            })),
            restricted: isBoolean
        })
    }
};

const isMessageText = stringUpTo(MAX_MESSAGE_CHARS);
const isProposalId = (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 0;
const isProposalIds: Check = (value) => value === "all" || (Array.isArray(value) && value.length <= MAX_PROPOSAL_IDS && value.every(isProposalId));
/** Webview → extension: one check per message type. */
export const fromWebviewChecks: VariantChecks<FromWebview> = {
    ready: {},
    send: { text: isMessageText, thinking: isBoolean, mode: optional(oneOf("chat", "agent")) },
    stop: { requestId: isId },
    regenerate: { thinking: isBoolean },
    editLast: { text: isMessageText, thinking: isBoolean },
    newChat: {},
    openChat: { id: isId },
    deleteChat: { id: isId },
    removeChip: { id: stringUpTo(4096) },
    pickFiles: {},
    code: {
        action: oneOf("copy", "insert", "apply"), code: stringUpTo(MAX_CODE_CHARS), language: optional(stringUpTo(100)),
        path: optional(stringUpTo(4096))
    },
    openLink: { href: stringUpTo(8192) },
    selectModel: {},
    agentStop: {},
    agentReview: { action: oneOf("accept", "reject", "open"), ids: isProposalIds },
    openInstruction: { path: stringUpTo(4096) },
    restoreTurn: { turn: (value: unknown) => Number.isSafeInteger(value) && (value as number) > 0 },
    mcpServer: { name: stringUpTo(200), action: oneOf("start", "stop", "restart") },
    showLog: {}
};

export const isToWebview = union(toWebviewChecks);

export const isFromWebview = union(fromWebviewChecks);

/** The only links the panel opens: web pages and mail. Anything else (javascript:, command:, file:) is refused. */
export function isSafeLink(href: string): boolean {
    try {
        const url = new URL(href);
        return url.protocol === "https:" || url.protocol === "http:" || url.protocol === "mailto:";
    } catch {
        return false;
    }
}
