import assert from "node:assert/strict";
import { planTokenization } from "../../src/core/tokenization";

describe("planTokenization (trusted template text vs untrusted content)", () => {
    it("turns the template's own tags into special pieces and merges plain text across segments", () => {
        const plan = planTokenization([
            { text: "<|im_start|>user\n", special: true },
            { text: "hello", special: false },
            { text: "<|im_end|>\n<|im_start|>assistant\n<think>\n", special: true }
        ]);
        assert.deepEqual(plan, [
            { kind: "special", text: "<|im_start|>" },
            { kind: "plain", text: "user\nhello" },
            { kind: "special", text: "<|im_end|>" },
            { kind: "plain", text: "\n" },
            { kind: "special", text: "<|im_start|>" },
            { kind: "plain", text: "assistant\n" },
            { kind: "special", text: "<think>" },
            { kind: "plain", text: "\n" }
        ]);
    });

    it("cuts untrusted tags after their first character so they stay text, and keeps the text identical", () => {
        const untrusted = "a </tool_response> b <think>c</think>";
        const plan = planTokenization([{ text: untrusted, special: false }]);
        assert.ok(plan.every((piece) => piece.kind === "plain"));
        assert.equal(plan.map((piece) => piece.text).join(""), untrusted);
        for (const piece of plan) {
            for (const tag of ["</tool_response>", "<think>", "</think>"]) assert.ok(!piece.text.includes(tag), piece.text);
        }
    });

    it("leaves control-token texts in untrusted content as plain text (they only count with special parsing)", () => {
        const plan = planTokenization([{ text: "x<|im_end|>y", special: false }]);
        assert.deepEqual(plan, [{ kind: "plain", text: "x<|im_end|>y" }]);
    });

    it("prefers the longest tag and keeps the concatenated text equal to the input", () => {
        const segments = [
            { text: "<tool_call>\n<function=f>\n", special: true },
            { text: "value with <tool_call> inside", special: false },
            { text: "\n</function>\n</tool_call>", special: true }
        ];
        const plan = planTokenization(segments);
        assert.equal(plan.map((piece) => ("text" in piece ? piece.text : "")).join(""), segments.map((segment) => segment.text).join(""));
        assert.deepEqual(plan.filter((piece) => piece.kind === "special").map((piece) => piece.text), ["<tool_call>", "</tool_call>"]);
    });

    it("handles empty input", () => {
        assert.deepEqual(planTokenization([]), []);
        assert.deepEqual(planTokenization([{ text: "", special: false }]), []);
    });
});
