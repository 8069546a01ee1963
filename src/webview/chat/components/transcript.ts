/**
 * The transcript (`#thread`): in Chat mode the conversation — each message with its attachments, each answer with
 * its thinking block, Markdown, code block toolbars, status and actions — patched in place while an answer streams;
 * in Agent mode the agent's steps (agentSteps.ts). It keeps the list scrolled to its end while it is there.
 *
 * The thread of the snapshot it is given is its own from then on: deltas extend its answers.
 */
import type { ChatAnswer } from "../../../core/chat/conversation";
import type { ChatDelta, ChatViewState, ExchangeView, FromWebview } from "../../../core/chat/protocol";
import { append, formatDuration, h, icon } from "../dom";
import { renderMarkdown } from "../markdown";
import { historyList } from "./history";
import type { PanelMode } from "./inputBar";

export interface TranscriptHost {
    post(message: FromWebview): void;
    /** Whether Regenerate thinks (the input bar's toggle). */
    thinkingOn(): boolean;
    /** Edit and resend: puts the last message back in the input. */
    startEdit(text: string): void;
    /** Opens a saved chat from the welcome's recent chats. */
    openChat(id: string): void;
}

export interface Transcript {
    /** `#thread`. */
    readonly element: HTMLElement;
    /** Shows this snapshot in this mode. */
    render(view: ChatViewState | undefined, mode: PanelMode): void;
    /** Extends the streaming answer the delta belongs to (ignored when it belongs to no answer shown). */
    applyDelta(delta: ChatDelta): void;
    isScrolledToBottom(): boolean;
    scrollToBottom(): void;
    /** Runs `render` (which changes something's height) and keeps the list at its end if it was there. */
    keepBottom(render: () => void): void;
}

export function createTranscript(host: TranscriptHost, agentElement: HTMLElement): Transcript {
    const element = h("div", { className: "thread", id: "thread", tabindex: 0, "aria-label": "Conversation" });
    let view: ChatViewState | undefined;
    /** Thinking blocks the person opened or closed by hand: their choice wins over the automatic collapse. */
    const thinkingChoice = new Map<string, boolean>();
    /** While thinking streams, its running duration (the answer's thinkingMs is set when the answer starts). */
    const liveThinkingMs = new Map<string, number | undefined>();
    const pendingAnswers = new Set<string>();
    let frame: number | undefined;

    // Links open through the extension, which accepts only http(s) and mailto.
    element.addEventListener("click", (event) => {
        const link = (event.target as Element | null)?.closest?.("a[href]");
        if (!link) return;
        event.preventDefault();
        host.post({ type: "openLink", href: link.getAttribute("href") ?? "" });
    });

    function isScrolledToBottom(): boolean {
        return element.scrollHeight - element.scrollTop - element.clientHeight < 48;
    }

    function scrollToBottom(): void {
        element.scrollTop = element.scrollHeight;
    }

    function render(next: ChatViewState | undefined, mode: PanelMode): void {
        view = next;
        element.setAttribute("aria-label", mode === "agent" ? "Agent session" : "Conversation");
        if (mode === "agent") {
            // The agent's steps, kept and updated in place by agentSteps.ts (left in place, so focus and open blocks stay).
            if (element.childNodes.length !== 1 || element.firstChild !== agentElement) element.replaceChildren(agentElement);
            return;
        }
        element.replaceChildren();
        if (!view) return;
        const { exchanges, contextStart } = view.thread;
        if (exchanges.length === 0) {
            const { history, thread } = view;
            append(element, h("div", { className: "welcome" },
                h("h2", {}, "Chat with Qwen, on this machine"),
                h("p", {}, "Ask about the open file or the selection (they come along as chips below), attach more files with @, " +
                    "and turn thinking on or off for each message. Nothing leaves your computer."),
                history.length > 0 ? h("h3", {}, "Recent chats") : undefined,
                history.length > 0 ? historyList(history, thread.id, 5, { open: (id) => host.openChat(id) }) : undefined));
            return;
        }
        exchanges.forEach((exchange, index) => {
            if (index === contextStart && contextStart > 0) {
                const summary = view?.thread.contextSummary;
                const above = contextStart === 1 ? "message above is" : `${contextStart} earlier messages above are`;
                append(element, h("div", { className: "trim-rule", role: "separator", id: "trim-rule" },
                    h("span", {}, summary
                        ? `Context compacted here: the ${above} sent to the model as ${summary.byModel ? "its summary" : "a digest"}.`
                        : `Context full: the ${above} no longer sent to the model (oldest first).`)));
                if (summary) {
                    append(element, h("details", { className: "tool-result context-summary" },
                        h("summary", {}, "Summary the model continues from"), h("pre", {}, summary.text)));
                }
            }
            append(element, renderExchange(exchange, index === exchanges.length - 1));
        });
    }

    function applyDelta(delta: ChatDelta): void {
        if (!view || view.busy?.requestId !== delta.requestId) return;
        const exchange = view.thread.exchanges.find((candidate) => candidate.id === delta.exchangeId);
        const answer = exchange?.answer;
        if (!exchange || !answer || answer.requestId !== delta.requestId) return;
        if (delta.reasoning) answer.reasoning += delta.reasoning;
        if (delta.content) answer.content += delta.content;
        answer.reasoningTokens = delta.reasoningTokens;
        if (delta.thinkingMs !== undefined && delta.content) answer.thinkingMs ??= delta.thinkingMs;
        liveThinkingMs.set(exchange.id, delta.thinkingMs);
        scheduleAnswerRender(exchange.id);
    }

    function scheduleAnswerRender(exchangeId: string): void {
        pendingAnswers.add(exchangeId);
        frame ??= requestAnimationFrame(() => {
            frame = undefined;
            const stick = isScrolledToBottom();
            for (const id of pendingAnswers) {
                const exchange = view?.thread.exchanges.find((candidate) => candidate.id === id);
                const answerElement = document.getElementById(`answer-${id}`);
                if (exchange && answerElement && !patchAnswer(answerElement, exchange)) answerElement.replaceWith(renderAnswer(exchange, isLastExchange(exchange)));
            }
            pendingAnswers.clear();
            if (stick) scrollToBottom();
        });
    }

    /**
     * Updates a streaming answer in place — the reasoning text, the numbers, the rendered Markdown — so its elements
     * (and a focused button, an opened thinking block) stay; false when the layout must be rebuilt.
     */
    function patchAnswer(answerElement: HTMLElement, exchange: ExchangeView): boolean {
        const answer = exchange.answer;
        if (!answer || answer.status !== "streaming" || answerElement.dataset.phase !== streamingPhase(answer)) return false;
        const thinking = answerElement.querySelector<HTMLDetailsElement>("details.thinking");
        if (thinking) {
            thinking.querySelector(".thinking-body")!.textContent = answer.reasoning;
            thinking.querySelector(".thinking-numbers")!.textContent = thinkingNumbers(exchange.id, answer);
        }
        const body = answerElement.querySelector<HTMLElement>(".answer-body");
        if (body) {
            body.innerHTML = renderMarkdown(answer.content);
            decorateCodeBlocks(body);
        }
        return true;
    }

    function isLastExchange(exchange: ExchangeView): boolean {
        const exchanges = view?.thread.exchanges ?? [];
        return exchanges[exchanges.length - 1]?.id === exchange.id;
    }

    function renderExchange(exchange: ExchangeView, last: boolean): HTMLElement {
        const busy = view?.busy !== undefined;
        const attachments = exchange.user.attachments.map((attachment) => {
            const range = attachment.range ? `:${attachment.range.startLine}-${attachment.range.endLine}` : "";
            return h("span", { className: "chip static", role: "listitem", title: attachment.path },
                icon(attachment.kind === "selection" ? "selection" : "file"), `${basename(attachment.path)}${range}`);
        });
        const user = h("article", { className: "message user", "aria-label": "Your message" },
            h("div", { className: "message-header" },
                h("span", { className: "author" }, icon("account"), "You"),
                last && !busy
                    ? h("button", {
                        type: "button", className: "icon-button edit-last", title: "Edit and resend", "aria-label": "Edit and resend this message",
                        onclick: () => host.startEdit(exchange.user.text)
                    }, icon("edit"))
                    : undefined),
            attachments.length > 0 ? h("div", { className: "chips", role: "list", "aria-label": "Attached" }, ...attachments) : undefined,
            h("div", { className: "user-text" }, exchange.user.text));
        return h("div", { className: "exchange", id: `exchange-${exchange.id}` }, user, renderAnswer(exchange, last));
    }

    function renderAnswer(exchange: ExchangeView, last: boolean): HTMLElement {
        const answer = exchange.answer;
        const answerElement = h("article", { className: "message assistant", id: `answer-${exchange.id}`, "aria-label": "Qwen's answer" });
        if (!answer) return answerElement;
        const streaming = answer.status === "streaming";
        answerElement.dataset.status = answer.status;
        if (streaming) answerElement.dataset.phase = streamingPhase(answer);
        append(answerElement, h("div", { className: "message-header" }, h("span", { className: "author" }, icon("hubot"), "Qwen")));

        const reasoningStreaming = streaming && answer.content.length === 0;
        if (answer.thinking && (answer.reasoning.length > 0 || reasoningStreaming)) append(answerElement, renderThinking(exchange.id, answer, reasoningStreaming));

        if (answer.content.length > 0) {
            const body = h("div", { className: "answer-body markdown" });
            body.innerHTML = renderMarkdown(answer.content);
            decorateCodeBlocks(body);
            append(answerElement, body);
        } else if (streaming && !answer.thinking) {
            append(answerElement, h("div", { className: "waiting" }, icon("loading codicon-modifier-spin"), "Waiting for the model…"));
        }

        const status = statusLine(answer);
        if (status) append(answerElement, status);

        if (!streaming) {
            const actions = h("div", { className: "answer-actions" });
            if (answer.content.length > 0) {
                append(actions, h("button", {
                    type: "button", className: "icon-button", title: "Copy the answer", "aria-label": "Copy the answer",
                    onclick: (event) => copyWithFeedback(event.currentTarget as HTMLButtonElement, answer.content)
                }, icon("copy")));
            }
            if (last && !view?.busy) {
                append(actions, h("button", {
                    type: "button", className: "regenerate", title: "Answer again", onclick: () => host.post({ type: "regenerate", thinking: host.thinkingOn() })
                }, icon("refresh"), h("span", {}, "Regenerate")));
            }
            if (actions.childElementCount > 0) append(answerElement, actions);
        }
        return answerElement;
    }

    function renderThinking(exchangeId: string, answer: ChatAnswer, live: boolean): HTMLElement {
        const numbers = thinkingNumbers(exchangeId, answer);
        const summary = h("summary", {}, icon(live ? "loading codicon-modifier-spin" : "lightbulb"),
            h("span", { className: "thinking-title" }, live ? "Thinking…" : "Thought"), h("span", { className: "thinking-numbers" }, numbers));
        const details = h("details", { className: "thinking", id: `thinking-${exchangeId}` }, summary,
            h("div", { className: "thinking-body" }, answer.reasoning));
        // Open while the model thinks, closed once the answer starts, unless the person chose otherwise.
        details.open = thinkingChoice.get(exchangeId) ?? live;
        summary.addEventListener("click", () => thinkingChoice.set(exchangeId, !details.open));
        return details;
    }

    function thinkingNumbers(exchangeId: string, answer: ChatAnswer): string {
        const ms = answer.thinkingMs ?? liveThinkingMs.get(exchangeId);
        return [ms !== undefined ? formatDuration(ms) : undefined, `${answer.reasoningTokens} tokens`].filter(Boolean).join(" · ");
    }

    function statusLine(answer: ChatAnswer): HTMLElement | undefined {
        switch (answer.status) {
            case "stopped":
                return h("div", { className: "answer-status stopped" }, icon("debug-stop"), "Stopped. The partial answer is kept.");
            case "interrupted":
                return h("div", { className: "answer-status interrupted", role: "note" }, icon("warning"),
                    `Interrupted: ${(answer.error ?? "the engine stopped").replace(/\.$/, "")}. The partial answer is kept; Regenerate tries again.`);
            case "error":
                return h("div", { className: "answer-status error", role: "alert" }, icon("error"), answer.error ?? "The model could not answer.",
                    answer.fix === "selectModel"
                        ? h("button", { type: "button", className: "link-button", onclick: () => host.post({ type: "selectModel" }) }, "Select Model…")
                        : undefined);
            case "done":
                return answer.hitTokenLimit
                    ? h("div", { className: "answer-status limit" }, icon("info"), "Cut at the answer length limit (qwenLocal.chat.maxTokens).")
                    : undefined;
            case "streaming":
                return undefined;
        }
    }

    function decorateCodeBlocks(body: HTMLElement): void {
        for (const code of Array.from(body.querySelectorAll<HTMLElement>("pre > code"))) {
            const pre = code.parentElement!;
            const language = code.dataset.lang;
            const path = code.dataset.path;
            const send = (action: "insert" | "apply") => host.post({ type: "code", action, code: code.textContent ?? "", language, path });
            const toolbar = h("div", { className: "code-toolbar" },
                h("span", { className: "code-label" }, [language, path].filter(Boolean).join(" · ")),
                h("button", {
                    type: "button", className: "code-copy", title: "Copy", "aria-label": "Copy the code",
                    onclick: (event) => copyWithFeedback(event.currentTarget as HTMLButtonElement, code.textContent ?? "")
                }, icon("copy"), h("span", {}, "Copy")),
                h("button", { type: "button", className: "code-insert", title: "Insert at the cursor in the editor", onclick: () => send("insert") },
                    icon("insert"), h("span", {}, "Insert")),
                h("button", {
                    type: "button", className: "code-apply", title: path ? `Apply to ${path}: shows a diff to accept or reject` : "Apply to the file in the editor: shows a diff to accept or reject",
                    onclick: () => send("apply")
                }, icon("diff"), h("span", {}, "Apply…")));
            const block = h("div", { className: "code-block" });
            pre.replaceWith(block);
            append(block, toolbar, pre);
        }
    }

    function copyWithFeedback(button: HTMLButtonElement, text: string): void {
        host.post({ type: "code", action: "copy", code: text });
        const label = button.querySelector("span:not(.codicon)");
        const before = label?.textContent;
        if (label) label.textContent = "Copied";
        button.classList.add("done");
        setTimeout(() => {
            if (label && before !== undefined && before !== null) label.textContent = before;
            button.classList.remove("done");
        }, 1200);
    }

    return {
        element,
        render,
        applyDelta,
        isScrolledToBottom,
        scrollToBottom,
        keepBottom(change) {
            const stick = isScrolledToBottom();
            change();
            if (stick) scrollToBottom();
        }
    };
}

/** What a streaming answer shows: its layout changes only when the answer starts after the thinking. */
function streamingPhase(answer: ChatAnswer): string {
    return answer.content.length > 0 ? "answering" : "thinking";
}

function basename(path: string): string {
    return path.split(/[\\/]/).pop() ?? path;
}
