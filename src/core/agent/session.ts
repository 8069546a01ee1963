/**
 * One agent conversation in a workspace: the messages, the edit session with its pending proposals, the approval
 * policy, and the events a UI renders. The extension's "Ask Agent…" command, the chat panel's Agent mode and the
 * CLI's `agent` command all drive this class; only the WorkspaceFs, the approver and the engine differ.
 */
import { Emitter, type Event } from "../events";
import type { Logger } from "../log";
import type { ChatMessage } from "../qwen35/types";
import type { Engine, SamplingOptions } from "../engine";
import { ApprovalPolicy, type Approver } from "./approvals";
import { parseCommandRules, type CommandRule } from "./commandRules";
import type { ProposalStore } from "../proposals/store";
import { EditSession, type AcceptOutcome, type ProposalSummary } from "./editSession";
import type { AgentEvent } from "./events";
import { runAgentLoop, type AgentLoopResult } from "./loop";
import { WorkspacePaths } from "./paths";
import { agentSystemPrompt } from "./prompt";
import { availableTools, type AgentTool, type ToolContext } from "./tools";
import { externalAgentTools, mergeExternalTools, type ExternalToolSource } from "./tools/external";
import type { CommandRunner, DiagnosticsSource, WorkspaceFs } from "./workspaceFs";
import { DisposableStore } from "../util/disposables";
import { discoverInstructions, withInstructions, type InstructionFile, type InstructionSettings } from "../instructions";

export interface AgentSettings {
    thinking: boolean;
    /** Most reasoning tokens per round before thinking is closed (0: no budget). */
    thoughtBudgetTokens: number;
    maxRounds: number;
    /** Writing tools that run without asking. */
    autoApprove: readonly string[];
    sampling?: SamplingOptions;
    /** Most tokens of one model turn's answer (after the reasoning). */
    maxAnswerTokens?: number;
    /** run_command's rules as the user wrote them (commandRules.ts); the built-in deny rules always follow. */
    commandRules?: readonly unknown[];
    /** External tools (SERVER__TOOL) and MCP servers whose tools run without asking. */
    externalAutoApprove?: readonly string[];
}

export interface AgentSessionOptions {
    /** With `tokenize`, every round's prompt is counted and the conversation kept inside the model's context. */
    engine: Pick<Engine, "generate"> & Partial<Pick<Engine, "tokenize" | "modelInfo">>;
    fs: WorkspaceFs;
    shell?: CommandRunner;
    diagnostics?: DiagnosticsSource;
    approve: Approver;
    /** Read at the start of every request, so changed settings apply to the next one. */
    settings: () => AgentSettings;
    /** Workspace Trust; read before every call that writes or runs. */
    isTrusted: () => boolean;
    /** Shown to the model for run_command (e.g. "Linux, bash"). */
    platform?: string;
    log?: Logger;
    /** The workspace's proposals, shared with the other producers (the editor); the session's own when absent. */
    proposals?: ProposalStore;
    /**
     * Project instructions (AGENTS.md …), read at the start of every request; absent: none. `contextFiles` are the
     * files the user's request is about (the open editor), besides those the session's tools touched.
     */
    instructions?: { settings: () => InstructionSettings; contextFiles?: () => readonly string[] };
    /**
     * Tools from outside (MCP servers, other extensions), listed at the start of every request in a trusted
     * workspace; never in Restricted Mode (their servers are not even started).
     */
    externalTools?: ExternalToolSource;
}

const DEFAULT_ANSWER_TOKENS = 16_384;
/** How many recent requests "Restore to here" can rewind to. */
const MAX_SNAPSHOTS = 50;

export class AgentSession {
    readonly edits: EditSession;
    readonly paths: WorkspacePaths;
    private readonly policy: ApprovalPolicy;
    private readonly eventEmitter = new Emitter<AgentEvent>();
    /** Every event of the session, for a UI. Listeners must not throw (they are isolated anyway). */
    readonly onEvent: Event<AgentEvent> = this.eventEmitter.event;
    private readonly messages: ChatMessage[] = [];
    /** Files the session's tools named (paths as the model gave them), for nested AGENTS.md and rules' applyTo. */
    private readonly touched = new Set<string>();
    /** The instruction files of the last request. */
    private instructionFiles: InstructionFile[] = [];
    private readonly reportedRuleProblems = new Set<string>();
    /** The conversation before each recent request, by its turn. */
    private readonly snapshots = new Map<number, ChatMessage[]>();
    private controller?: AbortController;
    private readonly disposables = new DisposableStore();

    constructor(private readonly options: AgentSessionOptions) {
        this.paths = new WorkspacePaths(options.fs);
        this.edits = new EditSession(options.fs, this.paths, { canWrite: options.isTrusted, label: "Qwen agent edits", store: options.proposals });
        this.policy = new ApprovalPolicy({
            approve: options.approve,
            isTrusted: options.isTrusted,
            autoApprove: () => options.settings().autoApprove.filter((name) => name !== "run_command"),
            commandRules: () => this.commandRules(),
            externalAutoApprove: () => options.settings().externalAutoApprove ?? [],
            onPending: (request) => this.emit({ type: "approval", id: request.id, state: "pending" })
        });
        this.disposables.push(
            this.onEvent((event) => {
                if (event.type !== "toolCall") return;
                for (const key of ["path", "from", "to", "new_path"]) {
                    const value = event.arguments[key];
                    if (typeof value === "string" && value.length < 1000) this.touched.add(value.replace(/^\.\//, "").replace(/\\/g, "/"));
                }
            }),
            this.edits.onDidChange((pending) => this.emit({ type: "proposals", pending })),
            // Conflicts found on accept, wherever it was accepted (here or in the editor's review list).
            this.edits.onDidConflict((message) => this.emit({ type: "notice", text: message, level: "warning" }))
        );
    }

    get busy(): boolean {
        return this.controller !== undefined;
    }

    /** The conversation so far (system, user, assistant and tool messages), e.g. to save or inspect it. */
    get conversation(): readonly ChatMessage[] {
        return this.messages;
    }

    /** The tools the model is offered now (depends on trust and on what the host can do). */
    tools(): AgentTool[] {
        return availableTools({ shell: this.options.shell, diagnostics: this.options.diagnostics }, this.options.isTrusted());
    }

    /** The agent's own tools and, in a trusted workspace, the external ones (their sources started as needed). */
    private async offeredTools(trusted: boolean, signal: AbortSignal): Promise<AgentTool[]> {
        const own = this.tools();
        const source = this.options.externalTools;
        if (!source || !trusted) return own;
        let specs;
        try {
            specs = await source.list(signal);
        } catch (error) {
            this.options.log?.warn(`Agent: the external tools could not be listed: ${error instanceof Error ? error.message : String(error)}`);
            return own;
        }
        return mergeExternalTools(own, externalAgentTools(specs, source), (message) => {
            this.options.log?.warn(`Agent: ${message}`);
            this.emit({ type: "notice", level: "warning", text: message });
        });
    }

    /** Runs one request to its end (answer, round limit, Stop, or an error); one at a time. */
    async run(task: string): Promise<AgentLoopResult> {
        if (this.controller) throw new Error("The agent is still working on the previous request; stop it first.");
        const controller = new AbortController();
        this.controller = controller;
        try {
            const settings = this.options.settings();
            const trusted = this.options.isTrusted();
            const tools = await this.offeredTools(trusted, controller.signal);
            await this.updateSystemMessage(tools, trusted);
            this.edits.beginTurn();
            const turn = this.edits.origin.kind === "agent" ? this.edits.origin.turn : 0;
            // What "Restore to here" rewinds the conversation to: everything before this request.
            this.snapshots.set(turn, structuredClone(this.messages));
            for (const old of [...this.snapshots.keys()].filter((key) => key <= turn - MAX_SNAPSHOTS)) this.snapshots.delete(old);
            const notes = this.edits.takeNotesForModel();
            const content = notes.length > 0 ? `[Since your last reply: ${notes.join(" ")}]\n\n${task}` : task;
            this.messages.push({ role: "user", content });
            this.emit({ type: "start", task, turn });
            if (this.instructionFiles.length > 0) {
                this.emit({ type: "instructions", files: this.instructionFiles.map(({ path, source, truncated }) => ({ path, source, truncated })) });
            }
            const context: ToolContext = {
                fs: this.options.fs, paths: this.paths, edits: this.edits,
                shell: this.options.shell, diagnostics: this.options.diagnostics
            };
            // A budget of 0 means no budget (as for the chat); thinking is then bounded by the turn's token limit only.
            const budget = settings.thinking && settings.thoughtBudgetTokens > 0 ? settings.thoughtBudgetTokens : undefined;
            const answerTokens = settings.maxAnswerTokens ?? DEFAULT_ANSWER_TOKENS;
            const result = await runAgentLoop({
                engine: this.options.engine,
                contextSize: () => this.options.engine.modelInfo?.contextSize,
                context,
                tools,
                messages: this.messages,
                policy: this.policy,
                maxRounds: Math.max(1, settings.maxRounds),
                maxTokensPerRound: settings.thinking ? (budget ?? answerTokens) + answerTokens : answerTokens,
                thinking: settings.thinking,
                thoughtBudgetTokens: budget,
                sampling: settings.sampling,
                signal: controller.signal,
                onEvent: (event) => this.emit(event)
            });
            this.options.log?.info(`Agent: ${result.reason} after ${result.rounds} round(s); ${this.edits.pending().length} proposal(s) pending`);
            return result;
        } finally {
            this.controller = undefined;
        }
    }

    /**
     * Rewinds the conversation to just before request `turn` (its message and everything after it are gone; what the
     * session proposed and is still pending is rejected). False when that request is no longer remembered.
     */
    async rewind(turn: number): Promise<boolean> {
        if (this.controller) throw new Error("The agent is still working; stop it first.");
        const snapshot = this.snapshots.get(turn);
        if (!snapshot) return false;
        const later = this.edits.pending().map((proposal) => proposal.id);
        if (later.length > 0) await this.edits.reject(later);
        this.messages.splice(0, this.messages.length, ...snapshot);
        for (const key of [...this.snapshots.keys()]) if (key >= turn) this.snapshots.delete(key);
        return true;
    }

    /** The session's origin (for checkpoints): its number and the current request's. */
    get origin(): { session: number; turn: number } | undefined {
        const origin = this.edits.origin;
        return origin.kind === "agent" ? { session: origin.session, turn: origin.turn } : undefined;
    }

    /** Stops the model and any running tool; the request ends as "cancelled". */
    stop(): void {
        this.controller?.abort();
    }

    pending(): ProposalSummary[] {
        return this.edits.pending();
    }

    /** Applies proposals; conflicts are reported as notices (and to the model on its next turn). */
    accept(ids: readonly number[] | "all"): Promise<AcceptOutcome> {
        return this.edits.accept(ids);
    }

    reject(ids: readonly number[] | "all"): Promise<ProposalSummary[]> {
        return this.edits.reject(ids);
    }

    dispose(): void {
        this.stop();
        this.disposables.dispose();
        this.edits.dispose();
        this.eventEmitter.dispose();
    }

    /** The command rules of the settings now; a rule that cannot be read is reported once and ignored. */
    private commandRules(): CommandRule[] {
        const { rules, problems } = parseCommandRules(this.options.settings().commandRules ?? []);
        for (const problem of problems) {
            if (this.reportedRuleProblems.has(problem)) continue;
            this.reportedRuleProblems.add(problem);
            this.emit({ type: "notice", level: "warning", text: `qwenLocal.agent.commandRules: ${problem}` });
        }
        return rules;
    }

    /** The project instruction files the last request read. */
    get instructions(): readonly InstructionFile[] {
        return this.instructionFiles;
    }

    /**
     * The system message: the agent's prompt for this trust and these tools, and the project instructions. It is
     * replaced only when its text changes, so the engine's cache of the conversation survives from turn to turn.
     */
    private async updateSystemMessage(tools: AgentTool[], trusted: boolean): Promise<void> {
        const instructions = this.options.instructions;
        let files: InstructionFile[] = [];
        if (instructions) {
            const touched = [...(instructions.contextFiles?.() ?? []), ...this.touched];
            try {
                files = await discoverInstructions(this.options.fs, this.paths, touched, instructions.settings());
            } catch (error) {
                this.options.log?.warn(`Could not read the project instructions: ${String(error)}`);
            }
        }
        this.instructionFiles = files;
        const content = withInstructions(agentSystemPrompt({ roots: this.options.fs.roots, tools, trusted, platform: this.options.platform }), files);
        if (this.messages[0]?.role === "system") {
            if (this.messages[0].content !== content) this.messages[0] = { role: "system", content };
        } else {
            this.messages.unshift({ role: "system", content });
        }
    }

    private emit(event: AgentEvent): void {
        this.eventEmitter.fire(event);
    }
}
