/**
 * The editor commands ("Explain Selection", "Add Documentation", "Fix Problems"…): their ids, titles, where their
 * answer goes, and which thinking setting they follow. The VS Code layer registers them from this table and
 * package.json contributes them (a unit test keeps the two equal).
 */
import type { ThinkingTask } from "../settings";

export type EditorCommandKind = "explain" | "edit" | "document" | "simplify" | "types" | "tests" | "fix";

export interface EditorCommandSpec {
    kind: EditorCommandKind & ThinkingTask;
    /** The VS Code command id. */
    id: string;
    /** The same command with thinking the other way round, this once (from "Qwen Local: Commands…"). */
    oppositeId: string;
    title: string;
    /** A line for the "Qwen Local: Commands…" quick pick. */
    detail: string;
    /** A codicon name. */
    icon: string;
    /** Where the answer goes: the chat panel, a diff of the code it replaces, or a test file through the edit review. */
    output: "chat" | "diff" | "testFile";
}

const spec = (kind: EditorCommandSpec["kind"], name: string, title: string, icon: string, output: EditorCommandSpec["output"], detail: string):
    EditorCommandSpec => ({ kind, id: `qwenLocal.${name}`, oppositeId: `qwenLocal.${name}.oppositeThinking`, title, icon, output, detail });

export const EDITOR_COMMANDS: readonly EditorCommandSpec[] = [
    spec("explain", "explainSelection", "Explain Selection", "comment-discussion", "chat",
        "what the selection (or the function around the cursor) does, answered in the chat panel"),
    spec("edit", "editSelection", "Edit Selection with Instruction…", "edit", "diff",
        "rewrite the selection as you describe; review the change as a diff"),
    spec("document", "addDocumentation", "Add Documentation", "book", "diff",
        "doc comments in the language's style, as a diff"),
    spec("simplify", "simplifySelection", "Simplify / Refactor Selection", "wand", "diff",
        "the same behaviour, simpler code, as a diff"),
    spec("types", "addTypes", "Add Types", "symbol-type-parameter", "diff",
        "type annotations (TypeScript, JSDoc, Python hints, PHP), as a diff"),
    spec("tests", "generateTests", "Generate Tests", "beaker", "testFile",
        "unit tests in a new or existing test file, through the edit review"),
    spec("fix", "fixProblems", "Fix Problems", "wrench", "diff",
        "fix the errors and warnings in the selection or file, as a diff")
];

export function commandSpec(kind: EditorCommandKind): EditorCommandSpec {
    const found = EDITOR_COMMANDS.find((command) => command.kind === kind);
    if (!found) throw new Error(`Unknown editor command: ${kind}`);
    return found;
}

/** The quick pick of every command (and its thinking opposite). */
export const COMMAND_MENU_ID = "qwenLocal.commandMenu";

/** How "Add Types" works per language; languages not listed either have no type syntax to add or need none. */
export const TYPE_STYLES: Readonly<Record<string, string>> = {
    typescript: "explicit TypeScript type annotations: parameter and return types, precise types instead of `any`, " +
        "and interfaces or type aliases for object shapes where that helps",
    typescriptreact: "explicit TypeScript type annotations: parameter, prop and return types, precise types instead of `any`, " +
        "and interfaces or type aliases for object shapes and props where that helps",
    javascript: "JSDoc type annotations (`@param {type} name`, `@returns {type}`, `@type`, `@typedef`), since JavaScript has no type syntax",
    javascriptreact: "JSDoc type annotations (`@param {type} name`, `@returns {type}`, `@type`, `@typedef`), since JavaScript has no type syntax",
    python: "PEP 484 type hints on parameters, return values and variables where they help (from `typing` as needed; " +
        "use the modern `list[int]` / `X | None` syntax)",
    php: "parameter, return and property type declarations (and PHPDoc `@param`/`@return` where the type system cannot say it)",
    lua: "LuaLS annotations (`---@param name type`, `---@return type`, `---@class`)"
};

/** Whether "Add Types" has something to do in a language. */
export function supportsTypes(languageId: string): boolean {
    return languageId in TYPE_STYLES;
}
