/**
 * The model's first-run flow in VS Code: consent before any download (what, how big, where, how much memory),
 * a cancellable progress notification, and the "Select Model…" picker. The logic lives in ModelStore and the
 * catalog; this file only asks and shows.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as vscode from "vscode";
import { errorMessage, type Logger } from "../core/log";
import {
    buildModelChoices, describeDownloadConsent, describeModelSource, formatProgress, type DownloadConsentInfo,
    type DownloadProgress, type ModelChoice
} from "../core/models/catalog";
import type { Settings } from "../core/settings";
import type { RequestOptions } from "../engine/client";
import { formatBytes } from "../core/util/bytes";
import type { DownloadModelOptions } from "../engine/modelDownload";
import { deleteDownloadedModel, listDownloadedModels, lookupIndexedModel } from "../engine/modelFiles";
import { ModelDownloadDeclinedError, ModelStore } from "../engine/modelStore";
import type { DownloadParams, DownloadResult, FindModelParams } from "../engine/protocol";
import { linkAbort } from "../core/util/abort";

export { ModelDownloadDeclinedError as ModelDownloadDeclined };

export interface DownloadActivity {
    uri: string;
    percent: number;
    detail: string;
}

export interface ModelSetupDeps {
    globalStoragePath: string;
    log: Logger;
    /** Runs the download (in the engine worker, so the extension host stays light). */
    download: (params: DownloadParams, options: RequestOptions<DownloadProgress>) => Promise<DownloadResult>;
    /** Finds a model the index does not record (node-llama-cpp's naming), in the engine worker. */
    findModel: (params: FindModelParams, signal?: AbortSignal) => Promise<string | undefined>;
    onActivity: (activity: DownloadActivity | undefined) => void;
}

export class ModelSetup {
    constructor(private readonly deps: ModelSetupDeps) {}

    modelsDirectory(settings: Settings): string {
        const configured = settings.modelsDirectory.trim();
        if (configured.length === 0) return path.join(this.deps.globalStoragePath, "models");
        return configured.startsWith("~") ? path.join(os.homedir(), configured.slice(1)) : path.resolve(configured);
    }

    /**
     * Offline and without the engine: is the configured model on disk? An hf: model counts when the index records it
     * whole (a model downloaded by node-llama-cpp's CLI is recorded the first time it is loaded).
     */
    async isPresent(settings: Settings): Promise<boolean> {
        const source = describeModelSource(settings.model, { homeDir: os.homedir() });
        if (source.kind === "invalid") return false;
        if (source.kind === "local") return fs.existsSync(path.resolve(this.modelsDirectory(settings), source.path));
        return typeof await lookupIndexedModel(source.uri, this.modelsDirectory(settings)) === "object";
    }

    /** The file to load for the current settings: asks before downloading, shows progress while it downloads. */
    async ensureModelFile(settings: Settings, signal: AbortSignal | undefined): Promise<string> {
        const store = new ModelStore({
            directory: this.modelsDirectory(settings),
            endpoint: settings.downloadEndpoint,
            confirmDownload: (info) => this.confirmDownload(info),
            find: async ({ uri, directory }) => {
                // The index, here; a model it does not record, in the worker (node-llama-cpp's naming needs it).
                const indexed = await lookupIndexedModel(uri, directory);
                if (indexed === "stale") return undefined;
                if (indexed !== "unknown") return indexed.path;
                return this.deps.findModel({ uri, directory }, signal);
            },
            download: (options) => this.downloadWithProgress(options)
        });
        const resolved = await store.resolve(settings.model, { signal });
        if (resolved.downloaded) this.deps.log.info(`Downloaded ${resolved.uri ?? settings.model} to ${resolved.path}`);
        return resolved.path;
    }

    private async confirmDownload(info: DownloadConsentInfo): Promise<boolean> {
        const { message, detail } = describeDownloadConsent(info);
        const choice = await vscode.window.showInformationMessage(message, { modal: true, detail }, "Download", "Choose Another Model…");
        if (choice === "Choose Another Model…") void vscode.commands.executeCommand("qwenLocal.selectModel");
        return choice === "Download";
    }

    private downloadWithProgress(options: DownloadModelOptions): Promise<DownloadResult> {
        return Promise.resolve(vscode.window.withProgress(
            { location: vscode.ProgressLocation.Notification, title: `Downloading ${options.uri}`, cancellable: true },
            async (progress, token) => {
                const controller = new AbortController();
                const unlink = linkAbort(options.signal, controller);
                const subscription = token.onCancellationRequested(() => controller.abort());
                let reported = 0;
                try {
                    return await this.deps.download({ uri: options.uri, directory: options.directory, endpoint: options.endpoint }, {
                        signal: controller.signal,
                        onChunk: (update) => {
                            const increment = Math.max(0, update.percent - reported);
                            reported = Math.max(reported, update.percent);
                            const detail = formatProgress(update);
                            progress.report({ increment, message: detail });
                            this.deps.onActivity({ uri: options.uri, percent: update.percent, detail });
                        }
                    });
                } finally {
                    subscription.dispose();
                    unlink();
                    this.deps.onActivity(undefined);
                }
            }
        ));
    }

    /** "Select Model…": returns the new value for `qwenLocal.model`, or undefined when the user backs out. */
    async selectModel(settings: Settings): Promise<string | undefined> {
        const directory = this.modelsDirectory(settings);
        type Item = vscode.QuickPickItem & { choice: ModelChoice };
        const deleteButton: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon("trash"), tooltip: "Delete this downloaded model" };
        const buildItems = async (): Promise<Item[]> => {
            const downloaded = (await listDownloadedModels(directory)).filter((model) => model.complete);
            return buildModelChoices(downloaded, settings.model).map((choice) => ({
                label: choice.kind === "downloaded" || choice.kind === "catalog"
                    ? `${choice.current ? "$(check) " : ""}${choice.label}`
                    : choice.kind === "browse" ? `$(folder-opened) ${choice.label}` : `$(cloud-download) ${choice.label}`,
                detail: choice.detail,
                choice,
                buttons: choice.kind === "downloaded" ? [deleteButton] : undefined
            }));
        };

        const picker = vscode.window.createQuickPick<Item>();
        picker.title = "Qwen Local: Select Model";
        picker.placeholder = `Current: ${settings.model}`;
        picker.matchOnDetail = true;
        picker.items = await buildItems();
        const picked = await new Promise<Item | undefined>((resolve) => {
            picker.onDidAccept(() => resolve(picker.selectedItems[0]));
            picker.onDidHide(() => resolve(undefined));
            picker.onDidTriggerItemButton(async (event) => {
                const choice = event.item.choice;
                if (choice.kind !== "downloaded") return;
                const confirm = await vscode.window.showWarningMessage(
                    `Delete ${choice.label} (${formatBytes(choice.sizeBytes)}) from ${directory}?`, { modal: true }, "Delete");
                if (confirm !== "Delete") return;
                try {
                    const choicePath = (await listDownloadedModels(directory)).find((model) => (model.uri ?? model.path) === choice.setting)?.path;
                    if (choicePath) await deleteDownloadedModel(choicePath);
                    picker.items = await buildItems();
                } catch (error) {
                    void vscode.window.showErrorMessage(`Could not delete the model: ${errorMessage(error)}`);
                }
            });
            picker.show();
        });
        picker.dispose();
        if (!picked) return undefined;

        const choice = picked.choice;
        switch (choice.kind) {
            case "downloaded":
            case "catalog":
                return choice.setting;
            case "browse": {
                const files = await vscode.window.showOpenDialog({
                    title: "Choose a Qwen3.5 GGUF model",
                    canSelectMany: false,
                    openLabel: "Use This Model",
                    filters: { "GGUF models": ["gguf"] }
                });
                return files?.[0]?.fsPath;
            }
            case "enterUri":
                return vscode.window.showInputBox({
                    title: "Model on Hugging Face",
                    prompt: "An hf: URI: hf:<user>/<repo>:<quant> or hf:<user>/<repo>/<file>.gguf",
                    placeHolder: "hf:unsloth/Qwen3.5-9B-GGUF:UD-Q4_K_XL",
                    validateInput: (value) => {
                        const source = describeModelSource(value);
                        if (source.kind === "invalid") return source.message;
                        return source.kind === "hf" ? undefined : "Enter an hf: URI (or use “Browse for a .gguf file…”).";
                    }
                });
        }
    }
}
