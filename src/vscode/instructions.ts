/**
 * Project instructions in VS Code: the settings, and the instruction files of the open workspace for a turn that
 * works on some files (src/core/instructions does the reading, through the same real-path jail as the agent's tools).
 */
import * as vscode from "vscode";
import { WorkspacePaths } from "../core/agent/paths";
import { discoverInstructions, type InstructionFile, type InstructionSettings } from "../core/instructions";
import { getSettings } from "./settings";
import { VscodeWorkspaceFs } from "./agent/vscodeWorkspaceFs";

export function instructionSettings(): InstructionSettings {
    const settings = getSettings();
    return {
        agentsMd: settings["instructions.agentsMd"],
        copilotInstructions: settings["instructions.copilotInstructions"],
        claudeMd: settings["instructions.claudeMd"],
        rules: settings["instructions.rules"],
        maxFileChars: settings["instructions.maxFileChars"]
    };
}

/** A file's path as the tools show it: relative to its workspace folder ("folder/…" with several folders). */
export function workspaceRelative(uri: vscode.Uri): string | undefined {
    if (uri.scheme !== "file" || !vscode.workspace.getWorkspaceFolder(uri)) return undefined;
    return vscode.workspace.asRelativePath(uri, (vscode.workspace.workspaceFolders?.length ?? 0) > 1);
}

/** The active editor's file, as a path the instructions can match (applyTo, the nearest AGENTS.md). */
export function activeEditorFiles(): string[] {
    const uri = vscode.window.activeTextEditor?.document.uri;
    const relative = uri ? workspaceRelative(uri) : undefined;
    return relative ? [relative] : [];
}

/** The instruction files for a turn that works on `touched`; none without a local workspace folder. */
export async function workspaceInstructions(touched: readonly string[]): Promise<InstructionFile[]> {
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === "file");
    if (folders.length === 0) return [];
    const fs = new VscodeWorkspaceFs(folders);
    return discoverInstructions(fs, new WorkspacePaths(fs), touched, instructionSettings());
}

/** Every file that can be an instruction file, for a file watcher. */
export const INSTRUCTION_FILES_GLOB = "**/{AGENTS.md,CLAUDE.md,.github/copilot-instructions.md,.qwen-local/rules/*.md}";
