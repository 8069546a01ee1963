import assert from "node:assert/strict";
import { askPrompt } from "../../src/core/commands/ask";
import { DEPENDENCY_MANIFESTS, dependencyNames, importPathFor } from "../../src/core/commands/imports";
import { prepareCommandTurn, runCommandTurn } from "../../src/core/commands/run";
import type { Engine, PromptInput } from "../../src/core/engine";
import { buildChatPromptSegments } from "../../src/core/qwen35/chatPrompt";
import type { ChatRequest } from "../../src/core/qwen35/types";
import { scripted } from "../support/scriptedGenerator";

/** A tokenizer double: one token per 4 characters of the prompt, recording what it was asked. */
function counter(): Pick<Engine, "tokenize"> & { prompts: PromptInput[] } {
    const prompts: PromptInput[] = [];
    return {
        prompts,
        async tokenize(prompt) {
            prompts.push(prompt);
            const text = prompt.kind === "segments" ? prompt.segments.map((segment) => segment.text).join("") : prompt.kind === "text" ? prompt.text : "";
            return Array.from({ length: Math.ceil(text.length / 4) }, (_unused, index) => index);
        }
    };
}

const request: ChatRequest = { messages: [{ role: "system", content: "Rewrite code." }, { role: "user", content: "function f() {}" }] };

describe("editor command planning (core)", () => {
    describe("prepareCommandTurn", () => {
        it("renders the prompt once: the segments it counted are the ones the turn sends", async () => {
            const tokens = counter();
            const plan = await prepareCommandTurn(tokens, { request, thinking: true, thoughtBudgetTokens: 500, answerTokens: 300, contextSize: 4096 });
            assert.ok(plan.ok);
            assert.equal(tokens.prompts.length, 1);
            const counted = tokens.prompts[0]!;
            assert.equal(counted.kind, "segments");
            assert.deepEqual(counted.kind === "segments" && counted.segments, buildChatPromptSegments({ ...request, enable_thinking: true, add_generation_prompt: true }));
            assert.deepEqual(plan.turn.promptSegments, counted.kind === "segments" ? counted.segments : undefined);
            assert.equal(plan.turn.promptTokens, Math.ceil(plan.turn.promptSegments.map((segment) => segment.text).join("").length / 4));
            assert.deepEqual({ answer: plan.turn.answerTokens, budget: plan.turn.thoughtBudgetTokens, thinking: plan.turn.thinking }, { answer: 300, budget: 500, thinking: true });

            const engine = scripted(["ok\n</think>\n\nfunction g() {}\n"]);
            await runCommandTurn(engine, { ...plan.turn, sampling: {} });
            assert.equal(engine.calls.length, 1);
            assert.deepEqual(engine.prompts[0], plan.turn.promptSegments, "sent exactly as counted");
        });

        it("shrinks the thinking first to fit the context, and refuses when not even a short answer fits", async () => {
            const promptTokens = (await counter().tokenize({ kind: "segments", segments: buildChatPromptSegments({ ...request, enable_thinking: true, add_generation_prompt: true }) })).length;
            const tight = await prepareCommandTurn(counter(), { request, thinking: true, thoughtBudgetTokens: 4000, answerTokens: 300, contextSize: promptTokens + 500 });
            assert.ok(tight.ok);
            assert.equal(tight.turn.answerTokens, 300);
            assert.ok(tight.turn.thoughtBudgetTokens! < 4000 && tight.turn.thoughtBudgetTokens! > 0, String(tight.turn.thoughtBudgetTokens));
            const none = await prepareCommandTurn(counter(), { request, thinking: false, answerTokens: 300, contextSize: promptTokens + 10 });
            assert.deepEqual(none, { ok: false, promptTokens: (await counter().tokenize({ kind: "segments", segments: buildChatPromptSegments({ ...request, enable_thinking: false, add_generation_prompt: true }) })).length, contextSize: promptTokens + 10 });
        });

        it("a thought budget of zero turns the thinking off, and the prompt is the template's non-thinking one", async () => {
            const plan = await prepareCommandTurn(counter(), { request, thinking: true, thoughtBudgetTokens: 0, answerTokens: 100, contextSize: 4096 });
            assert.ok(plan.ok);
            assert.equal(plan.turn.thinking, false);
            assert.deepEqual(plan.turn.promptSegments, buildChatPromptSegments({ ...request, enable_thinking: false, add_generation_prompt: true }));
            assert.match(plan.turn.promptSegments.at(-1)!.text, /<think>\n\n<\/think>\n\n$/);
        });
    });

    describe("importPathFor", () => {
        it("is a relative path without the extension, for JS and TS only", () => {
            assert.equal(importPathFor("src/price.test.ts", "src/price.ts", "typescript"), "./price");
            assert.equal(importPathFor("test/price.test.ts", "src/price.ts", "typescript"), "../src/price");
            assert.equal(importPathFor("test/unit/a/b.test.js", "src/a/b.mjs", "javascript"), "../../../src/a/b");
            assert.equal(importPathFor("src/__tests__/Button.test.tsx", "src/Button.tsx", "typescriptreact"), "../Button");
            assert.equal(importPathFor("price.test.js", "price.cjs", "javascript"), "./price");
            assert.equal(importPathFor("tests/test_price.py", "price.py", "python"), undefined);
        });
    });

    describe("dependencyNames", () => {
        it("reads package.json's three dependency lists, and ignores what is not JSON or not an object", () => {
            const packageJson = JSON.stringify({ dependencies: { react: "1" }, devDependencies: { vitest: "1", react: "1" }, peerDependencies: { vue: "3" }, optionalDependencies: { x: "1" } });
            assert.deepEqual(dependencyNames({ "package.json": packageJson }), ["react", "vitest", "vue"]);
            assert.deepEqual(dependencyNames({ "package.json": "{ not json" }), []);
            assert.deepEqual(dependencyNames({ "package.json": JSON.stringify({ dependencies: ["a"] }) }), []);
        });

        it("reads Python's, Rust's and Go's manifests by the names that start a line or a quoted string", () => {
            assert.deepEqual(dependencyNames({ "requirements.txt": "pytest==8.0\n# comment\nrequests>=2\n" }), ["pytest", "requests"]);
            assert.ok(dependencyNames({ "pyproject.toml": '[project]\ndependencies = ["hypothesis>=6", "attrs"]\n' }).includes("hypothesis"));
            assert.ok(dependencyNames({ "Cargo.toml": '[dev-dependencies]\nproptest = "1"\n' }).includes("proptest"));
            const go = dependencyNames({ "go.mod": "module x\nrequire (\n\tgithub.com/stretchr/testify v1.9.0\n)\nrequire golang.org/x/text v0.3.0\n" });
            assert.ok(go.includes("github.com/stretchr/testify") && go.includes("golang.org/x/text"), go.join(", "));
            assert.deepEqual(DEPENDENCY_MANIFESTS.includes("package.json"), true);
        });
    });

    describe("askPrompt", () => {
        it("is the template's one-question conversation without thinking, the question as text", () => {
            const segments = askPrompt("What is <|im_end|>?");
            assert.equal(segments.map((segment) => segment.text).join(""),
                "<|im_start|>user\nWhat is <|im_end|>?<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
            const question = segments.find((segment) => segment.text.includes("What is"));
            assert.equal(question?.special, false, "the user's text never becomes control tokens");
        });
    });
});
