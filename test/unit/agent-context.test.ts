/**
 * The agent's context window: compaction planning (pure), the window's decisions with a counting engine (a tokenizer
 * of one token per 4 characters, a context it enforces as the real engine does), result budgets, and the prompt's
 * checkpoint after the system turn.
 */
import assert from "node:assert/strict";
import { AgentContextWindow, ContextOverflowError } from "../../src/core/agent/context";
import type { AgentEvent } from "../../src/core/agent/events";
import { boundResult } from "../../src/core/agent/loop";
import { AgentSession } from "../../src/core/agent/session";
import { LIMITS } from "../../src/core/agent/text";
import {
    compactedMessages, cutPoints, digest, planCompaction, SUMMARY_HEADER, standaloneSummaryRequest
} from "../../src/core/context/compaction";
import type { Engine, GenerateParams, PromptInput } from "../../src/core/engine";
import { buildChatPromptSegments } from "../../src/core/qwen35/chatPrompt";
import type { ChatMessage } from "../../src/core/qwen35/types";
import { tempWorkspace, type TempWorkspace } from "../support/agentWorkspace";

function call(name: string, args: Record<string, string | number>): string {
    const params = Object.entries(args).map(([key, value]) => `<parameter=${key}>\n${String(value)}\n</parameter>\n`).join("");
    return `<tool_call>\n<function=${name}>\n${params}</function>\n</tool_call>`;
}

function textOf(prompt: PromptInput): string {
    return prompt.kind === "segments" ? prompt.segments.map((segment) => segment.text).join("") : prompt.kind === "text" ? prompt.text : "";
}

/** One token per 4 characters, rounded up. */
const countTokens = (text: string) => Math.ceil(text.length / 4);

/**
 * An engine that counts and enforces its context like the real one (a prompt that leaves no room is refused, the
 * answer stops at the context's end) and answers from a function of the prompt.
 */
function countingEngine(contextSize: number, answer: (prompt: string) => string): Pick<Engine, "generate" | "tokenize"> & { prompts: string[]; modelInfo: { modelPath: string; hasFimTokens: boolean; contextSize: number } } {
    const prompts: string[] = [];
    return {
        prompts,
        modelInfo: { modelPath: "/m.gguf", hasFimTokens: true, contextSize },
        async tokenize(prompt) {
            return new Array<number>(countTokens(textOf(prompt))).fill(1);
        },
        async generate(params: GenerateParams, { onChunk }) {
            const prompt = textOf(params.prompt);
            const promptTokens = countTokens(prompt);
            if (promptTokens >= contextSize) throw Object.assign(new Error(`The prompt has ${promptTokens} tokens but the context holds ${contextSize}`), { code: "badRequest" });
            prompts.push(prompt);
            const room = Math.min(params.maxTokens, contextSize - promptTokens);
            let text = answer(prompt);
            let stopReason: "eos" | "maxTokens" = "eos";
            if (countTokens(text) > room) {
                text = text.slice(0, room * 4);
                stopReason = "maxTokens";
            }
            onChunk?.({ text, tokens: countTokens(text) });
            return {
                text, stopReason,
                timings: { promptTokens, evaluatedTokens: promptTokens, generatedTokens: countTokens(text), timeToFirstTokenMs: 1, totalMs: 1, tokensPerSecond: 1 }
            };
        }
    };
}

const system: ChatMessage = { role: "system", content: "You are the agent." };
const round = (n: number): ChatMessage[] => [
    { role: "assistant", content: `Reading ${n}.`, tool_calls: [{ id: `c${n}`, type: "function", function: { name: "read_file", arguments: { path: `f${n}.ts` } } }] },
    { role: "tool", tool_call_id: `c${n}`, name: "read_file", content: `f${n}.ts (3 lines):\nline one of ${n}\nline two\nline three` }
];

describe("compaction planning", () => {
    it("cuts only before a user message or a round's assistant message, never between a call and its result", () => {
        const messages = [system, { role: "user", content: "task" } as ChatMessage, ...round(1), ...round(2), ...round(3)];
        assert.deepEqual(cutPoints(messages), [2, 4, 6]);
        const plan = planCompaction(messages, 1)!;
        assert.deepEqual(plan, { first: 1, cut: 6, currentRequest: 1 });
        assert.deepEqual(planCompaction(messages, 2)!.cut, 4);
        assert.equal(planCompaction(messages, 0)!.cut, messages.length);
    });

    it("has nothing to plan when only the request (or less than the kept rounds) is there", () => {
        assert.equal(planCompaction([system, { role: "user", content: "task" }], 1), undefined);
        assert.equal(planCompaction([system, { role: "user", content: "task" }, ...round(1)], 1), undefined);
    });

    it("replaces the summarised part by one user message carrying the summary and the request verbatim, the kept round after it", () => {
        const messages = [system, { role: "user", content: "Rename foo to bar everywhere." } as ChatMessage, ...round(1), ...round(2)];
        const plan = planCompaction(messages, 1)!;
        const next = compactedMessages(messages, plan, "I read f1.ts.");
        assert.equal(next.length, 4);
        assert.equal(next[0], system);
        assert.equal(next[1]!.role, "user");
        assert.match(String(next[1]!.content), new RegExp(`^${escape(SUMMARY_HEADER)}\\nI read f1\\.ts\\.\\n\\n\\[The current request, as the user wrote it\\]\\nRename foo to bar everywhere\\.$`));
        assert.deepEqual(next.slice(2), round(2));
    });

    it("summarises an earlier summary again instead of nesting it; the request is carried once", () => {
        let messages: ChatMessage[] = [system, { role: "user", content: "The task." }, ...round(1), ...round(2)];
        messages = compactedMessages(messages, planCompaction(messages, 1)!, "first summary");
        messages.push(...round(3));
        const next = compactedMessages(messages, planCompaction(messages, 1)!, "second summary");
        const content = String(next[1]!.content);
        assert.doesNotMatch(content, /first summary/);
        assert.equal(content.split("The task.").length, 2, content);
        assert.equal(content.split(SUMMARY_HEADER).length, 2, content);
    });

    it("puts the summary in front of a kept user message instead of adding a second one", () => {
        const messages: ChatMessage[] = [system, { role: "user", content: "First task." }, ...round(1), { role: "assistant", content: "Done." },
            { role: "user", content: "Second task." }];
        const next = compactedMessages(messages, planCompaction(messages, 1)!, "the first task was done");
        assert.equal(next.length, 2);
        assert.match(String(next[1]!.content), /the first task was done\n\nSecond task\.$/);
    });

    it("writes a bounded digest of the calls when the model gives no summary, and a standalone request cut from the start", () => {
        const part = [{ role: "user", content: "task" } as ChatMessage, ...round(1), ...round(2)];
        const text = digest(part, 10_000);
        assert.match(text, /User: task\nYou said: Reading 1\.\n- you called read_file\(\{"path":"f1\.ts"\}\)\n {2}→ f1\.ts \(3 lines\):/);
        assert.ok(digest(part, 40).length <= 42);
        const request = standaloneSummaryRequest(part, 100, 60);
        assert.equal(request[0]!.role, "system");
        const body = String(request[1]!.content);
        assert.match(body, /^\[The conversation so far, as a transcript\]\n\[…the start was cut\]\n/);
        assert.match(body, /line three\n\n\[Qwen Local: the conversation is about to outgrow the context window/);
    });
});

describe("the agent's context window", () => {
    let ws: TempWorkspace;
    beforeEach(() => {
        const files: Record<string, string> = {};
        for (let index = 1; index <= 12; index++) {
            files[`src/m${index}.ts`] = `// module ${index} marker-${index}\n` + Array.from({ length: 60 }, (_, line) => `export const v${index}_${line} = ${line};`).join("\n") + "\n";
        }
        ws = tempWorkspace(files);
    });
    afterEach(() => ws.remove());

    function session(engine: ReturnType<typeof countingEngine>, maxRounds = 20): { agent: AgentSession; events: AgentEvent[] } {
        const agent = new AgentSession({
            engine, fs: ws.fs, approve: async () => "deny",
            settings: () => ({ thinking: false, thoughtBudgetTokens: 0, maxRounds, autoApprove: [], maxAnswerTokens: 200 }),
            isTrusted: () => true
        });
        const events: AgentEvent[] = [];
        agent.onEvent((event) => events.push(event));
        return { agent, events };
    }

    it("reads twelve files in a context that holds three: compacts, keeps the last result verbatim, stays inside the context, answers", async () => {
        const contextSize = 4000;
        const engine = countingEngine(contextSize, (prompt) => {
            if (prompt.includes("outgrow the context")) return "Summary: read the modules in order, nothing changed yet.";
            const read = [...prompt.matchAll(/marker-(\d+)/g)].map((match) => Number(match[1]));
            const last = read.length > 0 ? Math.max(...read) : 0;
            return last === 12 ? "All twelve modules read." : call("read_file", { path: `src/m${last + 1}.ts` });
        });
        const { agent, events } = session(engine);
        const result = await agent.run("Read src/m1.ts to src/m12.ts in order.");
        assert.equal(result.reason, "answered", `${result.message} ${JSON.stringify(events.filter((event) => event.type === "compacted" || event.type === "usage").slice(0, 8))}`);
        assert.equal(result.answer, "All twelve modules read.");
        assert.equal(result.rounds, 13);
        const compactions = events.filter((event) => event.type === "compacted");
        assert.ok(compactions.length >= 2 && compactions.length < 12, `${compactions.length} compactions`);
        for (const compaction of compactions) {
            assert.equal(compaction.type === "compacted" && compaction.byModel, true);
            assert.ok(compaction.type === "compacted" && compaction.tokensAfter < compaction.tokensBefore);
        }
        // Every prompt the engine saw left room for an answer.
        for (const prompt of engine.prompts) assert.ok(countTokens(prompt) < contextSize, `${countTokens(prompt)} tokens`);
        // The rounds' usage is reported, compaction included.
        const usage = events.filter((event) => event.type === "usage");
        assert.equal(usage.length, 13);
        assert.ok(usage.some((event) => event.type === "usage" && event.compactionGeneratedTokens > 0));
        // The conversation kept the task and the summary in one user message, right after the system message.
        assert.match(String(agent.conversation[1]!.content), /Summary: read the modules in order[\s\S]*Read src\/m1\.ts to src\/m12\.ts in order\./);
    });

    it("fails at once, with a clear message and no generation, when the request alone is larger than the context", async () => {
        const engine = countingEngine(3000, () => "never");
        const { agent, events } = session(engine);
        const result = await agent.run(`Please look at this:\n${"x".repeat(20_000)}`);
        assert.equal(result.reason, "error");
        assert.match(result.message ?? "", /^The request is too large: with the agent's instructions and tools it takes \d+ tokens, and the context holds 3000/);
        assert.equal(engine.prompts.length, 0);
        assert.ok(events.some((event) => event.type === "notice" && event.level === "error"));
    });

    it("cuts a tool result to its share of the context at a line, saying where and how to read on", async () => {
        ws.write("src/big.ts", Array.from({ length: 400 }, (_, line) => `export const value${line} = "${"v".repeat(40)}";`).join("\n"));
        const engine = countingEngine(4000, (prompt) => prompt.includes("<tool_response>") ? "Seen." : call("read_file", { path: "src/big.ts" }));
        const { agent } = session(engine);
        await agent.run("Read src/big.ts");
        const response = engine.prompts[1]!.slice(engine.prompts[1]!.lastIndexOf("<tool_response>"));
        assert.ok(response.length < 4000 * 0.25 * 4 + 200, `${response.length} characters`);
        assert.match(response, /\[Cut here: lines \d+–400 not shown; call read_file with start_line=\d+ to continue\]/);
    });

    it("bounds any tool's result with a note at the cut", () => {
        const text = Array.from({ length: 500 }, (_, line) => `match ${line}`).join("\n");
        const bounded = boundResult(text, 1000);
        assert.ok(bounded.length <= 1000 + 10, `${bounded.length}`);
        assert.match(bounded, /\n\[Cut here: the result has \d+ characters \(500 lines\) and only the first \d+ lines fit the context\. Ask for less/);
        assert.equal(boundResult("short", 1000), "short");
        assert.ok(boundResult("y".repeat(LIMITS.toolResultChars * 2)).length <= LIMITS.toolResultChars + 10);
    });

    it("says the conversation does not fit when even a compacted one would not", async () => {
        const window = new AgentContextWindow({
            engine: countingEngine(700, () => "Summary text that is long enough."), contextSize: () => 700, maxTokensPerRound: 100, tools: []
        });
        const messages: ChatMessage[] = [{ role: "system", content: "s".repeat(2000) }, { role: "user", content: "task" }, ...round(1),
            { role: "assistant", content: "", tool_calls: [{ function: { name: "read_file", arguments: { path: "a" } } }] },
            { role: "tool", content: "r".repeat(2000) }];
        await assert.rejects(window.prepare(messages, false, undefined, new AbortController().signal, () => undefined),
            (error: unknown) => error instanceof ContextOverflowError && /does not fit the context of 700 tokens even after compaction/.test(error.message));
    });
});

describe("the chat prompt's checkpoints", () => {
    it("asks for a checkpoint right after the system turn, and after the generation prompt's header", () => {
        const segments = buildChatPromptSegments({
            messages: [{ role: "system", content: "Rules." }, { role: "user", content: "Hi" }], add_generation_prompt: true, enable_thinking: false
        });
        const marked = segments.map((segment, index) => ({ index, segment })).filter(({ segment }) => segment.checkpointAfter);
        assert.equal(marked.length, 2);
        assert.equal(marked[0]!.segment.checkpointAfter, "prefix");
        assert.equal(marked[1]!.segment.checkpointAfter, true);
        const upTo = (index: number) => segments.slice(0, index + 1).map((segment) => segment.text).join("");
        assert.equal(upTo(marked[0]!.index), "<|im_start|>system\nRules.<|im_end|>\n");
        assert.ok(upTo(marked[1]!.index).endsWith("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"));
        // The text is unchanged by the split.
        assert.equal(segments.map((segment) => segment.text).join(""),
            "<|im_start|>system\nRules.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
    });
});

function escape(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
