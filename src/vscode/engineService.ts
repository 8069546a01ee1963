/**
 * Composes the engine for the extension: the worker client, model resolution (consent, download with a
 * progress notification), settings, and the combined state the status bar shows.
 * Nothing here runs on activation: the worker starts on the first request that needs it.
 */
import * as vscode from "vscode";
import { Emitter, type Event } from "../core/events";
import { errorMessage, type Logger } from "../core/log";
import type { Settings } from "../core/settings";
import { EngineClient, isCancelled, type EngineState } from "../engine/client";
import type { LoadParams } from "../engine/protocol";
import { ModelSetup, type DownloadActivity } from "./modelSetup";
import { affectsSetting, getSettings } from "./settings";
import { DisposableStore } from "../core/util/disposables";

export interface ServiceState {
    engine: EngineState;
    download?: DownloadActivity;
    /** Whether the configured model is on disk (undefined until checked). */
    modelPresent?: boolean;
    inlineSuggestions: boolean;
}

export class EngineService implements vscode.Disposable {
    readonly client: EngineClient;
    readonly modelSetup: ModelSetup;
    private readonly stateEmitter = new Emitter<ServiceState>();
    readonly onDidChangeState: Event<ServiceState> = this.stateEmitter.event;
    private download?: DownloadActivity;
    private modelPresent?: boolean;
    private readonly disposables = new DisposableStore();

    constructor(context: vscode.ExtensionContext, private readonly log: Logger) {
        const settings = getSettings();
        this.modelSetup = new ModelSetup({
            globalStoragePath: context.globalStorageUri.fsPath,
            log,
            download: (params, options) => this.client.download(params, options),
            findModel: (params, signal) => this.client.findModel(params, signal),
            onActivity: (activity) => {
                this.download = activity;
                this.fire();
            }
        });
        this.client = new EngineClient({
            workerPath: context.asAbsolutePath("dist/worker.js"),
            log,
            resolveModel: (signal) => this.resolveModel(signal),
            idleUnloadMs: idleMs(settings)
        });
        this.disposables.push(
            { dispose: () => void this.client.dispose() },
            this.client.onDidChangeState(() => this.fire()),
            vscode.workspace.onDidChangeConfiguration((event) => this.onConfigurationChanged(event))
        );
    }

    get state(): ServiceState {
        return {
            engine: this.client.state,
            download: this.download,
            modelPresent: this.modelPresent,
            inlineSuggestions: getSettings()["inlineSuggestions.enabled"]
        };
    }

    /** Checks (without network) whether the configured model is already on disk, for the status bar. */
    async refreshModelPresence(): Promise<void> {
        try {
            this.modelPresent = await this.modelSetup.isPresent(getSettings());
        } catch (error) {
            this.log.debug(`Could not check for the model: ${errorMessage(error)}`);
            this.modelPresent = undefined;
        }
        this.fire();
    }

    /** Loads the configured model now (asking to download it first if needed). */
    async loadNow(): Promise<void> {
        this.client.resetCrashes();
        const params = await this.resolveModel(undefined);
        await this.client.load(params);
    }

    private async resolveModel(signal: AbortSignal | undefined): Promise<LoadParams> {
        const settings = getSettings();
        const modelPath = await this.modelSetup.ensureModelFile(settings, signal);
        this.modelPresent = true;
        this.fire();
        return {
            modelPath,
            contextSize: settings.contextSize,
            gpu: settings.gpu === "off" ? false : "auto",
            allowOtherArchitectures: settings.allowOtherArchitectures,
            checkpointMaxMemoryMB: settings.checkpointMemoryMB,
            threads: settings.threads
        };
    }

    private onConfigurationChanged(event: vscode.ConfigurationChangeEvent): void {
        if (affectsSetting(event, "idleUnloadMinutes")) this.client.setIdleUnloadMs(idleMs(getSettings()));
        if (affectsSetting(event, "model", "modelsDirectory", "contextSize", "gpu", "allowOtherArchitectures", "checkpointMemoryMB", "threads")) {
            // The next request loads the model with the new settings.
            this.client.forgetModel();
            void this.client.unload().catch((error: unknown) => {
                if (!isCancelled(error)) this.log.warn(`Unloading after a settings change failed: ${errorMessage(error)}`);
            });
            void this.refreshModelPresence();
        }
        if (affectsSetting(event, "inlineSuggestions.enabled")) this.fire();
    }

    private fire(): void {
        this.stateEmitter.fire(this.state);
    }

    dispose(): void {
        this.disposables.dispose();
        this.stateEmitter.dispose();
    }
}

function idleMs(settings: Settings): number {
    return Math.round(settings.idleUnloadMinutes * 60_000);
}
