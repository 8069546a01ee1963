import { ByteCursor, EndOfDataError, type GgufByteSource } from "./byteCursor";
import {
    GGML_MAX_DIMS,
    GGML_MAX_NAME,
    GGUF_DEFAULT_ALIGNMENT,
    GGUF_MAGIC,
    GGUF_SUPPORTED_VERSIONS,
    GGUF_VALUE_TYPE_SIZE,
    GgufValueType,
    QWEN35_ADDED_TOKENS,
    ggmlTensorBytes,
    ggmlTypeInfo,
    ggufValueTypeName
} from "./ggufTypes";

/** An array value: its element type and length, and its items only when it is small. */
export interface GgufArray {
    readonly kind: "array";
    readonly itemType: GgufValueType;
    readonly length: number;
    /** Present when the array has at most `limits.maxKeptArrayItems` items. */
    readonly items?: readonly GgufValue[];
}

/** A string too long to keep (over the limits); only its length is known. */
export interface GgufSkippedString {
    readonly kind: "skippedString";
    readonly length: number;
}

export type GgufValue = number | bigint | boolean | string | GgufArray | GgufSkippedString;

export interface GgufTensorInfo {
    readonly name: string;
    /** In ggml `ne` order, fastest-varying first. */
    readonly dims: readonly number[];
    readonly type: number;
    readonly typeName: string;
    /** Relative to the start of the data section. */
    readonly offset: number;
    readonly bytes: number;
    readonly elements: number;
}

/** What the scan of `tokenizer.ggml.tokens` found, without keeping a quarter-million strings. */
export interface GgufTokenScan {
    readonly count: number;
    /** Id of every Qwen3.5 added token found in the vocabulary, by text. */
    readonly specialTokenIds: ReadonlyMap<string, number>;
}

export interface GgufHeader {
    readonly version: number;
    readonly tensorCount: number;
    readonly kvCount: number;
    readonly metadata: ReadonlyMap<string, GgufValue>;
    readonly metadataTypes: ReadonlyMap<string, GgufValueType>;
    readonly tensors: readonly GgufTensorInfo[];
    readonly alignment: number;
    /** Absolute offset where tensor data begins. */
    readonly dataOffset: number;
    /** The smallest file size that holds every tensor's data. */
    readonly expectedSizeBytes: number;
    readonly tokens?: GgufTokenScan;
    /** Things llama.cpp tolerates but a user may want to know. */
    readonly notes: readonly string[];
}

export type GgufParseFailureKind = "empty" | "notGguf" | "unsupportedVersion" | "truncated" | "corrupt" | "unknownTensorType";

export interface GgufParseFailure {
    readonly kind: GgufParseFailureKind;
    /** Plain-language detail without advice; the inspector adds what to do. */
    readonly detail: string;
    readonly offset?: number;
    /** Extra facts for the message: the leading bytes for `notGguf`, the version for `unsupportedVersion`. */
    readonly leadingBytes?: Uint8Array;
    readonly version?: number;
    readonly tensorType?: number;
}

export type GgufParseResult =
    | { readonly ok: true; readonly header: GgufHeader }
    | {
        readonly ok: false;
        readonly failure: GgufParseFailure;
        /** Metadata read before the failure (e.g. the architecture of a file cut off in its tensor list). */
        readonly partialMetadata: ReadonlyMap<string, GgufValue>;
    };

/**
 * Caps that keep a corrupt header from allocating gigabytes. A value beyond a cap is corruption, not
 * truncation: no real model comes near them.
 */
export interface GgufParseLimits {
    readonly maxKvCount: number;
    readonly maxTensorCount: number;
    readonly maxArrayLength: number;
    readonly maxStringLength: number;
    readonly maxKeyLength: number;
    /** Longer strings are skipped and recorded as GgufSkippedString. */
    readonly maxKeptStringLength: number;
    /** Total bytes of strings kept across the header; later strings are skipped. */
    readonly maxKeptStringBytes: number;
    readonly maxKeptArrayItems: number;
    readonly maxArrayDepth: number;
}

export const DEFAULT_GGUF_PARSE_LIMITS: GgufParseLimits = {
    maxKvCount: 65_536,
    maxTensorCount: 1_000_000,
    // llama.cpp's own caps (GGUF_MAX_ARRAY_ELEMENTS, GGUF_MAX_STRING_LENGTH).
    maxArrayLength: 1024 * 1024 * 1024,
    maxStringLength: 1024 * 1024 * 1024,
    maxKeyLength: 65_536,
    maxKeptStringLength: 16 * 1024 * 1024,
    maxKeptStringBytes: 64 * 1024 * 1024,
    maxKeptArrayItems: 256,
    maxArrayDepth: 4
};

const TOKENS_KEY = "tokenizer.ggml.tokens";
const ALIGNMENT_KEY = "general.alignment";
const SPECIAL_TOKEN_SET: ReadonlySet<string> = new Set(QWEN35_ADDED_TOKENS);
const LONGEST_SPECIAL_TOKEN = Math.max(...QWEN35_ADDED_TOKENS.map((token) => new TextEncoder().encode(token).length));
const LESS_THAN = 0x3c;
const INT64_MAX = (1n << 63n) - 1n;

class GgufFormatError extends Error {
    constructor(readonly failure: GgufParseFailure) {
        super(failure.detail);
        this.name = "GgufFormatError";
    }
}

function fail(kind: GgufParseFailureKind, detail: string, extra: Partial<GgufParseFailure> = {}): never {
    throw new GgufFormatError({ kind, detail, ...extra });
}

function safeNumber(value: bigint, what: string, offset: number): number {
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
        fail("corrupt", `${what} is ${value}, far beyond any real model`, { offset });
    }
    return Number(value);
}

function formatCount(value: number | bigint): string {
    return value.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

class HeaderParser {
    private readonly cursor: ByteCursor;
    private readonly metadata = new Map<string, GgufValue>();
    private readonly metadataTypes = new Map<string, GgufValueType>();
    private readonly notes: string[] = [];
    private keptStringBytes = 0;
    private tokens?: GgufTokenScan;

    constructor(source: GgufByteSource, private readonly limits: GgufParseLimits) {
        this.cursor = new ByteCursor(source);
    }

    get partialMetadata(): ReadonlyMap<string, GgufValue> {
        return this.metadata;
    }

    async parse(): Promise<GgufHeader> {
        const cursor = this.cursor;
        if (cursor.size === 0) {
            fail("empty", "the file is empty (0 bytes)");
        }
        if (cursor.size < 4) {
            await cursor.need(cursor.size);
            fail("notGguf", "the file is too short to be a GGUF file", { leadingBytes: cursor.bytes(cursor.size) });
        }
        await cursor.need(4);
        if (cursor.u32() !== GGUF_MAGIC) {
            fail("notGguf", "the file does not start with the GGUF signature", { leadingBytes: await this.leadingBytes(), offset: 0 });
        }

        await cursor.need(4);
        const version = cursor.u32();
        if ((version & 0xffff) === 0 && version !== 0) {
            fail("unsupportedVersion", `the version field reads ${version}, which means the file was written big-endian`, { version });
        }
        if (!GGUF_SUPPORTED_VERSIONS.includes(version)) {
            fail("unsupportedVersion", `the file is GGUF version ${version}`, { version });
        }

        await cursor.need(16);
        const tensorCountRaw = cursor.i64();
        const kvCountRaw = cursor.i64();
        if (tensorCountRaw < 0n || tensorCountRaw > BigInt(this.limits.maxTensorCount)) {
            fail("corrupt", `the header claims ${formatCount(tensorCountRaw)} tensors`, { offset: 8 });
        }
        if (kvCountRaw < 0n || kvCountRaw > BigInt(this.limits.maxKvCount)) {
            fail("corrupt", `the header claims ${formatCount(kvCountRaw)} metadata entries`, { offset: 16 });
        }
        const tensorCount = Number(tensorCountRaw);
        const kvCount = Number(kvCountRaw);

        for (let index = 0; index < kvCount; index++) {
            await this.readKv(index);
        }

        const alignment = this.alignment();
        const tensors: GgufTensorInfo[] = [];
        const tensorNames = new Set<string>();
        for (let index = 0; index < tensorCount; index++) {
            const tensor = await this.readTensorInfo(index);
            if (tensorNames.has(tensor.name)) {
                fail("corrupt", `tensor "${tensor.name}" appears twice`);
            }
            tensorNames.add(tensor.name);
            tensors.push(tensor);
        }

        const dataOffset = tensorCount > 0 ? padTo(cursor.offset, alignment) : cursor.offset;
        // llama.cpp requires tensors to be packed in file order, each padded to the alignment.
        let packedEnd = 0;
        let expectedEnd = dataOffset;
        for (const tensor of tensors) {
            if (tensor.offset !== packedEnd) {
                fail("corrupt", `tensor "${tensor.name}" is at data offset ${formatCount(tensor.offset)} but the tensors before it end at ${formatCount(packedEnd)}`);
            }
            packedEnd += padTo(tensor.bytes, alignment);
            expectedEnd = Math.max(expectedEnd, dataOffset + tensor.offset + tensor.bytes);
        }
        if (!Number.isSafeInteger(packedEnd) || !Number.isSafeInteger(expectedEnd)) {
            fail("corrupt", "the tensors add up to an impossible size");
        }

        return {
            version,
            tensorCount,
            kvCount,
            metadata: this.metadata,
            metadataTypes: this.metadataTypes,
            tensors,
            alignment,
            dataOffset,
            expectedSizeBytes: expectedEnd,
            tokens: this.tokens,
            notes: this.notes
        };
    }

    private async leadingBytes(): Promise<Uint8Array> {
        // Enough to recognise a Git LFS pointer or an HTML error page saved in place of the model.
        const length = Math.min(64, this.cursor.size);
        this.cursor.seek(0);
        await this.cursor.need(length);
        return this.cursor.bytes(length);
    }

    private alignment(): number {
        const type = this.metadataTypes.get(ALIGNMENT_KEY);
        if (type === undefined) {
            return GGUF_DEFAULT_ALIGNMENT;
        }
        const value = this.metadata.get(ALIGNMENT_KEY);
        if (type !== GgufValueType.Uint32 || typeof value !== "number") {
            fail("corrupt", `${ALIGNMENT_KEY} must be a uint32 but is a ${ggufValueTypeName(type)}`);
        }
        if (value === 0 || (value & (value - 1)) !== 0) {
            fail("corrupt", `${ALIGNMENT_KEY} is ${value}, not a power of two`);
        }
        return value;
    }

    private async readKv(index: number): Promise<void> {
        const cursor = this.cursor;
        const keyOffset = cursor.offset;
        const key = await this.readKey(index);
        if (this.metadataTypes.has(key)) {
            fail("corrupt", `metadata key "${key}" appears twice`, { offset: keyOffset });
        }
        const typeOffset = cursor.offset;
        await cursor.need(4);
        const type = cursor.u32();
        if (key === TOKENS_KEY && type === GgufValueType.Array) {
            this.metadataTypes.set(key, type);
            this.metadata.set(key, await this.readTokenArray());
            return;
        }
        const value = await this.readValue(type, key, 0, typeOffset);
        this.metadataTypes.set(key, type);
        this.metadata.set(key, value);
    }

    private async readKey(index: number): Promise<string> {
        const cursor = this.cursor;
        const offset = cursor.offset;
        await cursor.need(8);
        const length = cursor.u64();
        if (length === 0n) {
            fail("corrupt", `metadata key #${index + 1} is empty`, { offset });
        }
        if (length > BigInt(this.limits.maxKeyLength)) {
            fail("corrupt", `metadata key #${index + 1} claims to be ${formatCount(length)} bytes long`, { offset });
        }
        await cursor.need(Number(length));
        return cursor.utf8(Number(length));
    }

    private async readValue(type: number, key: string, depth: number, offset: number): Promise<GgufValue> {
        const cursor = this.cursor;
        switch (type) {
            case GgufValueType.Uint8: await cursor.need(1); return cursor.u8();
            case GgufValueType.Int8: await cursor.need(1); return cursor.i8();
            case GgufValueType.Uint16: await cursor.need(2); return cursor.u16();
            case GgufValueType.Int16: await cursor.need(2); return cursor.i16();
            case GgufValueType.Uint32: await cursor.need(4); return cursor.u32();
            case GgufValueType.Int32: await cursor.need(4); return cursor.i32();
            case GgufValueType.Float32: await cursor.need(4); return cursor.f32();
            case GgufValueType.Bool: await cursor.need(1); return cursor.u8() !== 0;
            case GgufValueType.Uint64: await cursor.need(8); return narrow(cursor.u64());
            case GgufValueType.Int64: await cursor.need(8); return narrow(cursor.i64());
            case GgufValueType.Float64: await cursor.need(8); return cursor.f64();
            case GgufValueType.String: return this.readString(key, this.limits.maxKeptStringLength);
            case GgufValueType.Array: return this.readArray(key, depth, offset);
            default:
                return fail("corrupt", `metadata key "${key}" has unknown value type ${type}`, { offset });
        }
    }

    private async readString(key: string, keepUpTo: number): Promise<string | GgufSkippedString> {
        const cursor = this.cursor;
        const offset = cursor.offset;
        const p = cursor.need(8);
        if (p) {
            await p;
        }
        const lengthRaw = cursor.u64();
        if (lengthRaw > BigInt(this.limits.maxStringLength)) {
            fail("corrupt", `a string in metadata key "${key}" claims to be ${formatCount(lengthRaw)} bytes long`, { offset });
        }
        const length = Number(lengthRaw);
        if (length > keepUpTo || this.keptStringBytes + length > this.limits.maxKeptStringBytes) {
            cursor.skip(length);
            return { kind: "skippedString", length };
        }
        const q = cursor.need(length);
        if (q) {
            await q;
        }
        this.keptStringBytes += length;
        return cursor.utf8(length);
    }

    private async readArrayPrefix(key: string, depth: number, offset: number): Promise<{ itemType: number; length: number }> {
        const cursor = this.cursor;
        if (depth >= this.limits.maxArrayDepth) {
            fail("corrupt", `metadata key "${key}" nests arrays ${depth + 1} deep`, { offset });
        }
        await cursor.need(12);
        const itemType = cursor.u32();
        const lengthRaw = cursor.u64();
        if (lengthRaw > BigInt(this.limits.maxArrayLength)) {
            fail("corrupt", `metadata key "${key}" claims an array of ${formatCount(lengthRaw)} items`, { offset });
        }
        if (itemType > GgufValueType.Float64) {
            fail("corrupt", `metadata key "${key}" has an array of unknown value type ${itemType}`, { offset });
        }
        if (itemType === GgufValueType.Array) {
            // Valid GGUF, but llama.cpp's reader rejects it ("invalid GGUF type"), so the model cannot load.
            this.notes.push(`metadata key "${key}" holds an array of arrays`);
        }
        return { itemType, length: Number(lengthRaw) };
    }

    private async readArray(key: string, depth: number, offset: number): Promise<GgufArray> {
        const cursor = this.cursor;
        const { itemType, length } = await this.readArrayPrefix(key, depth, offset);
        // Only top-level arrays keep items, so nesting cannot multiply what is held in memory.
        const keep = depth === 0 && length <= this.limits.maxKeptArrayItems;
        const itemSize = GGUF_VALUE_TYPE_SIZE[itemType as GgufValueType];
        if (itemSize !== undefined && !keep) {
            cursor.skip(length * itemSize);
            return { kind: "array", itemType, length };
        }
        const items: GgufValue[] = [];
        for (let index = 0; index < length; index++) {
            let item: GgufValue;
            if (itemType === GgufValueType.String) {
                // Merges and other long string arrays are only counted; small arrays keep short strings.
                item = await this.readString(key, keep ? 64 * 1024 : 0);
            } else {
                item = await this.readValue(itemType, key, depth + 1, cursor.offset);
            }
            if (keep) {
                items.push(item);
            }
        }
        return keep ? { kind: "array", itemType, length, items } : { kind: "array", itemType, length };
    }

    /** Counts the vocabulary and notes the ids of Qwen's added tokens, keeping no other strings. */
    private async readTokenArray(): Promise<GgufArray> {
        const cursor = this.cursor;
        const offset = cursor.offset;
        const { itemType, length } = await this.readArrayPrefix(TOKENS_KEY, 0, offset);
        if (itemType !== GgufValueType.String) {
            fail("corrupt", `${TOKENS_KEY} must be an array of strings but holds ${ggufValueTypeName(itemType)} values`, { offset });
        }
        const found = new Map<string, number>();
        for (let index = 0; index < length; index++) {
            const stringOffset = cursor.offset;
            const p = cursor.need(8);
            if (p) {
                await p;
            }
            const lengthRaw = cursor.u64();
            if (lengthRaw > BigInt(this.limits.maxStringLength)) {
                fail("corrupt", `token #${index} claims to be ${formatCount(lengthRaw)} bytes long`, { offset: stringOffset });
            }
            const tokenLength = Number(lengthRaw);
            if (tokenLength === 0 || tokenLength > LONGEST_SPECIAL_TOKEN) {
                cursor.skip(tokenLength);
                continue;
            }
            const q = cursor.need(tokenLength);
            if (q) {
                await q;
            }
            if (cursor.u8() !== LESS_THAN) {
                cursor.skip(tokenLength - 1);
                continue;
            }
            const text = "<" + cursor.utf8(tokenLength - 1);
            if (SPECIAL_TOKEN_SET.has(text) && !found.has(text)) {
                found.set(text, index);
            }
        }
        this.tokens = { count: length, specialTokenIds: found };
        return { kind: "array", itemType, length };
    }

    private async readTensorInfo(index: number): Promise<GgufTensorInfo> {
        const cursor = this.cursor;
        const offset = cursor.offset;
        await cursor.need(8);
        const nameLength = cursor.u64();
        if (nameLength === 0n || nameLength >= BigInt(GGML_MAX_NAME)) {
            fail("corrupt", `tensor #${index + 1} has a name ${formatCount(nameLength)} bytes long (llama.cpp allows 1–${GGML_MAX_NAME - 1})`, { offset });
        }
        await cursor.need(Number(nameLength) + 4);
        const name = cursor.utf8(Number(nameLength));
        const dimCount = cursor.u32();
        if (dimCount > GGML_MAX_DIMS) {
            fail("corrupt", `tensor "${name}" claims ${formatCount(dimCount)} dimensions (at most ${GGML_MAX_DIMS})`, { offset });
        }
        await cursor.need(dimCount * 8 + 4 + 8);
        const dims: bigint[] = [];
        let elements = 1n;
        for (let d = 0; d < dimCount; d++) {
            const dim = cursor.i64();
            if (dim < 0n) {
                fail("corrupt", `tensor "${name}" has a negative dimension`, { offset });
            }
            dims.push(dim);
            elements *= dim;
        }
        if (elements > INT64_MAX) {
            fail("corrupt", `tensor "${name}" claims ${formatCount(elements)} elements`, { offset });
        }
        const type = cursor.u32();
        const typeInfo = ggmlTypeInfo(type);
        if (typeInfo === undefined) {
            // ggml adds types one at a time; a number far past the table is a damaged byte, not a new type.
            if (type >= 256) {
                fail("corrupt", `tensor "${name}" has an impossible type number ${type}`, { offset });
            }
            fail("unknownTensorType", `tensor "${name}"`, { offset, tensorType: type });
        }
        const rowLength = dims.length > 0 ? dims[0] : 1n;
        if (rowLength % BigInt(typeInfo.blockSize) !== 0n) {
            fail("corrupt", `tensor "${name}" has rows of ${rowLength} elements, not a multiple of ${typeInfo.name}'s block of ${typeInfo.blockSize}`, { offset });
        }
        const dataOffset = safeNumber(cursor.u64(), `the data offset of tensor "${name}"`, offset);
        const bytes = safeNumber(ggmlTensorBytes(typeInfo, dims), `the size of tensor "${name}"`, offset);
        return {
            name,
            dims: dims.map(Number),
            type,
            typeName: typeInfo.name,
            offset: dataOffset,
            bytes,
            elements: Number(elements)
        };
    }
}

function narrow(value: bigint): number | bigint {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value;
}

function padTo(value: number, alignment: number): number {
    return Math.ceil(value / alignment) * alignment;
}

/** Parses a GGUF header. Never throws for bad input; errors from the byte source itself are rethrown. */
export async function parseGgufHeader(source: GgufByteSource, limits: GgufParseLimits = DEFAULT_GGUF_PARSE_LIMITS): Promise<GgufParseResult> {
    const parser = new HeaderParser(source, limits);
    try {
        return { ok: true, header: await parser.parse() };
    } catch (error) {
        if (error instanceof GgufFormatError) {
            return { ok: false, failure: error.failure, partialMetadata: parser.partialMetadata };
        }
        if (error instanceof EndOfDataError) {
            return {
                ok: false,
                failure: { kind: "truncated", detail: `the header is cut off at byte ${formatCount(error.size)}`, offset: error.offset },
                partialMetadata: parser.partialMetadata
            };
        }
        throw error;
    }
}

export { formatCount };
