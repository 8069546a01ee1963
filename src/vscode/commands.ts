import * as vscode from "vscode";
import { askPrompt } from "../core/commands/ask";
import { errorMessage, type Logger } from "../core/log";
import { samplingFor } from "../core/qwen35/sampling";
import { isCancelled } from "../engine/client";
import type { EngineService } from "./engineService";
import { ModelDownloadDeclined } from "./modelSetup";
import { getSettings, updateSetting } from "./settings";
import { STATUS_MENU_COMMAND } from "./statusBar";

export const COMMANDS = {
    selectModel: "qwenLocal.selectModel",
    loadModel: "qwenLocal.loadModel",
    unloadModel: "qwenLocal.unloadModel",
    restartEngine: "qwenLocal.restartEngine",
    showLog: "qwenLocal.showLog",
    toggleInlineSuggestions: "qwenLocal.toggleInlineSuggestions",
    ask: "qwenLocal.ask",
    statusMenu: STATUS_MENU_COMMAND
} as const;

interface Deps {
    engine: EngineService;
    channel: vscode.LogOutputChannel;
    logger: Logger;
}

/** Shows an error the user can act on; cancellations and declined downloads are normal outcomes. */
export async function reportError(deps: Deps, what: string, error: unknown): Promise<void> {
    if (isCancelled(error) || error instanceof ModelDownloadDeclined) return;
    const message = `${what}: ${errorMessage(error)}`;
    deps.logger.error(message);
    const choice = await vscode.window.showErrorMessage(message, "Select Model…", "Show Log");
    if (choice === "Show Log") deps.channel.show();
    if (choice === "Select Model…") await vscode.commands.executeCommand(COMMANDS.selectModel);
}

export function registerCommands(deps: Deps): vscode.Disposable[] {
    const { engine, channel } = deps;
    const loadNow = async () => {
        try {
            await engine.loadNow();
        } catch (error) {
            await reportError(deps, "Could not load the model", error);
        }
    };
    return [
        vscode.commands.registerCommand(COMMANDS.selectModel, async () => {
            const choice = await engine.modelSetup.selectModel(getSettings());
            if (choice === undefined) return;
            await updateSetting("model", choice);
            await loadNow();
        }),
        vscode.commands.registerCommand(COMMANDS.loadModel, loadNow),
        vscode.commands.registerCommand(COMMANDS.unloadModel, async () => {
            await engine.client.unload();
            deps.logger.info("Model unloaded");
        }),
        vscode.commands.registerCommand(COMMANDS.restartEngine, async () => {
            engine.client.resetCrashes();
            await engine.client.unload();
            await loadNow();
        }),
        vscode.commands.registerCommand(COMMANDS.showLog, () => channel.show()),
        vscode.commands.registerCommand(COMMANDS.toggleInlineSuggestions, async () => {
            await updateSetting("inlineSuggestions.enabled", !getSettings()["inlineSuggestions.enabled"]);
        }),
        vscode.commands.registerCommand(COMMANDS.ask, () => askTheModel(deps)),
        vscode.commands.registerCommand(COMMANDS.statusMenu, () => showStatusMenu(deps))
    ];
}

async function showStatusMenu(deps: Deps): Promise<void> {
    const { engine } = deps;
    const loaded = engine.client.state.kind === "ready";
    const suggestions = getSettings()["inlineSuggestions.enabled"];
    const items: (vscode.QuickPickItem & { command: string })[] = [
        { label: "$(library) Select Model…", description: getSettings().model, command: COMMANDS.selectModel },
        loaded
            ? { label: "$(debug-stop) Unload Model", description: "free its memory", command: COMMANDS.unloadModel }
            : { label: "$(play) Load Model", command: COMMANDS.loadModel },
        {
            label: suggestions ? "$(circle-slash) Disable Inline Suggestions" : "$(lightbulb) Enable Inline Suggestions",
            command: COMMANDS.toggleInlineSuggestions
        },
        { label: "$(sparkle) Commands…", description: "explain, edit, document, fix, tests… on the selection", command: "qwenLocal.commandMenu" },
        { label: "$(comment) Ask the Model…", command: COMMANDS.ask },
        { label: "$(output) Show Log", command: COMMANDS.showLog },
        { label: "$(debug-restart) Restart Engine", command: COMMANDS.restartEngine }
    ];
    const picked = await vscode.window.showQuickPick(items, { title: "Qwen Local" });
    if (picked) await vscode.commands.executeCommand(picked.command);
}

/**
 * A quick question, answered in a new Markdown document as it streams: the simplest way to see the model
 * load and answer. Thinking is off here (a short answer is the point).
 */
async function askTheModel(deps: Deps): Promise<void> {
    const question = await vscode.window.showInputBox({ title: "Ask Qwen", prompt: "A question for the local model" });
    if (!question) return;
    const document = await vscode.workspace.openTextDocument({ language: "markdown", content: `**${question}**\n\n` });
    const editor = await vscode.window.showTextDocument(document, { preview: false });
    let buffered = "";
    let writing = Promise.resolve();
    const flush = () => {
        const text = buffered;
        buffered = "";
        writing = writing.then(async () => {
            if (text.length === 0 || editor.document.isClosed) return;
            const end = editor.document.lineAt(editor.document.lineCount - 1).range.end;
            await editor.edit((edit) => edit.insert(end, text), { undoStopBefore: false, undoStopAfter: false });
        });
    };
    await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: "Qwen is answering…", cancellable: true },
        async (_progress, token) => {
            const controller = new AbortController();
            const subscription = token.onCancellationRequested(() => controller.abort());
            const timer = setInterval(flush, 50);
            try {
                const result = await deps.engine.client.generate({
                    sequence: "chat",
                    prompt: { kind: "segments", segments: askPrompt(question) },
                    maxTokens: 2048,
                    stop: ["<|im_end|>"],
                    sampling: samplingFor(false, { nonThinking: getSettings()["sampling.nonThinking"] }),
                    checkpointAtPromptEnd: true
                }, { signal: controller.signal, onChunk: (chunk) => { buffered += chunk.text; } });
                const t = result.timings;
                deps.logger.info(`Answered: ${t.generatedTokens} tokens, ${t.tokensPerSecond.toFixed(1)} tok/s, ` +
                    `first token after ${Math.round(t.timeToFirstTokenMs)} ms (${t.evaluatedTokens}/${t.promptTokens} prompt tokens evaluated)`);
                if (result.stopReason === "cancelled") buffered += "\n\n*(stopped)*";
                flush();
            } catch (error) {
                flush();
                await reportError(deps, "The model could not answer", error);
            } finally {
                clearInterval(timer);
                flush();
                subscription.dispose();
                await writing;
            }
        }
    );
}
