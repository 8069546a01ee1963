/**
 * The models folder, without the network and without node-llama-cpp (the extension host reads it): the index of
 * verified downloads, finding an indexed model, listing and deleting downloaded models, and the download errors.
 * The download itself, and finding a model that node-llama-cpp's own CLI downloaded (its naming needs
 * node-llama-cpp), run in the engine worker: src/engine/modelDownload.ts.
 */
import fsp from "node:fs/promises";
import path from "node:path";

export const DEFAULT_HF_ENDPOINT = "https://huggingface.co/";
/** Written in the models folder after each verified download: URI → files. */
export const INDEX_FILE_NAME = "models.json";
/** ipull's suffix for a download in progress. */
export const PARTIAL_SUFFIX = ".ipull";

export type ModelDownloadErrorCode =
    | "cancelled"
    | "declined"
    | "invalidUri"
    | "notFound"
    | "network"
    | "http"
    | "sizeMismatch"
    | "hashMismatch"
    | "sizeUnknown"
    | "notGguf"
    | "stalled"
    | "busy"
    | "diskFull"
    | "failed";

export class ModelDownloadError extends Error {
    override name = "ModelDownloadError";

    constructor(readonly code: ModelDownloadErrorCode, message: string, options?: { cause?: unknown }) {
        super(message, options);
    }
}

/** The user cancelled. A normal outcome: the partial file is kept and the next download resumes from it. */
export class ModelDownloadCancelledError extends ModelDownloadError {
    override name = "AbortError";

    constructor(message = "The model download was cancelled; it resumes where it stopped next time.") {
        super("cancelled", message);
    }
}

export class ModelSizeMismatchError extends ModelDownloadError {
    override name = "ModelSizeMismatchError";

    constructor(message: string, readonly expectedBytes: number, readonly actualBytes: number) {
        super("sizeMismatch", message);
    }
}

export function isDownloadCancelled(error: unknown): boolean {
    return error instanceof Error && (error.name === "AbortError" || (error as { code?: unknown }).code === "cancelled");
}

// ---- The index of downloads (so that finding a model needs no network and trusts only verified files)

interface IndexedFile {
    name: string;
    sizeBytes: number;
}

interface IndexEntry {
    uri: string;
    files: IndexedFile[];
    downloadedAt: string;
}

interface ModelIndex {
    version: 1;
    models: Record<string, IndexEntry>;
}

function indexKey(uri: string): string {
    return uri.toLowerCase();
}

async function readIndex(directory: string): Promise<ModelIndex> {
    try {
        const parsed = JSON.parse(await fsp.readFile(path.join(directory, INDEX_FILE_NAME), "utf8")) as Partial<ModelIndex>;
        if (parsed.version === 1 && typeof parsed.models === "object" && parsed.models !== null) {
            return { version: 1, models: parsed.models };
        }
    } catch {
        // Missing or damaged: the files themselves are still found through node-llama-cpp's naming.
    }
    return { version: 1, models: {} };
}

async function writeIndex(directory: string, index: ModelIndex): Promise<void> {
    const target = path.join(directory, INDEX_FILE_NAME);
    const temporary = `${target}.${process.pid}.${Date.now()}.tmp`;
    await fsp.writeFile(temporary, JSON.stringify(index, null, 4) + "\n");
    await fsp.rename(temporary, target);
}

export async function recordDownload(directory: string, uri: string, files: IndexedFile[]): Promise<void> {
    const index = await readIndex(directory);
    index.models[indexKey(uri)] = { uri, files, downloadedAt: new Date().toISOString() };
    await writeIndex(directory, index);
}

// ---- Finding, listing and deleting (no network)

/**
 * What the index says about a model, offline: its file when every file is there at the recorded size, "stale" when it
 * is recorded but a file is missing or changed (not to be trusted), or "unknown" when it is not recorded.
 */
export async function lookupIndexedModel(uri: string, directory: string): Promise<{ path: string } | "stale" | "unknown"> {
    const root = path.resolve(directory);
    const entry = (await readIndex(root)).models[indexKey(uri)];
    if (entry == null || entry.files.length === 0) return "unknown";
    for (const file of entry.files) {
        if (await fileSize(path.join(root, file.name)) !== file.sizeBytes) return "stale";
    }
    return { path: path.join(root, entry.files[0]!.name) };
}

export interface DownloadedModel {
    /** The file to load (the first part of a split model). */
    path: string;
    fileName: string;
    /** All parts together. */
    sizeBytes: number;
    /** Known for models downloaded by Qwen Local. */
    uri?: string;
    /** False when parts of a split model are missing. */
    complete: boolean;
}

const SPLIT_PART = /-(\d{5})-of-(\d{5})\.gguf$/i;

/** The .gguf files in the models folder (partial downloads excluded), with their hf: URI when known. */
export async function listDownloadedModels(directory: string): Promise<DownloadedModel[]> {
    const root = path.resolve(directory);
    let names: string[];
    try {
        names = (await fsp.readdir(root, { withFileTypes: true }))
            .filter((item) => item.isFile() && item.name.toLowerCase().endsWith(".gguf"))
            .map((item) => item.name);
    } catch {
        return [];
    }
    const present = new Set(names);
    const uriByFile = new Map<string, string>();
    for (const entry of Object.values((await readIndex(root)).models)) {
        if (entry.files[0] != null) uriByFile.set(entry.files[0].name, entry.uri);
    }
    const models: DownloadedModel[] = [];
    for (const name of names.sort()) {
        const parts = splitPartNames(name);
        if (parts[0] !== name) continue; // listed with its first part
        let sizeBytes = 0;
        for (const part of parts) sizeBytes += present.has(part) ? (await fileSize(path.join(root, part))) ?? 0 : 0;
        models.push({
            path: path.join(root, name),
            fileName: name,
            sizeBytes,
            uri: uriByFile.get(name),
            complete: parts.every((part) => present.has(part))
        });
    }
    return models;
}

/**
 * Deletes a downloaded model: all parts of a split model, their partial downloads, and its index entry.
 * Returns the files deleted.
 */
export async function deleteDownloadedModel(filePath: string): Promise<string[]> {
    const resolved = path.resolve(filePath);
    if (!resolved.toLowerCase().endsWith(".gguf")) {
        throw new ModelDownloadError("invalidUri", `${resolved} is not a .gguf model file; nothing was deleted.`);
    }
    const directory = path.dirname(resolved);
    const names = splitPartNames(path.basename(resolved));
    const deleted: string[] = [];
    for (const name of names) {
        for (const candidate of [path.join(directory, name), path.join(directory, name + PARTIAL_SUFFIX)]) {
            if (await removeQuietly(candidate)) deleted.push(candidate);
        }
    }
    const index = await readIndex(directory);
    const before = Object.keys(index.models).length;
    for (const [key, entry] of Object.entries(index.models)) {
        if (entry.files.some((file) => names.includes(file.name))) delete index.models[key];
    }
    if (Object.keys(index.models).length !== before) await writeIndex(directory, index);
    return deleted;
}

export function splitPartNames(name: string): string[] {
    const match = SPLIT_PART.exec(name);
    if (match == null) return [name];
    const count = Number(match[2]);
    if (!(count > 0)) return [name];
    const stem = name.slice(0, match.index);
    return Array.from({ length: count }, (_unused, index) =>
        `${stem}-${String(index + 1).padStart(5, "0")}-of-${match[2]}.gguf`);
}

// ---- Small fs helpers

export async function fileSize(filePath: string): Promise<number | undefined> {
    try {
        const stats = await fsp.stat(filePath);
        return stats.isFile() ? stats.size : undefined;
    } catch {
        return undefined;
    }
}

export async function isDirectory(directoryPath: string): Promise<boolean> {
    try {
        return (await fsp.stat(directoryPath)).isDirectory();
    } catch {
        return false;
    }
}

export async function startsWith(filePath: string, prefix: Buffer): Promise<boolean> {
    const handle = await fsp.open(filePath, "r");
    try {
        const buffer = Buffer.alloc(prefix.length);
        const { bytesRead } = await handle.read(buffer, 0, prefix.length, 0);
        return bytesRead === prefix.length && buffer.equals(prefix);
    } finally {
        await handle.close();
    }
}

export async function removeQuietly(filePath: string): Promise<boolean> {
    try {
        await fsp.unlink(filePath);
        return true;
    } catch {
        return false;
    }
}
