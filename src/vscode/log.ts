import * as vscode from "vscode";
import type { Logger } from "../core/log";

/** The one output channel, "Qwen Local"; prompts and raw model output are logged at trace level only. */
export function createLogChannel(): { channel: vscode.LogOutputChannel; logger: Logger } {
    const channel = vscode.window.createOutputChannel("Qwen Local", { log: true });
    const logger: Logger = {
        trace: (message) => channel.trace(message),
        debug: (message) => channel.debug(message),
        info: (message) => channel.info(message),
        warn: (message) => channel.warn(message),
        error: (message) => channel.error(message)
    };
    return { channel, logger };
}
