/**
 * The composition root: builds the services, registers the contributions, pushes the disposables.
 * Activation does no model work: the engine worker starts on the first request that needs it.
 */
import type * as vscode from "vscode";
import { errorMessage } from "./core/log";
import type { ChatService } from "./core/chat/service";
import { AgentController } from "./vscode/agent/agentController";
import { registerChat } from "./vscode/chatView";
import { CommandActivity } from "./vscode/commandActivity";
import { registerCommands } from "./vscode/commands";
import { Checkpoints } from "./vscode/checkpoints";
import { CommitMessageWriter } from "./vscode/commitMessage";
import { EditorCommands } from "./vscode/editorCommands";
import { EngineService } from "./vscode/engineService";
import { InlineSuggestions } from "./vscode/inlineCompletion";
import { createLogChannel } from "./vscode/log";
import { ProposalReview } from "./vscode/proposalReview";
import { StatusBar } from "./vscode/statusBar";

/** What the extension returns from activate(): used by the integration tests and by nothing else. */
export interface QwenLocalApi {
    readonly engine: EngineService;
    readonly activationMs: number;
    readonly inlineSuggestions: InlineSuggestions;
    readonly chat: ChatService;
    readonly agent: AgentController;
    readonly editorCommands: EditorCommands;
    readonly review: ProposalReview;
}

export function activate(context: vscode.ExtensionContext): QwenLocalApi {
    const started = performance.now();
    const { channel, logger } = createLogChannel();
    const engine = new EngineService(context, logger);
    const statusBar = new StatusBar(engine);
    context.subscriptions.push(channel, engine, statusBar, ...registerCommands({ engine, channel, logger }));
    const inlineSuggestions = new InlineSuggestions(engine, logger);
    context.subscriptions.push(inlineSuggestions);
    // One review of every proposed change: the agent's, the editor commands', the chat's Apply.
    const review = new ProposalReview(logger);
    const checkpoints = new Checkpoints(context, review, logger);
    context.subscriptions.push(checkpoints);
    const agent = new AgentController({ engine, logger, channel, review, checkpoints });
    const activity = new CommandActivity();
    context.subscriptions.push(agent, review, activity);
    const chat = registerChat({ context, engine, logger, agent, review });
    context.subscriptions.push(...chat.disposables);
    const editorCommands = new EditorCommands({ engine, logger, channel, chat: chat.service, showChat: chat.showChat, review, activity });
    context.subscriptions.push(editorCommands);
    const commitMessages = new CommitMessageWriter(engine, logger);
    context.subscriptions.push(commitMessages);

    // Off the activation path: a cheap, offline look for the model file, for the status bar.
    setTimeout(() => {
        engine.refreshModelPresence().catch((error: unknown) => logger.debug(errorMessage(error)));
    }, 0);

    const activationMs = performance.now() - started;
    logger.info(`Qwen Local activated in ${activationMs.toFixed(1)} ms (no model loaded yet)`);
    return { engine, activationMs, inlineSuggestions, chat: chat.service, agent, editorCommands, review };
}

export function deactivate(): void {
    // Disposables in context.subscriptions stop the worker process.
}
