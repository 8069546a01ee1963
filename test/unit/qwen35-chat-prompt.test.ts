import assert from "node:assert/strict";
import { buildChatPromptSegments } from "../../src/core/qwen35/chatPrompt";
import { renderConversation } from "../../src/core/qwen35/render";
import type { ChatRequest } from "../../src/core/qwen35/types";

const base: ChatRequest = { messages: [{ role: "user", content: "hi" }], add_generation_prompt: true };

describe("chat prompt for the engine", () => {
    for (const enable_thinking of [true, false]) {
        it(`asks for a checkpoint right after the generation prompt's header (thinking ${enable_thinking ? "on" : "off"})`, () => {
            const request = { ...base, enable_thinking };
            const segments = buildChatPromptSegments(request);
            assert.equal(segments.map((segment) => segment.text).join(""), renderConversation(request));
            const marked = segments.filter((segment) => segment.checkpointAfter);
            assert.equal(marked.length, 1);
            assert.ok(marked[0]!.text.endsWith("<|im_start|>assistant\n"));
            const after = segments.slice(segments.indexOf(marked[0]!) + 1).map((segment) => segment.text).join("");
            assert.equal(after, enable_thinking ? "<think>\n" : "<think>\n\n</think>\n\n");
        });
    }

    it("asks for no checkpoint without a generation prompt", () => {
        const segments = buildChatPromptSegments({ messages: [{ role: "user", content: "hi" }, { role: "assistant", content: "yo" }] });
        assert.ok(segments.every((segment) => !segment.checkpointAfter));
    });

    it("replays the model's raw output verbatim for turns of the current agent loop", () => {
        const raw = "<think>\nLet me look.\n</think>\n\n<tool_call>\n<function=read_file>\n<parameter=path>\na.ts\n</parameter>\n</function>\n</tool_call>";
        const request: ChatRequest = {
            messages: [
                { role: "user", content: "read a.ts" },
                { role: "assistant", content: "IGNORED", tool_calls: [{ name: "other", arguments: {} }], raw_output: raw },
                { role: "tool", content: "1: x" }
            ],
            add_generation_prompt: true
        };
        const text = renderConversation(request);
        assert.ok(text.includes(`<|im_start|>assistant\n${raw}<|im_end|>\n`));
        assert.ok(!text.includes("IGNORED"));
        // Once a later user query exists, the template's own rendering (reasoning dropped) is used instead.
        const later = renderConversation({ ...request, messages: [...request.messages, { role: "user", content: "next" }] });
        assert.ok(later.includes("<|im_start|>assistant\nIGNORED"));
        assert.ok(!later.includes("Let me look."));
    });
});
