/**
 * Tools that come from outside the extension — MCP servers' tools and tools other extensions register in
 * `vscode.lm.tools` — as the agent sees them. A source lists them (starting what it needs) and runs a call; core
 * wraps each in an AgentTool of access "external", approved per call unless the user allowed its server or the tool.
 */
import type { JsonSchema } from "../../qwen35/types";

export type ExternalToolOrigin = { kind: "mcp"; server: string; tool: string } | { kind: "vscode"; tool: string };

export interface ExternalToolSpec {
    /** What the model sees, e.g. "files__read_text": already sanitised and unique. */
    name: string;
    description: string;
    parameters: JsonSchema & { type: "object" };
    origin: ExternalToolOrigin;
}

export interface ExternalToolOutput {
    text: string;
    isError: boolean;
}

export interface ExternalToolSource {
    /** The tools to offer now; starts what it needs (asking where it must). Never throws: a server that fails is logged and left out. */
    list(signal: AbortSignal): Promise<ExternalToolSpec[]>;
    call(name: string, args: Record<string, unknown>, signal: AbortSignal): Promise<ExternalToolOutput>;
}
