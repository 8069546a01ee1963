/**
 * A tool is data plus one function: a snake_case name, a JSON schema and a description written for the model,
 * what kind of access it needs (which decides approval and Restricted Mode), and `invoke`. A ToolError's message
 * goes back to the model as the result.
 */
import type { JsonSchema } from "../../qwen35/types";
import type { EditSession, ProposalSummary } from "../editSession";
import type { ToolAccess } from "../events";
import type { WorkspacePaths } from "../paths";
import type { CommandRunner, DiagnosticsSource, WorkspaceFs } from "../workspaceFs";
import type { ExternalToolOrigin } from "./external";
import type { ToolName } from "./names";

/**
 * - "read": reads the workspace; runs without asking, also in an untrusted workspace.
 * - "write": proposes changes; asks the user per call unless they turned on auto-approval for the tool.
 * - "command": runs a process; asks the user every time.
 * - "external": an MCP server's tool or another extension's (external.ts); asks per call unless the user allowed
 *   its server or the tool (a setting the workspace cannot set) or allowed it for the rest of the session.
 */
export type { ToolAccess } from "../events";

export interface ToolContext {
    fs: WorkspaceFs;
    paths: WorkspacePaths;
    edits: EditSession;
    /** Absent: run_command is not offered (e.g. a host without a shell). */
    shell?: CommandRunner;
    /** Absent: get_diagnostics is not offered (the CLI has no language services). */
    diagnostics?: DiagnosticsSource;
    /**
     * Most characters one result may take, the loop's share of the context for it (set per round when the context
     * is counted); tools that can cut at a better place than the loop (read_file at a line) keep within it.
     */
    resultChars?: number;
}

export interface ToolResult {
    /** What the model reads. */
    text: string;
    /** Proposals this call created or changed, for the UI's diff cards. */
    proposals?: ProposalSummary[];
}

export interface AgentTool {
    /** One of TOOL_NAMES for the agent's own tools; an external tool's name as its source gave it. */
    name: ToolName | (string & {});
    description: string;
    parameters: JsonSchema & { type: "object" };
    access: ToolAccess;
    /** A capability of the host the tool needs; without it the tool is not offered. */
    requires?: "shell" | "diagnostics";
    /** The arguments that name files it changes (writing tools): resolved for the approval, which shows where they lead. */
    pathArguments?: readonly string[];
    /** Where an external tool comes from (access "external"). */
    origin?: ExternalToolOrigin;
    /** One line for approvals and the transcript, e.g. "edit src/a.ts (2 replacements)". */
    summarize(args: Record<string, unknown>): string;
    invoke(args: Record<string, unknown>, context: ToolContext, signal: AbortSignal): Promise<ToolResult>;
}
