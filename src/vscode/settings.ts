import * as vscode from "vscode";
import { readSettings, SETTINGS_SECTION, type SettingKey, type Settings } from "../core/settings";

export function getSettings(): Settings {
    const configuration = vscode.workspace.getConfiguration(SETTINGS_SECTION);
    return readSettings((key) => configuration.get(key));
}

export async function updateSetting(key: SettingKey, value: unknown): Promise<void> {
    await vscode.workspace.getConfiguration(SETTINGS_SECTION).update(key, value, vscode.ConfigurationTarget.Global);
}

export function affectsSetting(event: vscode.ConfigurationChangeEvent, ...keys: SettingKey[]): boolean {
    return keys.some((key) => event.affectsConfiguration(`${SETTINGS_SECTION}.${key}`));
}
