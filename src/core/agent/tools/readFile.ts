import { ToolError } from "../errors";
import { capLine, LIMITS, splitLines } from "../text";
import { brief, optionalInteger, requiredString } from "./args";
import type { AgentTool } from "./types";

export const readFileTool: AgentTool = {
    name: "read_file",
    description: "Read a text file of the workspace. Returns its lines (at most 400 per call) with a header giving the line range "
        + "and the total; for a longer file call again with start_line to read the next part. Shows your own pending, "
        + "not yet accepted changes. Paths are relative to the workspace folder.",
    parameters: {
        type: "object",
        properties: {
            path: { type: "string", description: "File path relative to the workspace folder, e.g. src/index.ts" },
            start_line: { type: "integer", description: "First line to read, 1-based (default 1)" },
            end_line: { type: "integer", description: "Last line to read, inclusive (default: 400 lines after start_line)" }
        },
        required: ["path"]
    },
    access: "read",
    summarize: (args) => {
        const range = args.start_line !== undefined || args.end_line !== undefined
            ? ` lines ${String(args.start_line ?? 1)}–${String(args.end_line ?? "")}` : "";
        return `read ${brief(args.path)}${range}`;
    },
    async invoke(args, { paths, edits, resultChars }) {
        const file = await paths.resolve(requiredString(args, "path"), { purpose: "read" });
        if (file.kind === "directory") throw new ToolError(`${file.display} is a folder; use list_dir to see what is in it.`);
        const state = await edits.read(file);
        if (!state.exists || state.text === undefined) {
            throw new ToolError(state.proposed
                ? `${file.display} no longer exists: your pending changes deleted or renamed it.`
                : `${file.display} does not exist. Use find_files or list_dir to find the right path.`);
        }
        edits.noteSeen(file, state);
        const lines = splitLines(state.text);
        const total = lines.length;
        const start = optionalInteger(args, "start_line", { min: 1 }) ?? 1;
        const requestedEnd = optionalInteger(args, "end_line", { min: 1 });
        if (requestedEnd !== undefined && requestedEnd < start) throw new ToolError(`end_line (${requestedEnd}) is before start_line (${start}).`);
        const pending = state.proposed ? ", with your pending changes" : "";
        if (total === 0) return { text: `${file.display} is empty${pending}.` };
        if (start > total) throw new ToolError(`${file.display} has only ${total} lines; start_line ${start} is past its end.`);

        let end = Math.min(total, requestedEnd ?? start + LIMITS.readLines - 1, start + LIMITS.readLines - 1);
        // The header and the continuation note take their share of the result's budget.
        const maxChars = Math.min(LIMITS.readChars, resultChars !== undefined ? Math.max(200, resultChars - 300) : LIMITS.readChars);
        const shown: string[] = [];
        let chars = 0;
        for (let line = start; line <= end; line++) {
            const text = capLine(lines[line - 1]!);
            if (chars + text.length > maxChars && shown.length > 0) {
                end = line - 1;
                break;
            }
            shown.push(text);
            chars += text.length + 1;
        }
        const whole = start === 1 && end === total;
        const header = whole ? `${file.display} (${total} lines${pending}):` : `${file.display} lines ${start}–${end} of ${total}${pending}:`;
        const footer = end < total ? `\n[Cut here: lines ${end + 1}–${total} not shown; call read_file with start_line=${end + 1} to continue]` : "";
        return { text: `${header}\n${shown.join("\n")}${footer}` };
    }
};
