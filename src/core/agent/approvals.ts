/**
 * Who lets a tool call run. Reading tools run freely. In an untrusted workspace (Restricted Mode) nothing else runs.
 * Writing tools ask the user per call unless the user turned on auto-approval for that tool (a setting the workspace
 * cannot set) or allowed it for the rest of the session; run_command asks every time.
 */
import type { AgentTool, ToolName } from "./tools";

export interface ApprovalRequest {
    id: string;
    tool: ToolName;
    access: AgentTool["access"];
    summary: string;
    arguments: Record<string, unknown>;
}

/** "allowForSession" is offered for writing tools only; for run_command it counts as one "allow". */
export type ApprovalAnswer = "allow" | "allowForSession" | "deny";

/** Asks the user; resolves "deny" when the question is dismissed or the signal aborts. */
export type Approver = (request: ApprovalRequest, signal: AbortSignal) => Promise<ApprovalAnswer>;

export type ApprovalDecision =
    | { allowed: true; by?: "user" | "setting" | "session" }
    | { allowed: false; by: "user" | "restricted"; message: string };

export interface ApprovalPolicyOptions {
    approve: Approver;
    isTrusted: () => boolean;
    /** Tool names the user lets run without asking (run_command is never among them). */
    autoApprove: () => readonly string[];
    /** Told before the question is asked (the UI shows the call as waiting). */
    onPending?: (request: ApprovalRequest) => void;
}

export const RESTRICTED_MODE_MESSAGE = "This workspace is in Restricted Mode (the user has not trusted it), so only the reading "
    + "tools can be used: nothing can be changed and no command can run. Describe the changes you would make instead.";

export class ApprovalPolicy {
    private readonly allowedForSession = new Set<ToolName>();

    constructor(private readonly options: ApprovalPolicyOptions) {}

    /** True in an untrusted workspace: only reading tools run. */
    get restricted(): boolean {
        return !this.options.isTrusted();
    }

    /** Forgets "allow for this session" answers (a new conversation). */
    reset(): void {
        this.allowedForSession.clear();
    }

    async decide(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalDecision> {
        if (request.access === "read") return { allowed: true };
        if (!this.options.isTrusted()) return { allowed: false, by: "restricted", message: RESTRICTED_MODE_MESSAGE };
        if (request.access === "write") {
            if (this.options.autoApprove().includes(request.tool)) return { allowed: true, by: "setting" };
            if (this.allowedForSession.has(request.tool)) return { allowed: true, by: "session" };
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
        if (answer === "allowForSession" && request.access === "write") this.allowedForSession.add(request.tool);
        return { allowed: true, by: "user" };
    }
}
