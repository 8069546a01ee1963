/**
 * Globs of find_files and search_text, matched in linear time. A glob comes from the model and a path from the
 * workspace, and a glob library that turns `*a*a*a*a*a*a*a*a*a*a*a*c` into a backtracking JavaScript regular
 * expression blocks for hours on a 40-character file name. Here a glob becomes an RE2 expression run by RE2JS,
 * whose time is linear in the path's length.
 *
 * The syntax: `*` (any characters but `/`), `?` (one character but `/`), `**` as a whole segment (any number of
 * folders), `[abc]`, `[a-z]`, `[!a]` / `[^a]`, `{a,b}` (nestable), `\` escapes the next character. A leading `!`
 * negates the glob. Dots are not special: `*` matches `.eslintrc` too. A pattern ending in `/` means the files under
 * that folder.
 */
import { re2, type RE2JS } from "./re2";
import { ToolError } from "./errors";

/** Longer globs are refused: nobody types them, and their programs grow with them. */
export const MAX_GLOB_CHARS = 1000;

/** Whether a path (relative, `/`-separated) matches one glob. */
export type PathTest = (relative: string) => boolean;

export function compileGlob(glob: string): PathTest {
    if (glob.length > MAX_GLOB_CHARS) throw new ToolError(`The glob is too long (${glob.length} characters; at most ${MAX_GLOB_CHARS}).`);
    let pattern = glob;
    let negated = false;
    if (pattern.startsWith("!") && !pattern.startsWith("!(")) {
        negated = true;
        pattern = pattern.slice(1);
    }
    if (pattern.endsWith("/")) pattern += "**";
    const basename = !pattern.includes("/");
    let compiled: RE2JS;
    try {
        compiled = re2().compile(`^(?:${translate(pattern, true)})$`, re2().DOTALL);
    } catch (error) {
        throw new ToolError(`The glob "${glob}" is not valid: ${error instanceof Error ? error.message.replace(/^error parsing regexp: /, "") : String(error)}`);
    }
    return (relative) => {
        const subject = basename ? relative.slice(relative.lastIndexOf("/") + 1) : relative;
        return compiled.test(subject) !== negated;
    };
}

/**
 * The RE2 source of a glob (or of one alternative of a brace). `segmentStart`: the text begins a path segment,
 * which decides whether a `**` right at its start is a globstar.
 */
function translate(glob: string, segmentStart: boolean): string {
    let out = "";
    let index = 0;
    while (index < glob.length) {
        const char = glob[index]!;
        if (char === "\\" && index + 1 < glob.length) {
            out += quoteChar(glob[index + 1]!);
            index += 2;
        } else if (char === "*") {
            let end = index;
            while (glob[end] === "*") end++;
            const startsSegment = index === 0 ? segmentStart : glob[index - 1] === "/";
            const endsSegment = end === glob.length || glob[end] === "/";
            if (end - index >= 2 && startsSegment && endsSegment) {
                if (glob[end] === "/") {
                    out += "(?:[^/]*/)*"; // `**/`: no folder or any number of them
                    end++;
                } else {
                    out += ".*"; // a final `**`: everything below
                }
            } else {
                out += "[^/]*";
            }
            index = end;
        } else if (char === "?") {
            out += "[^/]";
            index++;
        } else if (char === "[") {
            const klass = characterClass(glob, index);
            if (klass) {
                out += klass.source;
                index = klass.end;
            } else {
                out += "\\[";
                index++;
            }
        } else if (char === "{") {
            const close = matchingBrace(glob, index);
            if (close === undefined) {
                out += "\\{";
                index++;
                continue;
            }
            const startsSegment = index === 0 ? segmentStart : glob[index - 1] === "/";
            const alternatives = splitTopLevel(glob.slice(index + 1, close), ",");
            out += `(?:${alternatives.map((alternative) => translate(alternative, startsSegment)).join("|")})`;
            index = close + 1;
        } else {
            out += quoteChar(char);
            index++;
        }
    }
    return out;
}

function quoteChar(char: string): string {
    return /[\\.+*?()|[\]{}^$]/.test(char) ? `\\${char}` : char;
}

/** `[...]` starting at `start`, as an RE2 class (a negated one never matches `/`); undefined when it is not closed. */
function characterClass(glob: string, start: number): { source: string; end: number } | undefined {
    let index = start + 1;
    let negated = false;
    if (glob[index] === "!" || glob[index] === "^") {
        negated = true;
        index++;
    }
    let body = "";
    let first = true;
    while (index < glob.length) {
        const char = glob[index]!;
        if (char === "]" && !first) {
            if (body === "") return undefined;
            return { source: negated ? `[^/${body}]` : `[${body}]`, end: index + 1 };
        }
        if (char === "[" && glob[index + 1] === ":") {
            const close = glob.indexOf(":]", index + 2);
            if (close !== -1 && /^[a-z]+$/.test(glob.slice(index + 2, close))) {
                body += glob.slice(index, close + 2);
                index = close + 2;
                first = false;
                continue;
            }
        }
        if (char === "\\" && index + 1 < glob.length) {
            body += `\\${glob[index + 1]}`.replace(/^\\([a-zA-Z0-9])$/, "$1");
            index += 2;
        } else {
            body += char === "-" ? "-" : /[\]\\^[]/.test(char) ? `\\${char}` : char;
            index++;
        }
        first = false;
    }
    return undefined;
}

function matchingBrace(glob: string, open: number): number | undefined {
    let depth = 0;
    for (let index = open; index < glob.length; index++) {
        const char = glob[index];
        if (char === "\\") index++;
        else if (char === "{") depth++;
        else if (char === "}" && --depth === 0) return index;
    }
    return undefined;
}

/** Splits on `separator` outside braces and brackets, keeping escapes. */
export function splitTopLevel(text: string, separator: string): string[] {
    const parts: string[] = [];
    let depth = 0;
    let inClass = false;
    let current = "";
    for (let index = 0; index < text.length; index++) {
        const char = text[index]!;
        if (char === "\\" && index + 1 < text.length) {
            current += char + text[index + 1];
            index++;
            continue;
        }
        if (inClass) {
            if (char === "]") inClass = false;
        } else if (char === "[") {
            inClass = true;
        } else if (char === "{") {
            depth++;
        } else if (char === "}") {
            depth = Math.max(0, depth - 1);
        } else if (char === separator && depth === 0) {
            parts.push(current);
            current = "";
            continue;
        }
        current += char;
    }
    parts.push(current);
    return parts;
}
