/**
 * The panel's Agent mode: the agent session's events (src/core/agent/events.ts) rendered as they stream — the
 * request, collapsible thinking, answer text through the sanitised Markdown renderer, one card per tool call (name,
 * arguments, approval, collapsible result, diffs) and, at the end, the review bar (reviewBar.ts) for the pending
 * proposals. The DOM is updated in place, so an opened block or a focused button survives the stream. Tool
 * arguments, results and diffs go in as text only.
 */
import type { AgentEvent } from "../../../core/agent/events";
import type { FromWebview } from "../../../core/chat/protocol";
import { append, h, icon } from "../dom";
import { renderMarkdown } from "../markdown";
import { proposalLabel, type ReviewBar } from "./reviewBar";

/** Characters of a tool result or arguments shown in a card (the model got all of it). */
const MAX_SHOWN_CHARS = 20_000;

export interface AgentSteps {
    /** `#agent-view`, which the transcript shows in Agent mode. */
    readonly element: HTMLElement;
    /** Whether a request is running (between its "start" and "done"). */
    readonly running: boolean;
    /** Replaces everything shown with these events. */
    reset(events: AgentEvent[]): void;
    apply(event: AgentEvent): void;
}

interface Block {
    kind: "thinking" | "text";
    text: string;
    element: HTMLElement;
}

/** What the panel around the view does: runs each change of the DOM (to keep the list scrolled to its end, update the composer), announces. */
export interface AgentStepsHost {
    post(message: FromWebview): void;
    update(render: () => void): void;
    announce(text: string): void;
}

/** The agent's steps, with `reviewBar` (its element goes at the end of the view; the steps tell it what is pending). */
export function createAgentSteps(host: AgentStepsHost, reviewBar: ReviewBar): AgentSteps {
    const post = (message: FromWebview) => host.post(message);
    const welcome = h("div", { className: "welcome agent-welcome" },
        h("h2", {}, "Agent mode"),
        h("p", {}, "Ask for a change: Qwen reads and searches your workspace, proposes edits as diffs for you to review, " +
            "and asks before running commands. Nothing is written until you accept."));
    const log = h("div", { className: "agent-log", id: "agent-log", role: "log", "aria-label": "Agent steps" });
    const element = h("div", { className: "agent", id: "agent-view" }, welcome, log, reviewBar.element);

    let running = false;
    /** While a snapshot replays, nothing is announced. */
    let replaying = false;
    const announce = (text: string) => { if (!replaying) host.announce(text); };
    /** The streaming thinking or text block, which deltas extend. */
    let last: Block | undefined;
    /** The open article of the current request: its steps go in it. */
    let turn: HTMLElement | undefined;
    const cards = new Map<string, HTMLElement>();
    const dirty = new Set<Block>();
    let frame: number | undefined;

    function container(): HTMLElement {
        if (!turn) {
            turn = h("article", { className: "message assistant agent-turn", "aria-label": "Qwen agent" },
                h("div", { className: "message-header" }, h("span", { className: "author" }, icon("hubot"), "Qwen Agent")));
            append(log, turn);
        }
        return turn;
    }

    function endBlock(): void {
        if (last?.kind === "thinking") {
            const details = last.element as HTMLDetailsElement;
            if (details.dataset.chosen !== "true") details.open = false;
            details.querySelector(".thinking-title")!.textContent = "Thought";
            details.querySelector("summary .codicon")!.className = "codicon codicon-lightbulb";
        }
        last = undefined;
    }

    function stream(kind: Block["kind"], text: string): void {
        if (last?.kind !== kind) {
            endBlock();
            let blockElement: HTMLElement;
            if (kind === "thinking") {
                const summary = h("summary", {}, icon("loading codicon-modifier-spin"), h("span", { className: "thinking-title" }, "Thinking…"));
                const details = h("details", { className: "thinking agent-thinking" }, summary, h("div", { className: "thinking-body" }));
                details.open = true;
                summary.addEventListener("click", () => { details.dataset.chosen = "true"; });
                blockElement = details;
            } else {
                blockElement = h("div", { className: "answer-body markdown agent-text" });
            }
            append(container(), blockElement);
            last = { kind, text: "", element: blockElement };
        }
        last.text += text;
        dirty.add(last);
        frame ??= requestAnimationFrame(() => {
            frame = undefined;
            host.update(() => {
                for (const block of dirty) {
                    if (block.kind === "thinking") block.element.querySelector(".thinking-body")!.textContent = block.text;
                    else block.element.innerHTML = renderMarkdown(block.text);
                }
                dirty.clear();
            });
        });
    }

    function toolCard(event: Extract<AgentEvent, { type: "toolCall" }>): HTMLElement {
        const args = JSON.stringify(event.arguments, undefined, 2) ?? "{}";
        const card = h("div", { className: "tool-call", id: `agent-call-${event.id}`, "data-tool": event.name, "data-state": "running" },
            h("div", { className: "tool-header" },
                icon(event.access === "write" ? "edit" : event.access === "command" ? "terminal" : event.access === "external" ? "plug" : "tools"),
                h("span", { className: "tool-name" }, event.name),
                h("span", { className: "tool-summary" }, event.summary),
                h("span", { className: "tool-approval", role: "status" })),
            h("details", { className: "tool-args" }, h("summary", {}, "Arguments"), h("pre", {}, clip(args))));
        return card;
    }

    function approvalText(event: Extract<AgentEvent, { type: "approval" }>): string {
        switch (event.state) {
            case "pending": return "Waiting for your approval…";
            case "approved": return event.by === "setting" ? "Approved by setting" : event.by === "session" ? "Approved for this session"
                : event.by === "rule" ? `Run without asking: ${event.rule ?? "a command rule"}` : "Approved";
            case "denied": return "Denied";
            case "refused": return event.by === "rule" ? `Not run: ${event.rule ?? "a command rule"}` : "Refused: Restricted Mode";
        }
    }

    function diffBlock(event: Extract<AgentEvent, { type: "diff" }>): HTMLElement {
        const pre = h("pre", { className: "agent-diff" });
        for (const line of clip(event.diff).split("\n")) {
            const kind = line.startsWith("+") && !line.startsWith("+++") ? "add" : line.startsWith("-") && !line.startsWith("---") ? "del" : "";
            append(pre, h("span", { className: kind }, line), "\n");
        }
        const proposal = event.proposal;
        return h("details", { className: "agent-diff-block", open: true },
            h("summary", {}, icon("diff"), `${proposalLabel(proposal)} `, h("span", { className: "muted" }, `+${proposal.added} −${proposal.removed}`)),
            pre,
            h("button", {
                type: "button", className: "link-button agent-open-diff", title: "Open this change in a diff editor", "data-proposal": proposal.id,
                onclick: () => post({ type: "agentReview", action: "open", ids: [proposal.id] })
            }, "Open Diff"));
    }

    function apply(event: AgentEvent): void {
        switch (event.type) {
            case "start":
                endBlock();
                turn = undefined;
                running = true;
                append(log, h("article", { className: "message user", "aria-label": "Your request", ...(event.turn !== undefined ? { "data-turn": String(event.turn) } : {}) },
                    h("div", { className: "message-header" }, h("span", { className: "author" }, icon("account"), "You"),
                        event.turn !== undefined ? h("button", {
                            type: "button", className: "icon-button restore-turn", title: "Restore to here: the files back to before this request, and the conversation",
                            "aria-label": "Restore to here", onclick: () => post({ type: "restoreTurn", turn: event.turn! })
                        }, icon("discard"), h("span", {}, "Restore to here")) : undefined),
                    h("div", { className: "user-text" }, event.task)));
                announce("The agent is working.");
                return;
            case "round":
                endBlock();
                append(container(), h("div", { className: "agent-step muted" }, `Step ${event.round}`));
                break;
            case "thinking":
            case "text":
                if (event.text) stream(event.type, event.text);
                return;
            case "toolCall": {
                endBlock();
                const card = toolCard(event);
                cards.set(event.id, card);
                append(container(), card);
                break;
            }
            case "approval": {
                const card = cards.get(event.id);
                if (!card) return;
                card.dataset.approval = event.state;
                card.querySelector(".tool-approval")!.textContent = approvalText(event);
                if (event.state === "denied" || event.state === "refused") card.dataset.state = "error";
                break;
            }
            case "toolResult": {
                const card = cards.get(event.id);
                if (!card) return;
                card.dataset.state = event.ok ? "ok" : "error";
                card.querySelector(".tool-header .codicon")!.className = `codicon codicon-${event.ok ? "check" : "warning"}`;
                card.querySelector(".tool-result")?.remove();
                append(card, h("details", { className: "tool-result" },
                    h("summary", {}, event.ok ? "Result" : "Error"), h("pre", {}, clip(event.text))));
                break;
            }
            case "diff": {
                const card = cards.get(event.id);
                if (card && event.diff !== "") append(card, diffBlock(event));
                break;
            }
            case "proposals": {
                reviewBar.render(event.pending);
                // Decided changes have no diff to open any more.
                const pending = new Set(event.pending.map((p) => String(p.id)));
                for (const button of Array.from(log.querySelectorAll<HTMLElement>(".agent-open-diff"))) button.hidden = !pending.has(button.dataset.proposal ?? "");
                break;
            }
            case "notice":
                endBlock();
                append(container(), h("div", { className: `answer-status ${event.level}`, role: event.level === "error" ? "alert" : "note" },
                    icon(event.level === "info" ? "info" : event.level === "warning" ? "warning" : "error"), event.text));
                break;
            case "instructions": {
                endBlock();
                const names = event.files.map((file) => `${file.path}${file.truncated ? " (cut at the size limit)" : ""}`).join(", ");
                append(container(), h("div", { className: "agent-step muted agent-instructions", title: "Project instructions in the system prompt" },
                    icon("book"), ` Following ${names}`));
                break;
            }
            case "compacting":
                endBlock();
                append(container(), h("div", { className: "agent-step muted agent-compacting" }, "Compacting the conversation to fit the context…"));
                break;
            case "compacted":
                endBlock();
                for (const note of Array.from(container().querySelectorAll(".agent-compacting"))) note.remove();
                append(container(), h("div", { className: "trim-rule agent-compacted", role: "separator" },
                    h("span", {}, `Context compacted here: ${event.summarized} earlier messages were replaced by `
                        + `${event.byModel ? "the model's summary" : "a digest of the calls"} (${event.tokensBefore} → ${event.tokensAfter} tokens).`)));
                append(container(), h("details", { className: "tool-result agent-summary" },
                    h("summary", {}, "Summary the model continues from"), h("pre", {}, clip(event.summary))));
                break;
            case "usage":
                return;
            case "done": {
                endBlock();
                running = false;
                const text = doneText(event);
                append(container(), h("div", { className: `answer-status agent-done ${event.reason}` },
                    icon(event.reason === "answered" ? "pass" : event.reason === "cancelled" ? "debug-stop" : "warning"), text));
                turn = undefined;
                announce(text);
                return;
            }
        }
    }

    function reset(events: AgentEvent[]): void {
        if (frame !== undefined) cancelAnimationFrame(frame);
        frame = undefined;
        log.replaceChildren();
        cards.clear();
        dirty.clear();
        last = undefined;
        turn = undefined;
        running = false;
        reviewBar.render([]);
        replaying = true;
        try {
            for (const event of events) apply(event);
        } finally {
            replaying = false;
        }
        welcome.hidden = log.childElementCount > 0;
    }

    return {
        element,
        get running() { return running; },
        reset: (events) => host.update(() => reset(events)),
        apply: (event) => host.update(() => {
            apply(event);
            welcome.hidden = log.childElementCount > 0;
        })
    };
}

function clip(text: string): string {
    return text.length > MAX_SHOWN_CHARS ? `${text.slice(0, MAX_SHOWN_CHARS)}\n… ${text.length - MAX_SHOWN_CHARS} more characters` : text;
}

function doneText(event: Extract<AgentEvent, { type: "done" }>): string {
    const steps = `${event.rounds} step${event.rounds === 1 ? "" : "s"}`;
    switch (event.reason) {
        case "answered": return `Done in ${steps}.`;
        case "cancelled": return "Stopped.";
        case "roundLimit": return `Stopped after ${steps}: the step limit (qwenLocal.agent.maxRounds).`;
        case "error": return event.message ? `The agent failed: ${event.message}` : "The agent failed.";
    }
}
