/** The extension under test, as the integration tests find it. */
import assert from "node:assert/strict";
import * as vscode from "vscode";

export const extensionId = "qwen-local.qwen-local";

export function theExtension(): vscode.Extension<unknown> {
    const extension = vscode.extensions.getExtension(extensionId);
    assert.ok(extension, `${extensionId} is not installed in this VS Code`);
    return extension;
}
