/**
 * A proposed replacement of one range of one file, reviewed as a diff before anything changes: the editor commands
 * ("Add Documentation", "Fix Problems"…) stream their rewrite into it, the chat's Apply button puts a code block in it.
 * The diff's right side is a read-only virtual document (the file with the range replaced) that updates as the
 * answer streams; Accept and Reject sit in the diff's title bar and in a notification.
 *
 * Accepting replaces just the range, as one WorkspaceEdit: one undo step restores the file. A file edited meanwhile
 * is handled without losing anything: edits elsewhere are fine (the original code is found where it moved), but
 * when the code itself changed the proposal is not applied and stays open.
 */
import * as vscode from "vscode";
import { errorMessage, type Logger } from "../core/log";

export const PROPOSAL_SCHEME = "qwen-local-proposal";
export const REVIEWING_CONTEXT_KEY = "qwenLocal.reviewingProposal";

/** How often a streaming proposal's document is refreshed. */
const REFRESH_MS = 80;

export type ProposalOutcome = "accepted" | "rejected" | "conflict" | "closed";

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

export class Proposal {
    readonly uri: vscode.Uri;
    readonly target: vscode.Uri;
    readonly label: string;
    readonly title: string;
    readonly range: vscode.Range;
    readonly original: string;
    readonly version: number;
    /** The file's text before and after the range when the proposal was made. */
    readonly prefix: string;
    readonly suffix: string;
    replacement: string;
    /** Still streaming: it cannot be accepted yet. */
    streaming = true;
    readonly decided: Promise<ProposalOutcome>;
    readonly onClosedWhileStreaming?: () => void;
    resolve!: (outcome: ProposalOutcome) => void;

    constructor(id: number, init: ProposalInit) {
        const { document, range } = init;
        const name = document.uri.path.split("/").pop() || "untitled";
        this.uri = vscode.Uri.from({ scheme: PROPOSAL_SCHEME, path: `/${id}/${name}` });
        this.target = document.uri;
        this.label = vscode.workspace.asRelativePath(document.uri, false);
        this.title = init.title;
        this.range = range;
        this.original = document.getText(range);
        this.version = document.version;
        const text = document.getText();
        this.prefix = text.slice(0, document.offsetAt(range.start));
        this.suffix = text.slice(document.offsetAt(range.end));
        this.replacement = init.replacement ?? "";
        this.onClosedWhileStreaming = init.onClosedWhileStreaming;
        this.decided = new Promise((resolve) => { this.resolve = resolve; });
    }

    get text(): string {
        return this.prefix + this.replacement + this.suffix;
    }

    get changed(): boolean {
        return this.replacement !== this.original;
    }
}

export class ProposalReview implements vscode.TextDocumentContentProvider, vscode.Disposable {
    private readonly proposals = new Map<string, Proposal>();
    private nextId = 1;
    private readonly changeEmitter = new vscode.EventEmitter<vscode.Uri>();
    readonly onDidChange = this.changeEmitter.event;
    private readonly pendingRefresh = new Map<string, ReturnType<typeof setTimeout>>();
    private readonly disposables: vscode.Disposable[] = [];

    constructor(private readonly log: Logger) {
        this.disposables.push(
            vscode.workspace.registerTextDocumentContentProvider(PROPOSAL_SCHEME, this),
            this.changeEmitter,
            // A diff closed by hand is a rejection: nothing is left to accept from.
            vscode.window.tabGroups.onDidChangeTabs((event) => {
                for (const tab of event.closed) {
                    if (!(tab.input instanceof vscode.TabInputTextDiff)) continue;
                    const proposal = this.proposals.get(tab.input.modified.toString());
                    if (proposal?.streaming) proposal.onClosedWhileStreaming?.();
                    else if (proposal) this.forget(proposal, "closed");
                }
            })
        );
    }

    provideTextDocumentContent(uri: vscode.Uri): string {
        return this.proposals.get(uri.toString())?.text ?? "";
    }

    /** Registers a proposal (not shown yet: see `show`). */
    create(init: ProposalInit): Proposal {
        const proposal = new Proposal(this.nextId++, init);
        this.proposals.set(proposal.uri.toString(), proposal);
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
        if (proposal.replacement === replacement) return;
        proposal.replacement = replacement;
        const key = proposal.uri.toString();
        if (this.pendingRefresh.has(key)) return;
        this.pendingRefresh.set(key, setTimeout(() => {
            this.pendingRefresh.delete(key);
            this.changeEmitter.fire(proposal.uri);
        }, REFRESH_MS));
    }

    /**
     * The final replacement: the proposal can be accepted now. Asks in a notification too; `extra` buttons run
     * their action and leave the question open in the diff's title bar. Resolves when the proposal is decided.
     */
    async finish(proposal: Proposal, replacement: string, extra: { label: string; run: () => unknown }[] = []): Promise<ProposalOutcome> {
        proposal.replacement = replacement;
        proposal.streaming = false;
        this.flush(proposal);
        await this.updateContextKey();
        const question = `${proposal.title}: accept the change to ${proposal.label}?`;
        void vscode.window.showInformationMessage(question, "Accept", "Reject", ...extra.map((button) => button.label)).then(async (choice) => {
            if (!this.proposals.has(proposal.uri.toString())) return; // decided from the diff's title bar
            if (choice === "Accept") await this.accept(proposal.uri);
            else if (choice === "Reject") await this.reject(proposal.uri);
            else extra.find((button) => button.label === choice)?.run();
        });
        return proposal.decided;
    }

    /** Drops a proposal that will not be finished (cancelled, failed, or nothing changed) and closes its diff. */
    async discard(proposal: Proposal): Promise<void> {
        await this.close(proposal, "closed");
    }

    /** Accepts the proposal whose diff is active (or the given one, or the newest). */
    async accept(uri?: vscode.Uri): Promise<void> {
        const proposal = this.find(uri);
        if (!proposal) return;
        if (proposal.streaming) {
            void vscode.window.showInformationMessage(`${proposal.title} is still writing its change; accept it when it is done.`);
            return;
        }
        const document = await vscode.workspace.openTextDocument(proposal.target);
        const range = locate(document, proposal);
        if (!range) {
            this.log.warn(`${proposal.title}: ${proposal.label} changed under the proposal; not applied`);
            void vscode.window.showWarningMessage(`${proposal.label} changed where Qwen's change goes, so it was not applied. ` +
                "The proposal stays open: copy what you need from it, or run the command again.");
            return;
        }
        const edit = new vscode.WorkspaceEdit();
        edit.replace(proposal.target, range, proposal.replacement);
        try {
            if (!await vscode.workspace.applyEdit(edit)) throw new Error("the editor refused the edit");
        } catch (error) {
            this.log.warn(`Applying a proposal to ${proposal.label} failed: ${errorMessage(error)}`);
            void vscode.window.showErrorMessage(`Could not apply the change to ${proposal.label}: ${errorMessage(error)}`);
            return;
        }
        await this.close(proposal, "accepted");
        const start = document.offsetAt(range.start);
        const end = document.positionAt(start + proposal.replacement.length);
        const editor = await vscode.window.showTextDocument(document, { preview: false });
        editor.selection = new vscode.Selection(range.start, end);
        editor.revealRange(new vscode.Range(range.start, end), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
        vscode.window.setStatusBarMessage(`$(check) ${proposal.title}: applied to ${proposal.label} (undo with Ctrl+Z)`, 5000);
    }

    async reject(uri?: vscode.Uri): Promise<void> {
        const proposal = this.find(uri);
        if (proposal) await this.close(proposal, "rejected");
    }

    /** Proposals waiting for a decision (for tests and the status). */
    pending(): readonly Proposal[] {
        return [...this.proposals.values()].filter((proposal) => !proposal.streaming);
    }

    private find(uri?: vscode.Uri): Proposal | undefined {
        // The diff's title-bar buttons pass the proposal's URI; from the palette, the active diff or the newest.
        if (uri?.scheme === PROPOSAL_SCHEME) return this.proposals.get(uri.toString());
        const active = vscode.window.activeTextEditor?.document.uri;
        if (active?.scheme === PROPOSAL_SCHEME) return this.proposals.get(active.toString());
        return this.pending().at(-1);
    }

    private flush(proposal: Proposal): void {
        const key = proposal.uri.toString();
        clearTimeout(this.pendingRefresh.get(key));
        this.pendingRefresh.delete(key);
        this.changeEmitter.fire(proposal.uri);
    }

    private async close(proposal: Proposal, outcome: ProposalOutcome): Promise<void> {
        this.forget(proposal, outcome);
        const tabs = vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) =>
            tab.input instanceof vscode.TabInputTextDiff && tab.input.modified.toString() === proposal.uri.toString());
        if (tabs.length > 0) await vscode.window.tabGroups.close(tabs);
    }

    private forget(proposal: Proposal, outcome: ProposalOutcome): void {
        const key = proposal.uri.toString();
        if (!this.proposals.delete(key)) return;
        clearTimeout(this.pendingRefresh.get(key));
        this.pendingRefresh.delete(key);
        proposal.resolve(outcome);
        void this.updateContextKey();
    }

    private async updateContextKey(): Promise<void> {
        await vscode.commands.executeCommand("setContext", REVIEWING_CONTEXT_KEY, this.pending().length > 0);
    }

    dispose(): void {
        for (const timer of this.pendingRefresh.values()) clearTimeout(timer);
        for (const proposal of this.proposals.values()) proposal.resolve("closed");
        this.proposals.clear();
        for (const disposable of this.disposables.reverse()) disposable.dispose();
    }
}

/**
 * Where the proposal's range is now: unchanged when the file is, else where the original code moved to (edits
 * elsewhere in the file); undefined when the code itself changed or is now ambiguous.
 */
function locate(document: vscode.TextDocument, proposal: Proposal): vscode.Range | undefined {
    if (document.version === proposal.version) return proposal.range;
    const text = document.getText();
    if (text === proposal.text) return undefined; // already applied (e.g. twice from two buttons): nothing to do
    const expected = document.offsetAt(proposal.range.start);
    if (text.slice(expected, expected + proposal.original.length) === proposal.original && proposal.original !== "") {
        return new vscode.Range(document.positionAt(expected), document.positionAt(expected + proposal.original.length));
    }
    if (proposal.original === "") return undefined;
    const first = text.indexOf(proposal.original);
    if (first < 0 || text.indexOf(proposal.original, first + 1) >= 0) return undefined;
    return new vscode.Range(document.positionAt(first), document.positionAt(first + proposal.original.length));
}
