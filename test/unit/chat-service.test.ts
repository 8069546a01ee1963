import assert from "node:assert/strict";
import type { ChatThread } from "../../src/core/chat/conversation";
import { ChatError, ChatService, combineTimings, type ChatConfig, type ChatDelta } from "../../src/core/chat/service";
import { MemoryChatStore } from "../../src/core/chat/store";
import { silentLogger } from "../../src/core/log";
import type { Engine, GenerateChunk, GenerateParams, GenerateResult, PromptInput } from "../../src/core/engine";
import { splitIntoPieces } from "../../src/engine/scriptedBackend";

interface Reply {
    text: string;
    delayMs?: number;
    /** Throw the client's crash error after this many pieces. */
    crashAfter?: number;
}

function promptText(prompt: PromptInput): string {
    if (prompt.kind === "segments") return prompt.segments.map((segment) => segment.text).join("");
    if (prompt.kind === "text") return prompt.text;
    return String.fromCodePoint(...prompt.tokens);
}

/** An engine double: one token per character, replies streamed piece by piece, cancellation honoured. */
class FakeEngine implements Pick<Engine, "generate" | "tokenize"> {
    readonly prompts: string[] = [];
    readonly params: GenerateParams[] = [];
    readonly replies: Reply[] = [];
    signals: AbortSignal[] = [];
    summary = "Summary: the user sent numbered messages with padding and got numbered answers.";
    private cached = "";

    async tokenize(prompt: PromptInput): Promise<number[]> {
        return [...promptText(prompt)].map((char) => char.codePointAt(0)!);
    }

    async generate(params: GenerateParams, options: { signal?: AbortSignal; onChunk?: (chunk: GenerateChunk) => void }): Promise<GenerateResult> {
        const text = promptText(params.prompt);
        this.prompts.push(text);
        this.params.push(params);
        if (options.signal) this.signals.push(options.signal);
        // A compaction's summary request gets the summary; the scripted replies are for the answers.
        const reply = text.includes("outgrow the context") ? { text: this.summary } : this.replies.shift() ?? { text: "ok" };
        let common = 0;
        while (common < Math.min(text.length, this.cached.length) && text[common] === this.cached[common]) common++;
        this.cached = text;
        let generated = "";
        let count = 0;
        let stopReason: GenerateResult["stopReason"] = "eos";
        for (const piece of splitIntoPieces(reply.text)) {
            if (reply.crashAfter !== undefined && count >= reply.crashAfter) {
                throw Object.assign(new Error("The engine process stopped unexpectedly (signal SIGKILL)."), { code: "workerCrashed" });
            }
            await new Promise((resolve) => setTimeout(resolve, reply.delayMs ?? 0));
            if (options.signal?.aborted) { stopReason = "cancelled"; break; }
            if (count >= params.maxTokens) { stopReason = "maxTokens"; break; }
            count++;
            generated += piece;
            options.onChunk?.({ text: piece, tokens: 1 });
        }
        return {
            text: generated, stopReason,
            timings: { promptTokens: [...text].length, evaluatedTokens: text.length - common, generatedTokens: count, timeToFirstTokenMs: 12, totalMs: 40, tokensPerSecond: 25 }
        };
    }
}

function setup(config: Partial<ChatConfig> = {}, options: { saveIntervalMs?: number; instructions?: (files: readonly string[]) => Promise<string> } = {}) {
    const engine = new FakeEngine();
    const store = new MemoryChatStore();
    let clock = 1000;
    let ids = 0;
    const service = new ChatService({
        engine, store, log: silentLogger,
        config: () => ({ contextSize: 100_000, maxTokens: 500, sampling: {}, ...config }),
        now: () => (clock += 10),
        newId: () => `id-${++ids}`,
        saveIntervalMs: options.saveIntervalMs,
        ...(options.instructions ? { instructions: options.instructions } : {})
    });
    const deltas: ChatDelta[] = [];
    service.onDelta((delta) => deltas.push(delta));
    return { engine, store, service, deltas };
}

describe("chat service", () => {
    it("streams the reasoning, then the answer, and keeps timings, thinking time and tokens", async () => {
        const { engine, store, service, deltas } = setup();
        const empty = service.historyTokens();
        assert.ok(empty.tokens > 10 && empty.estimated, "an empty chat counts its system prompt");
        engine.replies.push({ text: "The user greets me.\n</think>\n\nHello **there**! How can I help?" });
        await service.send("Hello", [], true);
        const answer = service.current.exchanges[0]!.answer!;
        assert.equal(answer.status, "done");
        assert.equal(answer.reasoning, "The user greets me.");
        assert.equal(answer.content, "Hello **there**! How can I help?");
        assert.ok(answer.reasoningTokens >= 4, `${answer.reasoningTokens} reasoning tokens`);
        assert.ok(answer.thinkingMs !== undefined && answer.thinkingMs > 0);
        assert.deepEqual(answer.stats && { ttft: answer.stats.timeToFirstTokenMs, tps: answer.stats.tokensPerSecond }, { ttft: 12, tps: 25 });
        // Deltas: reasoning first, then content, all tagged with the answer's request id.
        assert.ok(deltas.length > 5);
        assert.ok(deltas.every((delta) => delta.requestId === answer.requestId && delta.exchangeId === service.current.exchanges[0]!.id));
        const firstContent = deltas.findIndex((delta) => delta.content !== undefined);
        assert.ok(deltas.slice(0, firstContent).every((delta) => delta.reasoning !== undefined));
        assert.equal(deltas.map((delta) => delta.content ?? "").join("").trim(), answer.content);
        assert.ok(engine.prompts[0]!.endsWith("<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n<think>\n"));
        assert.equal(service.current.title, "Hello");
        assert.ok(service.current.tokenScale !== undefined, "the exact count calibrated the estimate");
        const history = service.historyTokens();
        assert.equal(history.estimated, false);
        assert.ok(history.tokens > empty.tokens);
        await service.flush();
        assert.equal(store.threads.get(service.current.id)!.exchanges[0]!.answer!.status, "done");
    });

    it("with thinking off asks for the empty think block and shows no reasoning", async () => {
        const { engine, service } = setup();
        engine.replies.push({ text: "Just the answer." });
        await service.send("Quick one", [], false);
        assert.ok(engine.prompts[0]!.endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n"));
        const answer = service.current.exchanges[0]!.answer!;
        assert.equal(answer.reasoning, "");
        assert.equal(answer.reasoningTokens, 0);
        assert.equal(answer.content, "Just the answer.");
        assert.equal(engine.params[0]!.sampling?.temperature, 0.7, "the non-thinking preset");
    });

    it("stop cancels the generation at once and keeps the partial answer", async () => {
        const { engine, service, deltas } = setup();
        engine.replies.push({ text: "word ".repeat(200), delayMs: 2 });
        const done = service.send("Write a lot", [], false);
        while (deltas.length < 3) await new Promise((resolve) => setTimeout(resolve, 1));
        const requestId = service.busy!.requestId;
        service.stop("some-other-request");
        assert.equal(engine.signals[0]!.aborted, false, "a stale stop does nothing");
        service.stop(requestId);
        assert.equal(engine.signals[0]!.aborted, true, "the engine's signal is aborted synchronously");
        await done;
        const answer = service.current.exchanges[0]!.answer!;
        assert.equal(answer.status, "stopped");
        assert.ok(answer.content.startsWith("word word"));
        assert.ok(answer.content.length < "word ".repeat(200).trim().length);
        assert.equal(service.busy, undefined);
    });

    it("keeps the partial answer, marked, when the engine crashes mid-answer", async () => {
        const { engine, store, service } = setup();
        engine.replies.push({ text: "This answer will be cut short by a crash", crashAfter: 4 });
        await service.send("Tell me", [], false);
        const answer = service.current.exchanges[0]!.answer!;
        assert.equal(answer.status, "interrupted");
        assert.match(answer.error!, /stopped unexpectedly/);
        assert.equal(answer.fix, undefined);
        const streamed = splitIntoPieces("This answer will be cut short by a crash").slice(0, 4).join("");
        assert.equal(answer.content, streamed);
        await service.flush();
        assert.equal(store.threads.get(service.current.id)!.exchanges[0]!.answer!.content, streamed);
        // The next message goes out normally (the client restarts the worker) and the partial answer is in its prompt.
        engine.replies.push({ text: "Recovered." });
        await service.send("Go on", [], false);
        assert.ok(engine.prompts[1]!.includes(`<|im_start|>assistant\n${streamed}<|im_end|>`));
        assert.equal(service.current.exchanges[1]!.answer!.status, "done");
    });

    it("says what to do when there is no model, and Regenerate tries again", async () => {
        const { engine, service } = setup();
        const tokenize = engine.tokenize.bind(engine);
        engine.tokenize = async () => { throw Object.assign(new Error("No model is loaded: choose one with “Qwen Local: Select Model…”."), { code: "noModel" }); };
        await service.send("Hello?", [], true);
        const failed = service.current.exchanges[0]!.answer!;
        assert.equal(failed.status, "error");
        assert.equal(failed.fix, "selectModel");
        assert.match(failed.error!, /No model is loaded/);
        engine.tokenize = tokenize;
        engine.replies.push({ text: "</think>\n\nHi." });
        await service.regenerate(true);
        const retried = service.current.exchanges[0]!.answer!;
        assert.deepEqual([retried.status, retried.content, retried.error, retried.fix], ["done", "Hi.", undefined, undefined]);
    });

    it("saves a streaming answer while it streams", async () => {
        const { engine, store, service, deltas } = setup({}, { saveIntervalMs: 5 });
        engine.replies.push({ text: "slow ".repeat(60), delayMs: 2 });
        const done = service.send("Stream", [], false);
        while (deltas.length < 20) await new Promise((resolve) => setTimeout(resolve, 2));
        await new Promise((resolve) => setTimeout(resolve, 15));
        const saved = store.threads.get(service.current.id)!.exchanges[0]!.answer!;
        assert.equal(saved.status, "streaming");
        assert.ok(saved.content.length > 0, "partial text is on disk before the answer ends");
        await done;
    });

    it("refuses a second message while one is being answered", async () => {
        const { engine, service } = setup();
        engine.replies.push({ text: "slow ".repeat(20), delayMs: 2 });
        const done = service.send("First", [], false);
        await new Promise((resolve) => setTimeout(resolve, 5));
        await assert.rejects(service.send("Second", [], false), ChatError);
        await done;
        assert.equal(service.current.exchanges.length, 1);
    });

    it("regenerates and edits the last message; later prompts carry earlier answers without their reasoning", async () => {
        const { engine, service } = setup();
        engine.replies.push({ text: "thinking A\n</think>\n\nAnswer A." }, { text: "thinking B\n</think>\n\nAnswer B." },
            { text: "thinking C\n</think>\n\nAnswer C." }, { text: "Answer D." });
        await service.send("Question one", [], true);
        await service.regenerate(true);
        assert.equal(service.current.exchanges.length, 1);
        assert.equal(service.current.exchanges[0]!.answer!.content, "Answer B.");
        assert.equal(engine.prompts[1], engine.prompts[0], "regenerate sends the same prompt");
        assert.notEqual(engine.params[1]!.sampling?.seed, engine.params[0]!.sampling?.seed, "with a new seed, for a new answer");
        await service.editLast("Question one, reworded", true);
        assert.equal(service.current.exchanges[0]!.user.text, "Question one, reworded");
        assert.equal(service.current.exchanges[0]!.answer!.content, "Answer C.");
        assert.equal(service.current.title, "Question one, reworded");
        await service.send("Question two", [], false);
        const last = engine.prompts[3]!;
        assert.ok(last.includes("<|im_start|>assistant\nAnswer C.<|im_end|>\n<|im_start|>user\nQuestion two<|im_end|>"));
        assert.ok(!last.includes("thinking C"));
    });

    it("attaches context to the message it was sent with", async () => {
        const { engine, service } = setup();
        await service.send("What is x?", [{ kind: "selection", path: "src/a.ts", language: "typescript", range: { startLine: 2, endLine: 2 }, text: "const x = 1;" }], false);
        assert.ok(engine.prompts[0]!.includes("[Attached: src/a.ts, line 2 (selected)]\n```typescript\nconst x = 1;\n```\n\nWhat is x?"));
        assert.deepEqual(service.threadView().exchanges[0]!.user.attachments, [{ kind: "selection", path: "src/a.ts", range: { startLine: 2, endLine: 2 }, truncated: undefined }]);
        assert.ok(!JSON.stringify(service.threadView()).includes("const x = 1;"), "the webview gets labels, not file contents");
    });

    it("keeps chats per workspace: new, reopen after a restart, delete", async () => {
        const { engine, store, service } = setup();
        engine.replies.push({ text: "A." }, { text: "B." });
        await service.send("First chat", [], false);
        const first = service.current.id;
        await service.newChat();
        assert.equal(service.current.exchanges.length, 0);
        await service.send("Second chat", [], false);
        const second = service.current.id;
        await service.flush();
        assert.deepEqual(service.history.map((summary) => summary.title), ["Second chat", "First chat"]);

        // A new window: the store reopens the chat that was open.
        const reopened = new ChatService({ engine, store, log: silentLogger, config: () => ({ contextSize: 100_000, maxTokens: 500, sampling: {} }) });
        await reopened.initialize();
        assert.equal(reopened.current.id, second);
        assert.deepEqual(reopened.history.map((summary) => summary.id), [second, first]);
        await reopened.open(first);
        assert.equal(reopened.current.exchanges[0]!.user.text, "First chat");
        await reopened.delete(first);
        assert.deepEqual(reopened.history.map((summary) => summary.id), [second]);
        assert.equal(reopened.current.exchanges.length, 0, "deleting the open chat leaves a new one");
        assert.equal(store.threads.has(first), false);
        await assert.rejects(reopened.open("missing"), ChatError);
    });

    it("compacts the oldest exchanges into a summary when the context fills up, visibly, and refuses a message that cannot fit", async () => {
        // One token per character; a 2000-token context keeps 500 for the answer.
        const { engine, service } = setup({ contextSize: 2000, maxTokens: 500 });
        const changes: number[] = [];
        service.onDidChange(() => changes.push(service.current.contextStart));
        for (let turn = 1; turn <= 8; turn++) {
            engine.replies.push({ text: `Answer ${turn}: ${"lorem ipsum ".repeat(10)}` });
            await service.send(`Message ${turn}: ${"padding text ".repeat(8)}`, [], false);
        }
        const thread: ChatThread = service.current;
        assert.ok(thread.contextStart > 0, "older exchanges were trimmed");
        const lastPrompt = engine.prompts[engine.prompts.length - 1]!;
        assert.ok(!lastPrompt.includes("Message 1:"), "the oldest message is no longer sent");
        assert.ok(lastPrompt.includes("Message 8:"));
        // …but the model's summary of it is, in front of the first message still sent, and the panel shows it.
        assert.match(lastPrompt, /<\|im_start\|>user\n\[Earlier in this conversation \(compacted to fit the context; this is the summary of it\)\]\nSummary: the user sent numbered messages/);
        const summaryPrompts = engine.prompts.filter((prompt) => prompt.includes("outgrow the context"));
        assert.ok(summaryPrompts.length >= 1);
        assert.ok(summaryPrompts.every((prompt) => prompt.endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n")), "asked with thinking off");
        assert.deepEqual(service.threadView().contextSummary, { text: engine.summary, byModel: true });
        assert.equal(thread.contextSummary?.upTo, thread.contextStart);
        assert.ok([...lastPrompt].length <= 1500, `${[...lastPrompt].length} prompt tokens`);
        assert.ok(changes.some((start) => start > 0), "the view heard about the cut");
        assert.ok(engine.params.every((params) => params.maxTokens <= 500));

        await service.send("x".repeat(3000), [], false);
        const refused = service.current.exchanges[service.current.exchanges.length - 1]!.answer!;
        assert.equal(refused.status, "error");
        assert.match(refused.error!, /more than the 1500 a prompt may use/);
        assert.equal(refused.fix, undefined, "another model would not help");
    });

    it("sends a digest of the trimmed exchanges when the model writes no summary", async () => {
        const { engine, service } = setup({ contextSize: 2000, maxTokens: 500 });
        engine.summary = "";
        for (let turn = 1; turn <= 8; turn++) {
            engine.replies.push({ text: `Answer ${turn}: ${"lorem ipsum ".repeat(10)}` });
            await service.send(`Message ${turn}: ${"padding text ".repeat(8)}`, [], false);
        }
        const summary = service.threadView().contextSummary;
        assert.equal(summary?.byModel, false);
        assert.match(summary?.text ?? "", /User: Message \d+: padding text/);
        assert.match(engine.prompts[engine.prompts.length - 1]!, /\[Earlier in this conversation[^\n]*\]\n(…\n)?User: /);
    });

    it("puts the project instructions for the attached files into the system prompt, read again for every message", async () => {
        const asked: string[][] = [];
        let rule = "Use tabs.";
        const { engine, service } = setup({}, {
            instructions: async (files) => {
                asked.push([...files]);
                return `# Project instructions\n\n## AGENTS.md\n${rule}`;
            }
        });
        const attachment = { kind: "activeFile" as const, path: "src/a.ts", language: "typescript", text: "let a = 1;\n" };
        await service.send("Explain", [attachment], false);
        assert.deepEqual(asked, [["src/a.ts"]]);
        assert.match(engine.prompts[0]!, /^<\|im_start\|>system\nYou are Qwen[^]*\n\n# Project instructions\n\n## AGENTS\.md\nUse tabs\.<\|im_end\|>\n<\|im_start\|>user\n/);
        rule = "Use spaces.";
        await service.send("And this?", [], false);
        assert.deepEqual(asked[1], ["src/a.ts"], "the files still in the conversation count");
        assert.match(engine.prompts[1]!, /## AGENTS\.md\nUse spaces\.<\|im_end\|>/);
    });

    it("combines the timings of a turn whose thought budget closed the thinking", () => {
        const stats = combineTimings([
            { promptTokens: 100, evaluatedTokens: 100, generatedTokens: 10, timeToFirstTokenMs: 50, totalMs: 500, tokensPerSecond: 20 },
            { promptTokens: 150, evaluatedTokens: 20, generatedTokens: 30, timeToFirstTokenMs: 40, totalMs: 1500, tokensPerSecond: 10 }
        ]);
        assert.deepEqual(stats, { promptTokens: 100, evaluatedTokens: 100, generatedTokens: 40, timeToFirstTokenMs: 50, totalMs: 2000, tokensPerSecond: 12.5 });
    });
});
