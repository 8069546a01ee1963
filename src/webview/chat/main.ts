/**
 * The chat panel in the webview. It shows what the extension sends (snapshots, and deltas while an answer
 * streams) and sends back intents; it keeps only UI state of its own (the draft, the thinking toggle, whether the
 * chat list is open, Chat or Agent mode), saved with the webview's setState so a reload restores it. Agent mode's
 * steps are rendered by agent.ts.
 */
import type { ChatAnswer } from "../../core/chat/conversation";
import {
    isToWebview, type ChatViewState, type ContextChip, type ExchangeView, type FromWebview, type ToWebview
} from "../../core/chat/protocol";
import { estimateTokens, formatTokenCount } from "../../core/chat/tokens";
import { createAgentView } from "./agent";
import { append, formatDate, formatDuration, h, icon } from "./dom";
import { renderMarkdown } from "./markdown";

interface VsCodeApi {
    postMessage(message: unknown): void;
    getState(): unknown;
    setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

interface UiState {
    draft: string;
    /** The person's choice; undefined follows the setting. */
    thinking?: boolean;
    historyOpen: boolean;
    /** The draft replaces the last message (edit and resend). */
    editing: boolean;
    /** Whether Send chats or runs the agent. */
    mode: "chat" | "agent";
}

const vscode = acquireVsCodeApi();
const ui: UiState = restoreUiState(vscode.getState());
let view: ChatViewState | undefined;
/** Thinking blocks the person opened or closed by hand: their choice wins over the automatic collapse. */
const thinkingChoice = new Map<string, boolean>();

function post(message: FromWebview): void {
    vscode.postMessage(message);
}

function restoreUiState(saved: unknown): UiState {
    const value = (typeof saved === "object" && saved !== null ? saved : {}) as Partial<UiState>;
    return {
        draft: typeof value.draft === "string" ? value.draft : "",
        thinking: typeof value.thinking === "boolean" ? value.thinking : undefined,
        historyOpen: value.historyOpen === true,
        editing: value.editing === true,
        mode: value.mode === "agent" ? "agent" : "chat"
    };
}

function saveUiState(): void {
    vscode.setState(ui);
}

function thinkingOn(): boolean {
    return ui.thinking ?? view?.thinkingDefault ?? true;
}

// ---- layout (built once)

const engineLine = h("div", { className: "engine-line", role: "status", id: "engine-line" });
const historyPanel = h("section", { className: "history", id: "history", "aria-label": "Saved chats" });
const thread = h("div", { className: "thread", id: "thread", tabindex: 0, "aria-label": "Conversation" });
const announcer = h("div", { className: "visually-hidden", "aria-live": "polite", id: "announcer" });

const chips = h("div", { className: "chips", id: "chips", role: "list", "aria-label": "Context sent with the next message" });
const editBanner = h("div", { className: "edit-banner", id: "edit-banner", role: "status" });
const input = h("textarea", {
    id: "chat-input",
    rows: 3,
    "aria-label": "Message to Qwen",
    placeholder: "Ask about your code. @ attaches files, Enter sends, Shift+Enter adds a line."
});
const thinkingButton = h("button", {
    id: "thinking-toggle", className: "toggle", type: "button",
    title: "Think before answering: applies to the next message",
    onclick: () => {
        ui.thinking = !thinkingOn();
        saveUiState();
        renderComposer();
    }
}, icon("lightbulb"), h("span", {}, "Thinking"));
const modeButton = h("button", {
    id: "agent-toggle", className: "toggle", type: "button",
    title: "Agent mode: Send asks the agent, which reads your files and proposes changes for you to review",
    onclick: () => {
        ui.mode = ui.mode === "agent" ? "chat" : "agent";
        if (ui.mode === "agent") ui.editing = false;
        saveUiState();
        renderThread();
        renderComposer();
        scrollToBottom();
        announce(ui.mode === "agent" ? "Agent mode." : "Chat mode.");
    }
}, icon("robot"), h("span", {}, "Agent"));
const agent = createAgentView({
    post,
    update: (render) => {
        if (ui.mode !== "agent") {
            render();
            return;
        }
        keepBottom(render);
        renderComposer();
    },
    announce: (text) => { if (ui.mode === "agent") announce(text); }
});
const attachButton = h("button", {
    id: "attach", className: "icon-button", type: "button", title: "Attach workspace files (@)", "aria-label": "Attach workspace files",
    onclick: () => post({ type: "pickFiles" })
}, icon("mention"));
const meter = h("meter", { id: "context-meter", min: 0, max: 1, value: 0 });
const meterLabel = h("span", { className: "meter-label", id: "context-meter-label" });
const sendButton = h("button", { id: "send", className: "primary", type: "button", onclick: () => submit() }, icon("send"), h("span", {}, "Send"));
const stopButton = h("button", {
    id: "stop", className: "danger", type: "button", title: "Stop generating (Escape)",
    onclick: () => stop()
}, icon("debug-stop"), h("span", {}, "Stop"));
const footer = h("footer", { className: "footer", id: "chat-footer", "aria-label": "Speed of the last answer" });

const composer = h("form", { className: "composer", id: "composer", "aria-label": "New message", onsubmit: (event) => { event.preventDefault(); submit(); } },
    editBanner,
    h("div", { className: "chips-row" }, chips, attachButton),
    input,
    h("div", { className: "composer-bar" },
        modeButton,
        thinkingButton,
        h("div", { className: "meter", title: "" }, meter, meterLabel),
        h("div", { className: "spacer" }),
        stopButton,
        sendButton));

append(document.getElementById("app") ?? document.body, engineLine, historyPanel, thread, composer, footer, announcer);
input.value = ui.draft;

// ---- input

input.addEventListener("input", () => {
    ui.draft = input.value;
    saveUiState();
    renderMeter();
});

input.addEventListener("beforeinput", (event) => {
    // `@` at the start of a word opens the file picker instead of being typed.
    if (ui.mode === "chat" && event.inputType === "insertText" && event.data === "@") {
        const before = input.value.slice(0, input.selectionStart ?? 0);
        if (before.length === 0 || /\s$/.test(before)) {
            event.preventDefault();
            post({ type: "pickFiles" });
        }
    }
});

input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        submit();
    } else if (event.key === "Escape") {
        if (busy()) {
            event.preventDefault();
            stop();
        } else if (ui.editing) {
            event.preventDefault();
            cancelEdit();
        }
    }
});

/** Whether what Send would start is running: the agent in agent mode, an answer in chat mode. */
function busy(): boolean {
    return ui.mode === "agent" ? agent.running : view?.busy !== undefined;
}

function stop(): void {
    if (ui.mode === "agent") post({ type: "agentStop" });
    else if (view?.busy) post({ type: "stop", requestId: view.busy.requestId });
}

function submit(): void {
    if (!view || busy()) return;
    const text = input.value;
    if (ui.mode === "agent") {
        if (text.trim().length === 0) return;
        post({ type: "send", text, thinking: thinkingOn(), mode: "agent" });
    } else if (ui.editing) {
        if (text.trim().length === 0) return;
        post({ type: "editLast", text, thinking: thinkingOn() });
    } else {
        if (text.trim().length === 0) return;
        post({ type: "send", text, thinking: thinkingOn() });
    }
    input.value = "";
    ui.draft = "";
    ui.editing = false;
    saveUiState();
    renderComposer();
}

function startEdit(text: string): void {
    ui.editing = true;
    input.value = text;
    ui.draft = text;
    saveUiState();
    renderComposer();
    input.focus();
    input.setSelectionRange(text.length, text.length);
}

function cancelEdit(): void {
    ui.editing = false;
    input.value = "";
    ui.draft = "";
    saveUiState();
    renderComposer();
}

// Links open through the extension, which accepts only http(s) and mailto.
thread.addEventListener("click", (event) => {
    const link = (event.target as Element | null)?.closest?.("a[href]");
    if (!link) return;
    event.preventDefault();
    post({ type: "openLink", href: link.getAttribute("href") ?? "" });
});

// ---- messages from the extension

window.addEventListener("message", (event: MessageEvent) => {
    const message: unknown = event.data;
    if (!isToWebview(message)) {
        console.warn("Qwen Local chat: ignored a malformed message", message);
        return;
    }
    receive(message);
});

function receive(message: ToWebview): void {
    switch (message.type) {
        case "state": {
            const previous = view;
            view = message.state;
            renderAll(previous);
            return;
        }
        case "context":
            if (!view) return;
            view.context = message.context;
            keepBottom(() => renderComposer());
            return;
        case "engine":
            if (!view) return;
            view.engine = message.engine;
            renderEngine();
            return;
        case "delta":
            applyDelta(message);
            return;
        case "agentLog":
            agent.reset(message.events);
            return;
        case "agentEvent":
            agent.apply(message.event);
            return;
        case "command":
            if (message.command === "showHistory") {
                ui.historyOpen = true;
                saveUiState();
                renderHistory();
                if (ui.historyOpen) historyPanel.querySelector<HTMLElement>("button")?.focus();
            } else if (message.command === "showChat") {
                // An editor command (Explain) answers in the chat: leave Agent mode and the list to show it.
                ui.mode = "chat";
                ui.historyOpen = false;
                saveUiState();
                renderHistory();
                renderThread();
                renderComposer();
                scrollToBottom();
            } else {
                input.focus();
            }
            return;
    }
}

function applyDelta(delta: Extract<ToWebview, { type: "delta" }>): void {
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

/** While thinking streams, its running duration (the answer's thinkingMs is set when the answer starts). */
const liveThinkingMs = new Map<string, number | undefined>();
const pendingAnswers = new Set<string>();
let frame: number | undefined;

function scheduleAnswerRender(exchangeId: string): void {
    pendingAnswers.add(exchangeId);
    frame ??= requestAnimationFrame(() => {
        frame = undefined;
        const stick = isScrolledToBottom();
        for (const id of pendingAnswers) {
            const exchange = view?.thread.exchanges.find((candidate) => candidate.id === id);
            const element = document.getElementById(`answer-${id}`);
            if (exchange && element && !patchAnswer(element, exchange)) element.replaceWith(renderAnswer(exchange, isLastExchange(exchange)));
        }
        pendingAnswers.clear();
        if (stick) scrollToBottom();
    });
}

/** What a streaming answer shows: its layout changes only when the answer starts after the thinking. */
function streamingPhase(answer: ChatAnswer): string {
    return answer.content.length > 0 ? "answering" : "thinking";
}

/**
 * Updates a streaming answer in place — the reasoning text, the numbers, the rendered Markdown — so its elements
 * (and a focused button, an opened thinking block) stay; false when the layout must be rebuilt.
 */
function patchAnswer(element: HTMLElement, exchange: ExchangeView): boolean {
    const answer = exchange.answer;
    if (!answer || answer.status !== "streaming" || element.dataset.phase !== streamingPhase(answer)) return false;
    const thinking = element.querySelector<HTMLDetailsElement>("details.thinking");
    if (thinking) {
        thinking.querySelector(".thinking-body")!.textContent = answer.reasoning;
        thinking.querySelector(".thinking-numbers")!.textContent = thinkingNumbers(exchange.id, answer);
    }
    const body = element.querySelector<HTMLElement>(".answer-body");
    if (body) {
        body.innerHTML = renderMarkdown(answer.content);
        decorateCodeBlocks(body);
    }
    return true;
}

// ---- rendering

function renderAll(previous: ChatViewState | undefined): void {
    const stick = !previous || isScrolledToBottom() || previous.thread.id !== view?.thread.id ||
        previous.thread.exchanges.length !== view?.thread.exchanges.length;
    renderEngine();
    renderHistory();
    renderThread();
    renderComposer();
    renderFooter();
    if (stick) scrollToBottom();
    if (previous?.busy && !view?.busy) {
        const last = view?.thread.exchanges[view.thread.exchanges.length - 1]?.answer;
        announce(last?.status === "stopped" ? "Stopped." : last?.status === "done" ? "Answer complete." : "The answer ended early.");
    } else if (!previous?.busy && view?.busy) {
        announce("Qwen is answering.");
    }
}

function announce(text: string): void {
    announcer.textContent = "";
    setTimeout(() => { announcer.textContent = text; }, 50);
}

function renderEngine(): void {
    keepBottom(() => renderEngineLine());
}

/** Keeps the conversation scrolled to its end when something around it changes height. */
function keepBottom(render: () => void): void {
    const stick = isScrolledToBottom();
    render();
    if (stick) scrollToBottom();
}

function renderEngineLine(): void {
    const engine = view?.engine;
    engineLine.className = `engine-line ${engine?.kind ?? "idle"}`;
    engineLine.replaceChildren();
    if (!engine || engine.kind === "ready") {
        engineLine.hidden = true;
        return;
    }
    engineLine.hidden = false;
    append(engineLine,
        icon(engine.kind === "busy" ? "loading codicon-modifier-spin" : engine.kind === "error" ? "warning" : "info"),
        h("span", {}, engine.label),
        engine.action === "selectModel"
            ? h("button", { type: "button", className: "link-button", onclick: () => post({ type: "selectModel" }) }, "Select Model…")
            : undefined);
}

function renderHistory(): void {
    historyPanel.hidden = !ui.historyOpen;
    historyPanel.replaceChildren();
    if (!view || !ui.historyOpen) return;
    append(historyPanel,
        h("div", { className: "history-header" },
            h("h2", {}, "Chats"),
            h("button", { type: "button", className: "icon-button", title: "New chat", "aria-label": "New chat", onclick: () => { closeHistory(); post({ type: "newChat" }); } }, icon("add")),
            h("button", { type: "button", className: "icon-button", title: "Close", "aria-label": "Close the chat list", onclick: () => closeHistory() }, icon("close"))),
        historyList(view.history.length, true));
}

function closeHistory(): void {
    ui.historyOpen = false;
    saveUiState();
    renderHistory();
    input.focus();
}

function historyList(limit: number, withDelete: boolean): HTMLElement {
    if (!view || view.history.length === 0) return h("p", { className: "muted" }, "No saved chats in this workspace yet.");
    const list = h("ul", { className: "history-list", "aria-label": "Saved chats" });
    for (const summary of view.history.slice(0, limit)) {
        const current = summary.id === view.thread.id;
        append(list, h("li", { className: current ? "current" : "" },
            h("button", {
                type: "button", className: "history-open", "aria-current": current ? "true" : undefined,
                onclick: () => { closeHistory(); post({ type: "openChat", id: summary.id }); }
            },
            h("span", { className: "history-title" }, summary.title),
            h("span", { className: "history-meta" }, `${formatDate(summary.updatedAt)} · ${summary.exchangeCount} message${summary.exchangeCount === 1 ? "" : "s"}`)),
            withDelete
                ? h("button", {
                    type: "button", className: "icon-button", title: "Delete", "aria-label": `Delete the chat “${summary.title}”`,
                    onclick: () => post({ type: "deleteChat", id: summary.id })
                }, icon("trash"))
                : undefined));
    }
    return list;
}

function renderThread(): void {
    thread.setAttribute("aria-label", ui.mode === "agent" ? "Agent session" : "Conversation");
    if (ui.mode === "agent") {
        // The agent's steps, kept and updated in place by agent.ts (left in place, so focus and open blocks stay).
        if (thread.childNodes.length !== 1 || thread.firstChild !== agent.element) thread.replaceChildren(agent.element);
        return;
    }
    thread.replaceChildren();
    if (!view) return;
    const { exchanges, contextStart } = view.thread;
    if (exchanges.length === 0) {
        append(thread, h("div", { className: "welcome" },
            h("h2", {}, "Chat with Qwen, on this machine"),
            h("p", {}, "Ask about the open file or the selection (they come along as chips below), attach more files with @, " +
                "and turn thinking on or off for each message. Nothing leaves your computer."),
            view.history.length > 0 ? h("h3", {}, "Recent chats") : undefined,
            view.history.length > 0 ? historyList(5, false) : undefined));
        return;
    }
    exchanges.forEach((exchange, index) => {
        if (index === contextStart && contextStart > 0) {
            append(thread, h("div", { className: "trim-rule", role: "separator", id: "trim-rule" },
                h("span", {}, `Context full: the ${contextStart === 1 ? "message" : `${contextStart} earlier messages`} above ` +
                    `${contextStart === 1 ? "is" : "are"} no longer sent to the model (oldest first).`)));
        }
        append(thread, renderExchange(exchange, index === exchanges.length - 1));
    });
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
                    onclick: () => startEdit(exchange.user.text)
                }, icon("edit"))
                : undefined),
        attachments.length > 0 ? h("div", { className: "chips", role: "list", "aria-label": "Attached" }, ...attachments) : undefined,
        h("div", { className: "user-text" }, exchange.user.text));
    return h("div", { className: "exchange", id: `exchange-${exchange.id}` }, user, renderAnswer(exchange, last));
}

function renderAnswer(exchange: ExchangeView, last: boolean): HTMLElement {
    const answer = exchange.answer;
    const element = h("article", { className: "message assistant", id: `answer-${exchange.id}`, "aria-label": "Qwen's answer" });
    if (!answer) return element;
    const streaming = answer.status === "streaming";
    element.dataset.status = answer.status;
    if (streaming) element.dataset.phase = streamingPhase(answer);
    append(element, h("div", { className: "message-header" }, h("span", { className: "author" }, icon("hubot"), "Qwen")));

    const reasoningStreaming = streaming && answer.content.length === 0;
    if (answer.thinking && (answer.reasoning.length > 0 || reasoningStreaming)) append(element, renderThinking(exchange.id, answer, reasoningStreaming));

    if (answer.content.length > 0) {
        const body = h("div", { className: "answer-body markdown" });
        body.innerHTML = renderMarkdown(answer.content);
        decorateCodeBlocks(body);
        append(element, body);
    } else if (streaming && !answer.thinking) {
        append(element, h("div", { className: "waiting" }, icon("loading codicon-modifier-spin"), "Waiting for the model…"));
    }

    const status = statusLine(answer);
    if (status) append(element, status);

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
                type: "button", className: "regenerate", title: "Answer again", onclick: () => post({ type: "regenerate", thinking: thinkingOn() })
            }, icon("refresh"), h("span", {}, "Regenerate")));
        }
        if (actions.childElementCount > 0) append(element, actions);
    }
    return element;
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
                    ? h("button", { type: "button", className: "link-button", onclick: () => post({ type: "selectModel" }) }, "Select Model…")
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
        const send = (action: "insert" | "apply") => post({ type: "code", action, code: code.textContent ?? "", language, path });
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
    post({ type: "code", action: "copy", code: text });
    const label = button.querySelector("span:not(.codicon)");
    const before = label?.textContent;
    if (label) label.textContent = "Copied";
    button.classList.add("done");
    setTimeout(() => {
        if (label && before !== undefined && before !== null) label.textContent = before;
        button.classList.remove("done");
    }, 1200);
}

function renderComposer(): void {
    const agentMode = ui.mode === "agent";
    sendButton.hidden = busy();
    stopButton.hidden = !busy();
    sendButton.disabled = !view;
    stopButton.title = agentMode ? "Stop the agent and any running tool (Escape)" : "Stop generating (Escape)";
    modeButton.setAttribute("aria-pressed", String(agentMode));
    modeButton.classList.toggle("on", agentMode);
    composer.classList.toggle("agent-mode", agentMode);
    // The agent has its own thinking setting and reads files itself: no toggle, chips or meter in agent mode.
    thinkingButton.hidden = agentMode;
    chips.parentElement!.hidden = agentMode;
    meter.parentElement!.hidden = agentMode;
    input.placeholder = agentMode
        ? "Ask the agent for a change, e.g. rename formatPrice to formatAmount everywhere. Enter sends."
        : "Ask about your code. @ attaches files, Enter sends, Shift+Enter adds a line.";
    input.setAttribute("aria-label", agentMode ? "Request to the Qwen agent" : "Message to Qwen");
    thinkingButton.setAttribute("aria-pressed", String(thinkingOn()));
    thinkingButton.classList.toggle("on", thinkingOn());
    editBanner.hidden = !ui.editing;
    editBanner.textContent = ui.editing ? "Editing your last message: Enter resends it, Escape cancels." : "";
    composer.classList.toggle("editing", ui.editing);
    renderChips();
    renderMeter();
}

function renderChips(): void {
    chips.replaceChildren();
    for (const chip of view?.context.chips ?? []) append(chips, renderChip(chip));
}

function renderChip(chip: ContextChip): HTMLElement {
    return h("span", { className: `chip ${chip.kind}`, role: "listitem", title: `${chip.detail} (≈${formatTokenCount(chip.tokens)} tokens)` },
        icon(chip.kind === "selection" ? "selection" : "file"),
        h("span", { className: "chip-label" }, chip.label),
        h("button", {
            type: "button", className: "chip-remove", "aria-label": `Remove ${chip.detail} from the context`, title: "Remove",
            onclick: () => post({ type: "removeChip", id: chip.id })
        }, icon("close")));
}

function renderMeter(): void {
    const context = view?.context;
    if (!context) return;
    const chipTokens = context.chips.reduce((sum, chip) => sum + chip.tokens, 0);
    const used = context.historyTokens + chipTokens + estimateTokens(input.value, context.tokenScale);
    meter.max = context.contextSize;
    meter.low = Math.floor(context.budget * 0.75);
    meter.high = context.budget;
    meter.optimum = 0;
    meter.value = Math.min(used, context.contextSize);
    const over = used > context.budget;
    meterLabel.textContent = `${context.estimated ? "≈" : ""}${formatTokenCount(used)} / ${formatTokenCount(context.contextSize)}` +
        (over ? ": oldest messages will be dropped" : "");
    const description = `Context: about ${used} of ${context.contextSize} tokens (conversation ${context.historyTokens}, attachments ${chipTokens}). ` +
        `Past ${context.budget}, the oldest messages are no longer sent.`;
    meter.setAttribute("aria-label", description);
    meter.parentElement!.title = description;
    meter.parentElement!.classList.toggle("over", over);
}

function renderFooter(): void {
    footer.replaceChildren();
    const exchanges = view?.thread.exchanges ?? [];
    const stats = [...exchanges].reverse().find((exchange) => exchange.answer?.stats && exchange.answer.stats.generatedTokens > 0)?.answer?.stats;
    if (!stats) {
        footer.hidden = true;
        return;
    }
    footer.hidden = false;
    append(footer,
        h("span", { id: "footer-speed" }, `${stats.tokensPerSecond.toFixed(1)} tok/s`),
        h("span", { id: "footer-ttft" }, `first token ${formatDuration(stats.timeToFirstTokenMs)}`),
        h("span", { id: "footer-prompt", title: "Tokens of the last prompt, and how many the engine evaluated (the rest came from its cache)" },
            `prompt ${stats.promptTokens} (${stats.evaluatedTokens} evaluated)`));
}

function isScrolledToBottom(): boolean {
    return thread.scrollHeight - thread.scrollTop - thread.clientHeight < 48;
}

function scrollToBottom(): void {
    thread.scrollTop = thread.scrollHeight;
}

function basename(path: string): string {
    return path.split(/[\\/]/).pop() ?? path;
}

renderComposer();
post({ type: "ready" });
