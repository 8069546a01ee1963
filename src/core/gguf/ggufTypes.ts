// Tables from ggml/llama.cpp (the copy bundled with node-llama-cpp 3.21.1): GGUF value types, ggml tensor
// types with their block geometry, and llama.cpp's file types. Block sizes and bytes were taken from
// `sizeof(block_*)` in ggml-common.h, so a tensor's byte size here equals ggml_nbytes() there.

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
export const GGUF_DEFAULT_ALIGNMENT = 32;
export const GGUF_SUPPORTED_VERSIONS: readonly number[] = [2, 3];
/** ggml tensors have at most 4 dimensions; llama.cpp rejects more. */
export const GGML_MAX_DIMS = 4;
/** ggml stores tensor names in a 64-byte buffer with a terminating NUL. */
export const GGML_MAX_NAME = 64;

export enum GgufValueType {
    Uint8 = 0,
    Int8 = 1,
    Uint16 = 2,
    Int16 = 3,
    Uint32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    Uint64 = 10,
    Int64 = 11,
    Float64 = 12
}

/** Bytes per element of the fixed-size GGUF value types (strings and arrays are variable). */
export const GGUF_VALUE_TYPE_SIZE: Readonly<Partial<Record<GgufValueType, number>>> = {
    [GgufValueType.Uint8]: 1,
    [GgufValueType.Int8]: 1,
    [GgufValueType.Uint16]: 2,
    [GgufValueType.Int16]: 2,
    [GgufValueType.Uint32]: 4,
    [GgufValueType.Int32]: 4,
    [GgufValueType.Float32]: 4,
    [GgufValueType.Bool]: 1,
    [GgufValueType.Uint64]: 8,
    [GgufValueType.Int64]: 8,
    [GgufValueType.Float64]: 8
};

export function ggufValueTypeName(type: number): string {
    const name = GgufValueType[type] as string | undefined;
    return name === undefined ? `type ${type}` : name.toLowerCase();
}

export interface GgmlTypeInfo {
    readonly id: number;
    readonly name: string;
    /** Elements per block; a row's length must be a multiple of it. */
    readonly blockSize: number;
    /** Bytes per block. */
    readonly typeSize: number;
}

const QK_K = 256;

function ggmlType(id: number, name: string, blockSize: number, typeSize: number): GgmlTypeInfo {
    return { id, name, blockSize, typeSize };
}

/**
 * ggml types that can appear in a GGUF file. Ids that ggml removed (4, 5, 31–33, 36–38) are absent on
 * purpose: llama.cpp refuses them, so a file using one is as unusable as one with an unknown id.
 */
export const GGML_TYPES: ReadonlyMap<number, GgmlTypeInfo> = new Map([
    ggmlType(0, "F32", 1, 4),
    ggmlType(1, "F16", 1, 2),
    ggmlType(2, "Q4_0", 32, 18),
    ggmlType(3, "Q4_1", 32, 20),
    ggmlType(6, "Q5_0", 32, 22),
    ggmlType(7, "Q5_1", 32, 24),
    ggmlType(8, "Q8_0", 32, 34),
    ggmlType(9, "Q8_1", 32, 36),
    ggmlType(10, "Q2_K", QK_K, 84),
    ggmlType(11, "Q3_K", QK_K, 110),
    ggmlType(12, "Q4_K", QK_K, 144),
    ggmlType(13, "Q5_K", QK_K, 176),
    ggmlType(14, "Q6_K", QK_K, 210),
    ggmlType(15, "Q8_K", QK_K, 292),
    ggmlType(16, "IQ2_XXS", QK_K, 66),
    ggmlType(17, "IQ2_XS", QK_K, 74),
    ggmlType(18, "IQ3_XXS", QK_K, 98),
    ggmlType(19, "IQ1_S", QK_K, 50),
    ggmlType(20, "IQ4_NL", 32, 18),
    ggmlType(21, "IQ3_S", QK_K, 110),
    ggmlType(22, "IQ2_S", QK_K, 82),
    ggmlType(23, "IQ4_XS", QK_K, 136),
    ggmlType(24, "I8", 1, 1),
    ggmlType(25, "I16", 1, 2),
    ggmlType(26, "I32", 1, 4),
    ggmlType(27, "I64", 1, 8),
    ggmlType(28, "F64", 1, 8),
    ggmlType(29, "IQ1_M", QK_K, 56),
    ggmlType(30, "BF16", 1, 2),
    ggmlType(34, "TQ1_0", QK_K, 54),
    ggmlType(35, "TQ2_0", QK_K, 66),
    ggmlType(39, "MXFP4", 32, 17),
    ggmlType(40, "NVFP4", 64, 36),
    ggmlType(41, "Q1_0", 128, 18),
    ggmlType(42, "Q2_0", 64, 18)
].map((info) => [info.id, info]));

export function ggmlTypeInfo(id: number): GgmlTypeInfo | undefined {
    return GGML_TYPES.get(id);
}

/**
 * Bytes a tensor occupies (ggml_nbytes for a contiguous tensor). BigInt because element counts of real
 * models approach 2^40 and corrupt headers can claim anything.
 */
export function ggmlTensorBytes(type: GgmlTypeInfo, dims: readonly bigint[]): bigint {
    let elements = 1n;
    for (const dim of dims) {
        elements *= dim;
    }
    return (elements / BigInt(type.blockSize)) * BigInt(type.typeSize);
}

/** llama.cpp's `general.file_type` values (enum llama_ftype) and the names llama.cpp prints for them. */
export const LLAMA_FILE_TYPES: ReadonlyMap<number, string> = new Map([
    [0, "F32"],
    [1, "F16"],
    [2, "Q4_0"],
    [3, "Q4_1"],
    [7, "Q8_0"],
    [8, "Q5_0"],
    [9, "Q5_1"],
    [10, "Q2_K"],
    [11, "Q3_K_S"],
    [12, "Q3_K_M"],
    [13, "Q3_K_L"],
    [14, "Q4_K_S"],
    [15, "Q4_K_M"],
    [16, "Q5_K_S"],
    [17, "Q5_K_M"],
    [18, "Q6_K"],
    [19, "IQ2_XXS"],
    [20, "IQ2_XS"],
    [21, "Q2_K_S"],
    [22, "IQ3_XS"],
    [23, "IQ3_XXS"],
    [24, "IQ1_S"],
    [25, "IQ4_NL"],
    [26, "IQ3_S"],
    [27, "IQ3_M"],
    [28, "IQ2_S"],
    [29, "IQ2_M"],
    [30, "IQ4_XS"],
    [31, "IQ1_M"],
    [32, "BF16"],
    [36, "TQ1_0"],
    [37, "TQ2_0"],
    [38, "MXFP4_MOE"],
    [39, "NVFP4"],
    [40, "Q1_0"],
    [41, "Q2_0"]
]);

/** Qwen3.5's added tokens, in vocabulary order (ids 248044–248076 in the real model). */
export const QWEN35_ADDED_TOKENS: readonly string[] = [
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|object_ref_start|>",
    "<|object_ref_end|>",
    "<|box_start|>",
    "<|box_end|>",
    "<|quad_start|>",
    "<|quad_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|vision_pad|>",
    "<|image_pad|>",
    "<|video_pad|>",
    "<tool_call>",
    "</tool_call>",
    "<|fim_prefix|>",
    "<|fim_middle|>",
    "<|fim_suffix|>",
    "<|fim_pad|>",
    "<|repo_name|>",
    "<|file_sep|>",
    "<tool_response>",
    "</tool_response>",
    "<think>",
    "</think>",
    "<|audio_start|>",
    "<|audio_end|>",
    "<tts_pad>",
    "<tts_text_bos>",
    "<tts_text_eod>",
    "<tts_text_bos_single>",
    "<|audio_pad|>"
];

/** The tokens a fill-in-the-middle prompt needs; llama.cpp finds them by text when no id key is set. */
export const QWEN35_FIM_TOKENS: readonly string[] = ["<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>"];

/** The tokens the chat format cannot do without. */
export const QWEN35_CHAT_TOKENS: readonly string[] = ["<|im_start|>", "<|im_end|>"];

export const SUPPORTED_ARCHITECTURES: readonly string[] = ["qwen35moe", "qwen35"];

/**
 * The architectures the llama.cpp bundled with node-llama-cpp 3.21.1 can load (LLM_ARCH_NAMES in its
 * src/llama-arch.cpp). A file claiming any other one fails to load ("unknown model architecture").
 */
export const LLAMA_CPP_ARCHITECTURES: ReadonlySet<string> = new Set([
    "clip", "llama", "llama4", "deci", "falcon", "grok", "gpt2", "gptj", "gptneox", "mpt", "baichuan", "starcoder", "refact",
    "bert", "modern-bert", "nomic-bert", "nomic-bert-moe", "neo-bert", "jina-bert-v2", "jina-bert-v3", "eurobert", "bloom",
    "stablelm", "qwen", "qwen2", "qwen2moe", "qwen2vl", "qwen3", "qwen3moe", "qwen3next", "qwen3vl", "qwen3vlmoe", "qwen35",
    "qwen35moe", "qwen4exp", "phi2", "phi3", "phimoe", "plamo", "plamo2", "plamo3", "codeshell", "orion", "internlm2",
    "minicpm", "minicpm3", "gemma", "gemma2", "gemma3", "gemma3n", "gemma4", "gemma4-assistant", "gemma-embedding",
    "starcoder2", "mamba", "mamba2", "jamba", "falcon-h1", "xverse", "command-r", "cohere2", "cohere2moe", "dbrx", "olmo",
    "olmo2", "olmoe", "muse-glimmer", "openelm", "arctic", "deepseek", "deepseek2", "deepseek2-ocr", "deepseek32",
    "deepseek4", "chatglm", "glm4", "glm4moe", "glm-dsa", "bitnet", "t5", "t5encoder", "jais", "jais2", "nemotron",
    "nemotron_h", "nemotron_h_moe", "exaone", "exaone4", "exaone-moe", "rwkv6", "rwkv6qwen2", "rwkv7", "arwkv7", "granite",
    "granitemoe", "granitehybrid", "graniteswitch", "granite_swa", "chameleon", "wavtokenizer-dec", "plm", "bailingmoe",
    "bailingmoe2", "bailingmoe3", "dots1", "dots3note", "arcee", "afmoe", "laguna", "ernie4_5", "ernie4_5-moe",
    "hunyuan-moe", "hunyuan-dense", "hunyuan_vl", "hy_v3", "smollm3", "gpt-oss", "lfm2", "lfm2moe", "dream",
    "smallthinker", "llada", "llada-moe", "seed_oss", "grovemoe", "apertus", "minimax-01", "minimax-m2", "minimax-m3",
    "cogvlm", "rnd1", "pangu-embedded", "mistral3", "eagle3", "dflash", "mistral4", "paddleocr", "mimo2", "step35",
    "llama-embed", "maincoder", "kimi-linear", "kimi-k3", "talkie", "mellum", "nanbeige", "qwen3tts", "pockettts"
]);

/** Keys llama.cpp reads without a default for every architecture (llama_model_base::load_hparams, the vocabulary). */
export const REQUIRED_KEYS_EVERY_ARCHITECTURE: readonly string[] = [
    "{arch}.context_length", "{arch}.embedding_length", "{arch}.block_count", "tokenizer.ggml.model"
];

/** And those Qwen3.5's loaders (src/models/qwen35.cpp, qwen35moe.cpp) read without a default. */
export const REQUIRED_KEYS_BY_ARCHITECTURE: Readonly<Record<string, readonly string[]>> = {
    qwen35: [
        "{arch}.attention.layer_norm_rms_epsilon", "{arch}.rope.dimension_sections", "{arch}.ssm.conv_kernel",
        "{arch}.ssm.inner_size", "{arch}.ssm.state_size", "{arch}.ssm.time_step_rank", "{arch}.ssm.group_count"
    ],
    qwen35moe: [
        "{arch}.attention.layer_norm_rms_epsilon", "{arch}.rope.dimension_sections", "{arch}.ssm.conv_kernel",
        "{arch}.ssm.inner_size", "{arch}.ssm.state_size", "{arch}.ssm.time_step_rank", "{arch}.ssm.group_count",
        "{arch}.expert_count", "{arch}.expert_used_count"
    ]
};

/** llama.cpp's LLAMA_MAX_LAYERS and LLAMA_MAX_EXPERTS: beyond them it aborts (GGML_ASSERT) while loading. */
export const LLAMA_MAX_LAYERS = 512;
export const LLAMA_MAX_EXPERTS = 1024;
