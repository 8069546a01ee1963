import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { bufferByteSource, type GgufByteSource } from "../../src/core/gguf/byteCursor";
import { parseGgufHeader, type GgufArray } from "../../src/core/gguf/ggufParser";
import { GGML_TYPES, GgufValueType, ggmlTensorBytes, ggmlTypeInfo } from "../../src/core/gguf/ggufTypes";
import { inspectGguf, type GgufInspection, type GgufProblemKind } from "../../src/core/gguf/inspectGguf";
import { inspectGgufFile } from "../../src/engine/ggufFile";
import {
    TINY_TOKEN_IDS,
    TINY_VOCABULARY_SIZE,
    WRONG_ARCHITECTURE,
    buildBrokenModel,
    buildTinyModel,
    ensureBrokenModel,
    ensureTinyModel,
    readFixedChatTemplate,
    type BrokenModelKind
} from "../support/tinyModel";

// --- tiny hand-made GGUF pieces for cases the tiny model cannot express ----------------------------------

function u32(value: number): Buffer {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32LE(value);
    return bytes;
}

function u64(value: number | bigint): Buffer {
    const bytes = Buffer.alloc(8);
    bytes.writeBigUInt64LE(BigInt(value));
    return bytes;
}

function str(value: string): Buffer {
    const bytes = Buffer.from(value, "utf8");
    return Buffer.concat([u64(bytes.length), bytes]);
}

function kv(key: string, type: GgufValueType, value: Buffer): Buffer {
    return Buffer.concat([str(key), u32(type), value]);
}

function tensorInfo(name: string, dims: number[], type: number, offset: number): Buffer {
    return Buffer.concat([str(name), u32(dims.length), ...dims.map((d) => u64(d)), u32(type), u64(offset)]);
}

interface HandMade {
    version?: number;
    kvs?: Buffer[];
    tensors?: Buffer[];
    tensorCount?: number | bigint;
    kvCount?: number | bigint;
    data?: number;
}

/** A GGUF with the given pieces; `data` bytes of zeros after the 32-aligned header. */
function handMade(parts: HandMade): Buffer {
    const kvs = parts.kvs ?? [];
    const tensors = parts.tensors ?? [];
    const header = Buffer.concat([
        Buffer.from("GGUF", "latin1"),
        u32(parts.version ?? 3),
        u64(parts.tensorCount ?? tensors.length),
        u64(parts.kvCount ?? kvs.length),
        ...kvs,
        ...tensors
    ]);
    const padded = Math.ceil(header.length / 32) * 32;
    return Buffer.concat([header, Buffer.alloc(padded - header.length + (parts.data ?? 0))]);
}

const qwenArchitecture = kv("general.architecture", GgufValueType.String, str("qwen35moe"));
/** The keys llama.cpp cannot load a qwen35moe file without, beside the architecture. */
const qwenRequiredKeys = [
    ...["context_length", "embedding_length", "block_count", "ssm.conv_kernel", "ssm.inner_size", "ssm.state_size",
        "ssm.time_step_rank", "ssm.group_count", "expert_count", "expert_used_count"]
        .map((key) => kv(`qwen35moe.${key}`, GgufValueType.Uint32, u32(2))),
    kv("qwen35moe.attention.layer_norm_rms_epsilon", GgufValueType.Float32, Buffer.from(new Float32Array([1e-6]).buffer)),
    kv("qwen35moe.rope.dimension_sections", GgufValueType.Array, Buffer.concat([u32(GgufValueType.Int32), u64(4), u32(1), u32(1), u32(0), u32(0)])),
    kv("tokenizer.ggml.model", GgufValueType.String, str("gpt2"))
];

async function inspectBytes(bytes: Uint8Array, options = {}): Promise<GgufInspection> {
    return inspectGguf(bufferByteSource(bytes), options);
}

function problemKinds(inspection: GgufInspection): GgufProblemKind[] {
    return inspection.problems.map((problem) => problem.kind);
}

function commas(value: number): string {
    return value.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Seeded so that a fuzz failure reproduces. */
function seededRandom(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        return state / 4294967296;
    };
}

describe("GGUF header parser", () => {
    const tinyModel = buildTinyModel();

    describe("the tiny qwen35moe model", () => {
        let inspection: GgufInspection;

        before(async () => {
            inspection = await inspectBytes(tinyModel);
        });

        it("is accepted without problems or warnings", () => {
            assert.deepEqual(inspection.problems, []);
            assert.deepEqual(inspection.warnings, []);
            assert.equal(inspection.ok, true);
        });

        it("reports architecture, name, version and tensor count", () => {
            assert.equal(inspection.architecture, "qwen35moe");
            assert.equal(inspection.name, "Qwen Local tiny test model");
            assert.equal(inspection.version, 3);
            assert.equal(inspection.tensorCount, 73);
        });

        it("summarizes the metadata", () => {
            const metadata = inspection.metadata!;
            assert.equal(metadata.contextLength, 4096);
            assert.equal(metadata.blockCount, 4);
            assert.equal(metadata.expertCount, 4);
            assert.equal(metadata.expertUsedCount, 2);
            assert.equal(metadata.embeddingLength, 64);
            assert.equal(metadata.fileType, 0);
            assert.equal(metadata.quantization, "F32");
            assert.equal(metadata.vocabularySize, TINY_VOCABULARY_SIZE);
            assert.equal(metadata.split, undefined);
        });

        it("finds the chat template and the special tokens by text", () => {
            const metadata = inspection.metadata!;
            assert.equal(metadata.hasChatTemplate, true);
            assert.equal(metadata.chatTemplate, readFixedChatTemplate());
            assert.equal(metadata.hasFimTokens, true);
            assert.equal(metadata.specialTokenIds["<|im_start|>"], TINY_TOKEN_IDS.imStart);
            assert.equal(metadata.specialTokenIds["<|im_end|>"], TINY_TOKEN_IDS.imEnd);
            assert.equal(metadata.specialTokenIds["<|fim_middle|>"], TINY_TOKEN_IDS.fimMiddle);
            assert.equal(metadata.specialTokenIds["</think>"], TINY_TOKEN_IDS.thinkEnd);
            assert.equal(Object.keys(metadata.specialTokenIds).length, 33);
        });

        it("computes the expected size from the tensor infos alone", () => {
            assert.equal(inspection.expectedSizeBytes, tinyModel.length);
            assert.equal(inspection.actualSizeBytes, tinyModel.length);
            const header = inspection.header!;
            assert.equal(header.dataOffset % 32, 0);
            assert.equal(header.tensors[0].name, "token_embd.weight");
            assert.deepEqual(header.tensors[0].dims, [64, TINY_VOCABULARY_SIZE]);
            assert.equal(header.tensors[0].typeName, "F32");
            const f32Bytes = header.tensors.reduce((sum, tensor) => sum + tensor.bytes, 0);
            assert.equal(inspection.metadata!.parameterCount, f32Bytes / 4);
        });

        it("keeps small arrays and only counts big ones", () => {
            const header = inspection.header!;
            const sections = header.metadata.get("qwen35moe.rope.dimension_sections") as GgufArray;
            assert.deepEqual(sections.items, [3, 3, 2, 0]);
            const tokenTypes = header.metadata.get("tokenizer.ggml.token_type") as GgufArray;
            assert.equal(tokenTypes.length, TINY_VOCABULARY_SIZE);
            assert.equal(tokenTypes.items, undefined);
            assert.equal(header.metadataTypes.get("tokenizer.ggml.add_bos_token"), GgufValueType.Bool);
            assert.equal(header.metadata.get("tokenizer.ggml.add_bos_token"), false);
        });

        it("is deterministic for a seed and differs across seeds", () => {
            assert.ok(buildTinyModel().equals(tinyModel));
            assert.ok(!buildTinyModel({ seed: 7 }).equals(tinyModel));
            assert.equal(buildTinyModel({ seed: 7 }).length, tinyModel.length);
        });

        it("reads only the header, not the tensor data", async () => {
            let bytesRead = 0;
            const counting: GgufByteSource = {
                size: tinyModel.length,
                read: async (offset, length) => {
                    const bytes = tinyModel.subarray(offset, offset + Math.min(length, 64 * 1024));
                    bytesRead += bytes.length;
                    return bytes;
                }
            };
            const result = await inspectGguf(counting);
            assert.equal(result.ok, true);
            assert.ok(bytesRead < result.header!.dataOffset + 64 * 1024, `read ${bytesRead} bytes`);
        });
    });

    describe("options of the tiny model", () => {
        it("without FIM tokens: no FIM, and a warning about the fallback", async () => {
            const inspection = await inspectBytes(buildTinyModel({ withoutFimTokens: true }));
            assert.equal(inspection.ok, true);
            assert.equal(inspection.metadata!.hasFimTokens, false);
            assert.equal(inspection.metadata!.specialTokenIds["<|fim_prefix|>"], undefined);
            assert.match(inspection.warnings.join("\n"), /fill-in-the-middle/);
        });

        it("context length and name are written as given", async () => {
            const inspection = await inspectBytes(buildTinyModel({ contextLength: 1024, name: "Another" }));
            assert.equal(inspection.metadata!.contextLength, 1024);
            assert.equal(inspection.name, "Another");
        });

        it("another architecture is a problem that names it, or a warning when allowed", async () => {
            const bytes = buildTinyModel({ architecture: "qwen3moe" });
            const refused = await inspectBytes(bytes);
            assert.deepEqual(problemKinds(refused), ["wrongArchitecture"]);
            assert.match(refused.problems[0].message, /"qwen3moe"/);
            assert.equal(refused.metadata!.contextLength, 4096, "the architecture's own keys are summarized");

            const allowed = await inspectBytes(bytes, { allowOtherArchitectures: true });
            assert.equal(allowed.ok, true);
            assert.match(allowed.warnings.join("\n"), /"qwen3moe"/);
        });

        it("a key llama.cpp needs is missing: a problem that names it, even with other architectures allowed", async () => {
            const bytes = buildTinyModel({ omitKeys: ["qwen35moe.block_count", "qwen35moe.ssm.state_size"] });
            for (const options of [{}, { allowOtherArchitectures: true }]) {
                const inspection = await inspectBytes(bytes, options);
                assert.equal(inspection.ok, false);
                assert.deepEqual(problemKinds(inspection), ["missingMetadata"]);
                assert.match(inspection.problems[0].message, /claims to be a "qwen35moe" model but lacks the keys qwen35moe\.block_count, qwen35moe\.ssm\.state_size, which llama\.cpp needs/);
            }
            const withoutTokenizer = await inspectBytes(buildTinyModel({ architecture: "qwen3moe", omitKeys: ["tokenizer.ggml.model"] }),
                { allowOtherArchitectures: true });
            assert.deepEqual(problemKinds(withoutTokenizer), ["missingMetadata"]);
            assert.match(withoutTokenizer.problems[0].message, /lacks the key tokenizer\.ggml\.model/);
        });

        it("values llama.cpp would abort on are problems: more experts used than there are, no layers", async () => {
            const tooMany = await inspectBytes(buildTinyModel({ setUint32: { "qwen35moe.expert_used_count": 5 } }));
            assert.deepEqual(problemKinds(tooMany), ["invalidMetadata"]);
            assert.match(tooMany.problems[0].message, /qwen35moe\.expert_used_count is 5, more than the 4 experts/);
            const noLayers = await inspectBytes(buildTinyModel({ setUint32: { "qwen35moe.block_count": 0 } }));
            assert.deepEqual(problemKinds(noLayers), ["invalidMetadata"]);
            assert.match(noLayers.problems[0].message, /qwen35moe\.block_count is 0 \(llama\.cpp needs a whole number from 1 to 512\)/);
        });

        it("an architecture llama.cpp does not know is never ok, not even when other architectures are allowed", async () => {
            const bytes = buildTinyModel({ architecture: "qwen99" });
            for (const options of [{}, { allowOtherArchitectures: true }]) {
                const inspection = await inspectBytes(bytes, options);
                assert.equal(inspection.ok, false);
                assert.deepEqual(problemKinds(inspection), ["unknownArchitecture"]);
                assert.match(inspection.problems[0].message, /claims the model architecture "qwen99", which this extension's llama\.cpp does not know/);
            }
        });

        it("qwen35 (dense) is supported too", async () => {
            const inspection = await inspectBytes(buildTinyModel({ architecture: "qwen35" }));
            assert.deepEqual(problemKinds(inspection), []);
        });
    });

    describe("broken variants", () => {
        const expected: Record<BrokenModelKind, { kind: GgufProblemKind; message: RegExp }> = {
            badMagic: { kind: "notGguf", message: /not a GGUF model.*47 47 55 58/ },
            truncated: {
                kind: "truncated",
                message: new RegExp(`is ${commas(Math.floor(tinyModel.length * 0.6))} bytes but its tensors need ${commas(tinyModel.length)}: the download is incomplete — delete it and download it again`)
            },
            garbage: { kind: "notGguf", message: /not a GGUF model/ },
            wrongArchitecture: { kind: "wrongArchitecture", message: new RegExp(`"${WRONG_ARCHITECTURE}" model; Qwen Local is built for Qwen3.5`) },
            empty: { kind: "empty", message: /is empty \(0 bytes\)/ },
            badVersion: { kind: "unsupportedVersion", message: /GGUF version 99, newer than/ }
        };

        for (const [kind, want] of Object.entries(expected) as [BrokenModelKind, typeof expected[BrokenModelKind]][]) {
            it(`${kind} → ${want.kind} (in memory)`, async () => {
                const inspection = await inspectBytes(buildBrokenModel(kind));
                assert.equal(inspection.ok, false);
                assert.deepEqual(problemKinds(inspection), [want.kind]);
                assert.match(inspection.problems[0].message, want.message);
            });

            it(`${kind} → ${want.kind} (on disk)`, async () => {
                const inspection = await inspectGgufFile(await ensureBrokenModel(kind));
                assert.deepEqual(problemKinds(inspection), [want.kind]);
                assert.match(inspection.problems[0].message, new RegExp(`^The model file "broken-${kind}-[0-9a-f]+\\.gguf"`));
                assert.match(inspection.problems[0].message, want.message);
            });
        }

        it("a file cut inside its header is truncated, not corrupt", async () => {
            const inspection = await inspectBytes(tinyModel.subarray(0, 5000));
            assert.deepEqual(problemKinds(inspection), ["truncated"]);
            assert.match(inspection.problems[0].message, /5,000 bytes and ends in the middle of its header/);
            assert.equal(inspection.architecture, "qwen35moe", "what was read before the cut is still reported");
        });

        it("a file cut after its header is truncated with both sizes", async () => {
            const cut = tinyModel.subarray(0, 100_000);
            const inspection = await inspectBytes(cut);
            assert.deepEqual(problemKinds(inspection), ["truncated"]);
            assert.match(inspection.problems[0].message, new RegExp(`100,000 bytes but its tensors need ${commas(tinyModel.length)}`));
            assert.equal(inspection.tensorCount, 73);
        });
    });

    describe("bad headers", () => {
        it("GGUF version 1 and version 0", async () => {
            const v1 = await inspectBytes(handMade({ version: 1 }));
            assert.deepEqual(problemKinds(v1), ["unsupportedVersion"]);
            assert.match(v1.problems[0].message, /version 1, which llama.cpp no longer reads/);
            const v0 = await inspectBytes(handMade({ version: 0 }));
            assert.match(v0.problems[0].message, /version 0, which does not exist/);
        });

        it("a big-endian file", async () => {
            const inspection = await inspectBytes(handMade({ version: 0x03000000 }));
            assert.deepEqual(problemKinds(inspection), ["unsupportedVersion"]);
            assert.match(inspection.problems[0].message, /big-endian/);
        });

        it("GGUF version 2 loads with a note", async () => {
            const inspection = await inspectBytes(handMade({ version: 2, kvs: [qwenArchitecture, ...qwenRequiredKeys] }));
            assert.deepEqual(problemKinds(inspection), []);
            assert.match(inspection.warnings.join("\n"), /older GGUF version 2/);
        });

        it("an unknown tensor type", async () => {
            const bytes = handMade({ kvs: [qwenArchitecture], tensors: [tensorInfo("blk.0.ffn_up_exps.weight", [256, 4], 77, 0)], data: 1024 });
            const inspection = await inspectBytes(bytes);
            assert.deepEqual(problemKinds(inspection), ["unknownTensorType"]);
            assert.match(inspection.problems[0].message, /unknown tensor type 77 .*blk\.0\.ffn_up_exps\.weight/);
        });

        it("a removed tensor type (Q4_2) counts as unknown", async () => {
            const bytes = handMade({ kvs: [qwenArchitecture], tensors: [tensorInfo("w", [32], 4, 0)], data: 64 });
            assert.deepEqual(problemKinds(await inspectBytes(bytes)), ["unknownTensorType"]);
        });

        it("absurd counts and lengths are corrupt, and fail fast", async () => {
            const cases: Buffer[] = [
                handMade({ tensorCount: 1n << 40n }),
                handMade({ kvCount: 1n << 40n }),
                handMade({ tensorCount: 1n << 63n }),
                handMade({ kvs: [Buffer.concat([u64(1n << 50n), Buffer.from("x")])] }),
                handMade({ kvs: [kv("a", GgufValueType.String, u64(1n << 40n))] }),
                handMade({ kvs: [kv("a", GgufValueType.Array, Buffer.concat([u32(GgufValueType.Uint8), u64(1n << 40n)]))] }),
                handMade({ kvs: [kv("a", 13 as GgufValueType, u32(0))] }),
                handMade({ kvs: [qwenArchitecture], tensors: [tensorInfo("w", [1, 2, 3, 4, 5], 0, 0)] }),
                handMade({ kvs: [qwenArchitecture], tensors: [tensorInfo("w", [1 << 30, 1 << 30, 1 << 30], 0, 0)] }),
                handMade({ kvs: [qwenArchitecture], tensors: [tensorInfo("x".repeat(64), [4], 0, 0)] })
            ];
            for (const bytes of cases) {
                const started = Date.now();
                const inspection = await inspectBytes(bytes);
                assert.deepEqual(problemKinds(inspection), ["corrupt"], inspection.problems.map((p) => p.message).join());
                assert.match(inspection.problems[0].message, /is damaged: .+\. Delete it and download it again\./);
                assert.ok(Date.now() - started < 200);
            }
        });

        it("duplicate keys, duplicate tensors, misplaced tensors and bad alignment are corrupt", async () => {
            const cases: [Buffer, RegExp][] = [
                [handMade({ kvs: [qwenArchitecture, qwenArchitecture] }), /"general.architecture" appears twice/],
                [handMade({ kvs: [qwenArchitecture], tensors: [tensorInfo("w", [8], 0, 0), tensorInfo("w", [8], 0, 32)], data: 64 }), /"w" appears twice/],
                [handMade({ kvs: [qwenArchitecture], tensors: [tensorInfo("a", [8], 0, 0), tensorInfo("b", [8], 0, 64)], data: 128 }), /"b" is at data offset 64 but the tensors before it end at 32/],
                [handMade({ kvs: [qwenArchitecture, kv("general.alignment", GgufValueType.Uint32, u32(48))] }), /general.alignment is 48, not a power of two/],
                [handMade({ kvs: [qwenArchitecture, kv("general.alignment", GgufValueType.Uint64, u64(32))] }), /general.alignment must be a uint32 but is a uint64/],
                [handMade({ kvs: [qwenArchitecture], tensors: [tensorInfo("q", [33], 8, 0)], data: 64 }), /rows of 33 elements, not a multiple of Q8_0's block of 32/]
            ];
            for (const [bytes, message] of cases) {
                const inspection = await inspectBytes(bytes);
                assert.deepEqual(problemKinds(inspection), ["corrupt"]);
                assert.match(inspection.problems[0].message, message);
            }
        });

        it("a file with no architecture", async () => {
            const inspection = await inspectBytes(handMade({}));
            assert.deepEqual(problemKinds(inspection), ["missingMetadata"]);
            assert.match(inspection.problems[0].message, /general.architecture is missing/);
        });

        it("names what a non-GGUF file probably is", async () => {
            const cases: [string | Buffer, RegExp][] = [
                ["version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123\n", /Git LFS pointer/],
                ["<!DOCTYPE html><html><body>Not found</body></html>", /web page/],
                ['{"error":"Repository not found"}', /JSON/],
                [Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]), /ZIP archive/],
                ["GG", /only 2 bytes long/]
            ];
            for (const [content, message] of cases) {
                const inspection = await inspectBytes(typeof content === "string" ? Buffer.from(content) : content);
                assert.deepEqual(problemKinds(inspection), ["notGguf"]);
                assert.match(inspection.problems[0].message, message);
            }
        });
    });

    describe("value types", () => {
        it("parses every GGUF value type, including nested arrays", async () => {
            const i8 = Buffer.alloc(1); i8.writeInt8(-5);
            const u16 = Buffer.alloc(2); u16.writeUInt16LE(65000);
            const i16 = Buffer.alloc(2); i16.writeInt16LE(-300);
            const i32 = Buffer.alloc(4); i32.writeInt32LE(-70000);
            const f32 = Buffer.alloc(4); f32.writeFloatLE(0.5);
            const i64 = Buffer.alloc(8); i64.writeBigInt64LE(-(1n << 60n));
            const f64 = Buffer.alloc(8); f64.writeDoubleLE(Math.PI);
            const nested = Buffer.concat([
                u32(GgufValueType.Array), u64(2),
                u32(GgufValueType.Uint8), u64(2), Buffer.from([1, 2]),
                u32(GgufValueType.String), u64(1), str("x")
            ]);
            const bytes = handMade({
                kvs: [
                    qwenArchitecture,
                    kv("t.u8", GgufValueType.Uint8, Buffer.from([200])),
                    kv("t.i8", GgufValueType.Int8, i8),
                    kv("t.u16", GgufValueType.Uint16, u16),
                    kv("t.i16", GgufValueType.Int16, i16),
                    kv("t.u32", GgufValueType.Uint32, u32(4_000_000_000)),
                    kv("t.i32", GgufValueType.Int32, i32),
                    kv("t.f32", GgufValueType.Float32, f32),
                    kv("t.bool", GgufValueType.Bool, Buffer.from([1])),
                    kv("t.string", GgufValueType.String, str("héllo")),
                    kv("t.u64", GgufValueType.Uint64, u64(1n << 62n)),
                    kv("t.u64small", GgufValueType.Uint64, u64(42)),
                    kv("t.i64", GgufValueType.Int64, i64),
                    kv("t.f64", GgufValueType.Float64, f64),
                    kv("t.strings", GgufValueType.Array, Buffer.concat([u32(GgufValueType.String), u64(2), str("a"), str("b")])),
                    kv("t.big", GgufValueType.Array, Buffer.concat([u32(GgufValueType.Uint16), u64(1000), Buffer.alloc(2000)])),
                    kv("t.nested", GgufValueType.Array, nested)
                ]
            });
            const parsed = await parseGgufHeader(bufferByteSource(bytes));
            assert.ok(parsed.ok);
            const m = parsed.header.metadata;
            assert.equal(m.get("t.u8"), 200);
            assert.equal(m.get("t.i8"), -5);
            assert.equal(m.get("t.u16"), 65000);
            assert.equal(m.get("t.i16"), -300);
            assert.equal(m.get("t.u32"), 4_000_000_000);
            assert.equal(m.get("t.i32"), -70000);
            assert.equal(m.get("t.f32"), 0.5);
            assert.equal(m.get("t.bool"), true);
            assert.equal(m.get("t.string"), "héllo");
            assert.equal(m.get("t.u64"), 1n << 62n);
            assert.equal(m.get("t.u64small"), 42);
            assert.equal(m.get("t.i64"), -(1n << 60n));
            assert.equal(m.get("t.f64"), Math.PI);
            assert.deepEqual((m.get("t.strings") as GgufArray).items, ["a", "b"]);
            assert.equal((m.get("t.big") as GgufArray).length, 1000);
            const nestedValue = m.get("t.nested") as GgufArray;
            assert.equal(nestedValue.length, 2);
            assert.equal(((nestedValue.items![0]) as GgufArray).length, 2);

            // llama.cpp cannot read arrays of arrays, so the inspector refuses what the parser accepts.
            const inspection = await inspectBytes(bytes);
            assert.deepEqual(problemKinds(inspection), ["corrupt"]);
            assert.match(inspection.problems[0].message, /"t.nested" holds an array of arrays/);
        });
    });

    describe("ggml type table", () => {
        it("matches ggml's block sizes", () => {
            assert.deepEqual([ggmlTypeInfo(12)!.blockSize, ggmlTypeInfo(12)!.typeSize], [256, 144]); // Q4_K
            assert.deepEqual([ggmlTypeInfo(8)!.blockSize, ggmlTypeInfo(8)!.typeSize], [32, 34]); // Q8_0
            assert.deepEqual([ggmlTypeInfo(39)!.blockSize, ggmlTypeInfo(39)!.typeSize], [32, 17]); // MXFP4
            assert.equal(ggmlTensorBytes(ggmlTypeInfo(14)!, [2048n, 512n, 256n]), 2048n / 256n * 210n * 512n * 256n); // Q6_K
            assert.equal(ggmlTypeInfo(4), undefined);
            for (const type of GGML_TYPES.values()) {
                assert.ok(type.blockSize > 0 && type.typeSize > 0, type.name);
            }
        });
    });

    describe("fuzzing", () => {
        it("random byte flips and truncations of the tiny model never throw and finish fast", async function () {
            this.timeout(60_000);
            const random = seededRandom(20240229);
            const headerEnd = (await inspectBytes(tinyModel)).header!.dataOffset;
            const kinds = new Map<string, number>();
            const started = Date.now();
            for (let round = 0; round < 600; round++) {
                const bytes = Buffer.from(tinyModel);
                const flips = 1 + Math.floor(random() * 8);
                for (let i = 0; i < flips; i++) {
                    // Mostly in the header, where a flip changes what the parser sees.
                    const position = random() < 0.9 ? Math.floor(random() * headerEnd) : Math.floor(random() * bytes.length);
                    bytes[position] = random() < 0.5 ? bytes[position] ^ (1 << Math.floor(random() * 8)) : Math.floor(random() * 256);
                }
                const length = random() < 0.3 ? Math.floor(random() * bytes.length) : bytes.length;
                const roundStarted = Date.now();
                const inspection = await inspectBytes(bytes.subarray(0, length));
                assert.ok(Date.now() - roundStarted < 2000, `round ${round} took ${Date.now() - roundStarted} ms`);
                assert.equal(inspection.ok, inspection.problems.length === 0);
                for (const problem of inspection.problems) {
                    assert.ok(problem.message.length > 20);
                    kinds.set(problem.kind, (kinds.get(problem.kind) ?? 0) + 1);
                }
            }
            assert.ok(Date.now() - started < 30_000);
            assert.ok((kinds.get("truncated") ?? 0) > 0 && (kinds.get("corrupt") ?? 0) > 0, JSON.stringify([...kinds]));
        });
    });
});

describe("inspectGgufFile", () => {
    let directory: string;

    before(async () => {
        directory = await fs.mkdtemp(path.join(os.tmpdir(), "qwen-local-gguf-"));
    });

    after(async () => {
        await fs.rm(directory, { recursive: true, force: true });
    });

    it("accepts the cached tiny model", async () => {
        const inspection = await inspectGgufFile(await ensureTinyModel());
        assert.deepEqual(inspection.problems, []);
        assert.equal(inspection.tensorCount, 73);
    });

    it("a missing file", async () => {
        const missing = path.join(directory, "nope.gguf");
        const inspection = await inspectGgufFile(missing);
        assert.deepEqual(problemKinds(inspection), ["missing"]);
        assert.match(inspection.problems[0].message, /"nope.gguf" does not exist/);
        assert.ok(inspection.problems[0].message.includes(missing));
    });

    it("a folder", async () => {
        const inspection = await inspectGgufFile(directory);
        assert.deepEqual(problemKinds(inspection), ["notAFile"]);
        assert.match(inspection.problems[0].message, /is a folder/);
    });

    it("a named pipe (FIFO) is refused at once, without waiting for a writer", async function () {
        if (process.platform === "win32") {
            this.skip();
        }
        const fifo = path.join(directory, "pipe.gguf");
        execFileSync("mkfifo", [fifo]);
        // Before the check, opening the FIFO waited forever for a writer: the test ran into its timeout.
        const inspection = await inspectGgufFile(fifo);
        assert.deepEqual(problemKinds(inspection), ["notAFile"]);
        assert.match(inspection.problems[0].message, /is a named pipe \(FIFO\), not a model file .*a model must be a regular \.gguf file/);
        const linked = path.join(directory, "link-to-pipe.gguf");
        await fs.symlink(fifo, linked);
        assert.match((await inspectGgufFile(linked)).problems[0].message, /named pipe/, "a link to a FIFO too");
    });

    it("devices are refused without reading them: /dev/zero, /dev/null", async function () {
        if (process.platform === "win32") {
            this.skip();
        }
        for (const device of ["/dev/zero", "/dev/null"]) {
            const inspection = await inspectGgufFile(device);
            assert.deepEqual(problemKinds(inspection), ["notAFile"], device);
            assert.match(inspection.problems[0].message, /is a character device, not a model file/);
        }
    });

    it("a symbolic link to a model is followed", async () => {
        const linked = path.join(directory, "link.gguf");
        await fs.symlink(await ensureTinyModel(), linked);
        assert.deepEqual((await inspectGgufFile(linked)).problems, []);
    });

    it("a file without read permission: unreadable, with the reason (root reads it anyway, and finds it sound)", async function () {
        if (process.platform === "win32") this.skip(); // no mode bits
        const locked = path.join(directory, "locked.gguf");
        await fs.writeFile(locked, buildTinyModel());
        await fs.chmod(locked, 0o000);
        const inspection = await inspectGgufFile(locked);
        if (process.getuid?.() === 0) {
            // Root ignores the mode bits: the file is read like any other.
            assert.deepEqual(inspection.problems, []);
            assert.equal(inspection.ok, true);
            return;
        }
        assert.deepEqual(problemKinds(inspection), ["unreadable"]);
        assert.match(inspection.problems[0].message, /permission denied/);
    });

    it("reads only the header of a huge (sparse) file", async function () {
        this.timeout(20_000);
        const huge = path.join(directory, "huge.gguf");
        await fs.writeFile(huge, buildTinyModel());
        const size = 20 * 1024 * 1024 * 1024;
        try {
            await fs.truncate(huge, size);
        } catch {
            this.skip(); // a file system without sparse files
        }
        // Reading 20 GB would run far past this test's timeout: only the header is read.
        const inspection = await inspectGgufFile(huge, { fileLabel: "The huge file" });
        assert.equal(inspection.ok, true);
        assert.equal(inspection.actualSizeBytes, size);
    });

    it("uses the caller's label", async () => {
        const inspection = await inspectGgufFile(await ensureBrokenModel("empty"), { fileLabel: "Your model" });
        assert.match(inspection.problems[0].message, /^Your model is empty/);
    });
});
