/**
 * The prompts of the editor commands. A rewrite shows the model the file around the code (with a marker where the
 * code sits), the code itself with its line numbers, and the task, and asks for the rewritten code alone in one
 * fenced block; the answer replaces exactly that code. "Generate Tests" asks for a whole test file.
 */
import type { ChatMessage, ChatRequest } from "../qwen35/types";
import { TYPE_STYLES, type EditorCommandKind } from "./definitions";

/** The code a command works on, and where it sits. */
export interface CodeTarget {
    /** Workspace-relative path (or the file name outside a workspace), for the model's orientation. */
    path: string;
    languageId: string;
    code: string;
    /** 1-based, inclusive lines of the code in the file. */
    startLine: number;
    endLine: number;
    /** The file's text before and after the code (cut here to the context limits). */
    before: string;
    after: string;
}

export interface DiagnosticInfo {
    /** 1-based line and column in the file. */
    line: number;
    column: number;
    severity: "error" | "warning" | "information" | "hint";
    message: string;
    source?: string;
    code?: string;
}

export type RewriteKind = Exclude<EditorCommandKind, "explain" | "tests">;

export interface RewriteInput {
    kind: RewriteKind;
    target: CodeTarget;
    /** "Edit Selection with Instruction…": what the user asked for. */
    instruction?: string;
    /** "Fix Problems": the problems in the code. */
    diagnostics?: readonly DiagnosticInfo[];
}

/** Most characters of the file shown before and after the code: enough for imports and neighbours, cheap to evaluate. */
export const CONTEXT_BEFORE_CHARS = 12_000;
export const CONTEXT_AFTER_CHARS = 6_000;
/** Most characters of an existing test file or an example test file shown to the model. */
export const TEST_FILE_CHARS = 24_000;
export const EXAMPLE_TEST_CHARS = 6_000;

const MARKER = "⟦the code to rewrite is here⟧";

const REWRITE_SYSTEM = [
    "You are the code editor of Qwen Local, a coding assistant inside VS Code.",
    "You rewrite one piece of code from the user's file as asked, and your reply replaces exactly that piece.",
    "Reply with the complete rewritten piece in a single fenced code block and nothing else: no explanation before or after it.",
    "Keep everything you are not asked to change exactly as it is: names, behaviour, comments, blank lines, formatting and indentation.",
    "Do not add code from outside the piece, and never leave parts out or write placeholders such as `// ... rest unchanged`."
].join("\n");

const TASKS: Record<Exclude<RewriteKind, "edit" | "fix" | "types">, string> = {
    document: "Add documentation comments to this code in the conventional style of the language (TSDoc/JSDoc for TypeScript " +
        "and JavaScript, docstrings for Python, Javadoc for Java and Kotlin, `///` doc comments for Rust and C#, Go doc comments, " +
        "Doxygen for C and C++). Document each function, method, class and non-obvious constant: what it is for, its parameters, " +
        "its return value and the errors it raises, briefly and precisely. Correct existing comments that are wrong. " +
        "Do not change any code, only add or update comments.",
    simplify: "Simplify and refactor this code for readability: remove duplication, dead code and needless complexity, prefer " +
        "early returns and the idiomatic constructs of the language, and give local variables clear names. Keep the behaviour " +
        "and the public interface (exported names, signatures, side effects, error handling) exactly the same."
};

/** The chat request for a rewrite command. */
export function buildRewriteRequest(input: RewriteInput, thinking: boolean): ChatRequest {
    return { messages: [{ role: "system", content: REWRITE_SYSTEM }, { role: "user", content: rewriteUserMessage(input) }], enable_thinking: thinking };
}

function rewriteUserMessage(input: RewriteInput): string {
    const { target } = input;
    const language = fenceLanguage(target.languageId);
    const parts = [fileContext(target, MARKER)];
    parts.push(`The code to rewrite (${lineSpan(target)}):\n${fenced(target.code, language)}`);
    parts.push(`Task: ${taskText(input)}`);
    parts.push(`Reply with the rewritten code only, in one \`\`\`${language} block.`);
    return parts.join("\n\n");
}

function taskText(input: RewriteInput): string {
    switch (input.kind) {
        case "edit": {
            const instruction = input.instruction?.trim();
            if (!instruction) throw new Error("Edit with Instruction needs an instruction.");
            return `Rewrite the code as follows: ${instruction}`;
        }
        case "types": {
            const style = TYPE_STYLES[input.target.languageId] ?? "explicit type annotations where the language allows them";
            return `Add ${style}. Infer the types from how the code uses its values; do not change any behaviour.`;
        }
        case "fix":
            return fixTask(input);
        default:
            return TASKS[input.kind];
    }
}

function fixTask(input: RewriteInput): string {
    const problems = input.diagnostics ?? [];
    const lines = input.target.code.split(/\r?\n/);
    const listed = problems.map((problem) => {
        const where = `line ${problem.line}:${problem.column}`;
        const origin = [problem.source, problem.code].filter(Boolean).join(" ");
        const text = lines[problem.line - input.target.startLine]?.trim();
        return `- ${where} ${problem.severity}${origin ? ` (${origin})` : ""}: ${problem.message}${text ? `\n  the line: \`${text}\`` : ""}`;
    });
    const head = problems.length > 0
        ? `Fix these problems that the editor reports in the code:\n${listed.join("\n")}`
        : "Fix the bugs in this code.";
    return `${head}\nMake the smallest correct change for each problem, fixing its cause rather than silencing it ` +
        "(no casts to `any`, no ignore comments, no deleted checks). Keep everything else exactly as it is. " +
        "If a problem cannot be fixed inside this code, leave that part unchanged.";
}

/** What "Explain Selection" sends to the chat (the code goes with it as an attachment). */
export function explainMessage(target: CodeTarget): string {
    return `Explain this code from \`${target.path}\` (${lineSpan(target)}): what it does and how, step by step where it is ` +
        "not obvious, and anything surprising, risky or worth improving.";
}

/**
 * How new tests reach their file: a new file; the existing file rewritten whole (the model sees all of it); or,
 * for a file too long to show whole, the new tests appended — only where imports may stand anywhere at the top
 * level, so the new tests' own imports still work. Undefined when none of these is safe.
 */
export type TestsMode = "new" | "whole" | "append";

const APPEND_LANGUAGES = new Set(["typescript", "typescriptreact", "javascript", "javascriptreact", "python"]);

export function testsMode(testText: string | undefined, languageId: string): TestsMode | undefined {
    if (testText === undefined) return "new";
    if (testText.length <= TEST_FILE_CHARS) return "whole";
    return APPEND_LANGUAGES.has(languageId) ? "append" : undefined;
}

/** The test file's new content from the model's code: the code itself, or the existing file with the code appended. */
export function testsFileText(mode: TestsMode, testText: string | undefined, code: string, eol: "\n" | "\r\n"): string {
    const body = code.replace(/\s+$/, "");
    const text = mode === "append" ? `${(testText ?? "").replace(/\r\n/g, "\n").replace(/\s+$/, "")}\n\n${body}\n` : `${body}\n`;
    return eol === "\n" ? text : text.replace(/\n/g, eol);
}

export interface TestsInput {
    target: CodeTarget;
    /** Where the tests go (workspace-relative). */
    testPath: string;
    /** The test file's current text when it exists. */
    testText?: string;
    framework?: string;
    /** How the test file imports the code under test (e.g. "../../src/price"), when it can be worked out. */
    importPath?: string;
    example?: { path: string; text: string };
}

const TESTS_SYSTEM = [
    "You are the test writer of Qwen Local, a coding assistant inside VS Code.",
    "You write focused, deterministic unit tests that pass against the code as it is now: normal cases, edge cases and error cases.",
    "Follow the project's conventions (framework, assertion style, file layout) as its existing tests show them.",
    "Reply with the complete test file in a single fenced code block and nothing else."
].join("\n");

/** The chat request for "Generate Tests": the whole new (or updated) test file. */
export function buildTestsRequest(input: TestsInput, thinking: boolean): ChatRequest {
    const { target } = input;
    const language = fenceLanguage(target.languageId);
    const parts = [fileContext(target, "⟦the code to test is here⟧")];
    parts.push(`The code to test (${lineSpan(target)}):\n${fenced(target.code, language)}`);
    const how = [
        `Write unit tests for this code${input.framework ? ` with ${input.framework}` : ""}.`,
        input.importPath ? `Import the code under test from \`${input.importPath}\`.` : ""
    ].filter(Boolean).join(" ");
    const mode = testsMode(input.testText, target.languageId);
    if (mode === "append") {
        parts.push(`The tests go in \`${input.testPath}\`, which exists; it is long, so here is its beginning:\n` +
            fenced(capEnd(input.testText ?? "", EXAMPLE_TEST_CHARS), language));
        parts.push(`${how} Your tests will be appended to the end of \`${input.testPath}\`: reply with the new tests only, ` +
            "with the imports they need that the file lacks at their top, and not the existing tests.");
    } else if (mode === "whole") {
        parts.push(`The tests go in \`${input.testPath}\`, which exists:\n${fenced(input.testText ?? "", language)}`);
        parts.push(`${how} Reply with the whole of \`${input.testPath}\`: every existing test unchanged, your new tests added.`);
    } else if (mode === undefined) {
        throw new Error(`${input.testPath} is too long to rewrite whole, and new tests cannot simply be appended to it in ${target.languageId}.`);
    } else {
        if (input.example) {
            parts.push(`An existing test of this project, \`${input.example.path}\`, to follow its conventions:\n` +
                fenced(capEnd(input.example.text, EXAMPLE_TEST_CHARS), fenceLanguage(target.languageId)));
        }
        parts.push(`${how} They go in a new file, \`${input.testPath}\`. Reply with the whole file.`);
    }
    const messages: ChatMessage[] = [{ role: "system", content: TESTS_SYSTEM }, { role: "user", content: parts.join("\n\n") }];
    return { messages, enable_thinking: thinking };
}

function fileContext(target: CodeTarget, marker: string): string {
    const before = capStart(target.before, CONTEXT_BEFORE_CHARS);
    const after = capEnd(target.after, CONTEXT_AFTER_CHARS);
    if (before.trim() === "" && after.trim() === "") return `The file \`${target.path}\` (${target.languageId}) holds only this code.`;
    const text = `${before}${before === "" || before.endsWith("\n") ? "" : "\n"}${marker}\n${after.replace(/^\r?\n/, "")}`;
    return `The file \`${target.path}\` (${target.languageId}), with ${marker} where the code sits:\n${fenced(text, fenceLanguage(target.languageId))}`;
}

function lineSpan(target: CodeTarget): string {
    return target.startLine === target.endLine ? `line ${target.startLine}` : `lines ${target.startLine}–${target.endLine}`;
}

/** A fence longer than any backtick run in the text, so code that contains fences stays one block. */
export function fenced(text: string, language: string): string {
    const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
    const fence = "`".repeat(Math.max(3, longest + 1));
    return `${fence}${language}\n${text}${text.endsWith("\n") ? "" : "\n"}${fence}`;
}

const FENCE_NAMES: Readonly<Record<string, string>> = {
    typescriptreact: "tsx", javascriptreact: "jsx", shellscript: "bash", plaintext: "text", csharp: "csharp", objectivec: "objc",
    "objective-cpp": "objcpp", dockerfile: "dockerfile", makefile: "makefile"
};

/** The code fence's info string for a VS Code language id. */
export function fenceLanguage(languageId: string): string {
    return FENCE_NAMES[languageId] ?? languageId;
}

/** The end of a text, cut at a line start, marked when cut. */
function capStart(text: string, max: number): string {
    if (text.length <= max) return text;
    const cut = text.slice(text.length - max);
    const newline = cut.indexOf("\n");
    return `[… earlier lines left out …]\n${newline >= 0 ? cut.slice(newline + 1) : cut}`;
}

/** The start of a text, cut at a line end, marked when cut. */
function capEnd(text: string, max: number): string {
    if (text.length <= max) return text;
    const cut = text.slice(0, max);
    const newline = cut.lastIndexOf("\n");
    return `${newline >= 0 ? cut.slice(0, newline + 1) : cut}[… later lines left out …]\n`;
}

/** Most tokens for a rewrite's answer: room for the code to grow (documentation roughly doubles it), within reason. */
export function answerTokensFor(code: string, kind: EditorCommandKind): number {
    const estimate = Math.ceil(code.length / 3);
    const growth = kind === "document" || kind === "tests" ? 3 : 2;
    return Math.min(32_768, Math.max(1024, estimate * growth + 512));
}
