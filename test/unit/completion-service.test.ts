import assert from "node:assert/strict";
import { CompletionService, type Clock, type CompletionRequest, type CompletionServiceOptions } from "../../src/core/completion/service";
import type { Engine, GenerateParams, GenerateResult } from "../../src/core/engine";

/** An engine double: answers with scripted text, blocks until released when asked, and honours the abort signal. */
class FakeEngine implements Engine {
    readonly calls: { params: GenerateParams; signal?: AbortSignal }[] = [];
    readonly tokenizeCalls: number[] = [];
    answer: (params: GenerateParams) => string = () => "items.length";
    hold = false;
    fail?: Error;
    modelInfo?: { modelPath: string; hasFimTokens: boolean; contextSize?: number } = { modelPath: "/m.gguf", hasFimTokens: true };
    private releases: (() => void)[] = [];

    /** Stream the answer line by line, stopping when aborted (as the worker does). */
    stream = false;

    async generate(params: GenerateParams, options: { signal?: AbortSignal; onChunk?: (chunk: { text: string }) => void }): Promise<GenerateResult> {
        this.calls.push({ params, signal: options.signal });
        if (this.fail) throw this.fail;
        if (this.stream) {
            let text = "";
            for (const piece of this.answer(params).split(/(?<=\n)/)) {
                if (options.signal?.aborted) break;
                text += piece;
                options.onChunk?.({ text: piece });
            }
            const stopped = options.signal?.aborted === true;
            return {
                text, stopReason: stopped ? "cancelled" : "eos",
                timings: { promptTokens: 10, evaluatedTokens: 10, generatedTokens: 3, timeToFirstTokenMs: 5, totalMs: 6, tokensPerSecond: 100 }
            };
        }
        if (this.hold) {
            await new Promise<void>((resolve) => {
                this.releases.push(resolve);
                options.signal?.addEventListener("abort", () => resolve(), { once: true });
            });
        }
        const cancelled = options.signal?.aborted === true;
        const text = cancelled ? "" : this.answer(params);
        return {
            text,
            stopReason: cancelled ? "cancelled" : "eos",
            timings: { promptTokens: Math.ceil(promptText(params).length / 2), evaluatedTokens: 10, generatedTokens: 3, timeToFirstTokenMs: 5, totalMs: 6, tokensPerSecond: 100 }
        };
    }

    async tokenize(prompt: { kind: string; segments?: { text: string }[] }): Promise<number[]> {
        const length = prompt.segments?.[0]?.text.length ?? 0;
        this.tokenizeCalls.push(length);
        return new Array<number>(Math.ceil(length / 2)).fill(1);
    }

    release(): void {
        for (const release of this.releases.splice(0)) release();
    }
}

/** Time that moves only when told to. */
class FakeClock implements Clock {
    time = 0;
    private timers: { at: number; callback: () => void; id: number }[] = [];
    private nextId = 1;
    now(): number { return this.time; }
    setTimeout(callback: () => void, ms: number): unknown {
        const id = this.nextId++;
        this.timers.push({ at: this.time + ms, callback, id });
        return id;
    }
    clearTimeout(handle: unknown): void { this.timers = this.timers.filter((timer) => timer.id !== handle); }
    get pending(): number { return this.timers.length; }
    async advance(ms: number): Promise<void> {
        this.time += ms;
        for (const timer of this.timers.filter((candidate) => candidate.at <= this.time)) {
            this.clearTimeout(timer.id);
            timer.callback();
        }
        await flush();
    }
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

const FILE = "function total(items: Item[]): number {\n    const count = \n    return count;\n}\n".repeat(3);

function request(text = FILE, offset = text.indexOf("const count = ") + "const count = ".length): CompletionRequest {
    return { document: "file:///a.ts", path: "src/a.ts", languageId: "typescript", text, offset, repoName: "shop" };
}

function service(engine: FakeEngine, options: Partial<CompletionServiceOptions> = {}, clock: Clock = new FakeClock()) {
    return new CompletionService(engine, { speculative: false, ...options }, clock);
}

function promptText(params: GenerateParams): string {
    return params.prompt.kind === "segments" ? params.prompt.segments.map((segment) => segment.text).join("") : "";
}

describe("completion service", () => {
    it("asks the completion sequence with caps and returns a post-processed suggestion", async () => {
        const engine = new FakeEngine();
        engine.answer = () => "items.length;<|fim_pad|>";
        const completions = service(engine, { maxTokens: 33, timeoutMs: 1234 });
        const outcome = await completions.complete(request(), undefined, { debounce: false });
        assert.equal(outcome.kind, "suggestion");
        assert.equal(outcome.kind === "suggestion" && outcome.text, "items.length;");
        const { params } = engine.calls[0]!;
        assert.equal(params.sequence, "completion");
        assert.equal(params.maxTokens, 33);
        assert.equal(params.timeoutMs, 1234);
        assert.deepEqual(params.stop, [], "end of a line: several lines allowed");
        assert.ok(promptText(params).includes("<|fim_prefix|>") && promptText(params).endsWith("<|fim_middle|>"));
        assert.ok(outcome.kind === "suggestion" && outcome.stats.source === "engine" && outcome.stats.evaluatedTokens === 10);
    });

    it("serves the same place, and typing into the suggestion, from the cache", async () => {
        const engine = new FakeEngine();
        const completions = service(engine);
        await completions.complete(request(), undefined, { debounce: false });
        const again = await completions.complete(request(), undefined, { debounce: false });
        assert.ok(again.kind === "suggestion" && again.stats.source === "cache" && again.text === "items.length");
        const base = request();
        const typed = { ...base, text: base.text.slice(0, base.offset) + "ite" + base.text.slice(base.offset), offset: base.offset + 3 };
        const into = await completions.complete(typed, undefined, { debounce: false });
        assert.ok(into.kind === "suggestion" && into.text === "ms.length" && into.stats.source === "cache");
        assert.equal(engine.calls.length, 1);
    });

    it("latest wins: a newer request aborts the older generation in the engine", async () => {
        const engine = new FakeEngine();
        engine.hold = true;
        const completions = service(engine);
        const first = completions.complete(request(), undefined, { debounce: false });
        await flush();
        const other = request(FILE, FILE.indexOf("return count;"));
        const second = completions.complete(other, undefined, { debounce: false });
        await flush();
        assert.equal(engine.calls.length, 2);
        assert.equal(engine.calls[0]!.signal?.aborted, true, "the superseded generation was told to stop");
        assert.equal((await first).kind, "cancelled");
        engine.release();
        assert.equal((await second).kind, "suggestion");
    });

    it("the caller's cancellation reaches the engine, and is an outcome, not an error", async () => {
        const engine = new FakeEngine();
        engine.hold = true;
        const completions = service(engine);
        const controller = new AbortController();
        const pending = completions.complete(request(), controller.signal, { debounce: false });
        await flush();
        controller.abort();
        assert.equal((await pending).kind, "cancelled");
        assert.equal(engine.calls[0]!.signal?.aborted, true);
    });

    it("debounces: a request cancelled while waiting never reaches the engine; the delay follows response times", async () => {
        const engine = new FakeEngine();
        const clock = new FakeClock();
        const completions = service(engine, { debounce: { initialMs: 80, minMs: 10, maxMs: 300, factor: 0.5 } }, clock);
        const controller = new AbortController();
        const waiting = completions.complete(request(), controller.signal);
        await clock.advance(50);
        controller.abort();
        assert.equal((await waiting).kind, "cancelled");
        assert.equal(engine.calls.length, 0);

        const next = completions.complete(request());
        await clock.advance(79);
        assert.equal(engine.calls.length, 0, "still waiting");
        await clock.advance(1);
        const outcome = await next;
        assert.ok(outcome.kind === "suggestion" && outcome.stats.debounceMs === 80);
        assert.equal(completions.debounceMs, 10, "the fake engine answered at once: the delay shrinks to its minimum");
    });

    it("prefetches the suggestion that follows a shown one; accepting it is then a cache hit", async () => {
        const engine = new FakeEngine();
        const clock = new FakeClock();
        engine.answer = (params) => promptText(params).includes("items.length<|fim_suffix|>") ? " // counted" : "items.length";
        const completions = new CompletionService(engine, { speculative: true }, clock);
        const shown = await completions.complete(request(), undefined, { debounce: false });
        assert.ok(shown.kind === "suggestion");
        assert.equal(engine.calls.length, 1);
        await clock.advance(completions.debounceMs);
        assert.equal(engine.calls.length, 2, "prefetched after a pause");
        await flush();
        const base = request();
        const accepted = { ...base, text: base.text.slice(0, base.offset) + "items.length" + base.text.slice(base.offset), offset: base.offset + 12 };
        const next = await completions.complete(accepted, undefined, { debounce: false });
        assert.ok(next.kind === "suggestion" && next.text === " // counted" && next.stats.source === "cache");
        assert.equal(engine.calls.length, 2);
    });

    it("a keystroke before the pause cancels the prefetch", async () => {
        const engine = new FakeEngine();
        const clock = new FakeClock();
        const completions = new CompletionService(engine, { speculative: true }, clock);
        await completions.complete(request(), undefined, { debounce: false });
        assert.equal(clock.pending, 1);
        await completions.complete(request(FILE, 3), undefined, { debounce: false });
        assert.equal(engine.calls.length, 2, "no prefetch in between");
    });

    it("after an accepted suggestion, the next request joins the prefetch under way", async () => {
        const engine = new FakeEngine();
        engine.hold = true;
        const completions = service(engine);
        const after = request(FILE, FILE.indexOf("return count;"));
        completions.accepted(after);
        await flush();
        assert.equal(engine.calls.length, 1);
        const joined = completions.complete(after, undefined, { debounce: false });
        await flush();
        engine.release();
        const outcome = await joined;
        assert.ok(outcome.kind === "suggestion" && outcome.stats.source === "shared");
        assert.equal(engine.calls.length, 1);
    });

    it("falls back to the chat prompt, thinking off, when the model has no FIM tokens (or when asked to)", async () => {
        for (const [info, mode] of [[{ modelPath: "/m", hasFimTokens: false }, "fim"], [{ modelPath: "/m", hasFimTokens: true }, "chat"]] as const) {
            const engine = new FakeEngine();
            engine.modelInfo = info;
            engine.answer = () => "```ts\nitems.length\n```";
            const completions = service(engine, { mode });
            const outcome = await completions.complete(request(), undefined, { debounce: false });
            const text = promptText(engine.calls[0]!.params);
            assert.ok(text.endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n"));
            assert.ok(!text.includes("<|fim_prefix|>"));
            assert.ok(engine.calls[0]!.params.stop?.includes("<|im_end|>"));
            assert.ok(outcome.kind === "suggestion" && outcome.text === "items.length" && outcome.stats.mode === "chat");
        }
    });

    it("stops generating a multi-line suggestion once it has more lines than are shown", async () => {
        const engine = new FakeEngine();
        engine.stream = true;
        engine.answer = () => Array.from({ length: 20 }, (_, index) => `${index === 0 ? "" : "    "}line${index};`).join("\n");
        const outcome = await service(engine, { maxLines: 3 }).complete(request(), undefined, { debounce: false });
        assert.ok(outcome.kind === "suggestion");
        assert.equal(outcome.kind === "suggestion" && outcome.text, "line0;\n    line1;\n    line2;");
        assert.equal(engine.calls[0]!.signal?.aborted, true, "the engine was told to stop");
    });

    it("mid-line suggestions are one line", async () => {
        const engine = new FakeEngine();
        const completions = service(engine);
        const text = "call(a, );\n";
        await completions.complete(request(text, text.indexOf(")")), undefined, { debounce: false });
        assert.deepEqual(engine.calls[0]!.params.stop, ["\n"]);
    });

    it("repo context: other files come first, never the current one; without it, plain FIM", async () => {
        const engine = new FakeEngine();
        const completions = service(engine);
        completions.addContext({ path: "src/price.ts", text: "export function price(item: Item) { return item.cents / 100; }\n", reason: "open" });
        completions.addContext({ path: "src/a.ts", text: "the current file", reason: "edit" });
        await completions.complete(request(), undefined, { debounce: false });
        const text = promptText(engine.calls[0]!.params);
        assert.ok(text.startsWith("<|repo_name|>shop\n<|file_sep|>src/price.ts\nexport function price"), text.slice(0, 80));
        assert.ok(!text.includes("the current file"));
        assert.ok(text.includes("<|file_sep|>src/a.ts\n<|fim_prefix|>"));

        completions.updateOptions({ repoContext: false });
        await completions.complete(request(FILE, 5), undefined, { debounce: false });
        assert.ok(promptText(engine.calls[1]!.params).startsWith("<|fim_prefix|>"));
    });

    it("a context too small for the repo context gets plain FIM", async () => {
        const engine = new FakeEngine();
        engine.modelInfo = { modelPath: "/m.gguf", hasFimTokens: true, contextSize: 2048 };
        const completions = service(engine);
        completions.addContext({ path: "src/price.ts", text: "export const price = 1;\n", reason: "open" });
        await completions.complete(request(), undefined, { debounce: false });
        assert.ok(promptText(engine.calls[0]!.params).startsWith("<|fim_prefix|>"));
        engine.modelInfo = { modelPath: "/m.gguf", hasFimTokens: true, contextSize: 32768 };
        await completions.complete(request(FILE, 5), undefined, { debounce: false });
        assert.ok(promptText(engine.calls[1]!.params).startsWith("<|repo_name|>"));
    });

    it("calibrates its token estimate once per model with the engine's tokenizer", async () => {
        const engine = new FakeEngine();
        const completions = service(engine);
        const long = "const value = compute(1, 2, 3);\n".repeat(40);
        await completions.complete(request(long, 100), undefined, { debounce: false });
        await completions.complete(request(long, 200), undefined, { debounce: false });
        assert.equal(engine.tokenizeCalls.length, 1);
        assert.equal(completions.charsPerToken, 2);
    });

    it("engine failures are outcomes (the adapter logs them), not exceptions", async () => {
        const engine = new FakeEngine();
        engine.fail = Object.assign(new Error("No model is loaded."), { code: "noModel" });
        const outcome = await service(engine).complete(request(), undefined, { debounce: false });
        assert.deepEqual(outcome, { kind: "error", message: "No model is loaded." });
        engine.fail = Object.assign(new Error("Cancelled."), { code: "cancelled" });
        assert.equal((await service(engine).complete(request(), undefined, { debounce: false })).kind, "cancelled");
    });

    it("an empty or whitespace-only answer is no suggestion, and is remembered", async () => {
        const engine = new FakeEngine();
        engine.answer = () => "  \n ";
        const completions = service(engine);
        assert.equal((await completions.complete(request(), undefined, { debounce: false })).kind, "none");
        const again = await completions.complete(request(), undefined, { debounce: false });
        assert.ok(again.kind === "none" && again.stats.source === "cache");
    });
});
