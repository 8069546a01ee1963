/**
 * What an agent session reports as it works, for a UI to render (the chat panel, the transcript document, the CLI).
 * Every event is plain data; `id` ties a tool call's card to its approval, result and diffs. Browser-safe (the chat
 * webview renders these): it imports types only.
 */

/** What a tool does, for approvals (see tools/types.ts). */
/** "external": a tool of an MCP server or another extension (external.ts); asked about per call unless allowed. */
export type ToolAccess = "read" | "write" | "command" | "external";

import type { ProposalSummary } from "../proposals/types";

// One model of a proposed change for every producer (../proposals/types.ts); the agent's events carry its summaries.
export type { ProposalKind, ProposalSummary } from "../proposals/types";

export type AgentStopReason = "answered" | "roundLimit" | "cancelled" | "error";

export type AgentEvent =
    /** A request begins; `turn` numbers the session's requests (its checkpoint, "Restore to here"). */
    | { type: "start"; task: string; turn?: number }
    /** A new model turn begins (1-based). */
    | { type: "round"; round: number; maxRounds: number }
    /** Reasoning text as it streams (a delta). */
    | { type: "thinking"; text: string }
    /** Answer text as it streams (a delta). */
    | { type: "text"; text: string }
    /** A complete tool call as the model wrote it; `name` is "?" for a call too malformed to name. */
    | { type: "toolCall"; id: string; name: string; arguments: Record<string, unknown>; summary: string; access?: ToolAccess }
    /**
     * "pending": waiting for the user; "approved" (by the user, by the auto-approval setting, or for the rest of the
     * session); "denied" by the user; "refused" by policy (Restricted Mode).
     */
    | { type: "approval"; id: string; state: "pending" | "approved" | "denied" | "refused"; by?: "user" | "setting" | "session" | "restricted" | "rule"; rule?: string }
    /** What the model gets back for the call (`ok: false`: an error it should act on). */
    | { type: "toolResult"; id: string; ok: boolean; text: string }
    /** A change this call proposed, as a unified diff. */
    | { type: "diff"; id: string; proposal: ProposalSummary; diff: string }
    /** The pending proposals changed (proposed, accepted, rejected, dropped by a conflict). */
    | { type: "proposals"; pending: ProposalSummary[] }
    /** Something the user should know that is not the model's (a conflict on accept, a round limit). */
    | { type: "notice"; text: string; level: "info" | "warning" | "error" }
    /** The project instruction files this request's system prompt carries (AGENTS.md …), in their order. */
    | { type: "instructions"; files: { path: string; source: string; truncated: boolean }[] }
    /** The conversation is being compacted (its older part summarised by the model) before the next round. */
    | { type: "compacting" }
    /** The conversation was compacted: `summarized` messages became the summary; the prompt went from/to these tokens. */
    | { type: "compacted"; summarized: number; tokensBefore: number; tokensAfter: number; byModel: boolean; summary: string }
    /** One round's tokens: its prompt, how much of it the engine evaluated (the rest came from its cache), what it wrote. */
    | {
        type: "usage"; round: number; promptTokens: number; evaluatedTokens: number; generatedTokens: number;
        compactionEvaluatedTokens: number; compactionGeneratedTokens: number;
    }
    | { type: "done"; reason: AgentStopReason; rounds: number; message?: string };
