/** The scripted engine: the same worker process and protocol, with text from a script (for UI and agent tests). */
import assert from "node:assert/strict";
import { EngineClient, EngineError } from "../../src/engine/client";
import type { LoadParams } from "../../src/engine/protocol";
import { captureLogger, workerPath } from "../support/engine";
import { SCRIPTED_ENGINE_ENV, writeEngineScript } from "../support/scriptedEngine";
import { ensureBrokenModel, ensureTinyModel } from "../support/tinyModel";

describe("scripted engine (through the real worker process)", function () {
    this.timeout(60_000);
    let load: LoadParams;
    before(async () => {
        load = { modelPath: await ensureTinyModel(), contextSize: 2048, gpu: false };
    });

    function client(scriptPath: string): EngineClient {
        return new EngineClient({ workerPath, log: captureLogger().logger, env: { [SCRIPTED_ENGINE_ENV]: scriptPath }, restartBackoffMs: [0] });
    }

    it("streams the scripted answer token by token, choosing responses by prompt", async () => {
        const script = writeEngineScript({
            tokenDelayMs: 1,
            responses: [
                { match: "weather", text: "It is sunny today, with a light breeze." },
                { text: "Hello! How can I help you with your code?" }
            ]
        });
        const engine = client(script.path);
        try {
            const info = await engine.load(load);
            assert.ok(info.warnings.some((warning) => /Scripted engine/.test(warning)));
            const chunks: string[] = [];
            const hello = await engine.generate({ sequence: "chat", prompt: { kind: "text", text: "hi" }, maxTokens: 100 },
                { onChunk: (chunk) => chunks.push(chunk.text) });
            assert.equal(hello.text, "Hello! How can I help you with your code?");
            assert.equal(chunks.join(""), hello.text);
            assert.ok(chunks.length >= 8, `streamed in ${chunks.length} chunks`);
            const weather = await engine.generate({ sequence: "chat", prompt: { kind: "text", text: "what's the weather?" }, maxTokens: 100 });
            assert.equal(weather.text, "It is sunny today, with a light breeze.");
            await assert.rejects(engine.generate({ sequence: "chat", prompt: { kind: "text", text: "more" }, maxTokens: 10 }),
                /no scripted response is left/);
        } finally {
            await engine.dispose();
            script.remove();
        }
    });

    it("honours cancellation, stop strings and maxTokens", async () => {
        const script = writeEngineScript({
            responses: [
                { text: "one two three four five six seven eight nine ten ".repeat(20), tokenDelayMs: 20, repeat: true, match: "long" },
                { text: "answer<|im_end|>ignored", repeat: true, match: "stop" }
            ]
        });
        const engine = client(script.path);
        try {
            await engine.load(load);
            const controller = new AbortController();
            let abortedAt = 0;
            const result = await engine.generate({ sequence: "chat", prompt: { kind: "text", text: "long" }, maxTokens: 1000 }, {
                signal: controller.signal,
                onChunk: () => {
                    if (abortedAt === 0) {
                        abortedAt = performance.now();
                        controller.abort();
                    }
                }
            });
            assert.equal(result.stopReason, "cancelled");
            assert.ok(performance.now() - abortedAt < 200);
            const capped = await engine.generate({ sequence: "chat", prompt: { kind: "text", text: "long" }, maxTokens: 3 });
            assert.equal(capped.stopReason, "maxTokens");
            assert.equal(capped.timings.generatedTokens, 3);
            const stopped = await engine.generate({ sequence: "chat", prompt: { kind: "text", text: "stop" }, maxTokens: 100, stop: ["<|im_end|>"] });
            assert.equal(stopped.text, "answer");
            assert.equal(stopped.stopReason, "stop");
        } finally {
            await engine.dispose();
            script.remove();
        }
    });

    it("can crash the worker mid-answer, and the next request restarts it", async () => {
        const script = writeEngineScript({
            tokenDelayMs: 1,
            responses: [{ text: "this answer dies halfway through", crashAfterTokens: 3 }, { text: "back again" }]
        });
        const engine = client(script.path);
        try {
            await engine.load(load);
            const chunks: string[] = [];
            await assert.rejects(engine.generate({ sequence: "chat", prompt: { kind: "text", text: "x" }, maxTokens: 100 },
                { onChunk: (chunk) => chunks.push(chunk.text) }), (error: unknown) =>
                error instanceof EngineError && error.code === "workerCrashed" && /stopped unexpectedly/.test(error.message));
            assert.equal(chunks.join(""), "this answer", "the partial answer (3 pieces) arrived before the crash");
            assert.equal(engine.state.kind, "crashed");
            // A restarted worker reads the script afresh: the test moves on to the next answer.
            script.update({ tokenDelayMs: 1, responses: [{ text: "back again" }] });
            const next = await engine.generate({ sequence: "chat", prompt: { kind: "text", text: "y" }, maxTokens: 100 });
            assert.equal(next.text, "back again");
        } finally {
            await engine.dispose();
            script.remove();
        }
    });

    it("validates the model file like the real engine", async () => {
        const script = writeEngineScript({ responses: [] });
        const engine = client(script.path);
        try {
            await assert.rejects(engine.load({ ...load, modelPath: await ensureBrokenModel("truncated") }), /incomplete|truncated/i);
        } finally {
            await engine.dispose();
            script.remove();
        }
    });
});

describe("model setup shared by concurrent requests (scripted worker)", function () {
    this.timeout(60_000);

    it("asks once for concurrent requests, and a cancelled request does not stop the setup for the others", async () => {
        const script = writeEngineScript({ tokenDelayMs: 1, responses: [{ text: "answer", repeat: true }] });
        const modelPath = await ensureTinyModel();
        let resolves = 0;
        let release!: () => void;
        const gate = new Promise<void>((resolve) => { release = resolve; });
        const engine = new EngineClient({
            workerPath, log: captureLogger().logger, env: { [SCRIPTED_ENGINE_ENV]: script.path },
            resolveModel: async () => {
                resolves++;
                await gate; // the user reading the consent question, or a download
                return { modelPath, contextSize: 2048, gpu: false };
            }
        });
        try {
            const controller = new AbortController();
            const superseded = engine.generate({ sequence: "completion", prompt: { kind: "text", text: "a" }, maxTokens: 5 }, { signal: controller.signal });
            const chat = engine.generate({ sequence: "chat", prompt: { kind: "text", text: "b" }, maxTokens: 5 });
            await new Promise((resolve) => setTimeout(resolve, 200));
            controller.abort();
            await assert.rejects(superseded, (error: unknown) => error instanceof EngineError && error.code === "cancelled");
            release();
            assert.equal((await chat).text, "answer");
            assert.equal(resolves, 1);
        } finally {
            await engine.dispose();
            script.remove();
        }
    });
});
