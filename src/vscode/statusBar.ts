import * as vscode from "vscode";
import type { EngineState } from "../engine/client";
import type { EngineService, ServiceState } from "./engineService";

export const STATUS_MENU_COMMAND = "qwenLocal.statusMenu";

/** Shows what the engine is doing: not configured / downloading n% / loading / ready (tokens/s) / error. */
export class StatusBar implements vscode.Disposable {
    private readonly item: vscode.StatusBarItem;
    private readonly subscription: vscode.Disposable;

    constructor(service: EngineService) {
        this.item = vscode.window.createStatusBarItem("qwenLocal.status", vscode.StatusBarAlignment.Right, 100);
        this.item.name = "Qwen Local";
        this.item.command = STATUS_MENU_COMMAND;
        this.subscription = service.onDidChangeState((state) => this.render(state));
        this.render(service.state);
        this.item.show();
    }

    private render(state: ServiceState): void {
        const { item } = this;
        item.backgroundColor = undefined;
        const suggestions = state.inlineSuggestions ? "" : " $(circle-slash)";
        if (state.download) {
            item.text = `$(cloud-download) Qwen ${Math.floor(state.download.percent)}%`;
            item.tooltip = `Downloading ${state.download.uri}: ${state.download.detail}`;
            return;
        }
        const engine: EngineState = state.engine;
        switch (engine.kind) {
            case "stopped":
                if (state.modelPresent === false) {
                    item.text = "$(hubot) Qwen: set up";
                    item.tooltip = "No model yet: click to choose a model or download one.";
                } else {
                    item.text = `$(hubot) Qwen${suggestions}`;
                    item.tooltip = "Model not loaded: it loads on first use. Click for options.";
                }
                return;
            case "starting":
                item.text = "$(loading~spin) Qwen: starting";
                item.tooltip = "Starting the engine process…";
                return;
            case "loading":
                item.text = `$(loading~spin) Qwen: loading ${Math.floor(engine.progress * 100)}%`;
                item.tooltip = `Loading ${engine.modelPath}`;
                return;
            case "ready": {
                const speed = engine.lastTokensPerSecond !== undefined ? ` · ${engine.lastTokensPerSecond.toFixed(1)} tok/s` : "";
                item.text = `$(check) Qwen${speed}${suggestions}`;
                item.tooltip = `Ready: ${engine.info.name ?? engine.info.modelPath} on ${engine.info.gpu === false ? "CPU" : engine.info.gpu}` +
                    `, context ${engine.info.contextSize} tokens`;
                return;
            }
            case "crashed":
                item.text = "$(warning) Qwen: engine stopped";
                item.tooltip = engine.message;
                item.backgroundColor = new vscode.ThemeColor("statusBarItem.warningBackground");
                return;
            case "gaveUp":
            case "error":
                item.text = "$(error) Qwen: error";
                item.tooltip = engine.message;
                item.backgroundColor = new vscode.ThemeColor("statusBarItem.errorBackground");
                return;
        }
    }

    dispose(): void {
        this.subscription.dispose();
        this.item.dispose();
    }
}
