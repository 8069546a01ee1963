/**
 * Inline completion on the real engine: the CompletionService over the worker client, with the tiny qwen35moe
 * model (hybrid recurrent/attention layers, so prompt reuse depends on checkpoints exactly as with Qwen3.5).
 * Its text is gibberish; what is tested is what the engine evaluates, stops and returns.
 */
import assert from "node:assert/strict";
import { CompletionService, type CompletionOutcome, type CompletionRequest, type CompletionServiceOptions } from "../../src/core/completion/service";
import { EngineClient } from "../../src/engine/client";
import type { GenerateParams, PromptSegment } from "../../src/core/engine";
import { captureLogger, workerPath } from "../support/engine";
import { ensureTinyModel } from "../support/tinyModel";

const THREADS = 1;
const N = 256;
const S = 128;

const FUNCTION = "export function total(items: Item[]): number {\n    let sum = 0;\n    for (const item of items) {\n" +
    "        sum += item.price * item.quantity;\n    }\n    return sum;\n}\n\n";
const FILE = Array.from({ length: 12 }, (_, index) => FUNCTION.replace("total", `total${index}`)).join("");

function at(text: string, offset: number, document = "file:///cart.ts"): CompletionRequest {
    return { document, path: "src/cart.ts", languageId: "typescript", text, offset, repoName: "shop" };
}

function stats(outcome: CompletionOutcome) {
    assert.ok(outcome.kind === "suggestion" || outcome.kind === "none", JSON.stringify(outcome));
    return outcome.stats;
}

describe("inline completion on the tiny model (real worker)", function () {
    this.timeout(120_000);
    let client: EngineClient;
    const options: Partial<CompletionServiceOptions> = { speculative: false };

    before(async () => {
        client = new EngineClient({ workerPath, log: captureLogger().logger });
        await client.load({ modelPath: await ensureTinyModel(), contextSize: 4096, gpu: false, threads: THREADS });
    });

    after(async () => {
        await client?.dispose();
    });

    it("suggestions appear, post-processed, from the completion sequence", async () => {
        await client.resetSequence("completion");
        const service = new CompletionService(client, options);
        const outcomes: CompletionOutcome[] = [];
        for (const offset of [FILE.indexOf("let sum = ") + 10, FILE.indexOf("return sum") + 10, FILE.length - 1]) {
            outcomes.push(await service.complete(at(FILE, offset), undefined, { debounce: false }));
        }
        const suggestions = outcomes.filter((outcome) => outcome.kind === "suggestion");
        assert.ok(suggestions.length > 0, JSON.stringify(outcomes));
        for (const outcome of suggestions) {
            assert.ok(outcome.kind === "suggestion" && outcome.text.trim().length > 0);
            assert.ok(!/<\|[a-z_]+\|>|<\/?think>/.test(outcome.text));
            assert.ok(outcome.stats.generatedTokens > 0 && outcome.stats.generatedTokens <= 64);
        }
        assert.equal(stats(outcomes[0]!).evaluatedTokens, stats(outcomes[0]!).promptTokens, "the first request evaluates all of its prompt");
        assert.ok((await client.sequenceState("completion")).tokenCount > 0);
    });

    it("a keystroke evaluates the suffix window and little else; a cursor jump at most an interval more", async () => {
        await client.resetSequence("completion");
        const service = new CompletionService(client, options);
        let text = FILE;
        let offset = text.indexOf("return sum", 2000) + "return sum".length;
        await service.complete(at(text, offset), undefined, { debounce: false });
        const keystrokes: number[] = [];
        for (const character of " + item.bonus") {
            text = text.slice(0, offset) + character + text.slice(offset);
            offset++;
            keystrokes.push(stats(await service.complete(at(text, offset), undefined, { debounce: false })).evaluatedTokens);
        }
        const sorted = [...keystrokes].sort((a, b) => a - b);
        const median = sorted[Math.floor(sorted.length / 2)]!;
        assert.ok(median <= S + 16, `median ${median} > ${S + 16}: ${keystrokes.join(", ")}`);
        assert.ok(Math.max(...keystrokes) <= N + S, `every keystroke within an interval plus the suffix: ${keystrokes.join(", ")}`);

        for (const target of [100, 1700, 600, 1300]) {
            const jump = stats(await service.complete(at(text, text.indexOf("\n", target)), undefined, { debounce: false }));
            assert.ok(jump.evaluatedTokens <= N + S, `jump to ${target}: ${jump.evaluatedTokens} evaluated of ${jump.promptTokens}`);
            assert.ok(jump.promptTokens > 1000, "the prompt still holds the whole file");
        }
    });

    it("transient checkpoints never push out the stable ones (40 words typed, then a jump is still cheap)", async () => {
        await client.resetSequence("completion");
        const service = new CompletionService(client, options);
        let text = FILE;
        let offset = text.indexOf("return sum", 1500) + "return sum".length;
        await service.complete(at(text, offset), undefined, { debounce: false });
        for (let word = 0; word < 40; word++) {
            for (const character of ` w${word}`) {
                text = text.slice(0, offset) + character + text.slice(offset);
                offset++;
                await service.complete(at(text, offset), undefined, { debounce: false });
            }
        }
        const jump = stats(await service.complete(at(text, text.indexOf("\n", 300)), undefined, { debounce: false }));
        assert.ok(jump.evaluatedTokens <= N + S, `after many keystrokes a jump evaluated ${jump.evaluatedTokens}`);
        const state = await client.sequenceState("completion");
        assert.ok(state.checkpointsMemoryBytes > 0);
    });

    it("cancelling stops the work in the worker at once, and keeps what was evaluated (checkpointed) so far", async () => {
        await client.resetSequence("completion");
        const service = new CompletionService(client, options);
        const request = at(FILE, FILE.indexOf("return sum", 1500));
        const controller = new AbortController();
        const started = performance.now();
        setTimeout(() => controller.abort(), 40);
        const outcome = await service.complete(request, controller.signal, { debounce: false });
        const returnedAfter = performance.now() - started;
        assert.equal(outcome.kind, "cancelled");
        assert.ok(returnedAfter < 40 + 150, `returned ${returnedAfter.toFixed(0)} ms after the request`);
        // The worker stopped part-way through the prompt (it would hold the whole prompt and the suggestion otherwise).
        const stopped = await client.sequenceState("completion");
        const full = stats(await service.complete(request, undefined, { debounce: false }));
        assert.ok(stopped.tokenCount < full.promptTokens, `stopped at ${stopped.tokenCount} of ${full.promptTokens} prompt tokens`);
        assert.ok(full.evaluatedTokens < full.promptTokens, `the cancelled request's work was kept: ${full.evaluatedTokens} of ${full.promptTokens} evaluated`);
    });

    it("latest wins: a newer request aborts the one under way, which stops in the worker", async () => {
        await client.resetSequence("completion");
        const service = new CompletionService(client, options);
        const older = service.complete(at(FILE, FILE.indexOf("return sum", 1500)), undefined, { debounce: false });
        await new Promise((resolve) => setTimeout(resolve, 30));
        const newer = await service.complete(at(FILE, FILE.indexOf("let sum", 1500)), undefined, { debounce: false });
        assert.equal((await older).kind, "cancelled");
        assert.ok(newer.kind === "suggestion" || newer.kind === "none");
    });
});

describe("engine checkpoint marks on the tiny model (evaluated-token counts)", function () {
    this.timeout(120_000);
    let client: EngineClient;

    before(async () => {
        client = new EngineClient({ workerPath, log: captureLogger().logger });
        await client.load({ modelPath: await ensureTinyModel(), contextSize: 4096, gpu: false, threads: THREADS });
    });

    after(async () => {
        await client?.dispose();
    });

    const block = (label: string) => `// ${label}\n${"const value = compute(1, 2, 3);\n".repeat(8)}`;
    const prompt = (segments: PromptSegment[]): GenerateParams => ({ sequence: "completion", prompt: { kind: "segments", segments }, maxTokens: 2 });

    it("a mark inside the re-evaluated span gets its checkpoint (the next divergence after it is cheap)", async () => {
        await client.resetSequence("completion");
        const a = block("a");
        const b = block("b");
        await client.generate(prompt([{ text: a, special: false, checkpointAfter: true }, { text: b + "tail one", special: false }]));
        // Diverges in the tail: restores after `a`, re-evaluates `b`, and takes the new mark after `b` on the way.
        const second = await client.generate(prompt([
            { text: a, special: false, checkpointAfter: true }, { text: b, special: false, checkpointAfter: true }, { text: "tail two", special: false }
        ]));
        assert.ok(second.timings.evaluatedTokens > b.length / 2, "b was evaluated again");
        const third = await client.generate(prompt([
            { text: a, special: false, checkpointAfter: true }, { text: b, special: false, checkpointAfter: true }, { text: "tail three", special: false }
        ]));
        assert.ok(third.timings.evaluatedTokens <= "tail three".length + 2, `restored after b: ${third.timings.evaluatedTokens} evaluated`);
    });

    it("transient marks live in their own small group: 40 of them leave the stable marks in place", async () => {
        await client.resetSequence("completion");
        const stable = block("stable");
        let tail = "";
        for (let index = 0; index < 40; index++) {
            tail += ` w${index}`;
            await client.generate(prompt([{ text: stable, special: false, checkpointAfter: true }, { text: tail, special: false, checkpointAfter: "transient" }, { text: "!", special: false }]));
        }
        const diverged = await client.generate(prompt([{ text: stable, special: false, checkpointAfter: true }, { text: " other", special: false }]));
        assert.ok(diverged.timings.evaluatedTokens <= " other".length + 2, `the stable checkpoint survived: ${diverged.timings.evaluatedTokens} evaluated`);
    });
});
