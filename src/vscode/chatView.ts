/**
 * The chat side panel: a WebviewViewProvider that translates between the webview's protocol
 * (src/core/chat/protocol.ts, every message checked on arrival) and the ChatService, the context chips and the
 * code-block actions; plus the chat's commands. History lives in files in the workspace's storage folder.
 * In Agent mode it drives the AgentController: requests and review actions go to it, the session's events come back
 * as `agentEvent` messages (and as one `agentLog` when the webview loads).
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import * as vscode from "vscode";
import { renderInstructions, type InstructionFile } from "../core/instructions";
import { activeEditorFiles, INSTRUCTION_FILES_GLOB, workspaceInstructions } from "./instructions";
import type { AgentEvent } from "../core/agent/events";
import type { ChatViewState, ContextView, EngineView, FromWebview, McpServerAction, McpServersView, PanelCommand, ToWebview } from "../core/chat/protocol";
import { isFromWebview, isSafeLink } from "../core/chat/protocol";
import { ChatError, ChatService, type ChatConfig } from "../core/chat/service";
import { answerReserve } from "../core/chat/trimming";
import { errorMessage, type Logger } from "../core/log";
import type { AgentController } from "./agent/agentController";
import { ChatCodeActions } from "./chatCodeActions";
import { ChatContext } from "./chatContext";
import { FileChatStore } from "./chatHistoryStore";
import type { ProposalReview } from "./proposalReview";
import type { EngineService, ServiceState } from "./engineService";
import { affectsSetting, getSettings } from "./settings";
import { DisposableStore } from "../core/util/disposables";

export const CHAT_VIEW_ID = "qwenLocal.chat";

export const CHAT_COMMANDS = {
    openChat: "qwenLocal.openChat",
    newChat: "qwenLocal.newChat",
    chatHistory: "qwenLocal.chatHistory"
} as const;

/** Most agent events the panel keeps for a reload (consecutive text and thinking deltas are merged). */
const MAX_AGENT_EVENTS = 5000;

export function chatConfig(engine: EngineService): ChatConfig {
    const settings = getSettings();
    const budget = settings.thoughtBudgetTokens.chat;
    return {
        contextSize: engine.client.modelInfo?.contextSize ?? settings.contextSize,
        maxTokens: settings["chat.maxTokens"],
        thoughtBudgetTokens: budget > 0 ? budget : undefined,
        sampling: { thinking: settings["sampling.thinking"], nonThinking: settings["sampling.nonThinking"] }
    };
}

class ChatViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
    private view?: vscode.WebviewView;
    /** Whether the webview's script has asked for the state (it reloads each time the view is shown). */
    private webviewReady = false;
    private pendingCommand?: PanelCommand;
    /** The instruction files last shown (the only ones "openInstruction" opens), and which refresh is the latest. */
    private instructionFiles: InstructionFile[] = [];
    private instructionsGeneration = 0;
    private readonly disposables = new DisposableStore();
    /** The current agent session's events, replayed to the webview when it (re)loads. */
    private agentEvents: AgentEvent[] = [];
    private agentSubscription?: { dispose(): void };

    constructor(
        private readonly extensionUri: vscode.Uri,
        private readonly service: ChatService,
        private readonly ready: Promise<void>,
        private readonly engine: EngineService,
        private readonly context: ChatContext,
        private readonly code: ChatCodeActions,
        private readonly log: Logger,
        private readonly agent: AgentController,
        private readonly mcp?: McpPanelPort,
        private readonly showLog?: () => void
    ) {
        // Instruction files created, changed or deleted (by any means) show in the panel at once.
        const instructionsWatcher = vscode.workspace.createFileSystemWatcher(INSTRUCTION_FILES_GLOB);
        this.disposables.push(
            // The controller creates its session on first use and a new one after "New Agent Session": follow it.
            agent.onDidChangeSession((session) => {
                this.agentSubscription?.dispose();
                this.agentEvents = [];
                this.agentSubscription = session.onEvent((event) => this.onAgentEvent(event));
                this.post({ type: "agentLog", events: [] });
            }),
            { dispose: () => this.agentSubscription?.dispose() },
            service.onDidChange(() => this.postState()),
            service.onDelta((delta) => this.post({ type: "delta", ...delta })),
            context.onDidChange(() => {
                this.post({ type: "context", context: this.contextView() });
                this.refreshInstructions();
            }),
            instructionsWatcher,
            instructionsWatcher.onDidChange(() => this.refreshInstructions()),
            instructionsWatcher.onDidCreate(() => this.refreshInstructions()),
            instructionsWatcher.onDidDelete(() => this.refreshInstructions()),
            vscode.workspace.onDidGrantWorkspaceTrust(() => this.refreshInstructions()),
            engine.onDidChangeState((state) => {
                this.post({ type: "engine", engine: engineView(state) });
                this.post({ type: "context", context: this.contextView() });
            }),
            mcp?.onDidChange(() => this.post({ type: "mcpServers", view: mcp.view() })) ?? { dispose: () => undefined },
            vscode.workspace.onDidChangeConfiguration((event) => {
                if (affectsSetting(event, "thinking", "chat.maxTokens", "contextSize")) this.postState();
                if (event.affectsConfiguration("qwenLocal.instructions")) this.refreshInstructions();
            })
        );
    }

    resolveWebviewView(view: vscode.WebviewView): void {
        this.view = view;
        this.webviewReady = false;
        const media = vscode.Uri.joinPath(this.extensionUri, "media", "chat");
        view.webview.options = { enableScripts: true, localResourceRoots: [media] };
        view.webview.html = this.html(view.webview, media);
        this.disposables.push(
            view.webview.onDidReceiveMessage((message: unknown) => this.receive(message)),
            view.onDidChangeVisibility(() => {
                if (!view.visible) this.webviewReady = false;
            }),
            view.onDidDispose(() => {
                if (this.view === view) this.view = undefined;
            })
        );
    }

    /** Brings the view up and runs a webview command (history, focus). */
    async command(command: PanelCommand): Promise<void> {
        if (this.view?.visible && this.webviewReady) {
            this.view.show(false);
            this.post({ type: "command", command });
            return;
        }
        // The webview (re)loads when it becomes visible: the command goes out after its "ready".
        this.pendingCommand = command;
        await vscode.commands.executeCommand(`${CHAT_VIEW_ID}.focus`);
    }

    private html(webview: vscode.Webview, media: vscode.Uri): string {
        const nonce = randomBytes(16).toString("base64");
        const script = webview.asWebviewUri(vscode.Uri.joinPath(media, "chat.js"));
        const style = webview.asWebviewUri(vscode.Uri.joinPath(media, "chat.css"));
        const csp = [
            "default-src 'none'",
            `script-src 'nonce-${nonce}'`,
            `style-src ${webview.cspSource}`,
            `font-src ${webview.cspSource}`
        ].join("; ");
        return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>Qwen Local Chat</title>
</head>
<body>
<main id="app" aria-label="Qwen Local chat"></main>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
    }

    private receive(message: unknown): void {
        if (!isFromWebview(message)) {
            this.log.warn(`Chat: ignored a malformed message from the webview: ${JSON.stringify(message)?.slice(0, 200)}`);
            return;
        }
        this.handle(message).catch((error: unknown) => {
            if (error instanceof ChatError) void vscode.window.showInformationMessage(error.message);
            else {
                this.log.error(`Chat: ${message.type} failed: ${errorMessage(error)}`);
                void vscode.window.showErrorMessage(`Chat: ${errorMessage(error)}`);
            }
        });
    }

    private async handle(message: FromWebview): Promise<void> {
        switch (message.type) {
            case "ready":
                await this.ready;
                this.webviewReady = true;
                this.postState();
                this.post({ type: "agentLog", events: this.agentEvents });
                if (this.pendingCommand) this.post({ type: "command", command: this.pendingCommand });
                this.pendingCommand = undefined;
                this.refreshInstructions();
                if (this.mcp) this.post({ type: "mcpServers", view: this.mcp.view() });
                return;
            case "send":
                if (message.mode === "agent") {
                    // Approvals stay modal; the steps stream into the panel (no notification, no transcript tab).
                    await this.agent.run(message.text, { showProgress: false, showTranscript: false });
                    return;
                }
                if (this.service.busy) throw new ChatError("Wait for the answer to finish, or stop it, before sending another message.");
                this.refreshInstructions();
                await this.service.send(message.text, this.context.takeAttachments(), message.thinking);
                return;
            case "restoreTurn": {
                const start = this.agentEvents.findIndex((event) => event.type === "start" && event.turn === message.turn);
                const task = start >= 0 ? (this.agentEvents[start] as Extract<AgentEvent, { type: "start" }>).task : undefined;
                if (!await this.agent.restoreTurn(message.turn)) return;
                if (start >= 0) this.agentEvents.splice(start);
                this.post({ type: "agentLog", events: this.agentEvents });
                if (task !== undefined) this.post({ type: "draft", text: task });
                return;
            }
            case "openInstruction": {
                // Only a file the panel was told about: the path comes from the webview.
                const file = this.instructionFiles.find((candidate) => candidate.path === message.path);
                if (file) await vscode.window.showTextDocument(vscode.Uri.file(file.absPath), { preview: true });
                return;
            }
            case "stop":
                this.service.stop(message.requestId);
                return;
            case "regenerate":
                await this.service.regenerate(message.thinking);
                return;
            case "editLast":
                await this.service.editLast(message.text, message.thinking);
                return;
            case "newChat":
                await this.service.newChat();
                return;
            case "openChat":
                await this.service.open(message.id);
                return;
            case "deleteChat":
                await this.service.delete(message.id);
                return;
            case "removeChip":
                this.context.remove(message.id);
                return;
            case "pickFiles":
                await this.context.pickFiles();
                return;
            case "code":
                if (message.action === "copy") await this.code.copy(message.code);
                else if (message.action === "insert") await this.code.insert(message.code);
                else await this.code.apply(message.code, message.path);
                return;
            case "openLink":
                if (isSafeLink(message.href)) await vscode.env.openExternal(vscode.Uri.parse(message.href, true));
                else this.log.warn(`Chat: refused to open the link ${message.href.slice(0, 200)}`);
                return;
            case "selectModel":
                await vscode.commands.executeCommand("qwenLocal.selectModel");
                return;
            case "mcpServer":
                await this.mcp?.act(message.name, message.action);
                return;
            case "showLog":
                this.showLog?.();
                return;
            case "agentStop":
                this.agent.stop();
                return;
            case "agentReview":
                if (message.action === "accept") await this.agent.accept(message.ids);
                else if (message.action === "reject") await this.agent.reject(message.ids);
                else if (message.ids === "all") await this.agent.openReview();
                else for (const id of message.ids) await this.agent.openDiff(id);
                return;
        }
    }

    private onAgentEvent(event: AgentEvent): void {
        const last = this.agentEvents[this.agentEvents.length - 1];
        if ((event.type === "text" || event.type === "thinking") && last?.type === event.type) {
            this.agentEvents[this.agentEvents.length - 1] = { type: event.type, text: last.text + event.text };
        } else {
            this.agentEvents.push(event);
            if (this.agentEvents.length > MAX_AGENT_EVENTS) this.agentEvents.splice(0, this.agentEvents.length - MAX_AGENT_EVENTS);
        }
        this.post({ type: "agentEvent", event });
    }

    /** Reads the instruction files for what the next message is about, and shows them above the input. */
    private refreshInstructions(): void {
        const generation = ++this.instructionsGeneration;
        workspaceInstructions([...this.context.paths(), ...activeEditorFiles()]).then((files) => {
            if (generation !== this.instructionsGeneration) return;
            this.instructionFiles = files;
            this.post({
                type: "instructions",
                view: { files: files.map(({ path, truncated }) => ({ path, truncated })), fromWorkspace: !vscode.workspace.isTrusted }
            });
        }).catch((error: unknown) => this.log.debug(`Chat: could not read the project instructions: ${errorMessage(error)}`));
    }

    private contextView(): ContextView {
        const config = chatConfig(this.engine);
        const history = this.service.historyTokens();
        return {
            chips: this.context.chips(this.service.tokenScale),
            historyTokens: history.tokens,
            estimated: history.estimated,
            contextSize: config.contextSize,
            budget: config.contextSize - answerReserve(config.contextSize, config.maxTokens),
            tokenScale: this.service.tokenScale
        };
    }

    private state(): ChatViewState {
        return {
            thread: this.service.threadView(),
            history: [...this.service.history],
            busy: this.service.busy,
            context: this.contextView(),
            engine: engineView(this.engine.state),
            thinkingDefault: getSettings().thinking.chat === "on"
        };
    }

    private postState(): void {
        if (this.view) this.post({ type: "state", state: this.state() });
    }

    private post(message: ToWebview): void {
        void this.view?.webview.postMessage(message).then(undefined, () => undefined);
    }

    dispose(): void {
        this.disposables.dispose();
    }
}

function engineView(state: ServiceState): EngineView {
    if (state.download) return { kind: "busy", label: `Downloading the model: ${Math.floor(state.download.percent)}%` };
    const engine = state.engine;
    switch (engine.kind) {
        case "stopped":
            return state.modelPresent === false
                ? { kind: "idle", label: "No model yet: sending a message offers to download one.", action: "selectModel" }
                : { kind: "idle", label: "The model loads when you send a message." };
        case "starting":
            return { kind: "busy", label: "Starting the engine…" };
        case "loading":
            return { kind: "busy", label: `Loading the model: ${Math.floor(engine.progress * 100)}%` };
        case "ready":
            return { kind: "ready", label: `${engine.info.name ?? path.basename(engine.info.modelPath)} · context ${engine.info.contextSize}` };
        case "crashed":
            return { kind: "error", label: engine.message };
        case "gaveUp":
        case "error":
            return { kind: "error", label: engine.message, action: "selectModel" };
    }
}

/** What the panel shows of the MCP servers and does with them (./mcp.ts). */
export interface McpPanelPort {
    view(): McpServersView;
    readonly onDidChange: (listener: () => void) => { dispose(): void };
    act(name: string, action: McpServerAction): Promise<void>;
}

export interface ChatDeps {
    context: vscode.ExtensionContext;
    engine: EngineService;
    logger: Logger;
    /** The agent the panel's Agent mode drives. */
    agent: AgentController;
    /** Where Apply on a code block proposes its change. */
    review: ProposalReview;
    /** The MCP servers line; absent: none shown. */
    mcp?: McpPanelPort;
    /** Opens the log. */
    showLog?: () => void;
}

/** Builds the chat (service, view, context, code actions, commands); everything returned is to be disposed. */
export interface Chat {
    service: ChatService;
    /** Brings up the panel in Chat mode (an answer is about to stream into it). */
    showChat(): Promise<void>;
    disposables: vscode.Disposable[];
}

export function registerChat({ context, engine, logger, agent, review, mcp, showLog }: ChatDeps): Chat {
    const storage = context.storageUri ?? vscode.Uri.joinPath(context.globalStorageUri, "no-workspace");
    const store = new FileChatStore(path.join(storage.fsPath, "chats"), logger);
    const service = new ChatService({
        engine: {
            generate: (params, options) => engine.client.generate(params, options),
            tokenize: (prompt, signal) => engine.client.tokenize(prompt, signal)
        },
        store,
        log: logger,
        config: () => chatConfig(engine),
        instructions: async (files) => renderInstructions(await workspaceInstructions(files))
    });
    // Reading the saved chats is the only work, and it runs off the activation path.
    const ready = service.initialize();
    const chatContext = new ChatContext(logger);
    const code = new ChatCodeActions(logger, () => chatContext.lastEditor, review);
    const provider = new ChatViewProvider(context.extensionUri, service, ready, engine, chatContext, code, logger, agent, mcp, showLog);
    const disposables: vscode.Disposable[] = [
        chatContext,
        provider,
        { dispose: () => service.dispose() },
        vscode.window.registerWebviewViewProvider(CHAT_VIEW_ID, provider),
        vscode.commands.registerCommand(CHAT_COMMANDS.openChat, () => provider.command("focusInput")),
        vscode.commands.registerCommand(CHAT_COMMANDS.newChat, async () => {
            await service.newChat();
            await provider.command("focusInput");
        }),
        vscode.commands.registerCommand(CHAT_COMMANDS.chatHistory, () => provider.command("showHistory"))
    ];
    return { service, showChat: () => provider.command("showChat"), disposables };
}
