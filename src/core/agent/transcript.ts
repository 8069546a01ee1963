/**
 * An agent session as Markdown, built from its events: the "Ask Agent…" command's live document (the chat panel
 * renders the same events its own way). Thinking is quoted, each tool call is a line with its approval and a
 * collapsible result, each proposed change a diff block.
 */
import type { ProposalSummary } from "./editSession";
import type { AgentEvent } from "./events";

type Block =
    | { kind: "task"; text: string }
    | { kind: "round"; round: number }
    | { kind: "thinking"; text: string }
    | { kind: "text"; text: string }
    | { kind: "call"; id: string; summary: string; approval?: string; result?: { ok: boolean; text: string }; diffs: string[] }
    | { kind: "notice"; text: string; level: string }
    | { kind: "compacted"; text: string; summary: string }
    | { kind: "done"; text: string };

/** Lines of a tool result shown in the transcript; the model got all of them. */
const RESULT_LINES = 40;

export class Transcript {
    private readonly blocks: Block[] = [];
    private pending: ProposalSummary[] = [];

    push(event: AgentEvent): void {
        const last = this.blocks[this.blocks.length - 1];
        switch (event.type) {
            case "start":
                this.blocks.push({ kind: "task", text: event.task });
                break;
            case "round":
                this.blocks.push({ kind: "round", round: event.round });
                break;
            case "thinking":
            case "text":
                if (last && last.kind === event.type) last.text += event.text;
                else this.blocks.push({ kind: event.type, text: event.text });
                break;
            case "toolCall":
                this.blocks.push({ kind: "call", id: event.id, summary: event.summary, diffs: [] });
                break;
            case "approval": {
                const call = this.call(event.id);
                if (call) call.approval = approvalText(event.state, event.by, event.rule);
                break;
            }
            case "toolResult": {
                const call = this.call(event.id);
                if (call) call.result = { ok: event.ok, text: event.text };
                break;
            }
            case "diff": {
                const call = this.call(event.id);
                if (call && event.diff !== "") call.diffs.push(event.diff);
                break;
            }
            case "proposals":
                this.pending = event.pending;
                break;
            case "notice":
                this.blocks.push({ kind: "notice", text: event.text, level: event.level });
                break;
            case "instructions":
                this.blocks.push({ kind: "notice", level: "info", text: `Following the project instructions in ${event.files.map((file) => file.path + (file.truncated ? " (cut at the size limit)" : "")).join(", ")}.` });
                break;
            case "compacted":
                this.blocks.push({
                    kind: "compacted", summary: event.summary,
                    text: `Context compacted here: ${event.summarized} earlier messages were replaced by ${event.byModel ? "the model's summary" : "a digest of the calls"} `
                        + `(${event.tokensBefore} → ${event.tokensAfter} tokens).`
                });
                break;
            case "done":
                this.blocks.push({ kind: "done", text: doneText(event.reason, event.rounds) });
                break;
        }
    }

    markdown(): string {
        const parts: string[] = ["# Qwen Agent"];
        for (const block of this.blocks) {
            switch (block.kind) {
                case "task":
                    parts.push(`---\n\n## ${oneLine(block.text)}`);
                    if (block.text.includes("\n")) parts.push(quote(block.text));
                    break;
                case "round":
                    parts.push(`**Step ${block.round}**`);
                    break;
                case "thinking":
                    parts.push(`<details><summary>Thinking</summary>\n\n${quote(block.text.trim())}\n\n</details>`);
                    break;
                case "text":
                    parts.push(block.text.trim());
                    break;
                case "call": {
                    // Not ✗ or dashes: the editor highlights those as look-alikes of ASCII characters.
                    const status = block.result ? (block.result.ok ? "✓" : "⚠") : "○";
                    const approval = block.approval ? ` · *${block.approval}*` : "";
                    let text = `${status} ${code(block.summary)}${approval}`;
                    if (block.result) {
                        const lines = block.result.text.split("\n");
                        const shown = lines.slice(0, RESULT_LINES).join("\n") + (lines.length > RESULT_LINES ? `\n… ${lines.length - RESULT_LINES} more lines` : "");
                        text += `\n\n<details><summary>${block.result.ok ? "Result" : "Error"}</summary>\n\n${fence(shown, "text")}\n\n</details>`;
                    }
                    for (const diff of block.diffs) text += `\n\n${fence(diff, "diff")}`;
                    parts.push(text);
                    break;
                }
                case "compacted":
                    parts.push(`---\n\n*${oneLine(block.text)}*\n\n<details><summary>Summary</summary>\n\n${quote(block.summary.trim())}\n\n</details>\n\n---`);
                    break;
                case "notice":
                    parts.push(`> **${block.level === "error" ? "Error" : block.level === "warning" ? "Note" : "Info"}:** ${oneLine(block.text)}`);
                    break;
                case "done":
                    parts.push(`*${block.text}*`);
                    break;
            }
        }
        if (this.pending.length > 0) {
            const files = this.pending.map((p) => `- ${describe(p)}`).join("\n");
            parts.push(`---\n\n**${this.pending.length} change${this.pending.length === 1 ? "" : "s"} to review** `
                + `(“Qwen Local: Review Agent Changes…”, or Accept / Reject in each diff's title bar):\n\n${files}`);
        }
        return parts.join("\n\n") + "\n";
    }

    private call(id: string): Extract<Block, { kind: "call" }> | undefined {
        for (let index = this.blocks.length - 1; index >= 0; index--) {
            const block = this.blocks[index]!;
            if (block.kind === "call" && block.id === id) return block;
        }
        return undefined;
    }
}

export function describe(proposal: ProposalSummary): string {
    const stats = `+${proposal.added} −${proposal.removed}`;
    switch (proposal.kind) {
        case "create": return `${proposal.path} (new, ${stats})`;
        case "delete": return `${proposal.path} (deleted)`;
        case "rename": return `${proposal.from} → ${proposal.path} (${stats})`;
        case "modify": return `${proposal.path} (${stats})`;
    }
}

function approvalText(state: string, by: string | undefined, rule: string | undefined): string {
    switch (state) {
        case "pending": return "waiting for your approval";
        case "approved": return by === "setting" ? "auto-approved (setting)" : by === "session" ? "approved for this session"
            : by === "rule" ? `run without asking: ${rule ?? "a command rule"}` : "approved by you";
        case "denied": return "declined by you";
        default: return by === "rule" ? `not run: ${rule ?? "a command rule"}` : "refused: Restricted Mode";
    }
}

function doneText(reason: string, rounds: number): string {
    const steps = `${rounds} step${rounds === 1 ? "" : "s"}`;
    switch (reason) {
        case "answered": return `Done after ${steps}.`;
        case "roundLimit": return `Stopped at the step limit (${steps}).`;
        case "cancelled": return `Stopped after ${steps}.`;
        default: return `Failed after ${steps}.`;
    }
}

function fence(text: string, language: string): string {
    const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
    const marks = "`".repeat(longest + 1);
    return `${marks}${language}\n${text}\n${marks}`;
}

function code(text: string): string {
    const oneLineText = text.replace(/\s+/g, " ").trim();
    const longest = Math.max(0, ...[...oneLineText.matchAll(/`+/g)].map((match) => match[0].length));
    const marks = "`".repeat(longest + 1);
    const pad = oneLineText.startsWith("`") || oneLineText.endsWith("`") ? " " : "";
    return `${marks}${pad}${oneLineText}${pad}${marks}`;
}

function quote(text: string): string {
    return text.split("\n").map((line) => `> ${line}`).join("\n");
}

function oneLine(text: string): string {
    return escapeMarkdown(text.replace(/\s+/g, " ").trim());
}

function escapeMarkdown(text: string): string {
    return text.replace(/([\\`*_[\]<>#|])/g, "\\$1");
}
