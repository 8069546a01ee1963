/**
 * "Qwen Local: Write Commit Message" (the Source Control view's title bar, or the palette): a message for the staged
 * changes — all changes when nothing is staged — in the style of the repository's recent commits, thinking off,
 * streamed into the repository's commit input box, cancellable from its notification (running it again while it
 * writes stops it too). It reads through VS Code's built-in git extension and never commits.
 *
 * The Source Control input box's own button (`scm/inputBox`) is a proposed API, closed to published extensions, so
 * the button sits in the view's title bar (`scm/title`).
 */
import * as vscode from "vscode";
import { buildCommitRequest, cleanCommitMessage } from "../core/commit/message";
import { commandSampling, prepareCommandTurn, runCommandTurn } from "../core/commands/run";
import { errorMessage, type Logger } from "../core/log";
import type { EngineService } from "./engineService";
import { getSettings } from "./settings";

export const WRITE_COMMIT_MESSAGE_COMMAND = "qwenLocal.writeCommitMessage";

/** What this reads of the git extension's API (version 1). */
interface GitRepository {
    readonly rootUri: vscode.Uri;
    readonly inputBox: { value: string };
    readonly state: { readonly indexChanges: readonly unknown[]; readonly workingTreeChanges: readonly unknown[]; readonly untrackedChanges?: readonly unknown[] };
    diff(cached?: boolean): Promise<string>;
    log(options?: { maxEntries?: number }): Promise<{ message: string }[]>;
}
interface GitApi {
    readonly repositories: readonly GitRepository[];
}

/** Characters of diff in the prompt: about a third of the context (three characters a token), within 4k–60k. */
function diffBudget(contextSize: number): number {
    return Math.max(4000, Math.min(60_000, contextSize));
}

export class CommitMessageWriter implements vscode.Disposable {
    private running?: AbortController;
    private readonly disposables: vscode.Disposable[];

    constructor(private readonly engine: EngineService, private readonly log: Logger) {
        this.disposables = [vscode.commands.registerCommand(WRITE_COMMIT_MESSAGE_COMMAND, (arg?: unknown) => this.write(arg))];
    }

    dispose(): void {
        this.running?.abort();
        for (const disposable of this.disposables) disposable.dispose();
    }

    /** Writes the message into the repository's input box; resolves with it (undefined when cancelled or refused). */
    async write(arg?: unknown): Promise<string | undefined> {
        if (this.running) {
            // A second click while it writes: stop.
            this.running.abort();
            return undefined;
        }
        const repository = await this.repositoryFor(arg);
        if (!repository) return undefined;
        const staged = repository.state.indexChanges.length > 0;
        let diff: string;
        try {
            diff = await repository.diff(staged);
            if (!staged && diff.trim() === "") diff = await repository.diff(false);
        } catch (error) {
            void vscode.window.showErrorMessage(`Qwen: could not read the changes: ${errorMessage(error)}`);
            return undefined;
        }
        if (diff.trim() === "") {
            const untracked = (repository.state.untrackedChanges?.length ?? 0) > 0;
            void vscode.window.showInformationMessage(untracked
                ? "Qwen: there are only new, untracked files: stage them first, then write the message."
                : "Qwen: there are no changes to describe.");
            return undefined;
        }
        const recent = await repository.log({ maxEntries: 10 }).then((commits) => commits.map((commit) => commit.message.split("\n", 1)[0]!), () => []);
        const controller = new AbortController();
        this.running = controller;
        const previous = repository.inputBox.value;
        try {
            return await vscode.window.withProgress({
                location: vscode.ProgressLocation.Notification, title: "Qwen: writing the commit message", cancellable: true
            }, async (_progress, token) => {
                const cancel = token.onCancellationRequested(() => controller.abort());
                try {
                    const settings = getSettings();
                    const client = this.engine.client;
                    const contextSize = client.modelInfo?.contextSize ?? settings.contextSize;
                    const { request, cut } = buildCommitRequest({ diff, recentSubjects: recent, staged, maxDiffChars: diffBudget(contextSize) });
                    if (cut) this.log.info("Commit message: the diff was cut to fit the budget (file list kept, largest and generated files left out)");
                    const plan = await prepareCommandTurn(client, { request, thinking: false, answerTokens: 400, contextSize }, controller.signal);
                    if (!plan.ok) throw new Error(`the changes (${plan.promptTokens} tokens) leave no room for a message in the context of ${plan.contextSize} tokens`);
                    const result = await runCommandTurn(client, {
                        ...plan.turn,
                        sampling: commandSampling(false, { thinking: settings["sampling.thinking"], nonThinking: settings["sampling.nonThinking"] }),
                        signal: controller.signal,
                        onAnswer: (_delta, soFar) => {
                            if (!controller.signal.aborted) repository.inputBox.value = cleanCommitMessage(soFar);
                        }
                    });
                    if (controller.signal.aborted || result.stopReason === "cancelled") {
                        repository.inputBox.value = previous;
                        return undefined;
                    }
                    const message = cleanCommitMessage(result.answer);
                    repository.inputBox.value = message;
                    this.log.info(`Commit message written (${staged ? "staged changes" : "all changes"}, ${recent.length} recent subjects as examples)`);
                    return message;
                } finally {
                    cancel.dispose();
                }
            });
        } catch (error) {
            repository.inputBox.value = previous;
            if (!controller.signal.aborted) void vscode.window.showErrorMessage(`Qwen: could not write the commit message: ${errorMessage(error)}`);
            return undefined;
        } finally {
            if (this.running === controller) this.running = undefined;
        }
    }

    /** The repository of the clicked Source Control view, else of the active editor, else the only one. */
    private async repositoryFor(arg: unknown): Promise<GitRepository | undefined> {
        const extension = vscode.extensions.getExtension<{ getAPI(version: 1): GitApi }>("vscode.git");
        if (!extension) {
            void vscode.window.showErrorMessage("Qwen: Write Commit Message needs VS Code's built-in Git extension, which is disabled.");
            return undefined;
        }
        const api = (extension.isActive ? extension.exports : await extension.activate()).getAPI(1);
        const repositories = api.repositories;
        if (repositories.length === 0) {
            void vscode.window.showInformationMessage("Qwen: this workspace has no git repository to write a commit message for.");
            return undefined;
        }
        const root = (arg as { rootUri?: vscode.Uri } | undefined)?.rootUri;
        const byArg = root && repositories.find((repository) => repository.rootUri.toString() === root.toString());
        if (byArg) return byArg;
        const active = vscode.window.activeTextEditor?.document.uri;
        const byEditor = active && repositories
            .filter((repository) => active.fsPath.startsWith(repository.rootUri.fsPath))
            .sort((a, b) => b.rootUri.fsPath.length - a.rootUri.fsPath.length)[0];
        if (byEditor) return byEditor;
        if (repositories.length === 1) return repositories[0];
        const picked = await vscode.window.showQuickPick(repositories.map((repository) => ({ label: vscode.workspace.asRelativePath(repository.rootUri), repository })),
            { title: "Write a commit message for which repository?" });
        return picked?.repository;
    }
}
