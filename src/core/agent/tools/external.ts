/**
 * Tools that come from outside the extension — MCP servers' tools and tools other extensions register in
 * `vscode.lm.tools` — as the agent sees them. A source lists them (starting what it needs) and runs a call; core
 * wraps each in an AgentTool of access "external", approved per call unless the user allowed its server or the tool.
 */
import type { JsonSchema } from "../../qwen35/types";
import { ToolError } from "../errors";
import type { AgentTool } from "./types";

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

/** Longest argument value shown in a call's one-line summary. */
const SUMMARY_VALUE_CHARS = 60;

/** Where a tool comes from, for people: "MCP server files" or "VS Code (extension tool)". */
export function describeOrigin(origin: ExternalToolOrigin): string {
    return origin.kind === "mcp" ? `MCP server "${origin.server}"` : "VS Code (a tool of another extension)";
}

/** The agent's view of a source's tools: each an AgentTool of access "external" that calls the source. */
export function externalAgentTools(specs: readonly ExternalToolSpec[], source: ExternalToolSource): AgentTool[] {
    return specs.map((spec) => ({
        name: spec.name,
        description: spec.description,
        parameters: spec.parameters,
        access: "external",
        origin: spec.origin,
        summarize: (args) => summarizeCall(spec, args),
        async invoke(args, _context, signal) {
            const output = await source.call(spec.name, args, signal);
            const text = output.text.trim() === "" ? (output.isError ? "The tool failed without saying why." : "(The tool returned nothing.)") : output.text;
            if (output.isError) throw new ToolError(`${spec.name} reported an error: ${text}`);
            return { text };
        }
    }));
}

function summarizeCall(spec: ExternalToolSpec, args: Record<string, unknown>): string {
    const where = spec.origin.kind === "mcp" ? `${spec.origin.server}: ${spec.origin.tool}` : spec.origin.tool;
    const shown = Object.entries(args).slice(0, 3).map(([key, value]) => {
        const text = typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
        return `${key}=${text.length > SUMMARY_VALUE_CHARS ? `${text.slice(0, SUMMARY_VALUE_CHARS)}…` : text}`;
    });
    return shown.length > 0 ? `${where} (${shown.join(", ")}${Object.keys(args).length > 3 ? ", …" : ""})` : where;
}

/**
 * True when the user let this tool run without asking: its name, or for an MCP tool its server's name, is in the list
 * (`qwenLocal.mcp.autoApprove`, which only the user's settings can set).
 */
export function externalAutoApproved(tool: { name: string; origin?: ExternalToolOrigin }, allowed: readonly string[]): boolean {
    if (allowed.includes(tool.name)) return true;
    return tool.origin?.kind === "mcp" && allowed.includes(tool.origin.server);
}

/**
 * The external tools to offer, after the agent's own, in a stable order (by name: the tool list is part of the
 * prompt's cached prefix); a name that clashes with one already offered is left out and reported.
 */
export function mergeExternalTools(own: readonly AgentTool[], external: readonly AgentTool[], report: (message: string) => void): AgentTool[] {
    const names = new Set(own.map((tool) => tool.name as string));
    const merged = [...own];
    for (const tool of [...external].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        if (names.has(tool.name)) {
            report(`The tool "${tool.name}" (${tool.origin ? describeOrigin(tool.origin) : "external"}) has the name of a tool already offered, so it is left out.`);
            continue;
        }
        names.add(tool.name);
        merged.push(tool);
    }
    return merged;
}

/** Several sources as one: their tools listed together (in parallel), each call sent to the source that listed it. */
export function combineToolSources(sources: readonly ExternalToolSource[]): ExternalToolSource {
    const owner = new Map<string, ExternalToolSource>();
    return {
        async list(signal) {
            const lists = await Promise.all(sources.map((source) => source.list(signal).catch(() => [] as ExternalToolSpec[])));
            owner.clear();
            const specs: ExternalToolSpec[] = [];
            lists.forEach((list, index) => {
                for (const spec of list) {
                    if (owner.has(spec.name)) continue;
                    owner.set(spec.name, sources[index]!);
                    specs.push(spec);
                }
            });
            return specs;
        },
        async call(name, args, signal) {
            const source = owner.get(name);
            if (!source) return { text: `There is no tool "${name}" now (its server or extension is gone).`, isError: true };
            return source.call(name, args, signal);
        }
    };
}
