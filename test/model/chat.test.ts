/**
 * The chat service on the real engine (node-llama-cpp, the generated tiny model): an answer streams, and a second
 * turn re-evaluates only what the first did not leave in the engine's cache — the previous answer (re-rendered
 * without its thinking prefill), the new message and the template's overhead.
 */
import assert from "node:assert/strict";
import { ChatService, type ChatDelta } from "../../src/core/chat/service";
import { MemoryChatStore } from "../../src/core/chat/store";
import { THINKING_OFF_PREFILL } from "../../src/core/qwen35/thinking";
import { EngineClient } from "../../src/engine/client";
import { captureLogger, workerPath } from "../support/engine";
import { ensureTinyModel } from "../support/tinyModel";

const CONTEXT_SIZE = 4096;

describe("chat on the real engine (tiny model)", function () {
    this.timeout(180_000);
    let client: EngineClient;

    before(async () => {
        client = new EngineClient({ workerPath, log: captureLogger().logger });
        // One thread: the test machine has two cores.
        await client.load({ modelPath: await ensureTinyModel(), contextSize: CONTEXT_SIZE, gpu: false, threads: 1 });
    });
    after(async () => client?.dispose());

    function newService(): { service: ChatService; deltas: ChatDelta[] } {
        let seed = 0;
        const service = new ChatService({
            engine: client, store: new MemoryChatStore(), log: captureLogger().logger,
            config: () => ({ contextSize: CONTEXT_SIZE, maxTokens: 24, sampling: {} }),
            // Fixed seeds: the same answers on every run.
            seed: () => ++seed
        });
        const deltas: ChatDelta[] = [];
        service.onDelta((delta) => deltas.push(delta));
        return { service, deltas };
    }

    /**
     * The random-weight model sometimes ends at once or writes only markup: regenerate (each answer has its own
     * seed) until it says something.
     */
    async function answerWithText(service: ChatService, send: () => Promise<void>): Promise<void> {
        await send();
        for (let attempt = 0; attempt < 20 && (service.current.exchanges.at(-1)!.answer!.content.length === 0); attempt++) {
            await service.regenerate(false);
        }
    }

    it("streams a real answer from the model into the conversation", async () => {
        const { service, deltas } = newService();
        await answerWithText(service, () => service.send("Say something.", [], false));
        const answer = service.current.exchanges[0]!.answer!;
        assert.equal(answer.status, "done", answer.error);
        assert.ok(answer.content.length > 0, "the model wrote an answer");
        const streamed = deltas.filter((delta) => delta.requestId === answer.requestId);
        assert.ok(streamed.length > 1, `${streamed.length} deltas`);
        assert.equal(streamed.map((delta) => delta.content ?? "").join("").trim(), answer.content);
        assert.ok(answer.stats!.generatedTokens > 0);
        assert.ok(answer.stats!.tokensPerSecond > 0);
        assert.ok(answer.stats!.timeToFirstTokenMs > 0);
    });

    it("a second turn re-evaluates only the previous answer, the new message and the template overhead", async () => {
        const { service } = newService();
        await client.resetSequence("chat");
        // A long first message, so that what is reused is most of the prompt.
        const file = "export function total(items: { price: number; count: number }[]): number {\n" +
            "    return items.reduce((sum, item) => sum + item.price * item.count, 0);\n}\n".repeat(1) +
            "// A line of the inventory module that the model reads.\n".repeat(30);
        await answerWithText(service, () => service.send("What does this module do?",
            [{ kind: "activeFile", path: "src/inventory.ts", language: "typescript", text: file }], false));
        const first = service.current.exchanges[0]!.answer!;
        assert.ok(first.content.length > 0 && first.stats);
        await service.send("And how would you test it?", [], false);
        const second = service.current.exchanges[1]!.answer!;
        assert.equal(second.status, "done", second.error);

        // The cache keeps turn 1's prompt up to its "<|im_start|>assistant\n" (a checkpoint is taken there): the rest
        // of turn 2's prompt is new.
        const prefill = (await client.tokenize({ kind: "text", text: THINKING_OFF_PREFILL, special: true })).length;
        const reusable = first.stats!.promptTokens - prefill;
        const fresh = second.stats!.promptTokens - reusable;
        const answerTokens = (await client.tokenize({ kind: "text", text: first.content })).length;
        const newMessageTokens = (await client.tokenize({ kind: "text", text: "And how would you test it?" })).length;
        const overhead = (await client.tokenize({ kind: "text", text: "<|im_end|>\n<|im_start|>user\n<|im_end|>\n<|im_start|>assistant\n", special: true })).length + prefill;
        process.stdout.write(`      turn 2: ${second.stats!.evaluatedTokens} of ${second.stats!.promptTokens} prompt tokens evaluated ` +
            `(previous answer ${answerTokens}, new message ${newMessageTokens}, template overhead ${overhead}); ` +
            `turn 1 evaluated ${first.stats!.evaluatedTokens} of ${first.stats!.promptTokens}\n`);
        assert.ok(second.stats!.evaluatedTokens <= fresh + 1, `evaluated ${second.stats!.evaluatedTokens}, new ${fresh}`);
        // What is new is exactly those three parts (give or take a token where BPE merges across a boundary).
        assert.ok(Math.abs(fresh - (answerTokens + newMessageTokens + overhead)) <= 2,
            `new ${fresh} vs answer ${answerTokens} + message ${newMessageTokens} + overhead ${overhead}`);
        assert.ok(second.stats!.evaluatedTokens * 4 < second.stats!.promptTokens, "most of the prompt came from the cache");
    });
});
