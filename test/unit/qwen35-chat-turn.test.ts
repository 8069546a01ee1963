import assert from "node:assert/strict";
import { runChatTurn } from "../../src/core/qwen35/chatTurn";
import type { ParserEvent } from "../../src/core/qwen35/types";
import { scripted } from "../support/scriptedGenerator";

const tools = [{
    type: "function" as const,
    function: { name: "read_file", description: "Read a file", parameters: { type: "object", properties: { path: { type: "string" } }, required: ["path"] } }
}];

describe("runChatTurn", () => {
    it("streams reasoning, content and tool calls, and returns the raw output to replay", async () => {
        const output = "The user wants a.ts.\n</think>\n\nLet me read it.\n\n<tool_call>\n<function=read_file>\n<parameter=path>\na.ts\n</parameter>\n</function>\n</tool_call>";
        const engine = scripted([output]);
        const events: ParserEvent[] = [];
        const result = await runChatTurn(engine, {
            request: { tools, messages: [{ role: "user", content: "show a.ts" }] }, maxTokens: 200, onEvent: (event) => events.push(event)
        });
        assert.equal(result.reasoning, "The user wants a.ts.");
        assert.equal(result.content, "Let me read it.");
        assert.deepEqual(result.tool_calls, [{ name: "read_file", arguments: { path: "a.ts" } }]);
        assert.equal(result.raw_output, "<think>\n" + output);
        assert.ok(events.some((event) => event.type === "reasoning"));
        assert.ok(events.some((event) => event.type === "toolCall"));
        const prompt = engine.calls[0]!.prompt;
        assert.equal(prompt.kind, "segments");
        assert.ok(prompt.kind === "segments" && prompt.segments.some((segment) => segment.checkpointAfter));
        assert.deepEqual(engine.calls[0]!.stop, ["<|im_end|>"]);
    });

    it("with thinking off, starts in the answer", async () => {
        const engine = scripted(["Just the answer."]);
        const result = await runChatTurn(engine, { request: { messages: [{ role: "user", content: "hi" }], enable_thinking: false }, maxTokens: 50 });
        assert.equal(result.content, "Just the answer.");
        assert.equal(result.reasoning, "");
        assert.equal(result.raw_output, "<think>\n\n</think>\n\nJust the answer.");
    });

    it("closes the thinking when the budget is spent, then lets the model answer", async () => {
        const longThought = "I keep thinking about this. ".repeat(40);
        const engine = scripted([longThought, "The answer is 42."]);
        const result = await runChatTurn(engine, {
            request: { messages: [{ role: "user", content: "question" }] }, maxTokens: 500, thoughtBudgetTokens: 12
        });
        assert.equal(result.thinkingClosedByBudget, true);
        assert.equal(engine.calls.length, 2);
        assert.equal(result.content, "The answer is 42.");
        assert.match(result.reasoning, /limited time/);
        assert.ok(result.reasoning.length < longThought.length, "the long thought was cut");
        const continuation = engine.calls[1]!.prompt;
        assert.ok(continuation.kind === "segments");
        const tail = continuation.kind === "segments" ? continuation.segments.slice(-1)[0]! : undefined;
        assert.deepEqual(tail, { text: "\n</think>\n\n", special: true }, "the prompt continues after the template's own </think>");
        assert.ok(result.raw_output.includes("limited time") && result.raw_output.endsWith("The answer is 42."));
        assert.ok(engine.calls[1]!.maxTokens < 500, "the token cap covers both calls");
    });

    it("a budget of 0 is thinking off", async () => {
        const engine = scripted(["Answer."]);
        const result = await runChatTurn(engine, { request: { messages: [{ role: "user", content: "q" }] }, maxTokens: 20, thoughtBudgetTokens: 0 });
        assert.equal(result.content, "Answer.");
        assert.ok(result.raw_output.startsWith("<think>\n\n</think>\n\n"));
    });

    it("stops without continuing when the caller cancels", async () => {
        const engine = scripted(["thinking ".repeat(100)]);
        const controller = new AbortController();
        let chunks = 0;
        const result = await runChatTurn(engine, {
            request: { messages: [{ role: "user", content: "q" }] }, maxTokens: 500, thoughtBudgetTokens: 5, signal: controller.signal,
            onEvent: () => { if (++chunks === 2) controller.abort(); }
        });
        assert.equal(result.stopReason, "cancelled");
        assert.equal(engine.calls.length, 1);
    });
});
