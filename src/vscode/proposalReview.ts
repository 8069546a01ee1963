/**
 * The review of every proposed change (src/core/proposals), in VS Code: the agent's whole-file changes, the editor
 * commands' rewrites that stream into a diff of the code they replace, the chat's Apply, Generate Tests' test file.
 *
 * One URI scheme (`qwen-local-proposal:/<path>?<id>/<side>`: read-only documents with the file's own name, language
 * and icon), one pair of commands in the diff's title bar (Accept / Reject Proposed Change), Accept All / Reject All
 * and one review list (a quick pick, the multi-file diff, a status bar item). Accepting applies through one
 * WorkspaceEdit: one undo step restores every file. A proposal whose file changed where it goes is not applied and
 * stays open, with a message that says so.
 */
import * as vscode from "vscode";
import { EditSession } from "../core/agent/editSession";
import { WorkspacePaths } from "../core/agent/paths";
import { describe as describeProposal } from "../core/agent/transcript";
import { errorMessage, type Logger } from "../core/log";
import {
    checkDocumentFile, ProposalStore, resultOf, runsCodeWarningFor, type AcceptOutcome, type Proposal as StoredProposal, type ProposalSummary,
    type RangeProposal
} from "../core/proposals";
import { VscodeWorkspaceFs } from "./agent/vscodeWorkspaceFs";

export const PROPOSAL_SCHEME = "qwen-local-proposal";
/** True while any proposal waits for a decision. */
export const REVIEWING_CONTEXT_KEY = "qwenLocal.reviewingProposal";
export const REVIEW_STATUS_ID = "qwenLocal.agentChanges";

export const REVIEW_COMMANDS = {
    accept: "qwenLocal.acceptProposal",
    reject: "qwenLocal.rejectProposal",
    review: "qwenLocal.reviewAgentChanges",
    acceptAll: "qwenLocal.acceptAllAgentChanges",
    rejectAll: "qwenLocal.rejectAllAgentChanges"
} as const;

/** How often an open diff is refreshed while a proposal streams. */
const REFRESH_MS = 80;

export type ProposalOutcome = "accepted" | "rejected" | "conflict" | "closed";
export type ProposalSide = "original" | "proposed";

export function proposalUri(proposal: ProposalSummary, side: ProposalSide): vscode.Uri {
    const path = side === "original" && proposal.from ? proposal.from : proposal.path;
    return vscode.Uri.from({ scheme: PROPOSAL_SCHEME, path: `/${path.replace(/^\/+/, "")}`, query: `${proposal.id}/${side}` });
}

export function parseProposalUri(uri: vscode.Uri): { id: number; side: ProposalSide } | undefined {
    if (uri.scheme !== PROPOSAL_SCHEME) return undefined;
    const match = /^(\d+)\/(original|proposed)$/.exec(uri.query);
    return match ? { id: Number(match[1]), side: match[2] as ProposalSide } : undefined;
}

export interface ProposalInit {
    document: vscode.TextDocument;
    /** What the proposal replaces. */
    range: vscode.Range;
    /** The command, for the diff's title and the messages ("Add Documentation"). */
    title: string;
    /** The replacement so far ("" until the answer starts: the diff then shows the code removed). */
    replacement?: string;
    /** The diff was closed before the proposal was finished (the command stops). */
    onClosedWhileStreaming?: () => void;
}

/** A command's range replacement, as the editor commands and the chat's Apply hold it. */
export class Proposal {
    readonly uri: vscode.Uri;
    readonly decided: Promise<ProposalOutcome>;
    resolve!: (outcome: ProposalOutcome) => void;

    constructor(private readonly stored: RangeProposal, readonly target: vscode.Uri, readonly range: vscode.Range,
        readonly onClosedWhileStreaming?: () => void) {
        this.uri = proposalUri({ id: stored.id, kind: "modify", path: stored.display, absPath: "", added: 0, removed: 0 }, "proposed");
        this.decided = new Promise((resolve) => { this.resolve = resolve; });
    }

    get id(): number {
        return this.stored.id;
    }

    get label(): string {
        return this.stored.display;
    }

    get title(): string {
        return this.stored.title;
    }

    get original(): string {
        return this.stored.base.slice(this.stored.start, this.stored.end);
    }

    /** The file's text before and after the range when the proposal was made. */
    get prefix(): string {
        return this.stored.base.slice(0, this.stored.start);
    }

    get suffix(): string {
        return this.stored.base.slice(this.stored.end);
    }

    get replacement(): string {
        return this.stored.replacement;
    }

    get streaming(): boolean {
        return this.stored.streaming;
    }

    /** The file with the replacement in place. */
    get text(): string {
        return resultOf(this.stored);
    }

    get changed(): boolean {
        return this.replacement !== this.original;
    }
}

export class ProposalReview implements vscode.TextDocumentContentProvider, vscode.Disposable {
    readonly store: ProposalStore;
    /** Whole files proposed by commands (Generate Tests), through the same rules as the agent's. */
    private readonly commandEdits: EditSession;
    private readonly ranges = new Map<number, Proposal>();
    private readonly changeEmitter = new vscode.EventEmitter<vscode.Uri>();
    readonly onDidChange = this.changeEmitter.event;
    private readonly pendingRefresh = new Map<number, ReturnType<typeof setTimeout>>();
    private readonly statusItem: vscode.StatusBarItem;
    private readonly disposables: vscode.Disposable[] = [];

    constructor(private readonly log: Logger) {
        const fs = new VscodeWorkspaceFs(vscode.workspace.workspaceFolders ?? []);
        const paths = new WorkspacePaths(fs);
        this.store = new ProposalStore({
            fs, paths, label: "Qwen agent edits",
            // Restricted Mode: the agent's changes cannot be applied (package.json's untrustedWorkspaces); the commands' can.
            canWrite: (origin) => origin.kind !== "agent" || vscode.workspace.isTrusted,
            readDocument: async (document) => (await vscode.workspace.openTextDocument(vscode.Uri.parse(document))).getText()
        });
        this.commandEdits = new EditSession(fs, paths, { store: this.store });
        this.statusItem = vscode.window.createStatusBarItem(REVIEW_STATUS_ID, vscode.StatusBarAlignment.Right, 99);
        this.statusItem.name = "Qwen Proposed Changes";
        this.statusItem.command = REVIEW_COMMANDS.review;
        this.disposables.push(
            vscode.workspace.registerTextDocumentContentProvider(PROPOSAL_SCHEME, this),
            this.changeEmitter, this.statusItem,
            { dispose: () => this.commandEdits.dispose() },
            { dispose: () => this.store.dispose() },
            vscode.workspace.onDidChangeWorkspaceFolders(() => {
                const folders = new VscodeWorkspaceFs(vscode.workspace.workspaceFolders ?? []);
                this.store.setWorkspace(folders, new WorkspacePaths(folders));
            }),
            this.store.onDidUpdate((id) => this.scheduleRefresh(id)),
            this.store.onDidChange((pending) => void this.onListChanged(pending)),
            this.store.onDidDecide((decision) => {
                const outcome: ProposalOutcome | undefined = decision.action === "accepted" ? "accepted" : decision.action === "rejected" ? "rejected"
                    : decision.action === "withdrawn" ? "closed" : undefined;
                if (!outcome) return;
                for (const proposal of decision.proposals) {
                    const handle = this.ranges.get(proposal.id);
                    if (!handle) continue;
                    this.ranges.delete(proposal.id);
                    clearTimeout(this.pendingRefresh.get(proposal.id));
                    this.pendingRefresh.delete(proposal.id);
                    handle.resolve(outcome);
                }
            }),
            // A streaming diff closed by hand stops its command; a finished range's diff closed by hand is a rejection
            // (nothing is left to accept from). The agent's diffs can be closed and opened again from the list.
            vscode.window.tabGroups.onDidChangeTabs((event) => {
                for (const tab of event.closed) {
                    if (!(tab.input instanceof vscode.TabInputTextDiff)) continue;
                    const parsed = parseProposalUri(tab.input.modified);
                    const handle = parsed && this.ranges.get(parsed.id);
                    if (!handle) continue;
                    if (handle.streaming) handle.onClosedWhileStreaming?.();
                    else void this.store.withdraw([handle.id], "its diff was closed");
                }
            }),
            ...this.registerCommands()
        );
    }

    provideTextDocumentContent(uri: vscode.Uri): string {
        const parsed = parseProposalUri(uri);
        const contents = parsed && this.store.contents(parsed.id);
        // A proposal that was decided meanwhile has nothing left to show.
        if (!parsed || !contents) return "";
        return parsed.side === "original" ? contents.original : contents.proposed;
    }

    // ---- range replacements: the editor commands and the chat's Apply

    /**
     * Registers a range replacement (streaming until `finish`; not shown yet: see `show`). A file inside the
     * workspace must pass the workspace rules for writing (a ToolError says why not: `.git`, a link out).
     */
    async create(init: ProposalInit): Promise<Proposal> {
        const { document, range } = init;
        const file = document.uri.scheme === "file" ? await checkDocumentFile(this.store.paths, document.uri.fsPath) : undefined;
        const stored = this.store.proposeRange({
            origin: { kind: "command", command: init.title }, title: init.title, document: document.uri.toString(), ...(file ? { file } : {}),
            display: vscode.workspace.asRelativePath(document.uri, false), base: document.getText(),
            start: document.offsetAt(range.start), end: document.offsetAt(range.end), replacement: init.replacement ?? "", streaming: true
        });
        const proposal = new Proposal(stored, document.uri, range, init.onClosedWhileStreaming);
        this.ranges.set(stored.id, proposal);
        return proposal;
    }

    /** Opens the proposal's diff: the file on the left, the file with the replacement on the right. */
    async show(proposal: Proposal): Promise<void> {
        const name = proposal.target.path.split("/").pop() ?? proposal.label;
        await vscode.commands.executeCommand("vscode.diff", proposal.target, proposal.uri, `${name} ↔ Qwen: ${proposal.title}`,
            { preview: false } satisfies vscode.TextDocumentShowOptions);
    }

    /** The replacement so far, as the answer streams (the diff refreshes a few times a second). */
    update(proposal: Proposal, replacement: string): void {
        this.store.updateRange(proposal.id, replacement);
    }

    /**
     * The final replacement: the proposal joins the review list and can be accepted. Asks in a notification too;
     * `extra` buttons run their action and leave the question open in the diff's title bar. Resolves when decided.
     */
    async finish(proposal: Proposal, replacement: string, extra: { label: string; run: () => unknown }[] = []): Promise<ProposalOutcome> {
        this.store.finishRange(proposal.id, replacement);
        this.flush(proposal.id);
        const stored = this.store.get(proposal.id);
        const runsCode = stored?.type === "range" && stored.file ? await runsCodeWarningFor(this.store.paths, stored.file) : undefined;
        const question = `${proposal.title}: accept the change to ${proposal.label}?${runsCode ? ` It is a file that can run code: ${runsCode}` : ""}`;
        void vscode.window.showInformationMessage(question, "Accept", "Reject", ...extra.map((button) => button.label)).then(async (choice) => {
            if (!this.store.get(proposal.id)) return; // decided from the diff's title bar
            if (choice === "Accept") await this.acceptIds([proposal.id]);
            else if (choice === "Reject") await this.rejectIds([proposal.id]);
            else extra.find((button) => button.label === choice)?.run();
        });
        return proposal.decided;
    }

    /** Drops a proposal that will not be finished (cancelled, failed, or nothing changed) and closes its diff. */
    async discard(proposal: Proposal): Promise<void> {
        await this.store.withdraw([proposal.id]);
        await this.closeDiffs([proposal.id]);
    }

    /** The commands' range replacements waiting for a decision (not while streaming). */
    pending(): readonly Proposal[] {
        return this.store.list((stored) => stored.type === "range").map((stored) => this.ranges.get(stored.id)).filter((p): p is Proposal => p !== undefined);
    }

    // ---- whole files: Generate Tests

    /**
     * Proposes a whole file's new content on behalf of a command, through the same rules as the agent's changes:
     * its diff opens, and a notification asks. Undefined when it changes nothing.
     */
    async proposeFile(path: string, text: string, title: string): Promise<ProposalSummary | undefined> {
        const edits = this.commandEdits;
        edits.origin = { kind: "command", command: title };
        const file = await this.store.paths.resolve(path, { purpose: "write" });
        const state = await edits.read(file);
        const summary = state.exists ? await edits.proposeContent(file, text, state) : await edits.proposeCreate(file, text);
        if (!this.store.get(summary.id)) return undefined;
        await this.openDiff(summary.id);
        const what = summary.kind === "create" ? `a new file, ${summary.path}` : `changes to ${summary.path}`;
        void vscode.window.showInformationMessage(`${title}: Qwen proposes ${what}.`, "Accept", "Reject", "Review All…").then(async (choice) => {
            if (!this.store.get(summary.id)) return;
            if (choice === "Accept") await this.acceptIds([summary.id]);
            else if (choice === "Reject") await this.rejectIds([summary.id]);
            else if (choice === "Review All…") await this.reviewPick();
        });
        return summary;
    }

    // ---- decisions

    /** Accepts the proposal whose diff is active (or the given one, or the newest). */
    async accept(uri?: vscode.Uri): Promise<void> {
        const id = this.find(uri);
        if (id !== undefined) await this.acceptIds([id]);
    }

    async reject(uri?: vscode.Uri): Promise<void> {
        const id = this.find(uri);
        if (id !== undefined) await this.rejectIds([id]);
    }

    /** Applies proposals (all, or by id) as one WorkspaceEdit; conflicts are shown and stay open, never overwritten. */
    async acceptIds(ids: readonly number[] | "all"): Promise<AcceptOutcome | undefined> {
        const chosen = ids === "all" ? this.store.list() : ids.map((id) => this.store.get(id)).filter((p): p is StoredProposal => p !== undefined);
        const streaming = chosen.find((proposal) => proposal.type === "range" && proposal.streaming);
        if (streaming?.type === "range") {
            void vscode.window.showInformationMessage(`${streaming.title} is still writing its change; accept it when it is done.`);
            return undefined;
        }
        if (chosen.length === 0) return undefined;
        if (!vscode.workspace.isTrusted && chosen.some((proposal) => proposal.origin.kind === "agent")) {
            void vscode.window.showWarningMessage("This workspace is in Restricted Mode: the agent's changes cannot be applied. Trust the workspace first.");
            return undefined;
        }
        let outcome: AcceptOutcome;
        try {
            outcome = await this.store.accept(chosen.map((proposal) => proposal.id));
        } catch (error) {
            this.log.warn(`Applying proposals failed: ${errorMessage(error)}`);
            void vscode.window.showErrorMessage(`Could not apply the change: ${errorMessage(error)}`);
            return undefined;
        }
        await this.closeDiffs(outcome.applied.map((p) => p.id));
        for (const conflict of outcome.conflicts) {
            const stored = chosen.find((proposal) => proposal.id === conflict.proposal.id);
            this.log.warn(`${conflict.proposal.path}: not applied: ${conflict.message}`);
            const agent = stored?.origin.kind === "agent";
            void vscode.window.showWarningMessage(agent ? `Not applied: ${conflict.message} The agent will be told on its next step.` : conflict.message);
        }
        if (outcome.applied.length > 0) this.log.info(`Proposals applied: ${outcome.applied.map((p) => p.path).join(", ")}`);
        // A single rewrite: show where it went, selected, as the commands always did.
        if (outcome.applied.length === 1 && outcome.applied[0]!.range) {
            const applied = chosen.find((proposal) => proposal.id === outcome.applied[0]!.id);
            const placed = outcome.placed?.get(outcome.applied[0]!.id);
            if (applied?.type === "range" && placed) {
                const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(applied.document));
                const editor = await vscode.window.showTextDocument(document, { preview: false });
                const range = new vscode.Range(document.positionAt(placed.start), document.positionAt(placed.end));
                editor.selection = new vscode.Selection(range.start, range.end);
                editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
                vscode.window.setStatusBarMessage(`$(check) ${applied.title}: applied to ${applied.display} (undo with Ctrl+Z)`, 5000);
            }
        }
        return outcome;
    }

    async rejectIds(ids: readonly number[] | "all"): Promise<void> {
        const rejected = await this.store.reject(ids);
        await this.closeDiffs(rejected.map((p) => p.id));
    }

    // ---- the review list

    /** All pending proposals in VS Code's multi-file diff editor (per-file diff editors where that is missing). */
    async openReview(): Promise<void> {
        const pending = this.store.pending();
        if (pending.length === 0) {
            void vscode.window.showInformationMessage("No proposed changes are waiting for review.");
            return;
        }
        const resources = pending.map((proposal) => [vscode.Uri.file(proposal.absPath), this.leftSide(proposal), proposalUri(proposal, "proposed")]);
        try {
            await vscode.commands.executeCommand("vscode.changes", `Qwen Agent: ${pending.length} proposed change${pending.length === 1 ? "" : "s"}`, resources);
        } catch {
            for (const proposal of pending) await this.openDiff(proposal.id);
        }
    }

    async openDiff(id: number): Promise<void> {
        const proposal = this.store.summary(id);
        if (!proposal) return;
        const handle = this.ranges.get(id);
        if (handle) return this.show(handle);
        await vscode.commands.executeCommand("vscode.diff", this.leftSide(proposal), proposalUri(proposal, "proposed"),
            `${proposal.path} (Qwen proposal)`, { preview: false });
    }

    /** After an agent request: the review, and a notification that asks. */
    async offerReview(pending: ProposalSummary[]): Promise<void> {
        await this.openReview();
        const files = pending.length === 1 ? pending[0]!.path : `${pending.length} files`;
        const choice = await vscode.window.showInformationMessage(`Qwen proposes changes to ${files}.`, "Accept All", "Reject All", "Review…");
        if (choice === "Accept All") await this.acceptIds("all");
        else if (choice === "Reject All") await this.rejectIds("all");
        else if (choice === "Review…") await this.reviewPick();
    }

    /** A quick pick of the pending changes: open one, accept or reject it with its buttons, or all at once. */
    async reviewPick(): Promise<void> {
        if (this.store.pending().length === 0) {
            void vscode.window.showInformationMessage("No proposed changes are waiting for review.");
            return;
        }
        type Item = vscode.QuickPickItem & { action: () => Promise<void>; id?: number };
        const acceptButton: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon("check"), tooltip: "Accept this change" };
        const rejectButton: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon("discard"), tooltip: "Reject this change" };
        const pick = vscode.window.createQuickPick<Item>();
        pick.title = "Qwen: review proposed changes";
        pick.placeholder = "Pick a file to see its diff, or accept/reject with the buttons";
        const build = () => {
            const now = this.store.pending();
            if (now.length === 0) {
                pick.hide();
                return;
            }
            pick.items = [
                { label: "$(check-all) Accept All", description: `${now.length} file${now.length === 1 ? "" : "s"}`, action: async () => void await this.acceptIds("all") },
                { label: "$(close-all) Reject All", action: () => this.rejectIds("all") },
                { label: "$(diff-multiple) Open All Diffs", action: () => this.openReview() },
                { label: "Files", kind: vscode.QuickPickItemKind.Separator, action: async () => undefined },
                ...now.map((proposal): Item => ({
                    label: `$(diff) ${proposal.kind === "rename" ? `${proposal.from} → ${proposal.path}` : proposal.path}`,
                    description: describeProposal(proposal).replace(/^.*\(/, "(").replace(/^[^(]*$/, ""),
                    detail: this.originLabel(proposal.id),
                    buttons: [acceptButton, rejectButton],
                    id: proposal.id,
                    action: () => this.openDiff(proposal.id)
                }))
            ];
        };
        build();
        pick.onDidTriggerItemButton(async ({ item, button }) => {
            if (item.id === undefined) return;
            if (button === acceptButton) await this.acceptIds([item.id]);
            else await this.rejectIds([item.id]);
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

    dispose(): void {
        for (const timer of this.pendingRefresh.values()) clearTimeout(timer);
        for (const handle of this.ranges.values()) handle.resolve("closed");
        this.ranges.clear();
        for (const disposable of this.disposables.reverse()) disposable.dispose();
    }

    // -----------------------------------------------------------------------------------------------------------

    private originLabel(id: number): string | undefined {
        const origin = this.store.get(id)?.origin;
        if (!origin) return undefined;
        return origin.kind === "agent" ? `the agent (request ${origin.turn})` : origin.command;
    }

    /** A range's diff compares with the live document; a whole-file change with what it was based on. */
    private leftSide(proposal: ProposalSummary): vscode.Uri {
        const stored = this.store.get(proposal.id);
        if (stored?.type === "range") return vscode.Uri.parse(stored.document);
        return proposalUri(proposal, "original");
    }

    private find(uri?: vscode.Uri): number | undefined {
        // The diff's title-bar buttons pass the proposal's URI; from the palette, the active diff or the newest.
        const given = uri && parseProposalUri(uri);
        if (given) return this.store.get(given.id) ? given.id : undefined;
        const active = vscode.window.activeTextEditor?.document.uri;
        const parsed = active && parseProposalUri(active);
        if (parsed) return this.store.get(parsed.id) ? parsed.id : undefined;
        return this.store.pending().at(-1)?.id;
    }

    private scheduleRefresh(id: number): void {
        if (this.pendingRefresh.has(id)) return;
        this.pendingRefresh.set(id, setTimeout(() => {
            this.pendingRefresh.delete(id);
            this.refresh(id);
        }, REFRESH_MS));
    }

    private flush(id: number): void {
        clearTimeout(this.pendingRefresh.get(id));
        this.pendingRefresh.delete(id);
        this.refresh(id);
    }

    /** Open documents of the proposal re-read their content. */
    private refresh(id: number): void {
        for (const document of vscode.workspace.textDocuments) {
            if (parseProposalUri(document.uri)?.id === id) this.changeEmitter.fire(document.uri);
        }
        const handle = this.ranges.get(id);
        if (handle) this.changeEmitter.fire(handle.uri);
    }

    private async onListChanged(pending: ProposalSummary[]): Promise<void> {
        await vscode.commands.executeCommand("setContext", REVIEWING_CONTEXT_KEY, pending.length > 0);
        if (pending.length === 0) this.statusItem.hide();
        else {
            this.statusItem.text = `$(git-compare) Qwen: ${pending.length} change${pending.length === 1 ? "" : "s"}`;
            this.statusItem.tooltip = `Changes proposed by Qwen, waiting for your review:\n${pending.map(describeProposal).join("\n")}`;
            this.statusItem.show();
        }
        // Diffs of proposals decided meanwhile (accepted, rejected, withdrawn) have nothing left to show.
        const open = new Set(pending.map((proposal) => proposal.id));
        const gone = vscode.window.tabGroups.all.flatMap((group) => group.tabs).flatMap((tab) => {
            const input = tab.input;
            const parsed = input instanceof vscode.TabInputTextDiff ? parseProposalUri(input.modified) : undefined;
            return parsed && !open.has(parsed.id) && !this.store.get(parsed.id) ? [parsed.id] : [];
        });
        if (gone.length > 0) await this.closeDiffs(gone);
    }

    /** Closes the diff tabs of these proposals, and the multi-file review once nothing is left in it. */
    private async closeDiffs(ids: number[]): Promise<void> {
        const decided = new Set(ids);
        const nothingLeft = this.store.pending().length === 0;
        const tabs = vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => {
            const input = tab.input;
            if (input instanceof vscode.TabInputTextDiff) {
                const parsed = parseProposalUri(input.modified);
                return parsed !== undefined && decided.has(parsed.id);
            }
            return nothingLeft && tab.label.startsWith("Qwen Agent: ") && !(input instanceof vscode.TabInputText);
        });
        if (tabs.length > 0) await vscode.window.tabGroups.close(tabs, true);
    }

    private registerCommands(): vscode.Disposable[] {
        return [
            vscode.commands.registerCommand(REVIEW_COMMANDS.accept, (uri?: vscode.Uri) => this.accept(uri)),
            vscode.commands.registerCommand(REVIEW_COMMANDS.reject, (uri?: vscode.Uri) => this.reject(uri)),
            vscode.commands.registerCommand(REVIEW_COMMANDS.review, () => this.reviewPick()),
            vscode.commands.registerCommand(REVIEW_COMMANDS.acceptAll, async () => void await this.acceptIds("all")),
            vscode.commands.registerCommand(REVIEW_COMMANDS.rejectAll, () => this.rejectIds("all"))
        ];
    }
}
