import { ToolError } from "../errors";
import { listFiles, SKIPPED_FOLDERS } from "../files";
import { brief, optionalInteger, optionalString, requiredString } from "./args";
import type { AgentTool } from "./types";

export const findFilesTool: AgentTool = {
    name: "find_files",
    description: "Find files by glob pattern, e.g. \"**/*.test.ts\" or \"src/**/handler*.js\"; a pattern without \"/\" such as "
        + "\"*.py\" matches file names at any depth; several patterns can be separated by commas. "
        + `Skips ${SKIPPED_FOLDERS.join(", ")} folders. Returns matching paths relative to the workspace folder, sorted.`,
    parameters: {
        type: "object",
        properties: {
            pattern: { type: "string", description: "Glob pattern relative to the searched folder" },
            path: { type: "string", description: "Folder to search in (default: the workspace folder)" },
            max_results: { type: "integer", description: "Most paths to return (default 200, at most 1000)" }
        },
        required: ["pattern"]
    },
    access: "read",
    summarize: (args) => `find ${brief(args.pattern)}${args.path ? ` in ${brief(args.path)}` : ""}`,
    async invoke(args, { fs, paths }, signal) {
        const pattern = requiredString(args, "pattern");
        const folder = await paths.resolve(optionalString(args, "path") ?? ".", { purpose: "read", allowRoot: true });
        if (folder.kind !== "directory") throw new ToolError(`${folder.display} is not a folder.`);
        const max = optionalInteger(args, "max_results", { min: 1, max: 1000 }) ?? 200;
        const { files, truncated } = await listFiles(fs, paths, folder, pattern, max, signal);
        if (files.length === 0) return { text: `No files match "${pattern}"${folder.display === "." ? "" : ` in ${folder.display}`}.` };
        const more = truncated ? `\n[more files match: narrow the pattern or raise max_results]` : "";
        return { text: `${files.length} file${files.length === 1 ? " matches" : "s match"} "${pattern}":\n${files.map((file) => file.display).join("\n")}${more}` };
    }
};
