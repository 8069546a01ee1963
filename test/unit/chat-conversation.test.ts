import assert from "node:assert/strict";
import {
    deriveTitle, emptyThread, fenceFor, historyMessages, parseThread, SYSTEM_PROMPT, threadMessages, userMessageContent,
    type ChatAnswer, type ChatExchange, type ChatThread, type ContextAttachment
} from "../../src/core/chat/conversation";
import { calibrateTokenScale, estimateTokens, formatTokenCount } from "../../src/core/chat/tokens";
import { renderConversation } from "../../src/core/qwen35/render";

function answer(content: string, extra: Partial<ChatAnswer> = {}): ChatAnswer {
    return { requestId: `r-${content.length}`, thinking: true, reasoning: "private reasoning", content, status: "done", reasoningTokens: 3, ...extra };
}

function exchange(id: string, text: string, content?: string | ChatAnswer, attachments: ContextAttachment[] = []): ChatExchange {
    return { id, user: { text, attachments, sentAt: 1 }, answer: typeof content === "string" ? answer(content) : content };
}

function thread(exchanges: ChatExchange[], contextStart = 0): ChatThread {
    return { ...emptyThread("t", 0), exchanges, contextStart };
}

const file: ContextAttachment = { kind: "activeFile", path: "src/format.ts", language: "typescript", text: "export const x = 1;\n" };

describe("chat conversation", () => {
    it("sends earlier answers by their content: the reasoning stays out of the prompt", () => {
        const conversation = thread([exchange("1", "First?", "One."), exchange("2", "Second?")]);
        const messages = threadMessages(conversation);
        assert.deepEqual(messages, [
            { role: "system", content: SYSTEM_PROMPT },
            { role: "user", content: "First?" },
            { role: "assistant", content: "One." },
            { role: "user", content: "Second?" }
        ]);
        const prompt = renderConversation({ messages, add_generation_prompt: true, enable_thinking: true });
        assert.ok(!prompt.includes("private reasoning"));
        assert.ok(prompt.endsWith("<|im_start|>user\nSecond?<|im_end|>\n<|im_start|>assistant\n<think>\n"));
    });

    it("quotes attachments before the text, with a fence the content cannot close", () => {
        const tricky: ContextAttachment = { kind: "selection", path: "README.md", language: "markdown", range: { startLine: 3, endLine: 9 }, text: "```js\nx\n```" };
        const content = userMessageContent(thread([exchange("1", "What does this do?", undefined, [tricky, file])]), 0);
        assert.equal(content,
            "[Attached: README.md, lines 3-9 (selected)]\n````markdown\n```js\nx\n```\n````\n\n" +
            "[Attached: src/format.ts (open in the editor)]\n```typescript\nexport const x = 1;\n```\n\n" +
            "What does this do?");
        assert.equal(fenceFor("no backticks"), "```");
        assert.equal(fenceFor("a ````` b"), "``````");
    });

    it("refers to an attachment already quoted earlier in the context instead of repeating it", () => {
        const conversation = thread([exchange("1", "Explain", "Sure.", [file]), exchange("2", "And now?", undefined, [file])]);
        assert.match(userMessageContent(conversation, 1), /^\[Attached: src\/format\.ts \(open in the editor\): unchanged, quoted above\]\n\nAnd now\?$/);
        // Once the first exchange is trimmed away, the file is quoted in full again.
        const trimmed = threadMessages(conversation, 1, 1);
        assert.equal(trimmed.length, 2);
        assert.match(String(trimmed[1]!.content), /```typescript\nexport const x = 1;\n```/);
        // A changed file is quoted again.
        const edited = thread([exchange("1", "Explain", "Sure.", [file]), exchange("2", "And now?", undefined, [{ ...file, text: "export const x = 2;\n" }])]);
        assert.match(userMessageContent(edited, 1), /x = 2/);
    });

    it("leaves trimmed exchanges and answers that produced nothing out of the prompt", () => {
        const conversation = thread([
            exchange("1", "Old", "Old answer."),
            exchange("2", "Failed", answer("", { status: "error", error: "no model" })),
            exchange("3", "Partial", answer("Half an ans", { status: "interrupted" })),
            exchange("4", "Now")
        ], 1);
        assert.deepEqual(threadMessages(conversation).map((message) => message.content), [SYSTEM_PROMPT, "Partial", "Half an ans", "Now"]);
        assert.deepEqual(historyMessages(thread([exchange("1", "Q", "A.")])).map((message) => message.role), ["system", "user", "assistant"]);
    });

    it("derives titles from the first message", () => {
        assert.equal(deriveTitle("How do I parse JSON in Rust?"), "How do I parse JSON in Rust?");
        assert.equal(deriveTitle("\n\n## Why is `foo()` slow?\nmore text"), "Why is foo() slow?");
        assert.equal(deriveTitle("```ts\nconst a = 1;\n```\nRefactor this please"), "Refactor this please");
        assert.equal(deriveTitle("   "), "New chat");
        const long = deriveTitle("Please explain in detail how the recurrent state checkpoints interact with the prompt cache in this engine");
        assert.ok(long.length <= 61 && long.endsWith("…"), long);
        assert.ok(!/\s…$/.test(long));
    });

    it("reads back stored conversations and rejects anything else", () => {
        const conversation = thread([exchange("1", "Q", "A."), exchange("2", "Q2", answer("partial", { status: "streaming" }))]);
        const parsed = parseThread(JSON.parse(JSON.stringify(conversation)));
        assert.ok(parsed);
        assert.equal(parsed.exchanges[0]!.answer!.content, "A.");
        assert.equal(parsed.exchanges[1]!.answer!.status, "interrupted", "an answer cut off by a closed window is marked");
        assert.equal(parsed.exchanges[1]!.answer!.content, "partial", "and its text is kept");
        for (const bad of [null, [], "x", { ...conversation, exchanges: "no" }, { ...conversation, id: 3 },
            { ...conversation, exchanges: [{ id: "1", user: { text: 1, attachments: [], sentAt: 0 } }] }]) {
            assert.equal(parseThread(bad), undefined);
        }
        assert.equal(parseThread({ ...conversation, contextStart: 99 })!.contextStart, 1, "the cut stays inside the conversation");
    });

    it("estimates tokens and calibrates the estimate with an exact count", () => {
        assert.equal(estimateTokens(""), 0);
        assert.equal(estimateTokens("abcd".repeat(25)), 25);
        assert.equal(estimateTokens("漢字テキスト"), 6);
        assert.equal(estimateTokens("😀😀"), 2, "a surrogate pair is one character");
        const text = "function add(a, b) { return a + b; }\n".repeat(10);
        const scale = calibrateTokenScale(text, 150)!;
        assert.equal(estimateTokens(text, scale), 150);
        assert.equal(calibrateTokenScale("short", 3), undefined, "too little text to learn from");
        assert.equal(formatTokenCount(950), "950");
        assert.equal(formatTokenCount(32768), "32.8k");
        assert.equal(formatTokenCount(262144), "262k");
    });
});
