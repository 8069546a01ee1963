import { ToolError } from "../errors";
import { listFiles, SKIPPED_FOLDERS, type FoundFile } from "../files";
import { compileSearchPattern } from "../searchPattern";
import { capLine, LIMITS, splitLines } from "../text";
import type { WorkspaceRoot } from "../workspaceFs";
import { brief, optionalBoolean, optionalInteger, optionalString, requiredString } from "./args";
import type { AgentTool, ToolContext } from "./types";

/** Files looked at in one search, at most. */
const MAX_FILES = 20_000;
/** A search that takes longer stops and says its result is partial (an object so that tests can lower it). */
export const SEARCH_TIME_LIMIT = { ms: 20_000 };

export const searchTextTool: AgentTool = {
    name: "search_text",
    description: "Search the text of the workspace's files for a literal string or a regular expression (JavaScript syntax, "
        + "run in linear time: no backreferences or lookahead). "
        + "Returns matching lines as \"path:line: text\". Use include to limit the files by glob (e.g. \"*.ts\" or \"src/**\"). "
        + `Skips binary files, files over 1 MB and ${SKIPPED_FOLDERS.join(", ")} folders. Shows your pending changes.`,
    parameters: {
        type: "object",
        properties: {
            query: { type: "string", description: "Text or regular expression to find (matched within one line)" },
            is_regex: { type: "boolean", description: "true: query is a regular expression (default false: literal text)" },
            case_sensitive: { type: "boolean", description: "Match case exactly (default false)" },
            include: { type: "string", description: "Glob of files to search, e.g. \"*.ts\" or \"src/**/*.py\" (default: all files)" },
            path: { type: "string", description: "Folder to search in (default: the workspace folder)" },
            max_results: { type: "integer", description: "Most matching lines to return (default 100, at most 500)" }
        },
        required: ["query"]
    },
    access: "read",
    summarize: (args) => `search ${args.is_regex ? "/" + brief(args.query, 40) + "/" : `"${brief(args.query, 40)}"`}${args.include ? ` in ${brief(args.include)}` : ""}`,
    async invoke(args, context, signal) {
        const { fs, paths } = context;
        const query = requiredString(args, "query");
        if (query === "") throw new ToolError("The query is empty.");
        const isRegex = optionalBoolean(args, "is_regex", false);
        const caseSensitive = optionalBoolean(args, "case_sensitive", false);
        const max = optionalInteger(args, "max_results", { min: 1, max: 500 }) ?? 100;
        const pattern = compileSearchPattern(query, { isRegex, caseSensitive });
        const folder = await paths.resolve(optionalString(args, "path") ?? ".", { purpose: "read", allowRoot: true });
        if (folder.kind !== "directory") throw new ToolError(`${folder.display} is not a folder; use read_file for a single file.`);
        const include = optionalString(args, "include");
        const { files, truncated: listingTruncated } = await listFiles(fs, paths, folder, include, MAX_FILES, signal);

        const started = Date.now();
        const results: string[] = [];
        let matchedFiles = 0;
        let stoppedEarly = listingTruncated;
        let outOfTime = false;
        for (const file of files) {
            if (signal.aborted || outOfTime) break;
            const text = await readForSearch(file, folder.root, context);
            if (text === undefined) continue;
            let fileMatched = false;
            const lines = splitLines(text);
            for (let index = 0; index < lines.length && results.length < max; index++) {
                // Checked per line, not per file: one file can be a megabyte of long lines.
                if (Date.now() - started >= SEARCH_TIME_LIMIT.ms || signal.aborted) {
                    outOfTime = !signal.aborted;
                    break;
                }
                if (!pattern.test(lines[index]!)) continue;
                fileMatched = true;
                results.push(`${file.display}:${index + 1}: ${capLine(lines[index]!.trim())}`);
            }
            if (fileMatched) matchedFiles++;
            if (results.length >= max) {
                stoppedEarly = true;
                break;
            }
        }
        if (outOfTime) stoppedEarly = true;
        const timeNote = `The search stopped at its time limit (${SEARCH_TIME_LIMIT.ms / 1000} s), so it is partial: narrow it with include or path`
            + `${isRegex ? ", or simplify the regular expression" : ""}.`;
        if (results.length === 0) {
            const early = outOfTime ? ` (${timeNote})` : stoppedEarly ? " (The search stopped early: narrow it with include or path.)" : "";
            return { text: `No matches for ${isRegex ? `/${query}/` : `"${query}"`}${include ? ` in files matching "${include}"` : ""}.${early}` };
        }
        const more = outOfTime ? `\n[${timeNote}]`
            : stoppedEarly ? `\n[more matches may exist: narrow the search with include or path, or raise max_results]` : "";
        return { text: `${results.length} matching line${results.length === 1 ? "" : "s"} in ${matchedFiles} file${matchedFiles === 1 ? "" : "s"}:\n${results.join("\n")}${more}` };
    }
};

async function readForSearch(file: FoundFile, root: WorkspaceRoot, { fs, edits }: ToolContext): Promise<string | undefined> {
    try {
        const stat = await fs.lstat(file.abs);
        if (!stat || stat.kind !== "file" || stat.size > LIMITS.searchFileBytes) return undefined;
        const state = await edits.read({ abs: file.abs, display: file.display, root, kind: "file", size: stat.size });
        return state.exists ? state.text : undefined;
    } catch {
        // Binary, unreadable or vanished since the listing: not a match, not an error.
        return undefined;
    }
}
