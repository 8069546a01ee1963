/**
 * The chat panel in the webview. It shows what the extension sends (snapshots, and deltas while an answer
 * streams) and sends back intents. Each region is a component under components/ that owns its DOM and its state:
 * the engine line, the chat list, the transcript (the conversation, or the agent's steps and review bar in Agent
 * mode), the input bar with the context chips, the footer. This file builds them, wires them to each other,
 * dispatches the extension's messages and saves the UI state (the draft, the thinking toggle, whether the chat list
 * is open, Chat or Agent mode) with the webview's setState, so a reload restores it.
 */
import { isToWebview, type ChatViewState, type FromWebview, type ToWebview } from "../../core/chat/protocol";
import { createAgentSteps } from "./components/agentSteps";
import { createAnnouncer } from "./components/announcer";
import { createContextChips } from "./components/chips";
import { createEngineLine } from "./components/engineLine";
import { createFooter } from "./components/footer";
import { createHistoryPanel } from "./components/history";
import { createInputBar, type InputBarState, type PanelMode } from "./components/inputBar";
import { createInstructionsLine } from "./components/instructionsLine";
import { createMcpLine } from "./components/mcpLine";
import { createReviewBar } from "./components/reviewBar";
import { createTranscript } from "./components/transcript";
import { append } from "./dom";

interface VsCodeApi {
    postMessage(message: unknown): void;
    getState(): unknown;
    setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** What setState keeps: the input bar's state and whether the chat list is open. */
interface UiState extends InputBarState {
    historyOpen: boolean;
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

function startPanel(vscode: VsCodeApi, root: HTMLElement): void {
    const saved = restoreUiState(vscode.getState());
    /** The extension's last snapshot (undefined until the first). */
    let view: ChatViewState | undefined;

    const post = (message: FromWebview) => vscode.postMessage(message);
    const save = () => vscode.setState({ ...inputBar.state(), historyOpen: history.open } satisfies UiState);

    const announcer = createAnnouncer();
    const engineLine = createEngineLine(post);
    const history = createHistoryPanel({
        post,
        closed: () => {
            save();
            inputBar.focus();
        }
    }, saved.historyOpen);
    const reviewBar = createReviewBar(post);
    const agent = createAgentSteps({
        post,
        update: (render) => {
            if (inputBar.mode !== "agent") {
                render();
                return;
            }
            transcript.keepBottom(render);
            inputBar.render();
        },
        announce: (text) => { if (inputBar.mode === "agent") announcer.announce(text); }
    }, reviewBar);
    const transcript = createTranscript({
        post,
        thinkingOn: () => inputBar.thinkingOn(),
        startEdit: (text) => inputBar.startEdit(text),
        openChat: (id) => {
            history.setOpen(false);
            save();
            inputBar.focus();
            post({ type: "openChat", id });
        }
    }, agent.element);
    const instructionsLine = createInstructionsLine(post);
    const mcpLine = createMcpLine(post);
    const inputBar = createInputBar({
        post,
        agentRunning: () => agent.running,
        save,
        modeChanged: (mode: PanelMode) => {
            transcript.render(view, mode);
            inputBar.render();
            transcript.scrollToBottom();
            announcer.announce(mode === "agent" ? "Agent mode." : "Chat mode.");
        }
    }, createContextChips(post), saved, [instructionsLine, mcpLine]);
    const footer = createFooter();

    append(root, engineLine.element, history.element, transcript.element, inputBar.element, footer.element, announcer.element);

    function renderAll(previous: ChatViewState | undefined, next: ChatViewState): void {
        const stick = !previous || transcript.isScrolledToBottom() || previous.thread.id !== next.thread.id ||
            previous.thread.exchanges.length !== next.thread.exchanges.length;
        transcript.keepBottom(() => engineLine.render(next.engine));
        history.update(next);
        transcript.render(next, inputBar.mode);
        inputBar.update(next);
        footer.render(next.thread.exchanges);
        if (stick) transcript.scrollToBottom();
        if (previous?.busy && !next.busy) {
            const last = next.thread.exchanges[next.thread.exchanges.length - 1]?.answer;
            announcer.announce(last?.status === "stopped" ? "Stopped." : last?.status === "done" ? "Answer complete." : "The answer ended early.");
        } else if (!previous?.busy && next.busy) {
            announcer.announce("Qwen is answering.");
        }
    }

    function receive(message: ToWebview): void {
        switch (message.type) {
            case "state": {
                const previous = view;
                view = message.state;
                renderAll(previous, view);
                return;
            }
            case "context":
                if (!view) return;
                transcript.keepBottom(() => inputBar.setContext(message.context));
                return;
            case "engine":
                if (!view) return;
                transcript.keepBottom(() => engineLine.render(message.engine));
                return;
            case "delta":
                transcript.applyDelta(message);
                return;
            case "agentLog":
                agent.reset(message.events);
                return;
            case "agentEvent":
                agent.apply(message.event);
                return;
            case "instructions":
                instructionsLine.render(message.view);
                return;
            case "mcpServers":
                mcpLine.render(message.view);
                return;
            case "draft":
                inputBar.setDraft(message.text);
                return;
            case "command":
                if (message.command === "showHistory") {
                    history.show();
                    save();
                } else if (message.command === "showChat") {
                    // An editor command (Explain) answers in the chat: leave Agent mode and the list to show it.
                    inputBar.setMode("chat");
                    history.setOpen(false);
                    save();
                    transcript.render(view, "chat");
                    inputBar.render();
                    transcript.scrollToBottom();
                } else {
                    inputBar.focus();
                }
                return;
        }
    }

    window.addEventListener("message", (event: MessageEvent) => {
        const message: unknown = event.data;
        if (!isToWebview(message)) {
            console.warn("Qwen Local chat: ignored a malformed message", message);
            return;
        }
        receive(message);
    });

    inputBar.render();
    post({ type: "ready" });
}

startPanel(acquireVsCodeApi(), document.getElementById("app") ?? document.body);
