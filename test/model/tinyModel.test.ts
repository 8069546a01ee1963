import { strict as assert } from "assert";
import type { Llama, LlamaContext, LlamaModel, Token } from "node-llama-cpp" with { "resolution-mode": "import" };
import { inspectGgufFile } from "../../src/engine/ggufFile";
import { TINY_TOKEN_IDS, TINY_VOCABULARY_SIZE, ensureTinyModel, readFixedChatTemplate } from "../support/tinyModel";

type NodeLlamaCpp = typeof import("node-llama-cpp", { with: { "resolution-mode": "import" } });

// node-llama-cpp's default thread count (4 on a 2-core machine) oversubscribes the CPU: 10 tokens of the tiny
// model took 10–40 s instead of ~15 ms. One thread is plenty for a 1.2 MB model.
const THREADS = 1;

describe("tiny qwen35moe model in node-llama-cpp", function () {
    this.timeout(120_000);

    let lib: NodeLlamaCpp;
    let llama: Llama;
    let model: LlamaModel;
    let context: LlamaContext;
    let modelPath: string;

    before(async () => {
        lib = await import("node-llama-cpp");
        modelPath = await ensureTinyModel();
        llama = await lib.getLlama({ gpu: false, logLevel: lib.LlamaLogLevel.error });
        model = await llama.loadModel({ modelPath });
        context = await model.createContext({ contextSize: 512, sequences: 2, threads: THREADS });
    });

    after(async () => {
        await context?.dispose();
        await model?.dispose();
        await llama?.dispose();
    });

    it("loads as a hybrid (recurrent + attention) model", () => {
        assert.equal(model.fileInsights.isHybrid, true);
        assert.equal(model.fileInfo.metadata.general.architecture, "qwen35moe");
        assert.equal(model.vocabularyType, lib.LlamaVocabularyType.bpe);
    });

    it("finds the Qwen special tokens: BOS, EOS and FIM", () => {
        assert.equal(model.tokens.bos, TINY_TOKEN_IDS.endOfText);
        assert.equal(model.tokens.eos, TINY_TOKEN_IDS.imEnd);
        assert.equal(model.tokens.infill.prefix, TINY_TOKEN_IDS.fimPrefix);
        assert.equal(model.tokens.infill.suffix, TINY_TOKEN_IDS.fimSuffix);
        assert.equal(model.tokens.infill.middle, TINY_TOKEN_IDS.fimMiddle);
    });

    it("without FIM tokens, node-llama-cpp sees no infill tokens", async () => {
        const withoutFim = await llama.loadModel({ modelPath: await ensureTinyModel({ withoutFimTokens: true }) });
        try {
            assert.equal(withoutFim.tokens.infill.prefix, null);
            assert.equal(withoutFim.tokens.infill.middle, null);
            assert.equal(withoutFim.tokens.eos, model.tokens.eos, "the FIM tokens come after <|im_end|>, so the ids before them stay put");
        } finally {
            await withoutFim.dispose();
        }
    });

    it("tokenizes <|im_start|> as one control token when special tokens are on", () => {
        const tokens = model.tokenize("<|im_start|>user\nhi<|im_end|>", true);
        assert.equal(tokens[0], TINY_TOKEN_IDS.imStart);
        assert.equal(model.detokenize([tokens[0]], true), "<|im_start|>");
        assert.equal(tokens[tokens.length - 1], TINY_TOKEN_IDS.imEnd);
        assert.equal(model.detokenize(tokens, true), "<|im_start|>user\nhi<|im_end|>");

        const plain = model.tokenize("<|im_start|>", false);
        assert.ok(plain.length > 1, "with special tokens off it is ordinary text");
        assert.ok(!plain.some((token) => token === TINY_TOKEN_IDS.imStart));
    });

    it("round-trips ordinary ASCII and UTF-8 text through byte-level BPE", () => {
        for (const text of ["the cat is in the garden\n\n    return x;", "héllo wörld — 日本語 🙂", "\t{\"a\": [1, 2]}\r\n"]) {
            const tokens = model.tokenize(text, false);
            assert.ok(tokens.every((token) => token < TINY_VOCABULARY_SIZE));
            assert.equal(model.detokenize(tokens, false), text);
        }
        // The merges apply: " the" is one token, not four bytes.
        assert.equal(model.tokenize(" the", false).length, 1);
    });

    it("generates tokens with LlamaCompletion", async () => {
        const sequence = context.getSequence();
        const completion = new lib.LlamaCompletion({ contextSequence: sequence });
        const prompt = "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n";
        const started = Date.now();
        const result = await completion.generateCompletionWithMeta(prompt, { maxTokens: 10, temperature: 0.8, seed: 1 });
        // Random weights may sample an end-of-generation token at any step (TokenBias cannot ban EOG tokens),
        // so unconstrained output is only checked for having been sampled at all.
        assert.ok(sequence.tokenMeter.usedOutputTokens >= 1);
        assert.ok(sequence.tokenMeter.usedInputTokens >= model.tokenize(prompt, true).length);
        assert.ok(["maxTokens", "eogToken", "stopGenerationTrigger"].includes(result.metadata.stopReason), result.metadata.stopReason);
        assert.ok(Date.now() - started < 60_000);
    });

    it("follows a grammar, which is how tests give the gibberish structure", async () => {
        const sequence = context.getSequence();
        const completion = new lib.LlamaCompletion({ contextSequence: sequence });
        // EOG is only allowed once the grammar is satisfied, so at least 12 characters must come out.
        const grammar = await llama.createGrammar({ grammar: "root ::= [a-z ]{12,}" });
        const generated: Token[] = [];
        const result = await completion.generateCompletionWithMeta("Hello", {
            maxTokens: 10,
            temperature: 0.8,
            seed: 2,
            grammar,
            onToken: (tokens) => generated.push(...tokens)
        });
        assert.match(result.response, /^[a-z ]{4,}$/);
        assert.ok(generated.length > 0 && generated.length <= 10, `${generated.length} tokens`);
    });

    it("readGgufFileInfo agrees with our parser", async () => {
        const info = await lib.readGgufFileInfo(modelPath, { logWarnings: false });
        const ours = await inspectGgufFile(modelPath);
        assert.equal(ours.ok, true);
        assert.equal(ours.architecture, info.metadata.general.architecture);
        assert.equal(ours.tensorCount, info.tensorInfo?.length);
        assert.equal(ours.version, info.version);
        assert.equal(ours.metadata!.chatTemplate, info.metadata.tokenizer.chat_template);
        assert.equal(ours.metadata!.chatTemplate, readFixedChatTemplate());
        assert.equal(ours.metadata!.vocabularySize, info.metadata.tokenizer.ggml.tokens.length);
        assert.equal(ours.header!.dataOffset, info.infoEndOffset);
        const theirs = (info.tensorInfo ?? []).map((tensor) => ({
            name: tensor.name,
            dims: tensor.dimensions.map(Number),
            type: Number(tensor.ggmlType),
            offset: Number(tensor.offset)
        }));
        const mine = ours.header!.tensors.map(({ name, dims, type, offset }) => ({ name, dims: [...dims], type, offset }));
        assert.deepEqual(mine, theirs);
    });
});
