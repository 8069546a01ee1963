/** The agent's tools, and which of them a session offers the model. */
import type { FunctionTool } from "../../qwen35/types";
import { createFileTool } from "./createFile";
import { deleteFileTool } from "./deleteFile";
import { editFileTool } from "./editFile";
import { findFilesTool } from "./findFiles";
import { getDiagnosticsTool } from "./getDiagnostics";
import { listDirTool } from "./listDir";
import { TOOL_NAMES, type ToolName } from "./names";
import { readFileTool } from "./readFile";
import { renameFileTool } from "./renameFile";
import { runCommandTool } from "./runCommand";
import { searchTextTool } from "./searchText";
import type { AgentTool, ToolContext } from "./types";

const BY_NAME: Record<ToolName, AgentTool> = {
    read_file: readFileTool,
    list_dir: listDirTool,
    find_files: findFilesTool,
    search_text: searchTextTool,
    get_diagnostics: getDiagnosticsTool,
    edit_file: editFileTool,
    create_file: createFileTool,
    rename_file: renameFileTool,
    delete_file: deleteFileTool,
    run_command: runCommandTool
};

export const ALL_TOOLS: readonly AgentTool[] = TOOL_NAMES.map((name) => BY_NAME[name]);

export function toolByName(name: string): AgentTool | undefined {
    return (BY_NAME as Record<string, AgentTool | undefined>)[name];
}

/**
 * The tools the model is offered: those the host can run, and in an untrusted workspace (Restricted Mode) only the
 * reading ones, so the model does not even try the others.
 */
export function availableTools(context: Pick<ToolContext, "shell" | "diagnostics">, trusted: boolean): AgentTool[] {
    return ALL_TOOLS.filter((tool) => (trusted || tool.access === "read")
        && (tool.requires !== "shell" || context.shell !== undefined)
        && (tool.requires !== "diagnostics" || context.diagnostics !== undefined));
}

/** The tools as the chat template renders them. */
export function toolDefinitions(tools: readonly AgentTool[]): FunctionTool[] {
    return tools.map((tool) => ({
        type: "function",
        function: { name: tool.name, description: tool.description, parameters: tool.parameters }
    }));
}

export type { AgentTool, ToolAccess, ToolContext, ToolResult } from "./types";
export { TOOL_NAMES, isToolName, type ToolName } from "./names";
