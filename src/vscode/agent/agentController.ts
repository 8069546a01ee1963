/**
 * The agent in the editor: one AgentSession at a time over the workspace's folders (VS Code's file system, unsaved
 * buffers, WorkspaceEdit, Workspace Trust, modal approvals) and its live transcript. Its proposals go to the
 * workspace's one review (../proposalReview.ts: the diffs, Accept/Reject, the review list) with every other
 * producer's. The chat panel drives the same controller (see `run`, `session.onEvent`, `accept`, `reject`).
 */
import os from "node:os";
import * as vscode from "vscode";
import type { AgentEvent } from "../../core/agent/events";
import type { AgentLoopResult } from "../../core/agent/loop";
import { AgentSession, type AgentSettings } from "../../core/agent/session";
import { Transcript } from "../../core/agent/transcript";
import { Emitter, type Event } from "../../core/events";
import { errorMessage, type Logger } from "../../core/log";
import { samplingFor } from "../../core/qwen35/sampling";
import { thinkingFor } from "../../core/settings";
import { NodeCommandRunner } from "../../node/agent/commandRunner";
import type { EngineService } from "../engineService";
import type { ProposalReview } from "../proposalReview";
import { activeEditorFiles, instructionSettings } from "../instructions";
import { getSettings } from "../settings";
import { approveInEditor } from "./approver";
import { vscodeDiagnostics } from "./diagnostics";
import type { Checkpoints } from "../checkpoints";
import type { ExternalToolSource } from "../../core/agent/tools/external";
import { TerminalCommandRunner } from "./terminalRunner";
import { TranscriptDocument } from "./transcriptDocument";
import { VscodeWorkspaceFs } from "./vscodeWorkspaceFs";

export const AGENT_COMMANDS = {
    ask: "qwenLocal.askAgent",
    stop: "qwenLocal.stopAgent",
    newSession: "qwenLocal.newAgentSession",
    showSession: "qwenLocal.showAgentSession"
} as const;

const CONTEXT_RUNNING = "qwenLocal.agentRunning";

interface Current {
    session: AgentSession;
    transcript: Transcript;
    subscription: { dispose(): void };
}

export interface AgentControllerDeps {
    engine: EngineService;
    logger: Logger;
    channel: vscode.LogOutputChannel;
    /** The workspace's proposals and their review, shared with the commands and the chat's Apply. */
    review: ProposalReview;
    /** Where each request's file states are recorded ("Restore to here"). */
    checkpoints?: Checkpoints;
    /** Tools of MCP servers and other extensions (listed per request in a trusted workspace). */
    externalTools?: ExternalToolSource;
}

export class AgentController implements vscode.Disposable {
    private current?: Current;
    private readonly transcriptDocument: TranscriptDocument;
    private readonly sessionEmitter = new Emitter<AgentSession>();
    /** A new session replaced the previous one (the chat panel re-subscribes to its events). */
    readonly onDidChangeSession: Event<AgentSession> = this.sessionEmitter.event;
    private readonly disposables: vscode.Disposable[] = [];

    constructor(private readonly deps: AgentControllerDeps) {
        this.transcriptDocument = new TranscriptDocument(() => this.current?.transcript.markdown() ?? "# Qwen Agent\n\nNo agent session yet: run “Qwen Local: Ask Agent…”.\n");
        this.disposables.push(
            this.transcriptDocument,
            vscode.workspace.onDidChangeWorkspaceFolders(() => {
                // The folders the session was made for are gone or changed: start afresh unless work is pending.
                if (this.current && !this.current.session.busy && this.current.session.pending().length === 0) this.newSession();
            }),
            ...this.registerCommands()
        );
    }

    /** The current session, created on first use. Throws when no local folder is open. */
    get session(): AgentSession {
        return (this.current ?? this.createSession()).session;
    }

    /** Starts a new conversation; pending proposals of the old one are rejected. */
    newSession(): void {
        const old = this.current;
        this.current = undefined;
        if (old) {
            old.session.stop();
            void old.session.reject("all").finally(() => {
                old.subscription.dispose();
                old.session.dispose();
            });
        }
        this.transcriptDocument.update();
    }

    /**
     * Runs one request in the current session, streaming it into the transcript; with `showProgress`, a
     * notification with a Stop button. Resolves undefined when it could not start (the reason was shown).
     */
    async run(task: string, options: { showProgress?: boolean; showTranscript?: boolean } = {}): Promise<AgentLoopResult | undefined> {
        let session: AgentSession;
        try {
            session = this.session;
        } catch (error) {
            void vscode.window.showErrorMessage(errorMessage(error));
            return undefined;
        }
        if (session.busy) {
            void vscode.window.showInformationMessage("The agent is still working on the previous request.", "Stop It").then((choice) => {
                if (choice) session.stop();
            });
            return undefined;
        }
        if (options.showTranscript) await this.transcriptDocument.show();
        void vscode.commands.executeCommand("setContext", CONTEXT_RUNNING, true);
        try {
            const work = session.run(task);
            if (options.showProgress) {
                await vscode.window.withProgress(
                    { location: vscode.ProgressLocation.Notification, title: "Qwen agent", cancellable: true },
                    async (progress, token) => {
                        const cancel = token.onCancellationRequested(() => session.stop());
                        const steps = session.onEvent((event) => {
                            if (event.type === "round") progress.report({ message: `step ${event.round}` });
                            else if (event.type === "toolCall") progress.report({ message: event.summary });
                        });
                        try {
                            await work.catch(() => undefined);
                        } finally {
                            cancel.dispose();
                            steps.dispose();
                        }
                    });
            }
            const result = await work;
            if (result.reason === "error" && result.message) this.deps.logger.error(result.message);
            const pending = session.pending();
            if (pending.length > 0 && options.showProgress) void this.deps.review.offerReview(pending);
            return result;
        } catch (error) {
            this.deps.logger.error(`Agent: ${errorMessage(error)}`);
            void vscode.window.showErrorMessage(`The agent failed: ${errorMessage(error)}`, "Show Log").then((choice) => {
                if (choice) this.deps.channel.show();
            });
            return undefined;
        } finally {
            void vscode.commands.executeCommand("setContext", CONTEXT_RUNNING, false);
        }
    }

    stop(): void {
        this.current?.session.stop();
    }

    /** Applies proposals (all of this session's, or by id) as one WorkspaceEdit; conflicts are shown, not overwritten. */
    async accept(ids: readonly number[] | "all"): Promise<void> {
        if (!this.current) return;
        await this.deps.review.acceptIds(ids === "all" ? this.current.session.pending().map((proposal) => proposal.id) : ids);
    }

    async reject(ids: readonly number[] | "all"): Promise<void> {
        if (!this.current) return;
        await this.deps.review.rejectIds(ids === "all" ? this.current.session.pending().map((proposal) => proposal.id) : ids);
    }

    /**
     * "Restore to here" on request `turn` of the current session: after the user confirms (the files listed), its
     * files go back to before it and the conversation rewinds to just before it. True when done.
     */
    async restoreTurn(turn: number): Promise<boolean> {
        const session = this.current?.session;
        if (!session) return false;
        if (session.busy) {
            void vscode.window.showInformationMessage("Stop the agent first: it is still working.");
            return false;
        }
        const origin = session.origin;
        const checkpoint = origin && this.deps.checkpoints ? await this.deps.checkpoints.agentTurn(origin.session, turn) : undefined;
        const conversation = "The conversation goes back to just before this request; its text returns to the input box.";
        let confirmed: boolean;
        if (checkpoint && checkpoint.files.length > 0) {
            confirmed = await this.deps.checkpoints!.restore(checkpoint.id, { conversation });
        } else {
            confirmed = await vscode.window.showWarningMessage("Go back to before this request?", {
                modal: true, detail: `No accepted change of it or later ones changed a file. ${conversation}`
            }, "Go Back") === "Go Back";
        }
        if (!confirmed) return false;
        if (!await session.rewind(turn)) {
            void vscode.window.showWarningMessage("The files were restored, but that request is too old to rewind the conversation to.");
            return false;
        }
        return true;
    }

    /** All pending proposals in the multi-file diff. */
    openReview(): Promise<void> {
        return this.deps.review.openReview();
    }

    openDiff(id: number): Promise<void> {
        return this.deps.review.openDiff(id);
    }

    dispose(): void {
        this.newSession();
        this.terminalRunnerInstance?.dispose();
        for (const disposable of this.disposables.reverse()) disposable.dispose();
        this.sessionEmitter.dispose();
    }

    // -----------------------------------------------------------------------------------------------------------

    /** run_command's runner: the visible "Qwen Agent" terminal, the child-process runner where it has no shell integration. */
    private terminalRunnerInstance?: TerminalCommandRunner;

    private get terminalRunner(): TerminalCommandRunner {
        this.terminalRunnerInstance ??= new TerminalCommandRunner({
            fallback: new NodeCommandRunner({ passEnvironment: () => getSettings()["agent.commandEnvironment"] }),
            passEnvironment: () => getSettings()["agent.commandEnvironment"],
            log: this.deps.logger
        });
        return this.terminalRunnerInstance;
    }

    private createSession(): Current {
        const fs = new VscodeWorkspaceFs(vscode.workspace.workspaceFolders ?? []);
        if (fs.roots.length === 0) throw new Error("Open a folder first: the agent works on the files of a local workspace folder.");
        const session = new AgentSession({
            engine: this.deps.engine.client,
            fs,
            shell: this.terminalRunner,
            diagnostics: vscodeDiagnostics,
            approve: approveInEditor,
            settings: agentSettings,
            isTrusted: () => vscode.workspace.isTrusted,
            platform: `${os.type()}, ${process.platform === "win32" ? "cmd.exe" : process.env.SHELL ?? "/bin/sh"}`,
            log: this.deps.logger,
            proposals: this.deps.review.store,
            instructions: { settings: instructionSettings, contextFiles: activeEditorFiles },
            ...(this.deps.externalTools ? { externalTools: this.deps.externalTools } : {})
        });
        const transcript = new Transcript();
        const subscription = session.onEvent((event) => this.onEvent(transcript, event));
        const current: Current = { session, transcript, subscription };
        this.current = current;
        this.sessionEmitter.fire(session);
        return current;
    }

    private onEvent(transcript: Transcript, event: AgentEvent): void {
        transcript.push(event);
        if (event.type === "start" && event.turn !== undefined) {
            const origin = this.current?.session.origin;
            if (origin && this.deps.checkpoints) {
                this.deps.checkpoints.beginAgentTurn(origin.session, event.turn, event.task)
                    .catch((error: unknown) => this.deps.logger.warn(`Could not begin a checkpoint: ${errorMessage(error)}`));
            }
        }
        this.transcriptDocument.update();
        if (event.type === "toolCall") this.deps.logger.debug(`Agent call: ${event.summary}`);
        if (event.type === "toolResult") this.deps.logger.trace(`Agent result for ${event.id}: ${event.text}`);
    }

    private registerCommands(): vscode.Disposable[] {
        return [
            vscode.commands.registerCommand(AGENT_COMMANDS.ask, async (task?: unknown) => {
                const text = typeof task === "string" && task.trim() !== "" ? task : await vscode.window.showInputBox({
                    title: "Ask the Qwen agent",
                    prompt: "What should it change? It reads and searches your files, proposes edits as diffs for you to review, and asks before running commands.",
                    placeHolder: "e.g. rename formatPrice to formatAmount everywhere",
                    ignoreFocusOut: true
                });
                if (!text) return undefined;
                return this.run(text, { showProgress: true, showTranscript: true });
            }),
            vscode.commands.registerCommand(AGENT_COMMANDS.stop, () => this.stop()),
            vscode.commands.registerCommand(AGENT_COMMANDS.newSession, () => this.newSession()),
            vscode.commands.registerCommand(AGENT_COMMANDS.showSession, () => this.transcriptDocument.show()),
        ];
    }
}

/** The agent's settings, read at the start of every request. */
export function agentSettings(): AgentSettings {
    const settings = getSettings();
    const { thinking, thoughtBudgetTokens } = thinkingFor(settings, "agent");
    return {
        thinking,
        thoughtBudgetTokens: thoughtBudgetTokens ?? 0,
        maxRounds: settings["agent.maxRounds"],
        autoApprove: settings["agent.autoApprove"],
        commandRules: settings["agent.commandRules"],
        externalAutoApprove: settings["mcp.autoApprove"],
        sampling: samplingFor(thinking, { thinking: settings["sampling.thinking"], nonThinking: settings["sampling.nonThinking"] })
    };
}
