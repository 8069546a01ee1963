/**
 * The agent in the editor: one AgentSession at a time over the workspace's folders (VS Code's file system, unsaved
 * buffers, WorkspaceEdit, Workspace Trust, modal approvals), its live transcript, and the review of its proposals —
 * VS Code's multi-file diff and per-file diff editors with Accept/Reject in their title bar, a status bar item and a
 * review quick pick. The chat panel drives the same controller (see `run`, `session.onEvent`, `accept`, `reject`).
 */
import os from "node:os";
import * as vscode from "vscode";
import type { Approver } from "../../core/agent/approvals";
import type { ProposalSummary } from "../../core/agent/editSession";
import type { AgentEvent } from "../../core/agent/events";
import type { AgentLoopResult } from "../../core/agent/loop";
import { AgentSession, type AgentSettings } from "../../core/agent/session";
import { describe, Transcript } from "../../core/agent/transcript";
import { Emitter, type Event } from "../../core/events";
import { errorMessage, type Logger } from "../../core/log";
import { samplingFor } from "../../core/qwen35/sampling";
import { thinkingFor } from "../../core/settings";
import { NodeCommandRunner } from "../../node/agent/commandRunner";
import type { EngineService } from "../engineService";
import { getSettings } from "../settings";
import { approveInEditor } from "./approver";
import { vscodeDiagnostics } from "./diagnostics";
import { parseProposalUri, proposalUri, ProposalDocuments, PROPOSAL_SCHEME } from "./proposalDocuments";
import { TranscriptDocument } from "./transcriptDocument";
import { VscodeWorkspaceFs } from "./vscodeWorkspaceFs";

export const AGENT_COMMANDS = {
    ask: "qwenLocal.askAgent",
    stop: "qwenLocal.stopAgent",
    newSession: "qwenLocal.newAgentSession",
    showSession: "qwenLocal.showAgentSession",
    review: "qwenLocal.reviewAgentChanges",
    acceptAll: "qwenLocal.acceptAllAgentChanges",
    rejectAll: "qwenLocal.rejectAllAgentChanges",
    acceptFile: "qwenLocal.acceptAgentChange",
    rejectFile: "qwenLocal.rejectAgentChange"
} as const;

const CONTEXT_RUNNING = "qwenLocal.agentRunning";
const CONTEXT_HAS_CHANGES = "qwenLocal.agentHasChanges";
export const AGENT_STATUS_ID = "qwenLocal.agentChanges";

interface Current {
    session: AgentSession;
    transcript: Transcript;
    generation: number;
    subscription: { dispose(): void };
}

export interface AgentControllerDeps {
    engine: EngineService;
    logger: Logger;
    channel: vscode.LogOutputChannel;
}

export class AgentController implements vscode.Disposable {
    private current?: Current;
    private generation = 0;
    private readonly documents: ProposalDocuments;
    private readonly transcriptDocument: TranscriptDocument;
    private readonly statusItem: vscode.StatusBarItem;
    private readonly sessionEmitter = new Emitter<AgentSession>();
    /** A new session replaced the previous one (the chat panel re-subscribes to its events). */
    readonly onDidChangeSession: Event<AgentSession> = this.sessionEmitter.event;
    private readonly disposables: vscode.Disposable[] = [];
    /** Who answers approval questions: modal dialogs, unless a UI (the chat panel) asks inline. */
    private approver: Approver = approveInEditor;

    constructor(private readonly deps: AgentControllerDeps) {
        this.documents = new ProposalDocuments(() => this.current && {
            generation: this.current.generation,
            contents: (id) => this.current?.session.edits.contents(id)
        });
        this.transcriptDocument = new TranscriptDocument(() => this.current?.transcript.markdown() ?? "# Qwen Agent\n\nNo agent session yet: run “Qwen Local: Ask Agent…”.\n");
        this.statusItem = vscode.window.createStatusBarItem(AGENT_STATUS_ID, vscode.StatusBarAlignment.Right, 99);
        this.statusItem.name = "Qwen Agent Changes";
        this.statusItem.command = AGENT_COMMANDS.review;
        this.disposables.push(
            this.documents, this.transcriptDocument, this.statusItem,
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
        this.updateReviewState([]);
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
            if (pending.length > 0 && options.showProgress) void this.offerReview(pending);
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

    /**
     * Lets a UI ask approval questions itself (the chat panel's inline Allow/Deny cards) instead of modal dialogs,
     * until the returned disposable is disposed. It must resolve "deny" when dismissed or when the signal aborts.
     */
    useApprover(approver: Approver): vscode.Disposable {
        this.approver = approver;
        return new vscode.Disposable(() => {
            if (this.approver === approver) this.approver = approveInEditor;
        });
    }

    /** Applies proposals (all, or by id) as one WorkspaceEdit; conflicts are shown, not overwritten. */
    async accept(ids: readonly number[] | "all"): Promise<void> {
        if (!this.current) return;
        if (!vscode.workspace.isTrusted) {
            void vscode.window.showWarningMessage("This workspace is in Restricted Mode: the agent's changes cannot be applied. Trust the workspace first.");
            return;
        }
        try {
            const outcome = await this.current.session.accept(ids);
            await this.closeDiffs(outcome.applied.map((p) => p.id).concat(outcome.conflicts.map((c) => c.proposal.id)));
            if (outcome.conflicts.length > 0) {
                void vscode.window.showWarningMessage(`Not applied: ${outcome.conflicts.map((c) => c.message).join(" ")} The agent will be told on its next step.`);
            }
            this.deps.logger.info(`Agent changes applied: ${outcome.applied.map((p) => p.path).join(", ") || "none"}`);
        } catch (error) {
            void vscode.window.showErrorMessage(`Could not apply the agent's changes: ${errorMessage(error)}`);
        }
    }

    async reject(ids: readonly number[] | "all"): Promise<void> {
        if (!this.current) return;
        const rejected = await this.current.session.reject(ids);
        await this.closeDiffs(rejected.map((p) => p.id));
    }

    /**
     * Proposes a whole file's new content from outside the agent loop (a command's result, e.g. "Generate Tests")
     * through the same edit review: its diff opens, and a notification asks. Undefined when it changes nothing.
     */
    async proposeFile(path: string, text: string, title: string): Promise<ProposalSummary | undefined> {
        const session = this.session;
        const file = await session.paths.resolve(path, { purpose: "write" });
        const state = await session.edits.read(file);
        const summary = state.exists ? await session.edits.proposeContent(file, text, state) : await session.edits.proposeCreate(file, text);
        if (!session.pending().some((proposal) => proposal.id === summary.id)) return undefined;
        await this.openDiff(summary.id);
        const what = summary.kind === "create" ? `a new file, ${summary.path}` : `changes to ${summary.path}`;
        void vscode.window.showInformationMessage(`${title}: Qwen proposes ${what}.`, "Accept", "Reject", "Review All…").then(async (choice) => {
            if (!this.current?.session.pending().some((proposal) => proposal.id === summary.id)) return;
            if (choice === "Accept") await this.accept([summary.id]);
            else if (choice === "Reject") await this.reject([summary.id]);
            else if (choice === "Review All…") await this.reviewPick();
        });
        return summary;
    }

    /** All pending proposals in VS Code's multi-file diff editor (per-file diff editors where that is missing). */
    async openReview(): Promise<void> {
        const current = this.current;
        const pending = current?.session.pending() ?? [];
        if (!current || pending.length === 0) {
            void vscode.window.showInformationMessage("The agent has no changes waiting for review.");
            return;
        }
        const resources = pending.map((proposal) => [
            vscode.Uri.file(proposal.absPath),
            proposalUri(current.generation, proposal, "original"),
            proposalUri(current.generation, proposal, "proposed")
        ]);
        try {
            await vscode.commands.executeCommand("vscode.changes", `Qwen Agent: ${pending.length} proposed change${pending.length === 1 ? "" : "s"}`, resources);
        } catch {
            for (const proposal of pending) await this.openDiff(proposal.id);
        }
    }

    async openDiff(id: number): Promise<void> {
        const current = this.current;
        const proposal = current?.session.pending().find((p) => p.id === id);
        if (!current || !proposal) return;
        await vscode.commands.executeCommand("vscode.diff", proposalUri(current.generation, proposal, "original"),
            proposalUri(current.generation, proposal, "proposed"), `${proposal.path} (Qwen proposal)`, { preview: false });
    }

    dispose(): void {
        this.newSession();
        for (const disposable of this.disposables.reverse()) disposable.dispose();
        this.sessionEmitter.dispose();
    }

    // -----------------------------------------------------------------------------------------------------------

    private createSession(): Current {
        const fs = new VscodeWorkspaceFs(vscode.workspace.workspaceFolders ?? []);
        if (fs.roots.length === 0) throw new Error("Open a folder first: the agent works on the files of a local workspace folder.");
        const session = new AgentSession({
            engine: this.deps.engine.client,
            fs,
            shell: new NodeCommandRunner({ passEnvironment: () => getSettings()["agent.commandEnvironment"] }),
            diagnostics: vscodeDiagnostics,
            approve: (request, signal) => this.approver(request, signal),
            settings: agentSettings,
            isTrusted: () => vscode.workspace.isTrusted,
            platform: `${os.type()}, ${process.platform === "win32" ? "cmd.exe" : process.env.SHELL ?? "/bin/sh"}`,
            log: this.deps.logger
        });
        const transcript = new Transcript();
        const subscription = session.onEvent((event) => this.onEvent(transcript, event));
        const current: Current = { session, transcript, generation: ++this.generation, subscription };
        this.current = current;
        this.sessionEmitter.fire(session);
        return current;
    }

    private onEvent(transcript: Transcript, event: AgentEvent): void {
        transcript.push(event);
        this.transcriptDocument.update();
        if (event.type === "proposals") {
            this.updateReviewState(event.pending);
            this.documents.refresh();
        }
        if (event.type === "toolCall") this.deps.logger.debug(`Agent call: ${event.summary}`);
        if (event.type === "toolResult") this.deps.logger.trace(`Agent result for ${event.id}: ${event.text}`);
    }

    private updateReviewState(pending: ProposalSummary[]): void {
        void vscode.commands.executeCommand("setContext", CONTEXT_HAS_CHANGES, pending.length > 0);
        if (pending.length === 0) {
            this.statusItem.hide();
            return;
        }
        this.statusItem.text = `$(git-compare) Qwen: ${pending.length} change${pending.length === 1 ? "" : "s"}`;
        this.statusItem.tooltip = `Changes proposed by the Qwen agent, waiting for your review:\n${pending.map(describe).join("\n")}`;
        this.statusItem.show();
    }

    private async offerReview(pending: ProposalSummary[]): Promise<void> {
        await this.openReview();
        const files = pending.length === 1 ? pending[0]!.path : `${pending.length} files`;
        const choice = await vscode.window.showInformationMessage(`Qwen proposes changes to ${files}.`, "Accept All", "Reject All", "Review…");
        if (choice === "Accept All") await this.accept("all");
        else if (choice === "Reject All") await this.reject("all");
        else if (choice === "Review…") await this.reviewPick();
    }

    /** A quick pick of the pending changes: open one, accept or reject it with its buttons, or all at once. */
    private async reviewPick(): Promise<void> {
        const pending = this.current?.session.pending() ?? [];
        if (pending.length === 0) {
            void vscode.window.showInformationMessage("The agent has no changes waiting for review.");
            return;
        }
        type Item = vscode.QuickPickItem & { action: () => Promise<void> };
        const acceptButton: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon("check"), tooltip: "Accept this change" };
        const rejectButton: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon("discard"), tooltip: "Reject this change" };
        const pick = vscode.window.createQuickPick<Item>();
        pick.title = "Qwen Agent: review changes";
        pick.placeholder = "Pick a file to see its diff, or accept/reject with the buttons";
        const build = () => {
            const now = this.current?.session.pending() ?? [];
            if (now.length === 0) {
                pick.hide();
                return;
            }
            pick.items = [
                { label: "$(check-all) Accept All", description: `${now.length} file${now.length === 1 ? "" : "s"}`, action: () => this.accept("all") },
                { label: "$(close-all) Reject All", action: () => this.reject("all") },
                { label: "$(diff-multiple) Open All Diffs", action: () => this.openReview() },
                { label: "Files", kind: vscode.QuickPickItemKind.Separator, action: async () => undefined },
                ...now.map((proposal): Item & { id: number } => ({
                    label: `$(diff) ${proposal.kind === "rename" ? `${proposal.from} → ${proposal.path}` : proposal.path}`,
                    description: describe(proposal).replace(/^.*\(/, "(").replace(/^[^(]*$/, ""),
                    buttons: [acceptButton, rejectButton],
                    id: proposal.id,
                    action: () => this.openDiff(proposal.id)
                }))
            ];
        };
        build();
        pick.onDidTriggerItemButton(async ({ item, button }) => {
            const id = (item as Item & { id?: number }).id;
            if (id === undefined) return;
            if (button === acceptButton) await this.accept([id]);
            else await this.reject([id]);
            build();
        });
        pick.onDidAccept(async () => {
            const item = pick.selectedItems[0];
            pick.hide();
            await item?.action();
        });
        pick.onDidHide(() => pick.dispose());
        pick.show();
    }

    /** Closes the diff tabs of proposals that were decided (their content is gone). */
    private async closeDiffs(ids: number[]): Promise<void> {
        const generation = this.current?.generation;
        const decided = new Set(ids);
        const stillPending = (this.current?.session.pending() ?? []).length;
        const tabs = vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => {
            const input = tab.input;
            if (input instanceof vscode.TabInputTextDiff) {
                const parsed = parseProposalUri(input.modified);
                return parsed !== undefined && (parsed.generation !== generation || decided.has(parsed.id));
            }
            // The multi-file review: closed once nothing is left in it.
            return stillPending === 0 && tab.label.startsWith("Qwen Agent: ") && !(input instanceof vscode.TabInputText);
        });
        if (tabs.length > 0) await vscode.window.tabGroups.close(tabs, true);
    }

    private registerCommands(): vscode.Disposable[] {
        const fromEditor = (uri?: vscode.Uri): number | undefined => {
            const target = uri ?? vscode.window.activeTextEditor?.document.uri;
            const parsed = target && target.scheme === PROPOSAL_SCHEME ? parseProposalUri(target) : undefined;
            return parsed && parsed.generation === this.current?.generation ? parsed.id : undefined;
        };
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
            vscode.commands.registerCommand(AGENT_COMMANDS.review, () => this.reviewPick()),
            vscode.commands.registerCommand(AGENT_COMMANDS.acceptAll, () => this.accept("all")),
            vscode.commands.registerCommand(AGENT_COMMANDS.rejectAll, () => this.reject("all")),
            vscode.commands.registerCommand(AGENT_COMMANDS.acceptFile, async (uri?: vscode.Uri) => {
                const id = fromEditor(uri);
                if (id !== undefined) await this.accept([id]);
            }),
            vscode.commands.registerCommand(AGENT_COMMANDS.rejectFile, async (uri?: vscode.Uri) => {
                const id = fromEditor(uri);
                if (id !== undefined) await this.reject([id]);
            })
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
        sampling: samplingFor(thinking, { thinking: settings["sampling.thinking"], nonThinking: settings["sampling.nonThinking"] })
    };
}
