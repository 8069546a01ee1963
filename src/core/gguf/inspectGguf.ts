import type { GgufByteSource } from "./byteCursor";
import {
    DEFAULT_GGUF_PARSE_LIMITS,
    formatCount,
    parseGgufHeader,
    type GgufHeader,
    type GgufParseFailure,
    type GgufParseLimits,
    type GgufValue
} from "./ggufParser";
import {
    GGML_TYPES,
    GGUF_SUPPORTED_VERSIONS,
    LLAMA_CPP_ARCHITECTURES,
    LLAMA_FILE_TYPES,
    LLAMA_MAX_EXPERTS,
    LLAMA_MAX_LAYERS,
    QWEN35_CHAT_TOKENS,
    QWEN35_FIM_TOKENS,
    REQUIRED_KEYS_BY_ARCHITECTURE,
    REQUIRED_KEYS_EVERY_ARCHITECTURE,
    SUPPORTED_ARCHITECTURES
} from "./ggufTypes";

export type GgufProblemKind =
    | "missing"
    | "notAFile"
    | "unreadable"
    | "empty"
    | "notGguf"
    | "unsupportedVersion"
    | "truncated"
    | "corrupt"
    | "unknownTensorType"
    | "missingMetadata"
    | "invalidMetadata"
    | "unknownArchitecture"
    | "wrongArchitecture";

export interface GgufProblem {
    readonly kind: GgufProblemKind;
    /** For the user: what is wrong and what to do about it. */
    readonly message: string;
}

export interface GgufMetadataSummary {
    readonly contextLength?: number;
    readonly blockCount?: number;
    readonly expertCount?: number;
    readonly expertUsedCount?: number;
    readonly embeddingLength?: number;
    /** `general.file_type` (llama_ftype). */
    readonly fileType?: number;
    /** e.g. "Q4_K_M"; from the file type, or guessed from the commonest tensor type (then marked "(guessed)"). */
    readonly quantization?: string;
    readonly hasChatTemplate: boolean;
    readonly chatTemplate?: string;
    readonly hasFimTokens: boolean;
    readonly vocabularySize?: number;
    /** Ids of Qwen3.5's added tokens found in the vocabulary, by text. */
    readonly specialTokenIds: Readonly<Record<string, number>>;
    readonly parameterCount: number;
    /** For split models: this file's part number (1-based) and the number of parts. */
    readonly split?: { readonly index: number; readonly count: number };
}

export interface GgufInspection {
    readonly ok: boolean;
    readonly architecture?: string;
    readonly name?: string;
    readonly version?: number;
    readonly metadata?: GgufMetadataSummary;
    readonly tensorCount?: number;
    /** Smallest size that holds all the tensor data the header describes. */
    readonly expectedSizeBytes?: number;
    readonly actualSizeBytes: number;
    readonly problems: readonly GgufProblem[];
    readonly warnings: readonly string[];
    /** The parsed header, for callers that need more than the summary. */
    readonly header?: GgufHeader;
}

export interface InspectGgufOptions {
    /** Turns an unsupported architecture from a problem into a warning. */
    readonly allowOtherArchitectures?: boolean;
    /** How messages refer to the file, e.g. `The model file "Qwen3.5-35B-A3B-UD-Q4_K_XL.gguf"`. */
    readonly fileLabel?: string;
    readonly limits?: GgufParseLimits;
}

const DEFAULT_LABEL = "The model file";
const DOWNLOAD_AGAIN = "delete it and download it again";

export function describeBytes(bytes: number): string {
    return `${formatCount(bytes)} bytes`;
}

/** Reads a GGUF header and judges whether Qwen Local can run the file. Never throws on bad content. */
export async function inspectGguf(source: GgufByteSource, options: InspectGgufOptions = {}): Promise<GgufInspection> {
    const label = options.fileLabel ?? DEFAULT_LABEL;
    const actualSizeBytes = source.size;
    const parsed = await parseGgufHeader(source, options.limits ?? DEFAULT_GGUF_PARSE_LIMITS);
    if (!parsed.ok) {
        const architecture = stringValue(parsed.partialMetadata.get("general.architecture"));
        return {
            ok: false,
            architecture,
            name: stringValue(parsed.partialMetadata.get("general.name")),
            version: parsed.failure.version,
            actualSizeBytes,
            problems: [failureProblem(parsed.failure, label, actualSizeBytes)],
            warnings: []
        };
    }

    const header = parsed.header;
    const problems: GgufProblem[] = [];
    const warnings: string[] = [];
    const architecture = stringValue(header.metadata.get("general.architecture"));
    const metadata = summarize(header, architecture);

    for (const note of header.notes) {
        problems.push({ kind: "corrupt", message: `${label} cannot be loaded: ${note}, which llama.cpp cannot read. Download the model from another source.` });
    }

    if (header.expectedSizeBytes > actualSizeBytes) {
        problems.push({
            kind: "truncated",
            message: `${label} is ${describeBytes(actualSizeBytes)} but its tensors need ${formatCount(header.expectedSizeBytes)}: the download is incomplete — ${DOWNLOAD_AGAIN}.`
        });
    }

    if (architecture === undefined) {
        problems.push({
            kind: "missingMetadata",
            message: `${label} does not say which model architecture it holds (general.architecture is missing), so llama.cpp cannot load it. Download the model again from its publisher.`
        });
    } else if (!LLAMA_CPP_ARCHITECTURES.has(architecture)) {
        // Not even allowOtherArchitectures helps: llama.cpp refuses the file ("unknown model architecture").
        problems.push({
            kind: "unknownArchitecture",
            message: `${label} claims the model architecture "${architecture}", which this extension's llama.cpp does not know, so it cannot load it. Choose a Qwen3.5 GGUF, such as Qwen3.5-35B-A3B.`
        });
    } else if (!SUPPORTED_ARCHITECTURES.includes(architecture)) {
        const text = `${label} holds a "${architecture}" model; Qwen Local is built for Qwen3.5 (${SUPPORTED_ARCHITECTURES.map((a) => `"${a}"`).join(" or ")}).`;
        if (options.allowOtherArchitectures) {
            warnings.push(`${text} It may load, but prompts, tool calls and completions are tuned for Qwen3.5.`);
        } else {
            problems.push({ kind: "wrongArchitecture", message: `${text} Choose a Qwen3.5 GGUF, such as Qwen3.5-35B-A3B.` });
        }
    }

    // What llama.cpp needs from the architecture's metadata; checked on an otherwise sound file, where it is the
    // problem worth naming (on a damaged one the damage is).
    if (architecture !== undefined && LLAMA_CPP_ARCHITECTURES.has(architecture) && problems.length === 0) {
        problems.push(...metadataProblems(header, architecture, metadata, label));
    }

    if (header.version !== GGUF_SUPPORTED_VERSIONS[GGUF_SUPPORTED_VERSIONS.length - 1]) {
        warnings.push(`${label} uses the older GGUF version ${header.version}; it should still load.`);
    }
    if (!metadata.hasChatTemplate) {
        warnings.push(`${label} has no chat template; Qwen Local renders Qwen3.5's format itself, so chat still works if this is a Qwen3.5 model.`);
    }
    if (header.tokens !== undefined) {
        const missingChat = QWEN35_CHAT_TOKENS.filter((token) => metadata.specialTokenIds[token] === undefined);
        if (missingChat.length > 0) {
            warnings.push(`${label}'s vocabulary lacks ${missingChat.join(" and ")}, so the Qwen chat format will not work with it.`);
        }
    }
    if (!metadata.hasFimTokens) {
        warnings.push(`${label}'s vocabulary has no fill-in-the-middle tokens; inline completions will use the chat-style fallback.`);
    }
    if (metadata.split !== undefined && metadata.split.count > 1) {
        warnings.push(`${label} is part ${metadata.split.index} of ${metadata.split.count} of a split model; all parts must be in the same folder.`);
    }

    return {
        ok: problems.length === 0,
        architecture,
        name: stringValue(header.metadata.get("general.name")),
        version: header.version,
        metadata,
        tensorCount: header.tensorCount,
        expectedSizeBytes: header.expectedSizeBytes,
        actualSizeBytes,
        problems,
        warnings,
        header
    };
}

/**
 * The keys llama.cpp reads without a default for this architecture, and the values it asserts on (GGML_ASSERT,
 * which aborts the whole process) — reported here instead, before llama.cpp sees the file.
 */
function metadataProblems(header: GgufHeader, architecture: string, metadata: GgufMetadataSummary, label: string): GgufProblem[] {
    const required = [...REQUIRED_KEYS_EVERY_ARCHITECTURE, ...(REQUIRED_KEYS_BY_ARCHITECTURE[architecture] ?? [])]
        .map((key) => key.replace("{arch}", architecture));
    const missing = required.filter((key) => !header.metadata.has(key));
    if (missing.length > 0) {
        return [{
            kind: "missingMetadata",
            message: `${label} claims to be a "${architecture}" model but lacks ${missing.length === 1 ? "the key" : "the keys"} ${missing.join(", ")}, which llama.cpp needs to load it. The file was made by a broken converter or is damaged — ${DOWNLOAD_AGAIN} from its publisher.`
        }];
    }
    const invalid: string[] = [];
    const blocks = metadata.blockCount;
    if (blocks === undefined || !Number.isInteger(blocks) || blocks < 1 || blocks > LLAMA_MAX_LAYERS) {
        invalid.push(`${architecture}.block_count is ${describeValue(header.metadata.get(`${architecture}.block_count`))} (llama.cpp needs a whole number from 1 to ${LLAMA_MAX_LAYERS})`);
    }
    const experts = metadata.expertCount ?? 0;
    // expert_used_count may also be one number per layer; llama.cpp checks the largest.
    const usedValue = header.metadata.get(`${architecture}.expert_used_count`);
    const used = typeof usedValue === "object" && usedValue.kind === "array"
        ? Math.max(0, ...(usedValue.items ?? [1]).map((item) => (typeof item === "number" ? item : 1)))
        : metadata.expertUsedCount ?? 0;
    if (experts > LLAMA_MAX_EXPERTS) {
        invalid.push(`${architecture}.expert_count is ${experts} (llama.cpp allows at most ${LLAMA_MAX_EXPERTS})`);
    } else if (used > experts) {
        invalid.push(`${architecture}.expert_used_count is ${used}, more than the ${experts} experts of ${architecture}.expert_count`);
    } else if (experts > 0 && used === 0) {
        invalid.push(`${architecture}.expert_used_count is 0 although the model has ${experts} experts`);
    }
    if (invalid.length === 0) return [];
    return [{
        kind: "invalidMetadata",
        message: `${label} cannot be loaded: ${invalid.join("; ")}. The file was made by a broken converter or is damaged — ${DOWNLOAD_AGAIN} from its publisher.`
    }];
}

function describeValue(value: GgufValue | undefined): string {
    if (value === undefined) return "missing";
    if (typeof value === "object") return value.kind === "array" ? `an array of ${value.length}` : "a long string";
    return JSON.stringify(typeof value === "bigint" ? value.toString() : value);
}

function summarize(header: GgufHeader, architecture: string | undefined): GgufMetadataSummary {
    const get = (key: string): GgufValue | undefined => header.metadata.get(key);
    const archNumber = (suffix: string): number | undefined => architecture === undefined ? undefined : numberValue(get(`${architecture}.${suffix}`));

    const specialTokenIds: Record<string, number> = {};
    for (const [text, id] of header.tokens?.specialTokenIds ?? []) {
        specialTokenIds[text] = id;
    }
    const fimIdKeys = ["tokenizer.ggml.fim_pre_token_id", "tokenizer.ggml.fim_suf_token_id", "tokenizer.ggml.fim_mid_token_id"];
    const hasFimTokens = QWEN35_FIM_TOKENS.every((token) => specialTokenIds[token] !== undefined)
        || fimIdKeys.every((key) => numberValue(get(key)) !== undefined);

    const chatTemplate = stringValue(get("tokenizer.chat_template"));
    const fileType = numberValue(get("general.file_type"));
    const splitIndex = numberValue(get("split.no"));
    const splitCount = numberValue(get("split.count"));

    return {
        contextLength: archNumber("context_length"),
        blockCount: archNumber("block_count"),
        expertCount: archNumber("expert_count"),
        expertUsedCount: archNumber("expert_used_count"),
        embeddingLength: archNumber("embedding_length"),
        fileType,
        quantization: fileType !== undefined ? LLAMA_FILE_TYPES.get(fileType) ?? guessQuantization(header) : guessQuantization(header),
        hasChatTemplate: chatTemplate !== undefined && chatTemplate.length > 0,
        chatTemplate,
        hasFimTokens,
        vocabularySize: header.tokens?.count,
        specialTokenIds,
        parameterCount: header.tensors.reduce((sum, tensor) => sum + tensor.elements, 0),
        split: splitCount !== undefined ? { index: (splitIndex ?? 0) + 1, count: splitCount } : undefined
    };
}

/** Without general.file_type, the type holding most bytes among matrices names the quantization well enough. */
function guessQuantization(header: GgufHeader): string | undefined {
    const bytesByType = new Map<number, number>();
    for (const tensor of header.tensors) {
        if (tensor.dims.length >= 2) {
            bytesByType.set(tensor.type, (bytesByType.get(tensor.type) ?? 0) + tensor.bytes);
        }
    }
    let best: number | undefined;
    for (const [type, bytes] of bytesByType) {
        if (best === undefined || bytes > (bytesByType.get(best) ?? 0)) {
            best = type;
        }
    }
    return best === undefined ? undefined : `${GGML_TYPES.get(best)?.name ?? best} (guessed)`;
}

function failureProblem(failure: GgufParseFailure, label: string, size: number): GgufProblem {
    switch (failure.kind) {
        case "empty":
            return { kind: "empty", message: `${label} is empty (0 bytes): the download did not complete — ${DOWNLOAD_AGAIN}.` };
        case "notGguf":
            return { kind: "notGguf", message: `${label} is not a GGUF model: ${describeLeadingBytes(failure.leadingBytes)} Choose a .gguf file, or ${DOWNLOAD_AGAIN}.` };
        case "unsupportedVersion":
            return { kind: "unsupportedVersion", message: versionMessage(failure, label) };
        case "truncated":
            return {
                kind: "truncated",
                message: `${label} is ${describeBytes(size)} and ends in the middle of its header: the download is incomplete — ${DOWNLOAD_AGAIN}.`
            };
        case "unknownTensorType":
            return {
                kind: "unknownTensorType",
                message: `${label} uses unknown tensor type ${failure.tensorType ?? "?"} (in ${failure.detail}): it was made by a newer llama.cpp than this extension's, or it is damaged. Update Qwen Local, or download another quantization.`
            };
        case "corrupt":
            return { kind: "corrupt", message: `${label} is damaged: ${failure.detail}. ${capitalize(DOWNLOAD_AGAIN)}.` };
    }
}

function versionMessage(failure: GgufParseFailure, label: string): string {
    const version = failure.version ?? 0;
    if ((version & 0xffff) === 0 && version !== 0) {
        return `${label} was written for big-endian machines (its version field reads ${version}); llama.cpp here reads little-endian GGUF only. Download the ordinary (little-endian) GGUF.`;
    }
    if (version === 1) {
        return `${label} is GGUF version 1, which llama.cpp no longer reads. Download a current GGUF of the model.`;
    }
    if (version > 3) {
        return `${label} is GGUF version ${version}, newer than the versions this extension's llama.cpp reads (${GGUF_SUPPORTED_VERSIONS.join(" and ")}). Update Qwen Local, or download a GGUF version 3 file.`;
    }
    return `${label} claims GGUF version ${version}, which does not exist: the file is damaged — ${DOWNLOAD_AGAIN}.`;
}

/** Names what a non-GGUF file most likely is, because "wrong magic" alone does not help anyone. */
function describeLeadingBytes(bytes: Uint8Array | undefined): string {
    if (bytes === undefined || bytes.length < 4) {
        return `it is only ${bytes?.length ?? 0} bytes long, too short to be one.`;
    }
    const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
    const trimmed = text.trimStart().toLowerCase();
    if (trimmed.startsWith("version https://git-lfs")) {
        return "it is a Git LFS pointer, not the model itself (the repository was cloned without `git lfs pull`).";
    }
    if (trimmed.startsWith("<!doctype") || trimmed.startsWith("<html") || trimmed.startsWith("<?xml")) {
        return "it is a web page (an error or login page was saved instead of the model).";
    }
    if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
        return "it looks like JSON (an error response was saved instead of the model).";
    }
    if (bytes[0] === 0x50 && bytes[1] === 0x4b) {
        return "it is a ZIP archive; unpack it first if it contains a .gguf file.";
    }
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
        return "it is gzip-compressed; unpack it first.";
    }
    if (["lmgg", "fmgg", "tjgg", "GGML", "GGJT"].some((magic) => text.startsWith(magic))) {
        return "it is an old GGML/GGJT model, which llama.cpp no longer reads; download the GGUF version.";
    }
    const hex = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ");
    return `it starts with the bytes ${hex} instead of "GGUF".`;
}

function capitalize(text: string): string {
    return text.charAt(0).toUpperCase() + text.slice(1);
}

function stringValue(value: GgufValue | undefined): string | undefined {
    return typeof value === "string" ? value : undefined;
}

function numberValue(value: GgufValue | undefined): number | undefined {
    return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}
