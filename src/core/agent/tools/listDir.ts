import { ToolError } from "../errors";
import { formatBytes } from "../../util/bytes";
import { brief, optionalString } from "./args";
import type { AgentTool } from "./types";

const MAX_ENTRIES = 500;

export const listDirTool: AgentTool = {
    name: "list_dir",
    description: "List a folder of the workspace: sub-folders end with \"/\", files show their size. Hidden entries are included. "
        + "Use find_files to look for files at any depth.",
    parameters: {
        type: "object",
        properties: {
            path: { type: "string", description: "Folder path relative to the workspace folder (default: the workspace folder itself)" }
        }
    },
    access: "read",
    summarize: (args) => `list ${brief(args.path ?? ".")}`,
    async invoke(args, { paths, fs, edits }) {
        const folder = await paths.resolve(optionalString(args, "path") ?? ".", { purpose: "read", allowRoot: true });
        if (folder.kind === undefined) throw new ToolError(`${folder.display} does not exist.`);
        if (folder.kind !== "directory") throw new ToolError(`${folder.display} is a file, not a folder; use read_file to read it.`);
        const entries = await fs.readDirectory(folder.abs);
        // Pending proposals change what the folder holds, as far as the model is concerned.
        const names = new Map(entries.map((entry) => [entry.name, entry.kind] as const));
        const pending = edits.pending();
        for (const proposal of pending) {
            if (proposal.kind === "delete" && parentOf(proposal.path) === folder.display) names.delete(baseName(proposal.path));
            if (proposal.kind === "rename" && proposal.from && parentOf(proposal.from) === folder.display) names.delete(baseName(proposal.from));
            if ((proposal.kind === "create" || proposal.kind === "rename") && parentOf(proposal.path) === folder.display) names.set(baseName(proposal.path), "file");
        }
        const sorted = [...names.entries()].sort(([a, kindA], [b, kindB]) =>
            (kindA === "directory" ? 0 : 1) - (kindB === "directory" ? 0 : 1) || a.localeCompare(b));
        const lines: string[] = [];
        for (const [name, kind] of sorted.slice(0, MAX_ENTRIES)) {
            if (kind === "directory") lines.push(`${name}/`);
            else if (kind === "symlink") lines.push(`${name} (symbolic link)`);
            else if (kind === "other") lines.push(`${name} (not a regular file)`);
            else {
                const stat = await fs.lstat(`${folder.abs}${folder.abs.endsWith("/") || folder.abs.endsWith("\\") ? "" : sepOf(folder.abs)}${name}`);
                lines.push(stat ? `${name} (${formatBytes(stat.size)})` : `${name} (pending)`);
            }
        }
        const more = sorted.length > MAX_ENTRIES ? `\n[${sorted.length - MAX_ENTRIES} more entries not shown]` : "";
        const name = folder.display === "." ? "Workspace folder" : folder.display;
        if (lines.length === 0) return { text: `${name} is empty.` };
        return { text: `${name} (${sorted.length} entries):\n${lines.join("\n")}${more}` };
    }
};

function parentOf(display: string): string {
    const at = display.lastIndexOf("/");
    return at < 0 ? "." : display.slice(0, at);
}

function baseName(display: string): string {
    return display.slice(display.lastIndexOf("/") + 1);
}

function sepOf(abs: string): string {
    return /^[a-zA-Z]:\\/.test(abs) || abs.startsWith("\\\\") ? "\\" : "/";
}
