/** Asks the user whether a tool call that writes or runs may go ahead: a modal question with the call's details. */
import * as vscode from "vscode";
import type { ApprovalAnswer, ApprovalRequest } from "../../core/agent/approvals";

const DETAIL_CHARS = 1200;

export async function approveInEditor(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    if (signal.aborted) return "deny";
    const allow = request.access === "command" ? "Run" : "Allow";
    const always = `Allow ${request.tool} for This Session`;
    const buttons = request.access === "write" ? [allow, always] : [allow];
    const message = request.access === "command"
        ? `Qwen wants to run a command in your workspace.`
        : `Qwen wants to ${request.summary}.`;
    const choice = await vscode.window.showWarningMessage(message, { modal: true, detail: describeArguments(request) }, ...buttons);
    if (signal.aborted) return "deny";
    if (choice === allow) return "allow";
    if (choice === always) return "allowForSession";
    return "deny";
}

function describeArguments(request: ApprovalRequest): string {
    const args = request.arguments;
    const lines: string[] = [];
    if (request.access === "command") {
        lines.push(`$ ${String(args.command ?? "")}`);
        if (args.cwd) lines.push(`in ${String(args.cwd)}`);
        lines.push("", "It runs with your permissions. Its output goes back to the model.");
    } else {
        for (const [name, value] of Object.entries(args)) {
            const text = typeof value === "string" ? value : JSON.stringify(value, null, 1);
            lines.push(`${name}: ${text.length > 300 ? `${text.slice(0, 300)}…` : text}`);
        }
        lines.push("", "The change is proposed as a diff for you to review; nothing is written until you accept it.");
    }
    const detail = lines.join("\n");
    return detail.length > DETAIL_CHARS ? `${detail.slice(0, DETAIL_CHARS)}…` : detail;
}
