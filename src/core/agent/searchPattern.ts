/**
 * The line matcher of search_text. A model's regular expression never runs on JavaScript's backtracking engine,
 * where `(a+)+$` against one long line of a's would block the extension host for minutes: it runs on RE2JS, a
 * linear-time RE2 engine, and its program size is capped, so a line costs at most about a second even when it is a
 * megabyte of minified code. RE2 has no backreferences and no lookahead; those are refused with an error that says
 * so (captureless lookbehind is supported). Literal text keeps JavaScript's fast literal search.
 */
import { re2, type RE2JS } from "./re2";
import { ToolError } from "./errors";

/** RE2 instructions a pattern may compile to: beyond it, a megabyte line could take seconds. */
export const MAX_PROGRAM_SIZE = 2000;

export interface LineMatcher {
    test(line: string): boolean;
}

export function compileSearchPattern(query: string, options: { isRegex: boolean; caseSensitive: boolean }): LineMatcher {
    if (!options.isRegex) {
        // A literal cannot backtrack: the native engine searches it as fast as indexOf.
        const literal = new RegExp(escapeRegExp(query), options.caseSensitive ? "u" : "iu");
        return { test: (line) => literal.test(line) };
    }
    try {
        // Compiling (never running) it natively checks the syntax the tool promises: JavaScript's.
        new RegExp(query, "u");
    } catch (error) {
        throw new ToolError(`The regular expression is not valid: ${error instanceof Error ? error.message : String(error)}. `
            + "Fix it, or search for literal text with is_regex=false.");
    }
    const unsupported = unsupportedFeature(query);
    if (unsupported) {
        throw new ToolError(`The regular expression uses ${unsupported}, which search_text does not support: it runs regular `
            + "expressions in linear time (RE2), without backreferences or lookahead. Match the surrounding text instead, "
            + "or search for literal text with is_regex=false.");
    }
    let compiled: RE2JS;
    try {
        compiled = re2().compile(re2().translateRegExp(query), re2().LOOKBEHINDS | (options.caseSensitive ? 0 : re2().CASE_INSENSITIVE));
    } catch (error) {
        const message = error instanceof Error ? error.message.replace(/^error parsing regexp: /, "") : String(error);
        const hint = /repeat count/.test(message) ? " (repetition counts go up to 1000)"
            : /lookbehind/.test(message) ? " (a lookbehind may not contain capturing groups: use (?:…))" : "";
        throw new ToolError(`The regular expression is not supported by search_text's linear-time engine (RE2): ${message}${hint}. `
            + "Simplify it, or search for literal text with is_regex=false.");
    }
    if (compiled.programSize() > MAX_PROGRAM_SIZE) {
        throw new ToolError(`The regular expression is too complex (${compiled.programSize()} RE2 instructions; at most ${MAX_PROGRAM_SIZE}). `
            + "Use smaller repetition counts or fewer alternatives.");
    }
    return { test: (line) => compiled.test(line) };
}

/**
 * The first JavaScript feature in `source` that RE2 lacks, described for the model; undefined when there is none.
 * Scans outside character classes, skipping escapes.
 */
export function unsupportedFeature(source: string): string | undefined {
    let inClass = false;
    for (let index = 0; index < source.length; index++) {
        const char = source[index];
        if (char === "\\") {
            const next = source[index + 1] ?? "";
            if (!inClass && /[1-9]/.test(next)) return `a backreference (\\${next})`;
            if (!inClass && next === "k" && source[index + 2] === "<") return "a named backreference (\\k<…>)";
            index++;
        } else if (inClass) {
            if (char === "]") inClass = false;
        } else if (char === "[") {
            inClass = true;
        } else if (char === "(" && source[index + 1] === "?") {
            const kind = source.slice(index + 2, index + 3);
            if (kind === "=") return "a lookahead ((?=…))";
            if (kind === "!") return "a negative lookahead ((?!…))";
        }
    }
    return undefined;
}

export function escapeRegExp(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
