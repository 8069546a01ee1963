/**
 * Who lets a tool call run. Reading tools run freely. In an untrusted workspace (Restricted Mode) nothing else runs.
 * Writing tools ask the user per call unless the user turned on auto-approval for that tool (a setting the workspace
 * cannot set) or allowed it for the rest of the session; run_command asks every time, and so does a change to a file
 * that runs code (tasks, settings, git hooks, .envrc: see runsCode.ts), with the real path and why it matters.
 */
import { decideCommand, type CommandRule } from "./commandRules";
import { describeOrigin, externalAutoApproved, type ExternalToolOrigin } from "./tools/external";
import type { AgentTool } from "./tools";

export interface ApprovalTarget {
    /** As the model wrote it, relative to the workspace folder. */
    path: string;
    /** Where it really leads (links resolved): what is changed. */
    realPath: string;
    /** Set when changing it can run code (see runsCode.ts): shown in the question, and never approved without asking. */
    warning?: string;
}

export interface ApprovalRequest {
    id: string;
    tool: AgentTool["name"];
    access: AgentTool["access"];
    /** An external tool's MCP server or extension (access "external"). */
    origin?: ExternalToolOrigin;
    summary: string;
    arguments: Record<string, unknown>;
    /** The files a writing call would change, as resolved when it asks. */
    targets?: ApprovalTarget[];
}

/** True when the call would change a file that runs code (tasks, settings, hooks, .envrc…). */
export function runsCode(request: Pick<ApprovalRequest, "targets">): boolean {
    return request.targets?.some((target) => target.warning !== undefined) ?? false;
}

/** "allowForSession" is offered for writing and external tools; for run_command it counts as one "allow". */
export type ApprovalAnswer = "allow" | "allowForSession" | "deny";

/** Asks the user; resolves "deny" when the question is dismissed or the signal aborts. */
export type Approver = (request: ApprovalRequest, signal: AbortSignal) => Promise<ApprovalAnswer>;

export type ApprovalDecision =
    | { allowed: true; by?: "user" | "setting" | "session" | "rule"; rule?: string }
    | { allowed: false; by: "user" | "restricted" | "rule"; message: string; rule?: string };

export interface ApprovalPolicyOptions {
    approve: Approver;
    isTrusted: () => boolean;
    /** Tool names the user lets run without asking (run_command is never among them). */
    autoApprove: () => readonly string[];
    /** Told before the question is asked (the UI shows the call as waiting). */
    onPending?: (request: ApprovalRequest) => void;
    /** run_command's allow / ask / deny rules (commandRules.ts), read for every command. */
    commandRules?: () => readonly CommandRule[];
    /** External tools, or MCP servers (all their tools), the user lets run without asking (`qwenLocal.mcp.autoApprove`). */
    externalAutoApprove?: () => readonly string[];
}

export const RESTRICTED_MODE_MESSAGE = "This workspace is in Restricted Mode (the user has not trusted it), so only the reading "
    + "tools can be used: nothing can be changed and no command can run. Describe the changes you would make instead.";

export class ApprovalPolicy {
    private readonly allowedForSession = new Set<string>();

    constructor(private readonly options: ApprovalPolicyOptions) {}

    /** True in an untrusted workspace: only reading tools run. */
    get restricted(): boolean {
        return !this.options.isTrusted();
    }

    async decide(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalDecision> {
        if (request.access === "read") return { allowed: true };
        if (!this.options.isTrusted()) return { allowed: false, by: "restricted", message: RESTRICTED_MODE_MESSAGE };
        // A change to a file that runs code is asked about every time, whatever the settings say.
        const flagged = runsCode(request);
        if (request.access === "write" && !flagged) {
            if (this.options.autoApprove().includes(request.tool)) return { allowed: true, by: "setting" };
            if (this.allowedForSession.has(request.tool)) return { allowed: true, by: "session" };
        }
        if (request.access === "external") {
            if (externalAutoApproved({ name: request.tool, origin: request.origin }, this.options.externalAutoApprove?.() ?? [])) {
                return { allowed: true, by: "setting" };
            }
            if (this.allowedForSession.has(request.tool)) return { allowed: true, by: "session" };
        }
        if (request.access === "command" && this.options.commandRules) {
            const ruled = decideCommand(String(request.arguments.command ?? ""), this.options.commandRules());
            if (ruled.decision === "deny") {
                return {
                    allowed: false, by: "rule", rule: ruled.reason,
                    message: `The command was not run: ${ruled.reason} (qwenLocal.agent.commandRules). Do not try it another way; `
                        + "do the task without it, or tell the user what you wanted to run and why."
                };
            }
            if (ruled.decision === "allow") return { allowed: true, by: "rule", rule: ruled.reason };
        }
        this.options.onPending?.(request);
        let answer: ApprovalAnswer;
        try {
            answer = signal.aborted ? "deny" : await this.options.approve(request, signal);
        } catch {
            answer = "deny";
        }
        if (answer === "deny") {
            return {
                allowed: false, by: "user",
                message: `The user declined this call (${request.summary}); it did not run. Do not repeat it: continue another way, or ask the user.`
            };
        }
        if (answer === "allowForSession" && (request.access === "external" || (request.access === "write" && !flagged))) {
            this.allowedForSession.add(request.tool);
        }
        return { allowed: true, by: "user" };
    }
}

/** Longest argument shown in a write's question: the change itself is reviewed as a diff afterwards. */
const ARGUMENT_CHARS = 300;
/** Longer for an external tool's: nothing reviews its effect afterwards. */
const EXTERNAL_ARGUMENT_CHARS = 2000;

/**
 * What an approval question shows, for every UI: a command whole, however long (never cut: what is hidden could be
 * `&& rm -rf ~`); for a write, where each file really is when that differs from its name, and why a file that runs
 * code matters, then the arguments.
 */
export function approvalDetail(request: ApprovalRequest): string {
    const args = request.arguments;
    const lines: string[] = [];
    if (request.access === "command") {
        lines.push(`$ ${String(args.command ?? "")}`);
        if (args.cwd) lines.push(`in ${String(args.cwd)}`);
        lines.push("", "It runs with your permissions. Its output goes back to the model.");
        return lines.join("\n");
    }
    if (request.access === "external") {
        const origin = request.origin;
        lines.push(origin ? `${origin.tool} from ${describeOrigin(origin)}` : request.tool);
        lines.push("");
        for (const [name, value] of Object.entries(args)) {
            const text = typeof value === "string" ? value : JSON.stringify(value, null, 1);
            lines.push(`${name}: ${text.length > EXTERNAL_ARGUMENT_CHARS ? `${text.slice(0, EXTERNAL_ARGUMENT_CHARS)}…` : text}`);
        }
        lines.push("", origin?.kind === "mcp"
            ? "The server runs it with its own permissions (it may read or change anything it can reach). Its result goes back to the model."
            : "The extension runs it with its own permissions. Its result goes back to the model.");
        return lines.join("\n");
    }
    for (const target of request.targets ?? []) {
        if (target.warning !== undefined) lines.push(`⚠ ${target.path} can run code: ${target.warning}`);
        const separator = /^[a-zA-Z]:\\/.test(target.realPath) ? "\\" : "/";
        if (target.warning !== undefined || !target.realPath.endsWith(separator + target.path.split("/").join(separator))) {
            lines.push(`${target.path} is ${target.realPath}`);
        }
    }
    if (lines.length > 0) lines.push("");
    for (const [name, value] of Object.entries(args)) {
        const text = typeof value === "string" ? value : JSON.stringify(value, null, 1);
        lines.push(`${name}: ${text.length > ARGUMENT_CHARS ? `${text.slice(0, ARGUMENT_CHARS)}…` : text}`);
    }
    lines.push("", "The change is proposed as a diff for you to review; nothing is written until you accept it.");
    return lines.join("\n");
}
