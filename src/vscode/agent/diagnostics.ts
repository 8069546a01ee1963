/** get_diagnostics in the editor: the problems VS Code's language services and linters reported. */
import * as vscode from "vscode";
import type { DiagnosticItem, DiagnosticsSource } from "../../core/agent/workspaceFs";

const SEVERITY: Record<vscode.DiagnosticSeverity, DiagnosticItem["severity"]> = {
    [vscode.DiagnosticSeverity.Error]: "error",
    [vscode.DiagnosticSeverity.Warning]: "warning",
    [vscode.DiagnosticSeverity.Information]: "information",
    [vscode.DiagnosticSeverity.Hint]: "hint"
};

export const vscodeDiagnostics: DiagnosticsSource = {
    async get(path) {
        const entries: [vscode.Uri, readonly vscode.Diagnostic[]][] = path === undefined
            ? vscode.languages.getDiagnostics()
            : [[vscode.Uri.file(path), vscode.languages.getDiagnostics(vscode.Uri.file(path))]];
        return entries.filter(([uri]) => uri.scheme === "file").flatMap(([uri, diagnostics]) => diagnostics.map((diagnostic) => ({
            path: uri.fsPath,
            severity: SEVERITY[diagnostic.severity],
            line: diagnostic.range.start.line + 1,
            column: diagnostic.range.start.character + 1,
            message: diagnostic.message,
            ...(diagnostic.source ? { source: diagnostic.source } : {}),
            ...(diagnostic.code !== undefined ? { code: String(typeof diagnostic.code === "object" ? diagnostic.code.value : diagnostic.code) } : {})
        })));
    }
};
