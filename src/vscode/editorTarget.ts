/**
 * What an editor command works on: the selection — widened to whole lines when it covers their text — or, with
 * nothing selected, the function or block around the cursor (from the language's symbols, else by braces or
 * indentation), with the doc comments above it so a rewrite can update them.
 */
import * as vscode from "vscode";
import { enclosingBlock, enclosingSymbol, withLeadingComments, type LineSpan, type SymbolKindName, type SymbolLike } from "../core/commands/enclosing";
import type { FitTarget } from "../core/commands/fit";
import type { CodeTarget, DiagnosticInfo } from "../core/commands/prompts";

export interface EditorTarget {
    document: vscode.TextDocument;
    range: vscode.Range;
    /** The range starts at column 0 and ends at a line's end: re-indent the answer to it. */
    wholeLines: boolean;
    /** How the target was found, for messages: "the selection", "the function around the cursor"… */
    description: string;
}

/** How long to wait for a language's document symbols before falling back to braces and indentation. */
const SYMBOLS_TIMEOUT_MS = 1500;

/** The selection as a target, widened to whole lines when it starts at or before a line's text and ends at or after it. */
export function selectionTarget(document: vscode.TextDocument, selection: vscode.Range): EditorTarget {
    const startLine = document.lineAt(selection.start.line);
    // A selection that ends at column 0 of the next line ends on the line before.
    const endLineNumber = selection.end.character === 0 && selection.end.line > selection.start.line ? selection.end.line - 1 : selection.end.line;
    const endLine = document.lineAt(endLineNumber);
    const coversStart = selection.start.character <= startLine.firstNonWhitespaceCharacterIndex;
    const coversEnd = selection.end.line > endLineNumber || selection.end.character >= endLine.range.end.character ||
        document.getText(new vscode.Range(selection.end, endLine.range.end)).trim() === "";
    if (coversStart && coversEnd) {
        return { document, range: new vscode.Range(startLine.range.start, endLine.range.end), wholeLines: true, description: "the selection" };
    }
    return { document, range: selection, wholeLines: false, description: "the selection" };
}

/** Whole lines as a target. */
export function linesTarget(document: vscode.TextDocument, span: LineSpan, description: string): EditorTarget {
    const end = document.lineAt(Math.min(span.endLine, document.lineCount - 1)).range.end;
    return { document, range: new vscode.Range(span.startLine, 0, end.line, end.character), wholeLines: true, description };
}

export function wholeFileTarget(document: vscode.TextDocument): EditorTarget {
    return linesTarget(document, { startLine: 0, endLine: document.lineCount - 1 }, "the whole file");
}

/** The function or block around a line; undefined when the line is in none (a blank line between top-level code). */
export async function enclosingTarget(document: vscode.TextDocument, line: number): Promise<EditorTarget | undefined> {
    const lines = Array.from({ length: document.lineCount }, (_, index) => document.lineAt(index).text);
    const symbols = await documentSymbols(document);
    const symbol = symbols && enclosingSymbol(symbols, line);
    if (symbol) return linesTarget(document, withLeadingComments(lines, symbol), "the function around the cursor");
    const block = enclosingBlock(lines, line, document.languageId);
    if (block) return linesTarget(document, withLeadingComments(lines, block), "the block around the cursor");
    return undefined;
}

/** The smallest whole-line range holding the blocks around every given line. */
export async function enclosingAll(document: vscode.TextDocument, lines: readonly number[], description: string): Promise<EditorTarget | undefined> {
    let span: LineSpan | undefined;
    for (const line of lines) {
        const target = await enclosingTarget(document, line);
        const here = target ? { startLine: target.range.start.line, endLine: target.range.end.line } : { startLine: line, endLine: line };
        span = span ? { startLine: Math.min(span.startLine, here.startLine), endLine: Math.max(span.endLine, here.endLine) } : here;
    }
    return span && linesTarget(document, span, description);
}

/** The target as the prompts see it. */
export function codeTarget(target: EditorTarget): CodeTarget {
    const { document, range } = target;
    const text = document.getText();
    const path = document.uri.scheme === "untitled" ? document.uri.path : vscode.workspace.asRelativePath(document.uri, false);
    return {
        path,
        languageId: document.languageId,
        code: document.getText(range),
        startLine: range.start.line + 1,
        endLine: range.end.line + 1,
        before: text.slice(0, document.offsetAt(range.start)),
        after: text.slice(document.offsetAt(range.end))
    };
}

/** The problems (errors and warnings; information and hints when that is all there is) in a range. */
export function problemsIn(document: vscode.TextDocument, range: vscode.Range | undefined): vscode.Diagnostic[] {
    const all = vscode.languages.getDiagnostics(document.uri).filter((diagnostic) => !range || diagnostic.range.intersection(range) !== undefined);
    const serious = all.filter((diagnostic) => diagnostic.severity <= vscode.DiagnosticSeverity.Warning);
    return (serious.length > 0 ? serious : all).sort((a, b) => a.range.start.compareTo(b.range.start));
}

const SEVERITIES: Record<vscode.DiagnosticSeverity, DiagnosticInfo["severity"]> = {
    [vscode.DiagnosticSeverity.Error]: "error",
    [vscode.DiagnosticSeverity.Warning]: "warning",
    [vscode.DiagnosticSeverity.Information]: "information",
    [vscode.DiagnosticSeverity.Hint]: "hint"
};

export function diagnosticInfo(diagnostic: vscode.Diagnostic): DiagnosticInfo {
    const code = typeof diagnostic.code === "object" ? diagnostic.code.value : diagnostic.code;
    return {
        line: diagnostic.range.start.line + 1,
        column: diagnostic.range.start.character + 1,
        severity: SEVERITIES[diagnostic.severity],
        message: diagnostic.message,
        ...(diagnostic.source ? { source: diagnostic.source } : {}),
        ...(code !== undefined ? { code: String(code) } : {})
    };
}

async function documentSymbols(document: vscode.TextDocument): Promise<SymbolLike[] | undefined> {
    const request = Promise.resolve(vscode.commands.executeCommand<(vscode.DocumentSymbol | vscode.SymbolInformation)[] | undefined>(
        "vscode.executeDocumentSymbolProvider", document.uri)).catch(() => undefined);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), SYMBOLS_TIMEOUT_MS); });
    const symbols = await Promise.race([request, timeout]).finally(() => clearTimeout(timer));
    if (!symbols || symbols.length === 0) return undefined;
    return symbols.map((symbol) => "children" in symbol ? fromDocumentSymbol(symbol) : {
        kind: kindName(symbol.kind), startLine: symbol.location.range.start.line, endLine: symbol.location.range.end.line
    });
}

function fromDocumentSymbol(symbol: vscode.DocumentSymbol): SymbolLike {
    return {
        kind: kindName(symbol.kind),
        startLine: symbol.range.start.line,
        endLine: symbol.range.end.line,
        children: symbol.children.map(fromDocumentSymbol)
    };
}

function kindName(kind: vscode.SymbolKind): SymbolKindName {
    switch (kind) {
        case vscode.SymbolKind.Function: return "function";
        case vscode.SymbolKind.Method: return "method";
        case vscode.SymbolKind.Constructor: return "constructor";
        case vscode.SymbolKind.Class: return "class";
        case vscode.SymbolKind.Interface: return "interface";
        case vscode.SymbolKind.Enum: return "enum";
        case vscode.SymbolKind.Struct: return "struct";
        case vscode.SymbolKind.Module:
        case vscode.SymbolKind.Namespace: return "module";
        case vscode.SymbolKind.Variable:
        case vscode.SymbolKind.Constant: return "variable";
        default: return "other";
    }
}

/** How code must look to replace the target in this editor: its line endings, its indentation. */
export function fitTargetFor(editor: vscode.TextEditor, target: EditorTarget): FitTarget {
    const { document, range } = target;
    const tabSize = typeof editor.options.tabSize === "number" ? editor.options.tabSize : 4;
    const insertSpaces = typeof editor.options.insertSpaces === "boolean" ? editor.options.insertSpaces : true;
    return {
        original: document.getText(range),
        eol: document.eol === vscode.EndOfLine.CRLF ? "\r\n" : "\n",
        indent: { insertSpaces, tabSize },
        wholeLines: target.wholeLines,
        lineIndent: /^\s*/.exec(document.lineAt(range.start.line).text)?.[0] ?? ""
    };
}
