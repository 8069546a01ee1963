/** Every tool's name, in one place (the order is the order the model sees them in). */
export const TOOL_NAMES = [
    "read_file",
    "list_dir",
    "find_files",
    "search_text",
    "get_diagnostics",
    "edit_file",
    "create_file",
    "rename_file",
    "delete_file",
    "run_command"
] as const;

export type ToolName = typeof TOOL_NAMES[number];

export function isToolName(name: string): name is ToolName {
    return (TOOL_NAMES as readonly string[]).includes(name);
}
