import { constants as fsConstants, promises as fs, type Stats } from "fs";
import * as path from "path";
import { inspectGguf, type GgufInspection, type GgufProblem, type InspectGgufOptions } from "../core/gguf/inspectGguf";
import type { GgufByteSource } from "../core/gguf/byteCursor";

export type { GgufInspection, GgufProblem, InspectGgufOptions } from "../core/gguf/inspectGguf";

/**
 * Inspects a GGUF file on disk, reading only its header (real models are 20+ GB; the header is a few MB,
 * read in 1 MiB chunks by the parser). Never throws for a missing, unreadable or malformed file: those come
 * back as problems.
 */
export async function inspectGgufFile(filePath: string, options: InspectGgufOptions = {}): Promise<GgufInspection> {
    const label = options.fileLabel ?? `The model file "${path.basename(filePath)}"`;
    const failed = (problem: GgufProblem, actualSizeBytes = 0): GgufInspection =>
        ({ ok: false, actualSizeBytes, problems: [problem], warnings: [] });

    // The type first: opening a FIFO for reading waits for a writer (forever), and a device such as /dev/zero reads
    // without end. A symbolic link to a model file is fine (stat follows it).
    let before: Stats;
    try {
        before = await fs.stat(filePath);
    } catch (error) {
        return failed(openProblem(error, filePath, label));
    }
    const typeProblem = fileTypeProblem(before, filePath, label);
    if (typeProblem !== undefined) {
        return failed(typeProblem);
    }

    let handle: fs.FileHandle;
    try {
        // Non-blocking, so that a path swapped for a FIFO after the check still cannot hang here; for a regular file
        // the flag changes nothing.
        handle = await fs.open(filePath, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
    } catch (error) {
        return failed(openProblem(error, filePath, label));
    }
    try {
        const stat = await handle.stat();
        const openedProblem = fileTypeProblem(stat, filePath, label);
        if (openedProblem !== undefined) {
            return failed(openedProblem);
        }
        return await inspectGguf(fileByteSource(handle, stat.size), { ...options, fileLabel: label });
    } catch (error) {
        return failed({
            kind: "unreadable",
            message: `${label} could not be read (${describeError(error)}). Check that the disk is available and the file is readable, then try again.`
        });
    } finally {
        await handle.close().catch(() => undefined);
    }
}

/** Undefined for a regular file; otherwise what it is instead, for the user. */
export function fileTypeProblem(stat: Stats, filePath: string, label: string): GgufProblem | undefined {
    if (stat.isFile()) {
        return undefined;
    }
    if (stat.isDirectory()) {
        return { kind: "notAFile", message: `${label} is a folder, not a file (${filePath}). Choose the .gguf file inside it.` };
    }
    const what = stat.isFIFO() ? "a named pipe (FIFO)"
        : stat.isCharacterDevice() ? "a character device"
            : stat.isBlockDevice() ? "a block device"
                : stat.isSocket() ? "a socket"
                    : "not a regular file";
    return {
        kind: "notAFile",
        message: `${label} is ${what}, not a model file (${filePath}): a model must be a regular .gguf file. Choose the .gguf file itself.`
    };
}

function fileByteSource(handle: fs.FileHandle, size: number): GgufByteSource {
    return {
        size,
        async read(offset: number, length: number): Promise<Uint8Array> {
            const wanted = Math.max(0, Math.min(length, size - offset));
            const buffer = Buffer.alloc(wanted);
            let filled = 0;
            // A read may return fewer bytes than asked (network drives, signals); keep going until EOF.
            while (filled < wanted) {
                const { bytesRead } = await handle.read(buffer, filled, wanted - filled, offset + filled);
                if (bytesRead === 0) {
                    break;
                }
                filled += bytesRead;
            }
            return buffer.subarray(0, filled);
        }
    };
}

function openProblem(error: unknown, filePath: string, label: string): GgufProblem {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    switch (code) {
        case "ENOENT":
            return { kind: "missing", message: `${label} does not exist (${filePath}). Download the model, or choose another file in the settings.` };
        case "ENOTDIR":
            return { kind: "missing", message: `${label} cannot exist: part of its path is a file, not a folder (${filePath}). Check the model path in the settings.` };
        case "EISDIR":
            return { kind: "notAFile", message: `${label} is a folder, not a file (${filePath}). Choose the .gguf file inside it.` };
        case "EACCES":
        case "EPERM":
            return { kind: "unreadable", message: `${label} cannot be opened: permission denied (${filePath}). Give your user read access to it, or move it somewhere readable.` };
        default:
            return { kind: "unreadable", message: `${label} could not be opened (${describeError(error)}). Check the path and try again.` };
    }
}

function describeError(error: unknown): string {
    if (error instanceof Error) {
        const code = (error as NodeJS.ErrnoException).code;
        return code !== undefined ? `${code}: ${error.message}` : error.message;
    }
    return String(error);
}
