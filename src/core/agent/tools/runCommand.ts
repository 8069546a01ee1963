import { ToolError } from "../errors";
import { brief, optionalInteger, optionalString, requiredString } from "./args";
import type { AgentTool } from "./types";

const DEFAULT_TIMEOUT_S = 120;
const MAX_TIMEOUT_S = 1800;
const MAX_OUTPUT_CHARS = 16_000;

export const runCommandTool: AgentTool = {
    name: "run_command",
    description: "Run a shell command in the workspace folder (e.g. run the tests or a build) and return its exit code and output "
        + "(stdout and stderr together; long output keeps its start and end). The user approves every command first. "
        + "Not for reading or changing files: use the file tools for that. Commands must finish on their own (no interactive input).",
    parameters: {
        type: "object",
        properties: {
            command: { type: "string", description: "The shell command line" },
            cwd: { type: "string", description: "Folder to run it in, relative to the workspace folder (default: the workspace folder)" },
            timeout_seconds: { type: "integer", description: `Stop it after this many seconds (default ${DEFAULT_TIMEOUT_S}, at most ${MAX_TIMEOUT_S})` }
        },
        required: ["command"]
    },
    access: "command",
    requires: "shell",
    summarize: (args) => `run \`${brief(args.command, 80)}\``,
    async invoke(args, { paths, shell }, signal) {
        if (!shell) throw new ToolError("Running commands is not available here.");
        const command = requiredString(args, "command");
        if (command.trim() === "") throw new ToolError("The command is empty.");
        if (command.includes("\0")) throw new ToolError("The command contains a NUL byte.");
        const folder = await paths.resolve(optionalString(args, "cwd") ?? ".", { purpose: "read", allowRoot: true });
        if (folder.kind !== "directory") throw new ToolError(`${folder.display} is not a folder.`);
        const timeoutS = optionalInteger(args, "timeout_seconds", { min: 1, max: MAX_TIMEOUT_S }) ?? DEFAULT_TIMEOUT_S;
        const result = await shell.run(command, { cwd: folder.abs, timeoutMs: timeoutS * 1000, maxOutputChars: MAX_OUTPUT_CHARS, signal });
        const status = result.waitingForInput ? "waited for input and was interrupted"
            : result.cancelled ? "was stopped by the user"
            : result.timedOut ? `was stopped after ${timeoutS} s (timeout)`
                : result.exitCode !== null ? `exited with code ${result.exitCode}` : `was ended by signal ${result.signal ?? "?"}`;
        const output = result.output.trim() === "" ? "(no output)" : result.output;
        return { text: `The command ${status}${result.truncated ? " (output shortened)" : ""}.\n${output}` };
    }
};
