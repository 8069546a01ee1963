/** Random access to the bytes of a file (or a buffer) without holding all of it. */
export interface GgufByteSource {
    /** Total size in bytes. */
    readonly size: number;
    /** Up to `length` bytes at `offset`; fewer only at the end of the source. */
    read(offset: number, length: number): Promise<Uint8Array>;
}

/** The header claims bytes that the source does not have. */
export class EndOfDataError extends Error {
    constructor(readonly offset: number, readonly needed: number, readonly size: number) {
        super(`needed ${needed} bytes at offset ${offset} but the file ends at ${size}`);
        this.name = "EndOfDataError";
    }
}

/** Wraps an in-memory buffer as a byte source (tests, and callers that already hold the bytes). */
export function bufferByteSource(bytes: Uint8Array): GgufByteSource {
    return {
        size: bytes.length,
        read: (offset, length) => Promise.resolve(bytes.subarray(offset, Math.min(bytes.length, offset + length)))
    };
}

const DEFAULT_CHUNK_BYTES = 1024 * 1024;
const textDecoder = new TextDecoder("utf-8", { fatal: false });

/**
 * Sequential little-endian reader over a byte source. Reads in chunks so that a 10 MB tokenizer header
 * costs a few dozen reads, not half a million; `need()` returns undefined when the bytes are already
 * buffered so hot loops only await when they must.
 */
export class ByteCursor {
    private buffer: Uint8Array = new Uint8Array(0);
    private view: DataView = new DataView(this.buffer.buffer);
    /** File offset of buffer[0]. */
    private bufferStart = 0;
    private position = 0;

    constructor(private readonly source: GgufByteSource, private readonly chunkBytes = DEFAULT_CHUNK_BYTES) {}

    get offset(): number {
        return this.position;
    }

    get size(): number {
        return this.source.size;
    }

    get remaining(): number {
        return Math.max(0, this.source.size - this.position);
    }

    /** Makes `length` bytes at the current position available, or throws EndOfDataError. */
    need(length: number): Promise<void> | undefined {
        const end = this.position + length;
        if (this.position >= this.bufferStart && end <= this.bufferStart + this.buffer.length) {
            return undefined;
        }
        return this.fill(length);
    }

    private async fill(length: number): Promise<void> {
        if (length > this.remaining) {
            throw new EndOfDataError(this.position, length, this.source.size);
        }
        const wanted = Math.min(this.remaining, Math.max(length, this.chunkBytes));
        const bytes = await this.source.read(this.position, wanted);
        if (bytes.length < length) {
            // The source shrank under us or lied about its size; either way the data is not there.
            throw new EndOfDataError(this.position, length, this.position + bytes.length);
        }
        this.buffer = bytes;
        this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        this.bufferStart = this.position;
    }

    /** Moves forward without reading; callers skip data they do not need to keep. */
    skip(length: number): void {
        if (length > this.remaining) {
            throw new EndOfDataError(this.position, length, this.source.size);
        }
        this.position += length;
    }

    seek(offset: number): void {
        if (offset > this.source.size) {
            throw new EndOfDataError(offset, 0, this.source.size);
        }
        this.position = offset;
    }

    // The readers below assume a preceding need() covered them.

    u8(): number {
        const value = this.view.getUint8(this.position - this.bufferStart);
        this.position += 1;
        return value;
    }

    i8(): number {
        const value = this.view.getInt8(this.position - this.bufferStart);
        this.position += 1;
        return value;
    }

    u16(): number {
        const value = this.view.getUint16(this.position - this.bufferStart, true);
        this.position += 2;
        return value;
    }

    i16(): number {
        const value = this.view.getInt16(this.position - this.bufferStart, true);
        this.position += 2;
        return value;
    }

    u32(): number {
        const value = this.view.getUint32(this.position - this.bufferStart, true);
        this.position += 4;
        return value;
    }

    i32(): number {
        const value = this.view.getInt32(this.position - this.bufferStart, true);
        this.position += 4;
        return value;
    }

    u64(): bigint {
        const value = this.view.getBigUint64(this.position - this.bufferStart, true);
        this.position += 8;
        return value;
    }

    i64(): bigint {
        const value = this.view.getBigInt64(this.position - this.bufferStart, true);
        this.position += 8;
        return value;
    }

    f32(): number {
        const value = this.view.getFloat32(this.position - this.bufferStart, true);
        this.position += 4;
        return value;
    }

    f64(): number {
        const value = this.view.getFloat64(this.position - this.bufferStart, true);
        this.position += 8;
        return value;
    }

    utf8(length: number): string {
        const start = this.position - this.bufferStart;
        const value = textDecoder.decode(this.buffer.subarray(start, start + length));
        this.position += length;
        return value;
    }

    bytes(length: number): Uint8Array {
        const start = this.position - this.bufferStart;
        const value = this.buffer.slice(start, start + length);
        this.position += length;
        return value;
    }
}
