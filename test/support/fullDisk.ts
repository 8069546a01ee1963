/**
 * A stand-in for a disk that fills up, for the one failure a test cannot produce with real parts (no small tmpfs to
 * mount here): file handles opened through node:fs/promises for matching paths accept `freeBytes` bytes in all, then
 * write short and fail with ENOSPC, as write(2) does on a full file system. Everything else is the real file system.
 *
 * Loaded with `--require` and QWEN_LOCAL_TEST_FULL_DISK_BYTES set, it installs itself in that process (a child
 * process standing for the engine worker).
 */
import fsp from "node:fs/promises";

export interface FullDisk {
    /** Bytes the "disk" still takes. */
    readonly freeBytes: number;
    restore(): void;
}

function enospc(): NodeJS.ErrnoException {
    return Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", errno: -28, syscall: "write" });
}

/** Byte ranges of one file already written (so taking up space): rewriting them needs no more. */
class WrittenRanges {
    private ranges: [number, number][] = [];

    /** How many of the bytes in [start, end) are new. */
    newBytes(start: number, end: number): number {
        let covered = 0;
        for (const [from, to] of this.ranges) covered += Math.max(0, Math.min(to, end) - Math.max(from, start));
        return end - start - covered;
    }

    add(start: number, end: number): void {
        const merged: [number, number][] = [];
        let next: [number, number] = [start, end];
        for (const range of this.ranges) {
            if (range[1] < next[0] || range[0] > next[1]) merged.push(range);
            else next = [Math.min(range[0], next[0]), Math.max(range[1], next[1])];
        }
        merged.push(next);
        this.ranges = merged.sort((a, b) => a[0] - b[0]);
    }
}

export function simulateFullDisk(freeBytes: number, matches: (filePath: string) => boolean): FullDisk {
    const realOpen = fsp.open;
    let free = freeBytes;
    const files = new Map<string, WrittenRanges>();
    const open = async (...args: Parameters<typeof fsp.open>): Promise<fsp.FileHandle> => {
        const handle = await realOpen(...args);
        const filePath = String(args[0]);
        if (!matches(filePath)) return handle;
        const written = files.get(filePath) ?? new WrittenRanges();
        files.set(filePath, written);
        const realWrite = handle.write.bind(handle) as (...writeArgs: unknown[]) => Promise<{ bytesWritten: number; buffer: unknown }>;
        Object.defineProperty(handle, "write", {
            value: async (buffer: Uint8Array, offset = 0, length = buffer.length - offset, position?: number | null) => {
                // Positional writes only (what ipull and the download code use); new bytes take space, rewritten ones not.
                const start = position ?? 0;
                let allowed = length;
                if (written.newBytes(start, start + length) > free) {
                    allowed = 0;
                    while (allowed < length && written.newBytes(start, start + allowed + 1) <= free) allowed++;
                }
                if (allowed === 0) throw enospc();
                free -= written.newBytes(start, start + allowed);
                written.add(start, start + allowed);
                return realWrite(buffer, offset, allowed, position);
            }
        });
        return handle;
    };
    (fsp as { open: typeof fsp.open }).open = open as typeof fsp.open;
    return {
        get freeBytes() {
            return free;
        },
        restore() {
            (fsp as { open: typeof fsp.open }).open = realOpen;
        }
    };
}

const configured = process.env.QWEN_LOCAL_TEST_FULL_DISK_BYTES;
if (configured != null && configured !== "") {
    simulateFullDisk(Number(configured), (filePath) => filePath.endsWith(".ipull"));
}
