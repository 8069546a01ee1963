/**
 * Asks the user whether a tool call that writes or runs may go ahead: a modal question with the call's details. A
 * command is shown whole (a long one in an editor beside the question); a change to a file that runs code (tasks,
 * settings, git hooks) says so, with the real path it leads to, and offers no "for this session".
 */
import * as vscode from "vscode";
import { approvalDetail, runsCode, type ApprovalAnswer, type ApprovalRequest } from "../../core/agent/approvals";

/** Longer details go to an editor: a modal dialog does not scroll. */
const DETAIL_CHARS = 4000;

export async function approveInEditor(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    if (signal.aborted) return "deny";
    const allow = request.access === "command" ? "Run" : "Allow";
    const flagged = runsCode(request);
    const always = `Allow ${request.tool} for This Session`;
    const showAll = request.access === "command" ? "Show Full Command" : "Show Full Details";
    const message = request.access === "command"
        ? `Qwen wants to run a command in your workspace.`
        : request.access === "external"
        ? `Qwen wants to use ${request.origin?.kind === "mcp" ? `the MCP server "${request.origin.server}"` : "another extension's tool"}: ${request.summary}.`
        : flagged ? `Qwen wants to ${request.summary}: a file that can run code.` : `Qwen wants to ${request.summary}.`;
    const detail = approvalDetail(request);
    const long = detail.length > DETAIL_CHARS;
    const buttons = [allow, ...((request.access === "write" && !flagged) || request.access === "external" ? [always] : []), ...(long ? [showAll] : [])];
    for (;;) {
        const shown = long ? `${detail.slice(0, DETAIL_CHARS)}…\n\n(${detail.length - DETAIL_CHARS} more characters: “${showAll}” opens all of it.)` : detail;
        const choice = await vscode.window.showWarningMessage(message, { modal: true, detail: shown }, ...buttons);
        if (signal.aborted) return "deny";
        if (choice === showAll) {
            const document = await vscode.workspace.openTextDocument({ content: detail, language: request.access === "command" ? "shellscript" : "plaintext" });
            await vscode.window.showTextDocument(document, { preview: true, preserveFocus: false });
            continue;
        }
        if (choice === allow) return "allow";
        if (choice === always) return "allowForSession";
        return "deny";
    }
}
