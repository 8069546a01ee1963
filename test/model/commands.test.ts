/**
 * The editor commands on the real engine (node-llama-cpp, the tiny random-weight model): a command's prompt goes
 * through the worker, the answer comes back split from the thinking, and the code path (extract, fit) handles what
 * a real model writes. Thinking on and off feed the model the template's two prefills, token for token.
 */
import assert from "node:assert/strict";
import { extractCode } from "../../src/core/commands/extract";
import { fitCode } from "../../src/core/commands/fit";
import { answerTokensFor, buildRewriteRequest, type CodeTarget } from "../../src/core/commands/prompts";
import { commandSampling, runCommandTurn } from "../../src/core/commands/run";
import { THINKING_OFF_PREFILL, THINKING_ON_PREFILL } from "../../src/core/qwen35/thinking";
import { EngineClient } from "../../src/engine/client";
import type { Engine, GenerateParams } from "../../src/core/engine";
import { captureLogger, workerPath } from "../support/engine";
import { ensureTinyModel, TINY_TOKEN_IDS } from "../support/tinyModel";

const TARGET: CodeTarget = {
    path: "src/price.ts",
    languageId: "typescript",
    code: "    total(items) {\r\n        return items.reduce((sum, item) => sum + item.price, 0);\r\n    }",
    startLine: 4,
    endLine: 6,
    before: "import { Item } from \"./item\";\r\n\r\nexport class Cart {\r\n",
    after: "\r\n}\r\n"
};

describe("editor commands on the tiny model", function () {
    this.timeout(120_000);
    let client: EngineClient;
    let calls: GenerateParams[];
    let engine: Pick<Engine, "generate">;

    before(async () => {
        client = new EngineClient({ workerPath, log: captureLogger().logger });
        await client.load({ modelPath: await ensureTinyModel(), contextSize: 4096, gpu: false, threads: 1 });
        engine = {
            generate: (params, options) => {
                calls.push(params);
                return client.generate(params, options);
            }
        };
    });
    beforeEach(() => { calls = []; });
    after(async () => client?.dispose());

    it("Add Documentation runs end to end: prompt, generation, answer, code fitted into a CRLF file", async () => {
        const request = buildRewriteRequest({ kind: "document", target: TARGET }, false);
        const answers: string[] = [];
        const result = await runCommandTurn(engine, {
            request, thinking: false, answerTokens: Math.min(24, answerTokensFor(TARGET.code, "document")),
            sampling: { ...commandSampling(false, {}), seed: 5 }, onAnswer: (_delta, soFar) => answers.push(soFar)
        });
        assert.equal(calls.length, 1);
        assert.equal(calls[0]!.sequence, "chat");
        assert.equal(calls[0]!.sampling?.presencePenalty, 0);
        assert.ok(result.rawOutput.startsWith(THINKING_OFF_PREFILL));
        assert.equal(result.reasoning, "");
        const generated = result.timings.reduce((sum, timing) => sum + timing.generatedTokens, 0);
        assert.ok(generated > 0 && generated <= 24, `generated ${generated} tokens`);
        assert.ok(result.timings[0]!.promptTokens > 100, "the file context and the code were in the prompt");
        assert.equal(result.answer, result.rawOutput.slice(THINKING_OFF_PREFILL.length).replace(/^(?:[ \t]*\n)+/, "").replace(/<\|im_end\|>[\s\S]*$/, ""));
        // With this seed the tiny model writes text until the 24-token cap (random text: it is the answer itself, unfenced).
        assert.equal(result.stopReason, "maxTokens");
        assert.notEqual(result.answer.trim(), "", "the tiny model with seed 5 answers");
        const extracted = extractCode(result.answer, { language: "typescript" });
        assert.ok(extracted, "a non-empty answer always yields code (unfenced, it is the answer itself)");
        assert.equal(extracted.code.trim(), result.answer.trim());
        const fitted = fitCode(extracted.code, { original: TARGET.code, eol: "\r\n", indent: { insertSpaces: true, tabSize: 4 }, wholeLines: true });
        assert.ok(!/(^|[^\r])\n/.test(fitted), "only CRLF line breaks in a CRLF file");
        assert.ok(!fitted.includes("<think>") && !fitted.includes("<|im_end|>"));
    });

    for (const thinking of [true, false]) {
        it(`thinking ${thinking ? "on" : "off"} ends the prompt with the template's prefill, token for token`, async () => {
            const request = buildRewriteRequest({ kind: "fix", target: TARGET, diagnostics: [{ line: 5, column: 9, severity: "error", message: "Type error." }] }, thinking);
            const result = await runCommandTurn(engine, {
                request, thinking, thoughtBudgetTokens: thinking ? 6 : undefined, answerTokens: 8,
                sampling: { ...commandSampling(thinking, {}), seed: 11 }
            });
            const prompt = calls[0]!.prompt;
            assert.equal(prompt.kind, "segments");
            const tokens = await client.tokenize(prompt);
            const text = await client.detokenize(tokens);
            const prefill = thinking ? THINKING_ON_PREFILL : THINKING_OFF_PREFILL;
            assert.ok(text.endsWith(`<|im_start|>assistant\n${prefill}`), JSON.stringify(text.slice(-60)));
            // <think> and </think> are single special tokens: "<think>\n" (on) or "<think>\n\n</think>\n\n" (off).
            const tail = tokens.slice(thinking ? -2 : -4);
            assert.equal(tail[0], TINY_TOKEN_IDS.think);
            if (thinking) assert.equal(await client.detokenize(tail.slice(1)), "\n");
            else assert.equal(tail[2], TINY_TOKEN_IDS.thinkEnd);
            assert.ok(result.rawOutput.startsWith(prefill));
            if (thinking) {
                // The budget (6 tokens) closes the thinking unless the model closed it itself; either way the answer follows it.
                assert.ok(result.rawOutput.includes("</think>") || result.stopReason !== "maxTokens",
                    JSON.stringify({ raw: result.rawOutput, stop: result.stopReason, closed: result.thinkingClosedByBudget, timings: result.timings }));
                // The random model may write more think tags in its answer; none survives into the code.
                assert.ok(!/<\/?think>/.test(extractCode(result.answer)?.code ?? ""), result.answer);
            } else {
                assert.equal(result.reasoning, "");
            }
        });
    }
});
