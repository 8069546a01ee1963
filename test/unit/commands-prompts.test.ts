import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { EDITOR_COMMANDS, COMMAND_MENU_ID, supportsTypes } from "../../src/core/commands/definitions";
import {
    answerTokensFor, buildRewriteRequest, buildTestsRequest, CONTEXT_BEFORE_CHARS, explainMessage, fenced, TEST_FILE_CHARS, testsFileText, testsMode,
    type CodeTarget, type RewriteKind
} from "../../src/core/commands/prompts";
import { answerText, commandSampling, planCommandTokens, runCommandTurn } from "../../src/core/commands/run";
import { buildChatPromptSegments } from "../../src/core/qwen35/chatPrompt";
import { THINKING_TASKS } from "../../src/core/settings";
import type { ChatRequest } from "../../src/core/qwen35/types";
import { scripted } from "../support/scriptedGenerator";

const packageJson = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../package.json"), "utf8"));

const TARGET: CodeTarget = {
    path: "src/price.ts",
    languageId: "typescript",
    code: "export function total(items) {\n    return items.reduce((sum, item) => sum + item.price, 0);\n}",
    startLine: 3,
    endLine: 5,
    before: "import { Item } from \"./item\";\n\n",
    after: "\n\nexport const ZERO = 0;\n"
};

function userText(request: ChatRequest): string {
    const user = request.messages.find((message) => message.role === "user");
    assert.ok(user && typeof user.content === "string");
    return user.content;
}

function systemText(request: ChatRequest): string {
    const system = request.messages[0];
    assert.ok(system?.role === "system" && typeof system.content === "string");
    return system.content;
}

function prompt(request: ChatRequest): string {
    return buildChatPromptSegments({ ...request, add_generation_prompt: true }).map((segment) => segment.text).join("");
}

describe("editor command prompts", () => {
    it("a rewrite shows the file around the code with a marker, the code with its lines, and asks for one fenced block", () => {
        const text = userText(buildRewriteRequest({ kind: "document", target: TARGET }, false));
        assert.match(text, /The file `src\/price\.ts` \(typescript\), with ⟦the code to rewrite is here⟧ where the code sits:\n```typescript\nimport \{ Item \} from "\.\/item";\n\n⟦the code to rewrite is here⟧\n\nexport const ZERO = 0;\n```/);
        assert.ok(text.includes(`The code to rewrite (lines 3–5):\n\`\`\`typescript\n${TARGET.code}\n\`\`\``));
        assert.match(text, /Reply with the rewritten code only, in one ```typescript block\.$/);
        assert.match(systemText(buildRewriteRequest({ kind: "document", target: TARGET }, false)), /single fenced code block and nothing else/);
    });

    it("each rewrite asks for its own task", () => {
        const task = (kind: RewriteKind, extra: object = {}) => userText(buildRewriteRequest({ kind, target: TARGET, ...extra }, false)).split("Task: ")[1]!;
        assert.match(task("document"), /documentation comments .*TSDoc\/JSDoc.*Do not change any code/s);
        assert.match(task("simplify"), /Simplify and refactor .*Keep the behaviour and the public interface/s);
        assert.match(task("types"), /^Add explicit TypeScript type annotations/);
        assert.match(task("edit", { instruction: "  use a for loop  " }), /^Rewrite the code as follows: use a for loop\n/);
        assert.throws(() => buildRewriteRequest({ kind: "edit", target: TARGET, instruction: " " }, false), /needs an instruction/);
        const python = { ...TARGET, languageId: "python", path: "price.py" };
        assert.match(userText(buildRewriteRequest({ kind: "types", target: python }, false)), /PEP 484 type hints/);
        assert.match(userText(buildRewriteRequest({ kind: "types", target: { ...TARGET, languageId: "javascript" } }, false)), /JSDoc type annotations/);
    });

    it("Fix Problems lists each problem with where it is, its source and the line's text", () => {
        const text = userText(buildRewriteRequest({
            kind: "fix", target: TARGET, diagnostics: [
                { line: 4, column: 38, severity: "error", message: "Property 'price' does not exist on type 'never'.", source: "ts", code: "2339" },
                { line: 3, column: 23, severity: "warning", message: "Parameter 'items' implicitly has an 'any' type." }
            ]
        }, true));
        assert.ok(text.includes("- line 4:38 error (ts 2339): Property 'price' does not exist on type 'never'.\n  the line: `return items.reduce((sum, item) => sum + item.price, 0);`"));
        assert.ok(text.includes("- line 3:23 warning: Parameter 'items' implicitly has an 'any' type.\n  the line: `export function total(items) {`"));
        assert.match(text, /smallest correct change/);
        assert.match(userText(buildRewriteRequest({ kind: "fix", target: TARGET, diagnostics: [] }, true)), /Task: Fix the bugs in this code\./);
    });

    it("thinking on and off render the template's two prefills", () => {
        const on = prompt(buildRewriteRequest({ kind: "fix", target: TARGET }, true));
        const off = prompt(buildRewriteRequest({ kind: "fix", target: TARGET }, false));
        assert.ok(on.endsWith("<|im_start|>assistant\n<think>\n"), JSON.stringify(on.slice(-40)));
        assert.ok(off.endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n"), JSON.stringify(off.slice(-40)));
        assert.equal(on.slice(0, on.lastIndexOf("<think>")), off.slice(0, off.lastIndexOf("<think>")), "the same prompt before the prefill");
    });

    it("code that contains fences gets a longer fence, and long context is cut at line starts, marked", () => {
        assert.equal(fenced("a\n```\nb", "md"), "````md\na\n```\nb\n````");
        const before = Array.from({ length: 2000 }, (_, index) => `const line${index} = ${index};`).join("\n") + "\n";
        const text = userText(buildRewriteRequest({ kind: "simplify", target: { ...TARGET, before } }, false));
        assert.match(text, /```typescript\n\[… earlier lines left out …\]\nconst line\d+ = \d+;\n/);
        assert.ok(text.includes("const line1999 = 1999;\n⟦the code to rewrite is here⟧"));
        assert.ok(text.length < CONTEXT_BEFORE_CHARS + 3000);
        assert.match(userText(buildRewriteRequest({ kind: "simplify", target: { ...TARGET, before: "", after: "\n" } }, false)),
            /^The file `src\/price\.ts` \(typescript\) holds only this code\./);
    });

    it("Generate Tests asks for the whole file: a new one following an example, or the existing one with tests added", () => {
        const fresh = userText(buildTestsRequest({
            target: TARGET, testPath: "test/price.test.ts", framework: "mocha", importPath: "../src/price",
            example: { path: "test/item.test.ts", text: "import assert from \"node:assert\";\ndescribe(\"item\", () => {});\n" }
        }, true));
        assert.match(fresh, /An existing test of this project, `test\/item\.test\.ts`, to follow its conventions:\n```typescript\nimport assert/);
        assert.match(fresh, /Write unit tests for this code with mocha\. Import the code under test from `\.\.\/src\/price`\. They go in a new file, `test\/price\.test\.ts`\. Reply with the whole file\.$/);
        const existing = userText(buildTestsRequest({ target: TARGET, testPath: "test/price.test.ts", testText: "describe(\"old\", () => {});\n" }, false));
        assert.match(existing, /The tests go in `test\/price\.test\.ts`, which exists:\n```typescript\ndescribe\("old", \(\) => \{\}\);\n```/);
        assert.match(existing, /every existing test unchanged, your new tests added\.$/);
        assert.ok(!existing.includes("An existing test of this project"));
    });

    it("a test file too long to show whole gets new tests appended where imports may stand anywhere, and nothing elsewhere", () => {
        const long = "import { describe } from \"vitest\";\n" + "test(\"x\", () => {});\n".repeat(TEST_FILE_CHARS / 20);
        assert.equal(testsMode(undefined, "go"), "new");
        assert.equal(testsMode("short", "go"), "whole");
        assert.equal(testsMode(long, "typescript"), "append");
        assert.equal(testsMode(long, "python"), "append");
        assert.equal(testsMode(long, "go"), undefined, "Go's imports must come first: appending could break the file");
        const text = userText(buildTestsRequest({ target: TARGET, testPath: "test/price.test.ts", testText: long }, false));
        assert.match(text, /which exists; it is long, so here is its beginning:\n```typescript\nimport \{ describe \} from "vitest";/);
        assert.match(text, /\[… later lines left out …\]/);
        assert.match(text, /reply with the new tests only, with the imports they need that the file lacks at their top, and not the existing tests\.$/);
        assert.ok(text.length < TEST_FILE_CHARS, "the whole file is not in the prompt");
        assert.throws(() => buildTestsRequest({ target: { ...TARGET, languageId: "go" }, testPath: "price_test.go", testText: long }, false), /too long to rewrite whole/);
    });

    it("the test file's new text: the answer for a new or rewritten file, the old text plus the answer when appending", () => {
        assert.equal(testsFileText("new", undefined, "a\nb\n\n", "\n"), "a\nb\n");
        assert.equal(testsFileText("whole", "old\n", "new", "\r\n"), "new\r\n");
        assert.equal(testsFileText("append", "one\r\ntwo\r\n\r\n", "three", "\r\n"), "one\r\ntwo\r\n\r\nthree\r\n");
        assert.equal(testsFileText("append", "one\n", "two\n", "\n"), "one\n\ntwo\n");
    });

    it("Explain asks about the code by path and lines", () => {
        assert.equal(explainMessage(TARGET).startsWith("Explain this code from `src/price.ts` (lines 3–5): what it does"), true);
        assert.match(explainMessage({ ...TARGET, endLine: 3 }), /\(line 3\)/);
    });

    it("answer tokens leave room for the code to grow, within bounds", () => {
        assert.equal(answerTokensFor("x", "edit"), 1024);
        assert.equal(answerTokensFor("x".repeat(3000), "simplify"), 2512);
        assert.equal(answerTokensFor("x".repeat(3000), "document"), 3512);
        assert.equal(answerTokensFor("x".repeat(1_000_000), "edit"), 32_768);
    });
});

describe("editor command turns", () => {
    it("stream the reasoning and the answer apart; the answer keeps its first line's indentation", async () => {
        const engine = scripted(["Looks fine.\n</think>\n\n    return a + b;\n"]);
        const thinking: string[] = [];
        const answers: string[] = [];
        const result = await runCommandTurn(engine, {
            request: { messages: [{ role: "user", content: "x" }] }, thinking: true, thoughtBudgetTokens: 100, answerTokens: 50,
            sampling: { temperature: 0 }, onThinking: (text) => thinking.push(text), onAnswer: (_delta, soFar) => answers.push(soFar)
        });
        assert.equal(result.reasoning, "Looks fine.");
        assert.equal(thinking.join("").trim(), "Looks fine.");
        assert.equal(result.answer, "    return a + b;\n");
        assert.ok(!result.answer.includes("Looks fine"), "thinking never lands in the answer");
        assert.equal(result.rawOutput.startsWith("<think>\n"), true);
        assert.equal(answers.at(-1), "return a + b;");
        assert.equal(engine.calls[0]!.maxTokens, 50 + 100 + 48, "the answer's tokens, the thought budget and its grace");
        const off = scripted(["  x = 1\n"]);
        const plain = await runCommandTurn(off, { request: { messages: [{ role: "user", content: "x" }] }, thinking: false, answerTokens: 50, sampling: {} });
        assert.equal(plain.answer, "  x = 1\n");
        assert.equal(plain.reasoning, "");
        assert.equal(plain.rawOutput, "<think>\n\n</think>\n\n  x = 1\n");
        assert.equal(off.calls[0]!.maxTokens, 50);
    });

    it("the answer is what follows the thinking, blank lines before it dropped", () => {
        assert.equal(answerText("<think>\nhm\n</think>\n\n  \n\tcode\n<|im_end|>junk"), "\tcode\n");
        assert.equal(answerText("<think>\nstill thinking"), undefined);
    });

    it("fit the answer and the thinking into the context left after the prompt, the thinking budget shrinking first", () => {
        assert.deepEqual(planCommandTokens(32_768, 2000, { answerTokens: 4000, thinking: false }), { answerTokens: 4000 });
        assert.deepEqual(planCommandTokens(4096, 2000, { answerTokens: 4000, thinking: false }), { answerTokens: 2095 });
        assert.equal(planCommandTokens(4096, 3900, { answerTokens: 4000, thinking: false }), undefined, "not even a short answer fits");
        assert.deepEqual(planCommandTokens(4096, 3900, { answerTokens: 100, thinking: false }), { answerTokens: 100 }, "a short answer that fits");
        assert.deepEqual(planCommandTokens(32_768, 2000, { answerTokens: 4000, thinking: true, thoughtBudgetTokens: 4096 }),
            { answerTokens: 4000, thoughtBudgetTokens: 4096 });
        // 16384 - 2000 - 1 = 14383 left: the answer keeps its 4000, the unlimited thinking gets the rest less the grace.
        assert.deepEqual(planCommandTokens(16_384, 2000, { answerTokens: 4000, thinking: true }), { answerTokens: 4000, thoughtBudgetTokens: 14383 - 4000 - 48 });
        // 2095 left: the budget shrinks to its minimum before the answer does.
        assert.deepEqual(planCommandTokens(4096, 2000, { answerTokens: 4000, thinking: true, thoughtBudgetTokens: 4096 }),
            { answerTokens: 2095 - 32 - 48, thoughtBudgetTokens: 32 });
        assert.equal(planCommandTokens(4096, 3800, { answerTokens: 4000, thinking: true, thoughtBudgetTokens: 4096 }), undefined);
    });

    it("without thinking a rewrite drops the presence penalty unless the user set one", () => {
        assert.equal(commandSampling(false, {}).presencePenalty, 0);
        assert.equal(commandSampling(false, { nonThinking: { presencePenalty: 0.5 } }).presencePenalty, 0.5);
        assert.deepEqual(commandSampling(true, {}), { temperature: 0.6, topP: 0.95, topK: 20, minP: 0, presencePenalty: 0 });
        assert.equal(commandSampling(false, { nonThinking: { temperature: 0.2 } }).temperature, 0.2);
    });
});

describe("editor command contributions", () => {
    const commands = new Map<string, { title: string }>(packageJson.contributes.commands.map((command: { command: string; title: string }) => [command.command, command]));
    const palette: { command: string; when?: string }[] = packageJson.contributes.menus.commandPalette;
    const context: { command: string }[] = packageJson.contributes.menus["qwenLocal.editorContext"];

    it("every command, its thinking opposite and the menu are contributed with the table's titles", () => {
        for (const spec of EDITOR_COMMANDS) {
            assert.equal(commands.get(spec.id)?.title, spec.title);
            assert.ok(commands.get(spec.oppositeId), spec.oppositeId);
            assert.equal(palette.find((entry) => entry.command === spec.oppositeId)?.when, "false", "opposites are reached from Commands…");
            assert.ok(context.some((entry) => entry.command === spec.id), `${spec.id} in the editor's context menu`);
            assert.ok(spec.kind in THINKING_TASKS, `${spec.kind} has a thinking setting`);
        }
        assert.ok(commands.get(COMMAND_MENU_ID));
        assert.ok(context.some((entry) => entry.command === COMMAND_MENU_ID), "Commands… (with the opposites) in the context menu");
        assert.deepEqual(packageJson.contributes.keybindings.find((binding: { command: string }) => binding.command === "qwenLocal.editSelection")?.key, "ctrl+i");
    });

    it("Add Types is offered only in languages with annotations to add", () => {
        assert.equal(supportsTypes("typescript"), true);
        assert.equal(supportsTypes("python"), true);
        assert.equal(supportsTypes("go"), false);
        assert.match(palette.find((entry) => entry.command === "qwenLocal.addTypes")?.when ?? "", /editorLangId in qwenLocal\.typedLanguages/);
    });
});
