/**
 * `tool NAME --root DIR --args JSON [--yes]`: one agent tool against a folder, printing its JSON result or error.
 * Writing tools show the proposed change and apply it only with --yes; run_command runs only with --yes.
 *
 * `agent --root DIR --model PATH "task"`: the agent loop headless, through the same worker process and core as the
 * extension. Calls that write or run ask on a terminal (or need --yes); the proposed changes are shown as diffs at the
 * end and applied with --yes or when confirmed.
 */
import path from "node:path";
import readline from "node:readline";
import { approvalDetail, runsCode, type ApprovalAnswer, type ApprovalRequest } from "../core/agent/approvals";
import { EditSession } from "../core/agent/editSession";
import type { AgentEvent } from "../core/agent/events";
import { WorkspacePaths } from "../core/agent/paths";
import { DEFAULT_INSTRUCTION_SETTINGS } from "../core/instructions";
import { AgentSession } from "../core/agent/session";
import { ALL_TOOLS, toolByName, type ToolContext } from "../core/agent/tools";
import { samplingFor } from "../core/qwen35/sampling";
import { EngineClient } from "../engine/client";
import { NodeCommandRunner } from "../node/agent/commandRunner";
import { NodeWorkspaceFs } from "../node/agent/nodeWorkspaceFs";
import { CliUsageError, parseFlags, wholeNumber, type CliCommand, type CliIo, type Flags } from "./command";

function rootOf(flags: Flags): string {
    const root = flags.values.get("--root");
    if (!root) throw new CliUsageError("--root DIR is required (the workspace folder)");
    return path.resolve(root);
}

export const toolCommand: CliCommand = {
    name: "tool",
    usage: `tool NAME --root DIR --args JSON [--yes]   run one agent tool (${ALL_TOOLS.map((tool) => tool.name).join(", ")}); writes need --yes`,
    async run(args, io) {
        const flags = parseFlags(args, ["--root", "--args"], ["--yes"]);
        const [name, extra] = flags.positional;
        if (!name) throw new CliUsageError("give the tool's name");
        if (extra !== undefined) throw new CliUsageError(`unexpected argument "${extra}"`);
        const tool = toolByName(name);
        if (!tool) throw new CliUsageError(`unknown tool "${name}"; the tools are ${ALL_TOOLS.map((t) => t.name).join(", ")}`);
        const root = rootOf(flags);
        let toolArgs: unknown = {};
        const argsText = flags.values.get("--args");
        if (argsText !== undefined) {
            try {
                toolArgs = JSON.parse(argsText);
            } catch (error) {
                throw new CliUsageError(`--args is not valid JSON: ${(error as Error).message}`);
            }
        }
        if (typeof toolArgs !== "object" || toolArgs === null || Array.isArray(toolArgs)) throw new CliUsageError("--args must be a JSON object");
        const yes = flags.switches.has("--yes");
        if (tool.access === "command" && !yes) throw new CliUsageError(`${name} runs a command: add --yes to allow it`);

        const fs = new NodeWorkspaceFs([root]);
        if (!await fs.lstat(root)) throw new CliUsageError(`--root ${root} does not exist`);
        const paths = new WorkspacePaths(fs);
        const context: ToolContext = { fs, paths, edits: new EditSession(fs, paths), shell: new NodeCommandRunner() };
        const controller = new AbortController();
        const onSigint = () => controller.abort();
        process.once("SIGINT", onSigint);
        try {
            const result = await tool.invoke(toolArgs as Record<string, unknown>, context, controller.signal);
            const output: Record<string, unknown> = { ok: true, tool: name, result: result.text };
            const pending = context.edits.pending();
            if (pending.length > 0) {
                output.changes = pending.map((proposal) => ({ kind: proposal.kind, path: proposal.path, ...(proposal.from ? { from: proposal.from } : {}), diff: context.edits.diff(proposal.id) }));
                if (yes) {
                    const outcome = await context.edits.accept("all");
                    output.applied = outcome.applied.map((proposal) => proposal.path);
                    if (outcome.conflicts.length > 0) output.conflicts = outcome.conflicts.map((conflict) => conflict.message);
                } else {
                    output.applied = [];
                    output.note = "Not applied: add --yes to apply the change.";
                }
            }
            io.stdout.write(JSON.stringify(output, null, 2) + "\n");
            return 0;
        } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            io.stdout.write(JSON.stringify({ ok: false, tool: name, error: message }, null, 2) + "\n");
            return 1;
        } finally {
            process.off("SIGINT", onSigint);
        }
    }
};

export const agentCommand: CliCommand = {
    name: "agent",
    usage: "agent --root DIR --model PATH \"task\" [--yes] [--no-thinking] [--thought-budget N] [--max-rounds N] [--context N] [--threads N] [--pass-env NAMES] [--no-instructions] [--json] [--verbose]   the agent loop headless (AGENTS.md, CLAUDE.md, .github/copilot-instructions.md and .qwen-local/rules are followed unless --no-instructions; --yes: no questions, except for files that run code; --pass-env: comma-separated variables commands get although they look secret)",
    async run(args, io) {
        const flags = parseFlags(args,
            ["--root", "--model", "--thought-budget", "--max-rounds", "--context", "--threads", "--max-tokens", "--seed", "--pass-env"],
            ["--yes", "--no-thinking", "--json", "--verbose", "--no-instructions"]);
        const [task, extra] = flags.positional;
        if (task === undefined || task.trim() === "") throw new CliUsageError("give the task, e.g. agent --root . --model m.gguf \"rename foo to bar\"");
        if (extra !== undefined) throw new CliUsageError(`unexpected argument "${extra}" (quote the task)`);
        const root = rootOf(flags);
        const model = flags.values.get("--model");
        if (!model) throw new CliUsageError("--model PATH is required (a .gguf file)");
        const yes = flags.switches.has("--yes");
        const json = flags.switches.has("--json");
        const verbose = flags.switches.has("--verbose");
        const thinking = !flags.switches.has("--no-thinking");
        const interactive = !yes && Boolean((io.stdin as NodeJS.ReadStream).isTTY);

        const fs = new NodeWorkspaceFs([root]);
        if (!await fs.lstat(root)) throw new CliUsageError(`--root ${root} does not exist`);
        const log = (level: string) => (message: string) => {
            if (verbose || level === "error" || level === "warn") io.stderr.write(`[${level}] ${message}\n`);
        };
        const client = new EngineClient({
            workerPath: path.join(__dirname, "worker.js"),
            log: { trace: log("trace"), debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") },
            maxCrashes: 1
        });
        const ask = interactive || (yes && Boolean((io.stdin as NodeJS.ReadStream).isTTY)) ? lineAsker(io) : undefined;
        const passEnv = (flags.values.get("--pass-env") ?? "").split(",").map((name) => name.trim()).filter((name) => name !== "");
        const seed = flags.values.has("--seed") ? wholeNumber(flags, "--seed", 0) : undefined;
        const session = new AgentSession({
            engine: client,
            fs,
            shell: new NodeCommandRunner({ passEnvironment: () => passEnv }),
            approve: async (request: ApprovalRequest): Promise<ApprovalAnswer> => {
                // --yes covers everything but a change to a file that runs code: that is asked, or refused without a terminal.
                const flagged = runsCode(request);
                if (yes && !flagged) return "allow";
                if (!ask) return "deny";
                // The whole question: a command however long (the terminal wraps it), where files really are, and why.
                io.stderr.write(`\n${approvalDetail(request)}\n`);
                const always = request.access === "write" && !flagged;
                const answer = await ask(`Allow ${request.summary}? [y]es${always ? ` / [a]lways for ${request.tool}` : ""} / [N]o `);
                return /^a/i.test(answer) && always ? "allowForSession" : /^[ya]/i.test(answer) ? "allow" : "deny";
            },
            settings: () => ({
                thinking,
                thoughtBudgetTokens: wholeNumber(flags, "--thought-budget", 4096),
                maxRounds: wholeNumber(flags, "--max-rounds", 25),
                autoApprove: [],
                maxAnswerTokens: flags.values.has("--max-tokens") ? wholeNumber(flags, "--max-tokens", 4096) : undefined,
                sampling: { ...samplingFor(thinking, {}), ...(seed !== undefined ? { seed } : {}) }
            }),
            isTrusted: () => true,
            platform: `${process.platform}, ${process.platform === "win32" ? "cmd.exe" : "/bin/sh"}`,
            ...(flags.switches.has("--no-instructions") ? {} : { instructions: { settings: () => DEFAULT_INSTRUCTION_SETTINGS } })
        });
        const print = json ? jsonPrinter(io) : textPrinter(io, verbose);
        session.onEvent(print);
        const onSigint = () => session.stop();
        process.once("SIGINT", onSigint);
        try {
            await client.load({
                modelPath: path.resolve(model),
                contextSize: wholeNumber(flags, "--context", 16384),
                gpu: "auto",
                threads: wholeNumber(flags, "--threads", 0)
            });
            const result = await session.run(task);
            const pending = session.pending();
            if (pending.length > 0) {
                if (!json) {
                    io.stdout.write(`\n${pending.length} proposed change${pending.length === 1 ? "" : "s"}:\n`);
                    for (const proposal of pending) io.stdout.write(`${session.edits.diff(proposal.id)}\n`);
                }
                const apply = yes || (ask !== undefined && /^y/i.test(await ask("Apply these changes? [y/N] ")));
                if (apply) {
                    const outcome = await session.accept("all");
                    print({ type: "notice", level: "info", text: `Applied: ${outcome.applied.map((p) => p.path).join(", ") || "nothing"}` });
                    for (const conflict of outcome.conflicts) print({ type: "notice", level: "warning", text: conflict.message });
                } else {
                    print({ type: "notice", level: "info", text: "Not applied (run with --yes to apply the changes)." });
                }
            }
            return result.reason === "error" ? 1 : 0;
        } finally {
            process.off("SIGINT", onSigint);
            session.dispose();
            await client.dispose();
        }
    }
};

function lineAsker(io: CliIo): (question: string) => Promise<string> {
    return (question) => new Promise((resolve) => {
        const rl = readline.createInterface({ input: io.stdin, output: io.stderr });
        rl.question(question, (answer) => {
            rl.close();
            resolve(answer);
        });
    });
}

function jsonPrinter(io: CliIo): (event: AgentEvent) => void {
    return (event) => io.stdout.write(JSON.stringify(event) + "\n");
}

/**
 * A readable stream of the session: reasoning and answer as they come, then each call with its approval and result
 * (a call's line is printed when it runs, so it sits next to its result).
 */
function textPrinter(io: CliIo, verbose: boolean): (event: AgentEvent) => void {
    let channel: "thinking" | "text" | undefined;
    const calls = new Map<string, string>();
    const newline = () => {
        if (channel !== undefined) io.stdout.write("\n");
        channel = undefined;
    };
    const callLine = (id: string) => {
        const summary = calls.get(id);
        if (summary === undefined) return;
        calls.delete(id);
        newline();
        io.stdout.write(`→ ${summary}\n`);
    };
    return (event) => {
        switch (event.type) {
            case "round":
                newline();
                io.stdout.write(`\n── round ${event.round} ──\n`);
                break;
            case "thinking":
            case "text":
                if (channel !== event.type) {
                    newline();
                    if (event.type === "thinking") io.stdout.write("[thinking] ");
                }
                channel = event.type;
                io.stdout.write(event.text);
                break;
            case "toolCall":
                calls.set(event.id, event.summary);
                break;
            case "approval":
                callLine(event.id);
                // A pending call is followed by the question itself (on a terminal) or the answer (--yes).
                if (event.state !== "pending") io.stdout.write(`  ${event.state}${event.by ? ` (${event.by})` : ""}\n`);
                break;
            case "toolResult": {
                callLine(event.id);
                const lines = event.text.split("\n");
                const shown = lines.slice(0, 12).map((line) => `  │ ${line}`).join("\n");
                io.stdout.write(`${event.ok ? "  ✓" : "  ✗"}\n${shown}${lines.length > 12 ? `\n  │ … ${lines.length - 12} more lines` : ""}\n`);
                break;
            }
            case "notice":
                newline();
                io.stderr.write(`[${event.level}] ${event.text}\n`);
                break;
            case "instructions":
                newline();
                io.stdout.write(`── following ${event.files.map((file) => file.path + (file.truncated ? " (cut)" : "")).join(", ")} ──\n`);
                break;
            case "compacting":
                newline();
                io.stdout.write("── compacting the conversation to fit the context ──\n");
                break;
            case "compacted":
                io.stdout.write(`── compacted: ${event.summarized} earlier messages → ${event.byModel ? "the model's summary" : "a digest of the calls"}; `
                    + `prompt ${event.tokensBefore} → ${event.tokensAfter} tokens ──\n`);
                break;
            case "usage":
                if (verbose) {
                    io.stderr.write(`[usage] round ${event.round}: prompt ${event.promptTokens} tokens, ${event.evaluatedTokens} evaluated, `
                        + `${event.generatedTokens} generated${event.compactionEvaluatedTokens + event.compactionGeneratedTokens > 0
                            ? `; compaction ${event.compactionEvaluatedTokens} evaluated, ${event.compactionGeneratedTokens} generated` : ""}\n`);
                }
                break;
            case "done":
                newline();
                io.stderr.write(`[${event.reason}] after ${event.rounds} round${event.rounds === 1 ? "" : "s"}${event.message ? `: ${event.message}` : ""}\n`);
                break;
            default:
                break;
        }
    };
}
