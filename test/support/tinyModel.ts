// Writes a tiny random-weight GGUF of the real `qwen35moe` architecture (see docs/testing.md, "The tiny model"),
// so model tests run node-llama-cpp's real code path — hybrid DeltaNet/attention layers, MoE routing, the
// real chat template and special tokens — without downloading 20 GB. Its output is gibberish by design.
import { createHash } from "crypto";
import { promises as fs, readFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import { trainMerges } from "./bpe";
import { seededRandom } from "./random";

export interface TinyModelOptions {
    seed?: number;
    /** Default "qwen35moe"; any other value is written as general.architecture and as the key prefix. */
    architecture?: string;
    name?: string;
    /** Leaves out <|fim_prefix|>, <|fim_middle|>, <|fim_suffix|> and <|fim_pad|>. */
    withoutFimTokens?: boolean;
    contextLength?: number;
    /** Metadata keys (full names, e.g. "qwen35moe.block_count") left out, for files a broken converter writes. */
    omitKeys?: readonly string[];
    /** uint32 metadata values replaced (full key names), e.g. an expert_used_count above expert_count. */
    setUint32?: Readonly<Record<string, number>>;
    /** The last vocabulary entry repeats the first one's text (llama.cpp asserts on that while reading the vocabulary). */
    duplicateToken?: boolean;
    /**
     * Merges learnt from a corpus (support/bpe.ts), after the added tokens (every special token keeps its id): a
     * tokenizer that packs text a few characters per token, as a real one does, for tests of the context window.
     */
    trainedMerges?: { corpus: string; count: number };
}

export type BrokenModelKind = "badMagic" | "truncated" | "garbage" | "wrongArchitecture" | "empty" | "badVersion";

/** Bump when the bytes the writer produces change, so cached files from older writers are not reused. */
const WRITER_VERSION = 1;
const DEFAULT_SEED = 1234;
const DEFAULT_NAME = "Qwen Local tiny test model";
const ALIGNMENT = 32;
export const WRONG_ARCHITECTURE = "llama";

/** The hyperparameters: small, but each constraint of the real model holds (inner = S·R, R divisible by G). */
export const TINY_HPARAMS = {
    embedding: 64,
    blocks: 4,
    heads: 2,
    headsKv: 1,
    headDim: 64,
    ropeDims: 16,
    ropeSections: [3, 3, 2, 0],
    experts: 4,
    expertsUsed: 2,
    expertFf: 32,
    sharedFf: 32,
    convKernel: 4,
    stateSize: 32,
    groups: 2,
    timeStepRank: 4,
    fullAttentionInterval: 2
} as const;

// ---------------------------------------------------------------------------------------------------------
// Vocabulary

const TOKEN_TYPE_NORMAL = 1;
const TOKEN_TYPE_CONTROL = 3;
const TOKEN_TYPE_USER_DEFINED = 4;

const FIM_TOKENS = ["<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>"];

/**
 * Qwen3.5's added tokens in the real order (248044–248076). `special: true` in the HF tokenizer becomes a
 * CONTROL token in GGUF; `<tool_call>`, `<think>` and friends are not special there, so they are USER_DEFINED
 * and llama.cpp matches them even in plain text.
 */
const ADDED_TOKENS: readonly { text: string; control: boolean }[] = [
    ...["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>", "<|box_start|>",
        "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>", "<|vision_end|>", "<|vision_pad|>",
        "<|image_pad|>", "<|video_pad|>"].map((text) => ({ text, control: true })),
    { text: "<tool_call>", control: false },
    { text: "</tool_call>", control: false },
    ...[...FIM_TOKENS, "<|repo_name|>", "<|file_sep|>"].map((text) => ({ text, control: true })),
    { text: "<tool_response>", control: false },
    { text: "</tool_response>", control: false },
    { text: "<think>", control: false },
    { text: "</think>", control: false },
    ...["<|audio_start|>", "<|audio_end|>", "<tts_pad>", "<tts_text_bos>", "<tts_text_eod>", "<tts_text_bos_single>",
        "<|audio_pad|>"].map((text) => ({ text, control: true }))
];

/** GPT-2's bytes_to_unicode: every byte gets a printable character, so BPE never sees raw bytes. */
export function byteToUnicode(): string[] {
    const printable: number[] = [];
    for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
    for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
    for (let b = 0xae; b <= 0xff; b++) printable.push(b);
    const table: string[] = new Array<string>(256);
    let next = 0;
    for (let b = 0; b < 256; b++) {
        table[b] = printable.includes(b) ? String.fromCodePoint(b) : String.fromCodePoint(256 + next++);
    }
    return table;
}

/** A few merges so ordinary English exercises BPE; byte-level fallback covers every other input. */
const MERGES: readonly [string, string][] = [
    ["Ġ", "t"], ["h", "e"], ["i", "n"], ["e", "r"], ["Ġ", "a"], ["o", "n"], ["r", "e"], ["Ġt", "he"],
    ["a", "n"], ["o", "r"], ["e", "d"], ["i", "s"], ["Ġ", "s"], ["Ġ", "c"], ["Ġ", "f"], ["Ġ", "w"],
    ["Ġ", "Ġ"], ["ĠĠ", "ĠĠ"], ["Ċ", "Ċ"], ["Ġ", "i"]
];

export interface TinyVocabulary {
    readonly tokens: readonly string[];
    readonly tokenTypes: readonly number[];
    readonly merges: readonly string[];
    readonly idOf: ReadonlyMap<string, number>;
}

export function buildTinyVocabulary(options: Pick<TinyModelOptions, "withoutFimTokens" | "trainedMerges"> = {}): TinyVocabulary {
    const tokens: string[] = [...byteToUnicode()];
    const tokenTypes: number[] = tokens.map(() => TOKEN_TYPE_NORMAL);
    const idOf = new Map<string, number>(tokens.map((token, id) => [token, id]));
    const add = (text: string, type: number): void => {
        if (!idOf.has(text)) {
            idOf.set(text, tokens.length);
            tokens.push(text);
            tokenTypes.push(type);
        }
    };
    for (const [left, right] of MERGES) {
        if (!idOf.has(left) || !idOf.has(right)) {
            throw new Error(`merge "${left} ${right}" uses a token that is not in the vocabulary`);
        }
        add(left + right, TOKEN_TYPE_NORMAL);
    }
    for (const token of ADDED_TOKENS) {
        if (options.withoutFimTokens && FIM_TOKENS.includes(token.text)) {
            continue;
        }
        add(token.text, token.control ? TOKEN_TYPE_CONTROL : TOKEN_TYPE_USER_DEFINED);
    }
    const merges = MERGES.map(([left, right]) => `${left} ${right}`);
    if (options.trainedMerges) {
        const known = new Set(merges);
        for (const [left, right] of trainMerges(options.trainedMerges.corpus, options.trainedMerges.count, byteToUnicode())) {
            const merge = `${left} ${right}`;
            if (known.has(merge) || !idOf.has(left) || !idOf.has(right)) continue;
            known.add(merge);
            merges.push(merge);
            add(left + right, TOKEN_TYPE_NORMAL);
        }
    }
    return { tokens, tokenTypes, merges, idOf };
}

/** Id of a token (special or byte-level text like "Ġthe") in the tiny model's vocabulary. */
export function tinyTokenId(text: string, options: Pick<TinyModelOptions, "withoutFimTokens"> = {}): number {
    const id = buildTinyVocabulary(options).idOf.get(text);
    if (id === undefined) {
        throw new Error(`"${text}" is not in the tiny model's vocabulary`);
    }
    return id;
}

const defaultVocabulary = buildTinyVocabulary();
export const TINY_VOCABULARY_SIZE = defaultVocabulary.tokens.length;
export const TINY_TOKEN_IDS = {
    endOfText: defaultVocabulary.idOf.get("<|endoftext|>")!,
    imStart: defaultVocabulary.idOf.get("<|im_start|>")!,
    imEnd: defaultVocabulary.idOf.get("<|im_end|>")!,
    toolCall: defaultVocabulary.idOf.get("<tool_call>")!,
    toolCallEnd: defaultVocabulary.idOf.get("</tool_call>")!,
    fimPrefix: defaultVocabulary.idOf.get("<|fim_prefix|>")!,
    fimMiddle: defaultVocabulary.idOf.get("<|fim_middle|>")!,
    fimSuffix: defaultVocabulary.idOf.get("<|fim_suffix|>")!,
    think: defaultVocabulary.idOf.get("<think>")!,
    thinkEnd: defaultVocabulary.idOf.get("</think>")!
} as const;

// ---------------------------------------------------------------------------------------------------------
// Chat template

const repoRoot = path.resolve(__dirname, "..", "..");
const TEMPLATE_FIXTURE = path.join(repoRoot, "test", "fixtures", "qwen35", "chat_template.fixed.jinja");

let cachedTemplate: string | undefined;

/** The fixed Qwen3.5 template the code is checked against (test/fixtures/qwen35/README.md says where it comes from). */
export function readFixedChatTemplate(): string {
    if (cachedTemplate === undefined) cachedTemplate = readFileSync(TEMPLATE_FIXTURE, "utf8");
    return cachedTemplate;
}

// ---------------------------------------------------------------------------------------------------------
// GGUF writing

enum ValueType {
    Uint32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9
}

type Kv =
    | { key: string; type: ValueType.Uint32 | ValueType.Int32 | ValueType.Float32; value: number }
    | { key: string; type: ValueType.Bool; value: boolean }
    | { key: string; type: ValueType.String; value: string }
    | { key: string; type: ValueType.Array; itemType: ValueType.String; value: readonly string[] }
    | { key: string; type: ValueType.Array; itemType: ValueType.Int32 | ValueType.Uint32; value: readonly number[] };

interface TensorSpec {
    name: string;
    /** ggml `ne` order. */
    dims: number[];
    init: (random: () => number, index: number) => number;
}

/** Growable little-endian byte writer. */
class ByteWriter {
    private buffer = Buffer.alloc(64 * 1024);
    length = 0;

    private reserve(extra: number): void {
        if (this.length + extra > this.buffer.length) {
            const next = Buffer.alloc(Math.max(this.buffer.length * 2, this.length + extra));
            this.buffer.copy(next, 0, 0, this.length);
            this.buffer = next;
        }
    }

    u8(value: number): void { this.reserve(1); this.buffer.writeUInt8(value, this.length); this.length += 1; }
    u32(value: number): void { this.reserve(4); this.buffer.writeUInt32LE(value, this.length); this.length += 4; }
    i32(value: number): void { this.reserve(4); this.buffer.writeInt32LE(value, this.length); this.length += 4; }
    f32(value: number): void { this.reserve(4); this.buffer.writeFloatLE(value, this.length); this.length += 4; }
    u64(value: number): void { this.reserve(8); this.buffer.writeBigUInt64LE(BigInt(value), this.length); this.length += 8; }

    string(value: string): void {
        const bytes = Buffer.from(value, "utf8");
        this.u64(bytes.length);
        this.reserve(bytes.length);
        bytes.copy(this.buffer, this.length);
        this.length += bytes.length;
    }

    padTo(alignment: number): void {
        while (this.length % alignment !== 0) this.u8(0);
    }

    toBuffer(): Buffer {
        return Buffer.from(this.buffer.subarray(0, this.length));
    }
}


/** Standard normal samples by Box–Muller. */
function seededNormal(seed: number): () => number {
    const uniform = seededRandom(seed);
    let spare: number | undefined;
    return () => {
        if (spare !== undefined) {
            const value = spare;
            spare = undefined;
            return value;
        }
        const u1 = Math.max(uniform(), Number.MIN_VALUE);
        const u2 = uniform();
        const radius = Math.sqrt(-2 * Math.log(u1));
        spare = radius * Math.sin(2 * Math.PI * u2);
        return radius * Math.cos(2 * Math.PI * u2);
    };
}

const normal = (std: number) => (random: () => number): number => random() * std;
const constant = (value: number) => (): number => value;

function tensorSpecs(vocabularySize: number): TensorSpec[] {
    const h = TINY_HPARAMS;
    const E = h.embedding;
    const keyDim = h.stateSize * h.groups;
    const valueDim = h.stateSize * h.timeStepRank;
    const convDim = 2 * keyDim + valueDim;
    const weight = normal(0.02);
    // Norms are stored as "1 + w" by the converter, so 1.0 is the neutral weight.
    const norm = constant(1);

    const specs: TensorSpec[] = [
        { name: "token_embd.weight", dims: [E, vocabularySize], init: weight },
        { name: "output_norm.weight", dims: [E], init: norm },
        { name: "output.weight", dims: [E, vocabularySize], init: weight }
    ];
    for (let layer = 0; layer < h.blocks; layer++) {
        const blk = (name: string): string => `blk.${layer}.${name}`;
        specs.push(
            { name: blk("attn_norm.weight"), dims: [E], init: norm },
            { name: blk("post_attention_norm.weight"), dims: [E], init: norm }
        );
        const isLinearAttention = (layer + 1) % h.fullAttentionInterval !== 0;
        if (isLinearAttention) {
            specs.push(
                { name: blk("attn_qkv.weight"), dims: [E, convDim], init: weight },
                { name: blk("attn_gate.weight"), dims: [E, valueDim], init: weight },
                { name: blk("ssm_conv1d.weight"), dims: [h.convKernel, convDim], init: normal(0.2) },
                { name: blk("ssm_dt.bias"), dims: [h.timeStepRank], init: constant(0) },
                // A = -exp(A_log); negative keeps the recurrent state decaying instead of exploding.
                { name: blk("ssm_a"), dims: [h.timeStepRank], init: constant(-1) },
                { name: blk("ssm_beta.weight"), dims: [E, h.timeStepRank], init: weight },
                { name: blk("ssm_alpha.weight"), dims: [E, h.timeStepRank], init: weight },
                { name: blk("ssm_norm.weight"), dims: [h.stateSize], init: norm },
                { name: blk("ssm_out.weight"), dims: [valueDim, E], init: weight }
            );
        } else {
            specs.push(
                // The query projection carries the output gate too, hence the factor 2.
                { name: blk("attn_q.weight"), dims: [E, h.headDim * h.heads * 2], init: weight },
                { name: blk("attn_k.weight"), dims: [E, h.headDim * h.headsKv], init: weight },
                { name: blk("attn_v.weight"), dims: [E, h.headDim * h.headsKv], init: weight },
                { name: blk("attn_output.weight"), dims: [h.headDim * h.heads, E], init: weight },
                { name: blk("attn_q_norm.weight"), dims: [h.headDim], init: norm },
                { name: blk("attn_k_norm.weight"), dims: [h.headDim], init: norm }
            );
        }
        specs.push(
            { name: blk("ffn_gate_inp.weight"), dims: [E, h.experts], init: weight },
            { name: blk("ffn_gate_exps.weight"), dims: [E, h.expertFf, h.experts], init: weight },
            { name: blk("ffn_up_exps.weight"), dims: [E, h.expertFf, h.experts], init: weight },
            { name: blk("ffn_down_exps.weight"), dims: [h.expertFf, E, h.experts], init: weight },
            { name: blk("ffn_gate_inp_shexp.weight"), dims: [E], init: weight },
            { name: blk("ffn_gate_shexp.weight"), dims: [E, h.sharedFf], init: weight },
            { name: blk("ffn_up_shexp.weight"), dims: [E, h.sharedFf], init: weight },
            { name: blk("ffn_down_shexp.weight"), dims: [h.sharedFf, E], init: weight }
        );
    }
    return specs;
}

function metadata(options: TinyModelOptions, vocabulary: TinyVocabulary): Kv[] {
    const kvs = baseMetadata(options, options.duplicateToken
        ? { ...vocabulary, tokens: [...vocabulary.tokens.slice(0, -1), vocabulary.tokens[0]!] }
        : vocabulary);
    return kvs
        .filter((kv) => !(options.omitKeys ?? []).includes(kv.key))
        .map((kv) => {
            const replacement = options.setUint32?.[kv.key];
            return replacement === undefined ? kv : { key: kv.key, type: ValueType.Uint32, value: replacement };
        });
}

function baseMetadata(options: TinyModelOptions, vocabulary: TinyVocabulary): Kv[] {
    const h = TINY_HPARAMS;
    const arch = options.architecture ?? "qwen35moe";
    const u32 = (key: string, value: number): Kv => ({ key: `${arch}.${key}`, type: ValueType.Uint32, value });
    const f32 = (key: string, value: number): Kv => ({ key: `${arch}.${key}`, type: ValueType.Float32, value });
    const id = (text: string): number => vocabulary.idOf.get(text)!;
    return [
        { key: "general.architecture", type: ValueType.String, value: arch },
        { key: "general.name", type: ValueType.String, value: options.name ?? DEFAULT_NAME },
        { key: "general.file_type", type: ValueType.Uint32, value: 0 },
        { key: "general.alignment", type: ValueType.Uint32, value: ALIGNMENT },
        u32("context_length", options.contextLength ?? 4096),
        u32("embedding_length", h.embedding),
        u32("block_count", h.blocks),
        u32("attention.head_count", h.heads),
        u32("attention.head_count_kv", h.headsKv),
        u32("attention.key_length", h.headDim),
        u32("attention.value_length", h.headDim),
        u32("rope.dimension_count", h.ropeDims),
        u32("expert_count", h.experts),
        u32("expert_used_count", h.expertsUsed),
        u32("expert_feed_forward_length", h.expertFf),
        u32("expert_shared_feed_forward_length", h.sharedFf),
        u32("ssm.conv_kernel", h.convKernel),
        u32("ssm.state_size", h.stateSize),
        u32("ssm.group_count", h.groups),
        u32("ssm.time_step_rank", h.timeStepRank),
        u32("ssm.inner_size", h.stateSize * h.timeStepRank),
        u32("full_attention_interval", h.fullAttentionInterval),
        f32("attention.layer_norm_rms_epsilon", 1e-6),
        f32("rope.freq_base", 1e7),
        { key: `${arch}.rope.dimension_sections`, type: ValueType.Array, itemType: ValueType.Int32, value: h.ropeSections },
        { key: "tokenizer.ggml.model", type: ValueType.String, value: "gpt2" },
        { key: "tokenizer.ggml.pre", type: ValueType.String, value: "qwen35" },
        { key: "tokenizer.ggml.tokens", type: ValueType.Array, itemType: ValueType.String, value: vocabulary.tokens },
        { key: "tokenizer.ggml.token_type", type: ValueType.Array, itemType: ValueType.Int32, value: vocabulary.tokenTypes },
        { key: "tokenizer.ggml.merges", type: ValueType.Array, itemType: ValueType.String, value: vocabulary.merges },
        { key: "tokenizer.ggml.bos_token_id", type: ValueType.Uint32, value: id("<|endoftext|>") },
        { key: "tokenizer.ggml.eos_token_id", type: ValueType.Uint32, value: id("<|im_end|>") },
        { key: "tokenizer.ggml.padding_token_id", type: ValueType.Uint32, value: id("<|endoftext|>") },
        { key: "tokenizer.ggml.add_bos_token", type: ValueType.Bool, value: false },
        { key: "tokenizer.chat_template", type: ValueType.String, value: readFixedChatTemplate() }
    ];
}

function writeKv(writer: ByteWriter, kv: Kv): void {
    writer.string(kv.key);
    writer.u32(kv.type);
    switch (kv.type) {
        case ValueType.Uint32: writer.u32(kv.value); break;
        case ValueType.Int32: writer.i32(kv.value); break;
        case ValueType.Float32: writer.f32(kv.value); break;
        case ValueType.Bool: writer.u8(kv.value ? 1 : 0); break;
        case ValueType.String: writer.string(kv.value); break;
        case ValueType.Array:
            writer.u32(kv.itemType);
            writer.u64(kv.value.length);
            if (kv.itemType === ValueType.String) {
                for (const item of kv.value) writer.string(item);
            } else {
                for (const item of kv.value) {
                    if (kv.itemType === ValueType.Int32) writer.i32(item);
                    else writer.u32(item);
                }
            }
            break;
    }
}

/** Builds the whole GGUF in memory (about 1.2 MB, 73 F32 tensors). Same options, same bytes. */
export function buildTinyModel(options: TinyModelOptions = {}): Buffer {
    const vocabulary = buildTinyVocabulary(options);
    const kvs = metadata(options, vocabulary);
    const specs = tensorSpecs(vocabulary.tokens.length);
    const random = seededNormal(options.seed ?? DEFAULT_SEED);

    const header = new ByteWriter();
    header.u32(0x46554747); // "GGUF"
    header.u32(3);
    header.u64(specs.length);
    header.u64(kvs.length);
    for (const kv of kvs) writeKv(header, kv);

    // Tensors are packed in order, each padded to the alignment: llama.cpp checks offsets against exactly that.
    let offset = 0;
    for (const spec of specs) {
        header.string(spec.name);
        header.u32(spec.dims.length);
        for (const dim of spec.dims) header.u64(dim);
        header.u32(0); // GGML_TYPE_F32
        header.u64(offset);
        offset += Math.ceil((elementCount(spec) * 4) / ALIGNMENT) * ALIGNMENT;
    }
    header.padTo(ALIGNMENT);
    const headerBytes = header.toBuffer();

    const data = Buffer.alloc(offset);
    let position = 0;
    for (const spec of specs) {
        const count = elementCount(spec);
        for (let i = 0; i < count; i++) {
            data.writeFloatLE(spec.init(random, i), position + i * 4);
        }
        position += Math.ceil((count * 4) / ALIGNMENT) * ALIGNMENT;
    }
    return Buffer.concat([headerBytes, data]);
}

function elementCount(spec: TensorSpec): number {
    return spec.dims.reduce((product, dim) => product * dim, 1);
}

export async function writeTinyModel(filePath: string, options: TinyModelOptions = {}): Promise<void> {
    await writeAtomically(filePath, buildTinyModel(options));
}

/** Writes to a temporary name and renames, so a parallel test process never sees half a model. */
async function writeAtomically(filePath: string, bytes: Uint8Array): Promise<void> {
    await fs.mkdir(path.dirname(filePath), { recursive: true });
    const temporary = `${filePath}.${process.pid}.${Date.now()}.partial`;
    await fs.writeFile(temporary, bytes);
    await fs.rename(temporary, filePath);
}

// ---------------------------------------------------------------------------------------------------------
// Cached files for tests

export const TINY_MODEL_DIRECTORY = path.join(os.tmpdir(), "qwen-local-test-models");

const written = new Map<string, Promise<string>>();

function optionsHash(options: TinyModelOptions): string {
    const normalized = {
        writer: WRITER_VERSION,
        seed: options.seed ?? DEFAULT_SEED,
        architecture: options.architecture ?? "qwen35moe",
        name: options.name ?? DEFAULT_NAME,
        withoutFimTokens: options.withoutFimTokens ?? false,
        contextLength: options.contextLength ?? 4096,
        template: createHash("sha256").update(readFixedChatTemplate()).digest("hex"),
        // Only when given, so that the names of the files cached before these options existed stay the same.
        ...(options.omitKeys !== undefined ? { omitKeys: options.omitKeys } : {}),
        ...(options.setUint32 !== undefined ? { setUint32: options.setUint32 } : {}),
        ...(options.duplicateToken ? { duplicateToken: true } : {}),
        ...(options.trainedMerges !== undefined ? {
            trainedMerges: { count: options.trainedMerges.count, corpus: createHash("sha256").update(options.trainedMerges.corpus).digest("hex") }
        } : {})
    };
    return createHash("sha256").update(JSON.stringify(normalized)).digest("hex").slice(0, 16);
}

function once(key: string, produce: () => Promise<string>): Promise<string> {
    let pending = written.get(key);
    if (pending === undefined) {
        pending = produce();
        written.set(key, pending);
        pending.catch(() => written.delete(key));
    }
    return pending;
}

/** Writes the model once per process (per distinct options) under os.tmpdir() and returns its path. */
export function ensureTinyModel(options: TinyModelOptions = {}): Promise<string> {
    const hash = optionsHash(options);
    const filePath = path.join(TINY_MODEL_DIRECTORY, `tiny-${options.architecture ?? "qwen35moe"}-${hash}.gguf`);
    return once(filePath, async () => {
        await writeTinyModel(filePath, options);
        return filePath;
    });
}

/** Broken variants for error-path tests, written next to the cached model. */
export function ensureBrokenModel(kind: BrokenModelKind): Promise<string> {
    const filePath = path.join(TINY_MODEL_DIRECTORY, `broken-${kind}-${optionsHash({})}.gguf`);
    return once(filePath, async () => {
        await writeAtomically(filePath, buildBrokenModel(kind));
        return filePath;
    });
}

export function buildBrokenModel(kind: BrokenModelKind): Buffer {
    switch (kind) {
        case "empty":
            return Buffer.alloc(0);
        case "badMagic": {
            const bytes = buildTinyModel();
            bytes.write("GGUX", 0, "latin1");
            return bytes;
        }
        case "badVersion": {
            const bytes = buildTinyModel();
            bytes.writeUInt32LE(99, 4);
            return bytes;
        }
        case "truncated": {
            // Cut in the tensor data, as an interrupted download leaves it: the header parses, the size does not add up.
            const bytes = buildTinyModel();
            return bytes.subarray(0, Math.floor(bytes.length * 0.6));
        }
        case "garbage": {
            const uniform = seededRandom(99);
            const bytes = Buffer.alloc(64 * 1024);
            for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(uniform() * 256);
            return bytes;
        }
        case "wrongArchitecture":
            return buildTinyModel({ architecture: WRONG_ARCHITECTURE });
    }
}
