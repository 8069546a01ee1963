/**
 * The input bar (`#composer`): the draft, the edit-and-resend banner, the context chips, the Agent and Thinking
 * toggles, the context meter, Send and Stop. It owns the UI state the person sets here — the draft, the thinking
 * choice, whether the draft edits the last message, Chat or Agent mode — and sends the intents (send, edit, stop,
 * pick files); the panel saves that state with the webview's setState.
 */
import type { ChatViewState, ContextView, FromWebview } from "../../../core/chat/protocol";
import { estimateTokens, formatTokenCount } from "../../../core/chat/tokens";
import { h, icon } from "../dom";
import type { ContextChips } from "./chips";

export type PanelMode = "chat" | "agent";

/** What the input bar keeps across a reload of the webview. */
export interface InputBarState {
    draft: string;
    /** The person's choice; undefined follows the setting. */
    thinking?: boolean;
    /** The draft replaces the last message (edit and resend). */
    editing: boolean;
    /** Whether Send chats or runs the agent. */
    mode: PanelMode;
}

/** The parts of the extension's snapshot the input bar shows. */
export type InputBarView = Pick<ChatViewState, "busy" | "context" | "thinkingDefault">;

export interface InputBarHost {
    post(message: FromWebview): void;
    /** Whether an agent request runs (Send becomes Stop in Agent mode). */
    agentRunning(): boolean;
    /** The state changed: save it. */
    save(): void;
    /** The person switched between Chat and Agent mode (the state is saved already). */
    modeChanged(mode: PanelMode): void;
}

export interface InputBar {
    /** `#composer`. */
    readonly element: HTMLElement;
    readonly mode: PanelMode;
    /** What to save (see InputBarState). */
    state(): InputBarState;
    /** Shows this snapshot of the extension's state. */
    update(view: InputBarView): void;
    /** Shows a new context (chips, meter) without a whole snapshot; ignored before the first snapshot. */
    setContext(context: ContextView): void;
    /** Switches the mode without asking the host (an editor command shows the chat); the caller saves and renders. */
    setMode(mode: PanelMode): void;
    render(): void;
    /** Whether the next message thinks: the person's choice, else the setting. */
    thinkingOn(): boolean;
    /** Puts the last message back in the input to edit and resend. */
    startEdit(text: string): void;
    /** Puts text into the input, as a draft to edit and send (a request "Restore to here" took back). */
    setDraft(text: string): void;
    focus(): void;
}

const CHAT_PLACEHOLDER = "Ask about your code. @ attaches files, Enter sends, Shift+Enter adds a line.";
const AGENT_PLACEHOLDER = "Ask the agent for a change, e.g. rename formatPrice to formatAmount everywhere. Enter sends.";

export function createInputBar(host: InputBarHost, chips: ContextChips, saved: InputBarState, lines: readonly { element: HTMLElement }[]): InputBar {
    const ui: InputBarState = { ...saved };
    let view: InputBarView | undefined;

    const thinkingOn = () => ui.thinking ?? view?.thinkingDefault ?? true;

    const editBanner = h("div", { className: "edit-banner", id: "edit-banner", role: "status" });
    const input = h("textarea", {
        id: "chat-input",
        rows: 3,
        "aria-label": "Message to Qwen",
        placeholder: CHAT_PLACEHOLDER
    });
    const thinkingButton = h("button", {
        id: "thinking-toggle", className: "toggle", type: "button",
        title: "Think before answering: applies to the next message",
        onclick: () => {
            ui.thinking = !thinkingOn();
            host.save();
            render();
        }
    }, icon("lightbulb"), h("span", {}, "Thinking"));
    const modeButton = h("button", {
        id: "agent-toggle", className: "toggle", type: "button",
        title: "Agent mode: Send asks the agent, which reads your files and proposes changes for you to review",
        onclick: () => {
            ui.mode = ui.mode === "agent" ? "chat" : "agent";
            if (ui.mode === "agent") ui.editing = false;
            host.save();
            host.modeChanged(ui.mode);
        }
    }, icon("robot"), h("span", {}, "Agent"));
    const meter = h("meter", { id: "context-meter", min: 0, max: 1, value: 0 });
    const meterLabel = h("span", { className: "meter-label", id: "context-meter-label" });
    const meterBox = h("div", { className: "meter", title: "" }, meter, meterLabel);
    const sendButton = h("button", { id: "send", className: "primary", type: "button", onclick: () => submit() }, icon("send"), h("span", {}, "Send"));
    const stopButton = h("button", {
        id: "stop", className: "danger", type: "button", title: "Stop generating (Escape)",
        onclick: () => stop()
    }, icon("debug-stop"), h("span", {}, "Stop"));

    const element = h("form", { className: "composer", id: "composer", "aria-label": "New message", onsubmit: (event) => { event.preventDefault(); submit(); } },
        editBanner,
        ...lines.map((line) => line.element),
        chips.element,
        input,
        h("div", { className: "composer-bar" },
            modeButton,
            thinkingButton,
            meterBox,
            h("div", { className: "spacer" }),
            stopButton,
            sendButton));
    input.value = ui.draft;

    input.addEventListener("input", () => {
        ui.draft = input.value;
        host.save();
        renderMeter();
    });

    input.addEventListener("beforeinput", (event) => {
        // `@` at the start of a word opens the file picker instead of being typed.
        if (ui.mode === "chat" && event.inputType === "insertText" && event.data === "@") {
            const before = input.value.slice(0, input.selectionStart ?? 0);
            if (before.length === 0 || /\s$/.test(before)) {
                event.preventDefault();
                host.post({ type: "pickFiles" });
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
        return ui.mode === "agent" ? host.agentRunning() : view?.busy !== undefined;
    }

    function stop(): void {
        if (ui.mode === "agent") host.post({ type: "agentStop" });
        else if (view?.busy) host.post({ type: "stop", requestId: view.busy.requestId });
    }

    function submit(): void {
        if (!view || busy()) return;
        const text = input.value;
        if (text.trim().length === 0) return;
        if (ui.mode === "agent") host.post({ type: "send", text, thinking: thinkingOn(), mode: "agent" });
        else if (ui.editing) host.post({ type: "editLast", text, thinking: thinkingOn() });
        else host.post({ type: "send", text, thinking: thinkingOn() });
        input.value = "";
        ui.draft = "";
        ui.editing = false;
        host.save();
        render();
    }

    function startEdit(text: string): void {
        ui.editing = true;
        input.value = text;
        ui.draft = text;
        host.save();
        render();
        input.focus();
        input.setSelectionRange(text.length, text.length);
    }

    function cancelEdit(): void {
        ui.editing = false;
        input.value = "";
        ui.draft = "";
        host.save();
        render();
    }

    function render(): void {
        const agentMode = ui.mode === "agent";
        sendButton.hidden = busy();
        stopButton.hidden = !busy();
        sendButton.disabled = !view;
        stopButton.title = agentMode ? "Stop the agent and any running tool (Escape)" : "Stop generating (Escape)";
        modeButton.setAttribute("aria-pressed", String(agentMode));
        modeButton.classList.toggle("on", agentMode);
        element.classList.toggle("agent-mode", agentMode);
        // The agent has its own thinking setting and reads files itself: no toggle, chips or meter in agent mode.
        thinkingButton.hidden = agentMode;
        chips.element.hidden = agentMode;
        meterBox.hidden = agentMode;
        input.placeholder = agentMode ? AGENT_PLACEHOLDER : CHAT_PLACEHOLDER;
        input.setAttribute("aria-label", agentMode ? "Request to the Qwen agent" : "Message to Qwen");
        thinkingButton.setAttribute("aria-pressed", String(thinkingOn()));
        thinkingButton.classList.toggle("on", thinkingOn());
        editBanner.hidden = !ui.editing;
        editBanner.textContent = ui.editing ? "Editing your last message: Enter resends it, Escape cancels." : "";
        element.classList.toggle("editing", ui.editing);
        chips.render(view?.context.chips ?? []);
        renderMeter();
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
        meterBox.title = description;
        meterBox.classList.toggle("over", over);
    }

    return {
        element,
        get mode() { return ui.mode; },
        state: () => ({ ...ui }),
        update(next) {
            view = { busy: next.busy, context: next.context, thinkingDefault: next.thinkingDefault };
            render();
        },
        setContext(context) {
            if (!view) return;
            view = { ...view, context };
            render();
        },
        setMode(mode) {
            ui.mode = mode;
        },
        render,
        thinkingOn,
        startEdit,
        setDraft(text) {
            input.value = text;
            ui.draft = text;
            host.save();
            renderMeter();
            input.focus();
        },
        focus: () => input.focus()
    };
}
