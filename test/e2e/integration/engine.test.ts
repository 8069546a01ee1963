/**
 * The engine inside the real extension host: the configured (tiny, generated) model loads and answers, and a
 * worker killed mid-generation fails that request clearly and is restarted by the next one.
 */
import assert from "node:assert/strict";
import { useTinyModel } from "./extension";

const prompt = {
    kind: "segments" as const,
    segments: [
        { text: "<|im_start|>user\n", special: true },
        { text: "Say hello.", special: false },
        { text: "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n", special: true }
    ]
};

describe("the engine in the extension host", function () {
    this.timeout(120_000);
    const api = useTinyModel();

    it("loads the configured model on demand and streams an answer", async () => {
        const chunks: string[] = [];
        const result = await api().engine.client.generate({ sequence: "chat", prompt, maxTokens: 16 },
            { onChunk: (chunk) => chunks.push(chunk.text) });
        assert.ok(result.timings.generatedTokens > 0);
        assert.equal(chunks.join(""), result.text);
        const state = api().engine.state.engine;
        assert.equal(state.kind, "ready");
        assert.equal(state.kind === "ready" && state.info.architecture, "qwen35moe");
    });

    it("restarts a worker killed during generation", async () => {
        const pid = api().engine.client.workerPid;
        assert.ok(pid, "the worker runs");
        let killed = false;
        const dying = api().engine.client.generate({ sequence: "chat", prompt, maxTokens: 2000 }, {
            onChunk: () => {
                if (!killed) {
                    killed = true;
                    process.kill(pid, "SIGKILL");
                }
            }
        });
        await assert.rejects(dying, /stopped unexpectedly \(signal SIGKILL\)/);
        assert.equal(api().engine.state.engine.kind, "crashed");
        const result = await api().engine.client.generate({ sequence: "chat", prompt, maxTokens: 4 });
        assert.ok(result.timings.generatedTokens > 0);
        assert.notEqual(api().engine.client.workerPid, pid);
        assert.equal(api().engine.state.engine.kind, "ready");
    });
});
