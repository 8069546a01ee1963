/**
 * What a command works on when nothing is selected: the function (or class) around the cursor. Language symbols
 * are the best source; without them (no language extension, or not yet ready) a best-effort scan of braces, or of
 * indentation for languages such as Python, finds the same thing in most code.
 */

/** 0-based, inclusive line range. */
export interface LineSpan {
    startLine: number;
    endLine: number;
}

export type SymbolKindName = "function" | "method" | "constructor" | "class" | "interface" | "enum" | "struct" | "module" | "variable" | "other";

export interface SymbolLike extends LineSpan {
    kind: SymbolKindName;
    children?: SymbolLike[];
}

const FUNCTION_KINDS: ReadonlySet<SymbolKindName> = new Set(["function", "method", "constructor"]);
const CLASS_KINDS: ReadonlySet<SymbolKindName> = new Set(["class", "interface", "enum", "struct"]);

/**
 * The innermost function-like symbol (function, method, constructor; also a variable spanning >1 line, e.g. an
 * arrow function const) containing `line`; else the innermost class-like one (class, interface, enum, struct);
 * undefined otherwise.
 */
export function enclosingSymbol(symbols: readonly SymbolLike[], line: number): LineSpan | undefined {
    let functionLike: { symbol: SymbolLike; depth: number } | undefined;
    // One-line functions are mostly callbacks inside a larger function (TypeScript lists "reduce() callback"):
    // the function that holds them is what a command should work on.
    let oneLineFunction: { symbol: SymbolLike; depth: number } | undefined;
    let classLike: { symbol: SymbolLike; depth: number } | undefined;
    const inner = (found: { symbol: SymbolLike; depth: number } | undefined, symbol: SymbolLike, depth: number) => {
        if (!found) return true;
        const size = symbol.endLine - symbol.startLine;
        const foundSize = found.symbol.endLine - found.symbol.startLine;
        return size < foundSize || (size === foundSize && depth > found.depth);
    };
    const visit = (list: readonly SymbolLike[], depth: number) => {
        for (const symbol of list) {
            if (symbol.startLine <= line && line <= symbol.endLine) {
                const isFunction = FUNCTION_KINDS.has(symbol.kind) || (symbol.kind === "variable" && symbol.endLine > symbol.startLine);
                const oneLine = symbol.endLine === symbol.startLine;
                if (isFunction && !oneLine && inner(functionLike, symbol, depth)) functionLike = { symbol, depth };
                if (isFunction && oneLine && inner(oneLineFunction, symbol, depth)) oneLineFunction = { symbol, depth };
                if (CLASS_KINDS.has(symbol.kind) && inner(classLike, symbol, depth)) classLike = { symbol, depth };
            }
            if (symbol.children) visit(symbol.children, depth + 1);
        }
    };
    visit(symbols, 0);
    const found = (functionLike ?? oneLineFunction ?? classLike)?.symbol;
    return found ? { startLine: found.startLine, endLine: found.endLine } : undefined;
}

/**
 * Without language symbols: the enclosing function or block, by braces or (for indentation languages such as
 * python) by indentation. Control blocks (if/else/for/while/do/switch/try/catch/finally/with/elif/except and
 * similar) are skipped outward to the function or class that holds them, and so are object literals and bare
 * blocks; when nothing holds them, the outermost block around the line is the answer. A block opened on the
 * cursor's own line counts as enclosing. Multi-line headers (a signature split over lines) are included. Falls
 * back to the paragraph (non-blank lines) around `line`; undefined on a blank line outside any block.
 */
export function enclosingBlock(lines: readonly string[], line: number, languageId: string): LineSpan | undefined {
    if (line < 0 || line >= lines.length) return undefined;
    const language = languageId.toLowerCase();
    let span: LineSpan | undefined;
    if (INDENTATION_LANGUAGES.has(language)) {
        span = indentationBlock(lines, scan(lines, syntaxOf(language)), line);
    } else {
        span = braceBlock(scan(lines, syntaxOf(language)).code, line, ARM_LANGUAGES.has(language))
            ?? indentationBlock(lines, scan(lines, syntaxOf("python")), line);
    }
    return span ?? paragraph(lines, line);
}

/**
 * Extends a span upward over the doc comments, comments and decorators/attributes directly above it
 * (`/** … *\/`, `//`, `///`, `#` (not `#include`, `#!`), `@decorator`, `#[attr]`, `[Attr]`), so a rewrite can
 * update them. A blank line ends them: a comment set apart belongs to no one.
 */
export function withLeadingComments(lines: readonly string[], span: LineSpan): LineSpan {
    let start = span.startLine;
    let row = start - 1;
    while (row >= 0) {
        const text = lines[row]!.trim();
        if (text.length === 0) break;
        let top: number | undefined;
        if (text.endsWith("*/")) {
            top = row;
            while (top >= 0 && !lines[top]!.includes("/*")) top--;
            // Code before the comment's opener means the comment is that code's, not this span's.
            if (top < 0 || !lines[top]!.trimStart().startsWith("/*")) break;
        } else if (isCommentLine(text) || isAttributeLine(text)) {
            top = row;
        } else {
            top = multiLineDecorator(lines, row);
        }
        if (top === undefined) break;
        start = top;
        row = top - 1;
    }
    return { startLine: start, endLine: span.endLine };
}

const PREPROCESSOR = /^#\s*(?:include|define|undef|if|ifdef|ifndef|else|elif|endif|pragma|import|error|warning|line|region|endregion)\b/;

function isCommentLine(text: string): boolean {
    if (text.startsWith("//")) return true;
    if (!text.startsWith("#") || text.startsWith("#!") || PREPROCESSOR.test(text)) return false;
    // `#count = 0;` and `#helper(` are JavaScript private members, not comments.
    return !/^#[A-Za-z_$][\w$]*\s*[=(;:]/.test(text);
}

function isAttributeLine(text: string): boolean {
    return /^@[A-Za-z_][\w.]*(?:\s*\(.*\))?$/.test(text) || /^#\[.*\]$/.test(text) || /^\[.*\]$/.test(text);
}

/** The first line of a decorator whose arguments span lines and end on `row` (`@Component({ … })`). */
function multiLineDecorator(lines: readonly string[], row: number): number | undefined {
    let depth = 0;
    for (let index = row; index >= 0 && index > row - 50; index--) {
        const text = lines[index]!;
        for (let char = text.length - 1; char >= 0; char--) {
            if (")]}".includes(text[char]!)) depth++;
            else if ("([{".includes(text[char]!)) depth--;
        }
        if (depth <= 0) return index < row && depth === 0 && /^\s*@[A-Za-z_]/.test(text) ? index : undefined;
    }
    return undefined;
}

/** How comments and strings are written, enough to keep their brackets out of the scan. */
interface Syntax {
    slashComments: boolean;
    hashComments: boolean;
    tripleQuotes: boolean;
    backticks: boolean;
    /** `'` starts a string only as a character literal (`'a'`, `'\n'`): Rust's lifetimes are `'a`. */
    charLiteralsOnly: boolean;
}

const INDENTATION_LANGUAGES = new Set(["python"]);
const HASH_LANGUAGES = new Set([
    "python", "ruby", "shellscript", "perl", "r", "yaml", "toml", "powershell", "makefile", "dockerfile", "elixir",
    "julia", "nim", "coffeescript", "crystal", "cmake"
]);

function syntaxOf(language: string): Syntax {
    const hash = HASH_LANGUAGES.has(language);
    return {
        slashComments: !hash,
        hashComments: hash,
        tripleQuotes: language === "python",
        backticks: language !== "python",
        charLiteralsOnly: language === "rust"
    };
}

interface Scanned {
    /** Each line with comments and the insides of strings turned to spaces (string quotes stay). */
    code: string[];
    /** The line begins inside a string or comment that spans lines. */
    continued: boolean[];
}

/** Best effort: no regular expression literals, no nesting in template strings, no heredocs. */
function scan(lines: readonly string[], syntax: Syntax): Scanned {
    const code: string[] = [];
    const continued: boolean[] = [];
    let state: { close: string; multiLine: boolean } | undefined;
    for (const line of lines) {
        continued.push(state !== undefined);
        let out = "";
        let index = 0;
        while (index < line.length) {
            const char = line[index]!;
            if (state) {
                if (state.close !== "*/" && char === "\\") {
                    const step = Math.min(2, line.length - index);
                    out += " ".repeat(step);
                    index += step;
                } else if (line.startsWith(state.close, index)) {
                    out += state.close === "*/" ? "  " : state.close;
                    index += state.close.length;
                    state = undefined;
                } else {
                    out += " ";
                    index++;
                }
                continue;
            }
            if ((syntax.slashComments && line.startsWith("//", index)) || (syntax.hashComments && char === "#")) {
                out += " ".repeat(line.length - index);
                break;
            }
            if (syntax.slashComments && line.startsWith("/*", index)) {
                state = { close: "*/", multiLine: true };
                out += "  ";
                index += 2;
                continue;
            }
            if (syntax.tripleQuotes && (line.startsWith("\"\"\"", index) || line.startsWith("'''", index))) {
                state = { close: line.slice(index, index + 3), multiLine: true };
                out += state.close;
                index += 3;
                continue;
            }
            if (char === "'" && syntax.charLiteralsOnly) {
                const literal = /^'(?:\\[^']{1,8}|[^'\\])'/.exec(line.slice(index));
                out += literal ? "'" + " ".repeat(literal[0].length - 2) + "'" : "'";
                index += literal ? literal[0].length : 1;
                continue;
            }
            if (char === "\"" || char === "'" || (char === "`" && syntax.backticks)) {
                state = { close: char, multiLine: char === "`" };
                out += char;
                index++;
                continue;
            }
            out += char;
            index++;
        }
        // Only backtick and triple-quoted strings, and block comments, go on past the end of a line.
        if (state && !state.multiLine) state = undefined;
        code.push(out);
    }
    return { code, continued };
}

const CONTROL = /^(?:(?:else|if|for|foreach|while|do|switch|try|catch|finally|with|elif|except|unless|until|loop|match|when|select|case|default|guard|using|lock|synchronized|fixed|checked|unchecked|unsafe|repeat)\b|(?:go|defer)\s)/;

interface BraceBlock {
    headerLine: number;
    openLine: number;
    openColumn: number;
    closeLine: number;
}

/** Languages where `pattern => {` is a match arm (control), not an arrow function. */
const ARM_LANGUAGES = new Set(["rust", "scala"]);

/** The innermost block around `line` that is neither a control block nor an expression; else the outermost. */
function braceBlock(code: readonly string[], line: number, arms: boolean): LineSpan | undefined {
    const around = braceBlocks(code)
        .filter((block) => block.closeLine > block.openLine && block.headerLine <= line && line <= block.closeLine)
        .sort((a, b) => b.openLine - a.openLine || b.openColumn - a.openColumn);
    if (around.length === 0) return undefined;
    const chosen = around.find((block) => !skipped(code, block, arms)) ?? around[around.length - 1]!;
    return { startLine: chosen.headerLine, endLine: chosen.closeLine };
}

function braceBlocks(code: readonly string[]): BraceBlock[] {
    const blocks: BraceBlock[] = [];
    const open: { line: number; column: number }[] = [];
    code.forEach((text, line) => {
        for (let column = 0; column < text.length; column++) {
            if (text[column] === "{") {
                open.push({ line, column });
            } else if (text[column] === "}") {
                const start = open.pop();
                if (start) blocks.push({ headerLine: headerStart(code, start.line, start.column), openLine: start.line, openColumn: start.column, closeLine: line });
            }
        }
    });
    return blocks;
}

/** A line ending so that the statement must go on: the next line belongs to the same header. */
const OPEN_END = /(?:[^=!<>]=|=>|&&|\|\||\b(?:extends|implements|throws|where))$/;
/** A line that can only continue the header above it. */
const CONTINUATION = /^(?:(?:where|extends|implements|throws)\b|->|=>|:|\.)/;

/**
 * The first line of the header of the block opened at `line`/`column`: back over parentheses split across lines,
 * to the statement above a brace on its own line (Allman style), and over continuation lines (`where`, `throws`,
 * a return type on its own line).
 */
function headerStart(code: readonly string[], line: number, column: number): number {
    let top = line;
    let text = code[line]!.slice(0, column);
    if (text.trim().length === 0) {
        const above = previousCodeLine(code, line - 1);
        if (above < 0 || /[;{}]\s*$/.test(code[above]!)) return line;
        top = above;
        text = code[above]!;
    }
    for (;;) {
        let depth = 0;
        for (;;) {
            for (let index = text.length - 1; index >= 0; index--) {
                if (text[index] === ")" || text[index] === "]") depth++;
                else if ((text[index] === "(" || text[index] === "[") && depth > 0) depth--;
            }
            if (depth === 0 || top === 0) break;
            top--;
            text = code[top]!;
        }
        const above = previousCodeLine(code, top - 1);
        if (above < 0) return top;
        const aboveText = code[above]!.trimEnd();
        if (/[;{}]$/.test(aboveText)) return top;
        if (!CONTINUATION.test(code[top]!.trim()) && !OPEN_END.test(aboveText)) return top;
        top = above;
        text = code[above]!;
    }
}

function previousCodeLine(code: readonly string[], from: number): number {
    let row = from;
    while (row >= 0 && code[row]!.trim().length === 0) row--;
    return row;
}

/** Control blocks (match arms too), object literals and bare blocks sit inside what a command should work on. */
function skipped(code: readonly string[], block: BraceBlock, arms: boolean): boolean {
    const header = code.slice(block.headerLine, block.openLine + 1)
        .map((text, index) => (block.headerLine + index === block.openLine ? text.slice(0, block.openColumn) : text))
        .join(" ")
        .trim()
        .replace(/^\}\s*/, "");
    if (header.length === 0 || CONTROL.test(header) || (arms && header.endsWith("=>"))) return true;
    if (/(?:[=(\[,:?]|\breturn)$/.test(header)) return true;
    // `let p = Point {`: an assignment of something that is not a function (default parameter values aside).
    let outside = header;
    while (/\([^()]*\)/.test(outside)) outside = outside.replace(/\([^()]*\)/g, "");
    return /[^=!<>]=[^=>]/.test(outside) && !/=>|\bfunction\b|\bfunc\b|\bfn\b|\blambda\b|\bnew\b|\bclass\b/.test(header);
}

const INDENTATION_CONTROL = /^(?:if|elif|else|for|while|try|except|finally|with|match|case)\b/;

/** Python-style blocks: a header ending with ":" and the more indented lines after it. */
function indentationBlock(lines: readonly string[], scanned: Scanned, line: number): LineSpan | undefined {
    const { code, continued } = scanned;
    // Lines that start inside brackets or strings continue a statement: their indentation means nothing.
    const inside: boolean[] = [];
    let depth = 0;
    code.forEach((text, row) => {
        inside.push(depth > 0 || continued[row]!);
        for (const char of text) {
            if ("([{".includes(char)) depth++;
            else if (")]}".includes(char)) depth = Math.max(0, depth - 1);
        }
    });
    const indent = (row: number) => /^[ \t]*/.exec(lines[row]!)![0].replace(/\t/g, "    ").length;
    const blocks: { start: number; end: number; header: string }[] = [];
    for (let end = 0; end < code.length; end++) {
        if (!code[end]!.trimEnd().endsWith(":") || inside[end + 1]) continue;
        let start = end;
        while (start > 0 && inside[start]) start--;
        const base = indent(start);
        let last = end;
        for (let row = end + 1; row < lines.length; row++) {
            if (lines[row]!.trim().length === 0) continue;
            if (!inside[row] && indent(row) <= base) break;
            last = row;
        }
        if (last > end) blocks.push({ start, end: last, header: code[start]!.trim().replace(/^async\s+/, "") });
    }
    const around = blocks.filter((block) => block.start <= line && line <= block.end).sort((a, b) => b.start - a.start);
    if (around.length === 0) return undefined;
    const chosen = around.find((block) => !INDENTATION_CONTROL.test(block.header)) ?? around[around.length - 1]!;
    return { startLine: chosen.start, endLine: chosen.end };
}

function paragraph(lines: readonly string[], line: number): LineSpan | undefined {
    if (lines[line]!.trim().length === 0) return undefined;
    let start = line;
    let end = line;
    while (start > 0 && lines[start - 1]!.trim().length > 0) start--;
    while (end < lines.length - 1 && lines[end + 1]!.trim().length > 0) end++;
    return { startLine: start, endLine: end };
}
