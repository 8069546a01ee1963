/**
 * The models Qwen Local knows, how a `qwenLocal.model` setting is read, and how sizes, speeds and durations are
 * written for people. Pure: no fs, no vscode, no node-llama-cpp — the engine and the UI both build on it.
 */
import { DEFAULT_MODEL } from "../settings";
import { formatBytes } from "../util/bytes";

// ---- hf: URIs

/** `hf:user/repo:QUANT` — the manifest picks the file (split models included). */
export interface HfQuantRef {
    kind: "quant";
    user: string;
    repo: string;
    /** Upper-cased, as node-llama-cpp writes it into the file name; undefined: the repository's default file. */
    quant: string | undefined;
    /** Canonical form: the key for the download index and the catalog. */
    uri: string;
}

/** `hf:user/repo/path/to/file.gguf[#branch]` — one named file. */
export interface HfFileRef {
    kind: "file";
    user: string;
    repo: string;
    file: string;
    branch: string;
    uri: string;
}

export type HfModelRef = HfQuantRef | HfFileRef;

export class InvalidModelUriError extends Error {
    override readonly name = "InvalidModelUriError";
    readonly code = "invalidUri";
}

const HF_PREFIXES = ["hf://", "huggingface://", "hf:", "huggingface:"];
// Hugging Face user and repository names: letters, digits, `-`, `_`, `.`; not starting with a separator.
const HF_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;
const HF_TAG = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const GGUF_FILE = /\.gguf(\.part\d+of\d+)?$/i;

export function isHfUri(text: string): boolean {
    const lower = text.trim().toLowerCase();
    return HF_PREFIXES.some((prefix) => lower.startsWith(prefix));
}

/**
 * Parses the `hf:` URIs node-llama-cpp accepts for a model, stricter than it is (so that a typo is reported here,
 * not as a failed download): `hf:user/repo:QUANT`, `hf:user/repo` (the repository's default file) and
 * `hf:user/repo/path/file.gguf#branch`. Throws InvalidModelUriError saying what is wrong.
 */
export function parseHfUri(uri: string): HfModelRef {
    const text = uri.trim();
    const prefix = HF_PREFIXES.find((candidate) => text.toLowerCase().startsWith(candidate));
    const example = "for example hf:unsloth/Qwen3.5-9B-GGUF:UD-Q4_K_XL";
    if (prefix == null) throw new InvalidModelUriError(`"${uri}" is not an hf: URI (${example}).`);
    const body = text.slice(prefix.length);
    if (body === "") throw new InvalidModelUriError(`"${uri}" names no repository (${example}).`);
    if (/\s/.test(body)) throw new InvalidModelUriError(`"${uri}" contains spaces (${example}).`);

    const [user = "", rest = "", ...pathParts] = body.split("/");
    if (!HF_NAME.test(user)) {
        throw new InvalidModelUriError(`"${uri}": "${user}" is not a valid Hugging Face user name (${example}).`);
    }
    if (pathParts.length === 0) {
        const colon = rest.indexOf(":");
        const repo = colon < 0 ? rest : rest.slice(0, colon);
        const tag = colon < 0 ? undefined : rest.slice(colon + 1);
        if (!HF_NAME.test(repo)) {
            throw new InvalidModelUriError(`"${uri}": "${repo}" is not a valid repository name (${example}).`);
        }
        if (tag != null && !HF_TAG.test(tag)) {
            throw new InvalidModelUriError(`"${uri}": "${tag}" is not a valid quantization tag (${example}).`);
        }
        const quant = tag == null || tag.toLowerCase() === "latest" ? undefined : tag.toUpperCase();
        return { kind: "quant", user, repo, quant, uri: `hf:${user}/${repo}${quant != null ? `:${quant}` : ""}` };
    }

    if (!HF_NAME.test(rest)) {
        throw new InvalidModelUriError(`"${uri}": "${rest}" is not a valid repository name (${example}).`);
    }
    const joined = pathParts.join("/");
    const hash = joined.indexOf("#");
    const file = hash < 0 ? joined : joined.slice(0, hash);
    const branch = hash < 0 || joined.slice(hash + 1) === "" ? "main" : joined.slice(hash + 1);
    if (file.split("/").some((part) => part === "" || part === "." || part === "..")) {
        throw new InvalidModelUriError(`"${uri}": "${file}" is not a valid file path in the repository.`);
    }
    if (!GGUF_FILE.test(file)) {
        throw new InvalidModelUriError(`"${uri}": "${file}" is not a .gguf file; name a .gguf file or a quantization ` +
            `(${example}).`);
    }
    if (!HF_TAG.test(branch.replace(/\//g, "-"))) {
        throw new InvalidModelUriError(`"${uri}": "${branch}" is not a valid branch name.`);
    }
    return {
        kind: "file", user, repo: rest, file, branch,
        uri: `hf:${user}/${rest}/${file}${branch !== "main" ? `#${branch}` : ""}`
    };
}

/** The canonical form of an hf: URI, or undefined when it is not a valid one. */
export function canonicalHfUri(uri: string): string | undefined {
    try {
        return parseHfUri(uri).uri;
    } catch {
        return undefined;
    }
}

// ---- The catalog

export interface CatalogModel {
    /** Stable id, e.g. "qwen3.5-9b". */
    id: string;
    /** e.g. "Qwen3.5-9B". */
    name: string;
    /** Canonical hf: URI. */
    uri: string;
    quant: string;
    /** Size of the download, from the published file listing (accurate to about 0.05 GiB). */
    fileSizeBytes: number;
    /** Memory to run it: see estimateRamBytes. */
    ramBytes: number;
    /** One line for people choosing a model. */
    description: string;
    isDefault: boolean;
}

/** What the RAM estimate assumes about how the engine runs the model. */
export interface RamAssumptions {
    /** Tokens of context per sequence (the `qwenLocal.contextSize` default). */
    contextTokens: number;
    /** Sequences kept at once: one for chat, one for inline completions. */
    sequences: number;
}

export const DEFAULT_RAM_ASSUMPTIONS: RamAssumptions = { contextTokens: 32768, sequences: 2 };

/**
 * Fixed cost on top of weights and context: llama.cpp's compute buffers (about 0.5 GiB at the default batch size)
 * plus the worker process and its runtime. Rounded up on purpose: an estimate that is too low is the one that hurts.
 */
export const RAM_OVERHEAD_BYTES = 1024 ** 3;

interface ModelShape {
    /** f16 KV cache per token, summed over the full-attention layers (the linear-attention layers keep none). */
    kvBytesPerToken: number;
    /** Gated-DeltaNet recurrent state per sequence: fixed, whatever the context length. */
    recurrentStateBytes: number;
}

/**
 * The RAM rule: file size (the weights are memory-mapped and all of them are touched) + per sequence
 * (context tokens × KV bytes per token + the recurrent state) + RAM_OVERHEAD_BYTES.
 * With a GPU the same total is split between VRAM and RAM.
 */
export function estimateRamBytes(fileSizeBytes: number, shape: ModelShape,
    assumptions: RamAssumptions = DEFAULT_RAM_ASSUMPTIONS): number {
    const perSequence = assumptions.contextTokens * shape.kvBytesPerToken + shape.recurrentStateBytes;
    return fileSizeBytes + assumptions.sequences * perSequence + RAM_OVERHEAD_BYTES;
}

const GIB = 1024 ** 3;

// 35B-A3B's shape is from FACTS.md (10 attention layers × 2 KV heads × 256 dims × K and V × 2 bytes = 20 KiB per
// token; 66 MB of recurrent state). The smaller sizes' shapes are NOT published there: they assume the same
// family layout (every 4th layer full attention, 256-dim heads, 4 KV heads) — 64 and 32 layers — and are to be
// replaced by the values read from the GGUF once such a file is at hand.
const SHAPE_35B_A3B: ModelShape = { kvBytesPerToken: 20 * 1024, recurrentStateBytes: 66e6 };
const SHAPE_27B: ModelShape = { kvBytesPerToken: 64 * 1024, recurrentStateBytes: 66e6 };
const SHAPE_SMALL: ModelShape = { kvBytesPerToken: 32 * 1024, recurrentStateBytes: 66e6 };

function entry(id: string, name: string, fileGiB: number, shape: ModelShape, description: string): CatalogModel {
    const quant = "UD-Q4_K_XL";
    const fileSizeBytes = Math.round(fileGiB * GIB);
    const uri = `hf:unsloth/${name}-GGUF:${quant}`;
    return {
        id, name, uri, quant, fileSizeBytes, description,
        ramBytes: estimateRamBytes(fileSizeBytes, shape),
        isDefault: uri === DEFAULT_MODEL
    };
}

/** Largest first; the default is the first. Sizes are the unsloth UD-Q4_K_XL files (FACTS.md). */
export const MODEL_CATALOG: readonly CatalogModel[] = [
    entry("qwen3.5-35b-a3b", "Qwen3.5-35B-A3B", 20.7, SHAPE_35B_A3B,
        "Recommended: mixture-of-experts with 3B active parameters, the best quality and fast for its size."),
    entry("qwen3.5-27b", "Qwen3.5-27B", 16.4, SHAPE_27B,
        "Dense 27B: close to 35B-A3B in quality, but slower on most machines because every weight is used."),
    entry("qwen3.5-9b", "Qwen3.5-9B", 5.55, SHAPE_SMALL,
        "For machines with 16 GB of memory: good completions and chat, much faster on a CPU."),
    entry("qwen3.5-4b", "Qwen3.5-4B", 2.70, SHAPE_SMALL,
        "For machines with 8 GB of memory: the fastest and the weakest.")
];

export function findCatalogModel(uri: string): CatalogModel | undefined {
    const canonical = canonicalHfUri(uri);
    if (canonical == null) return undefined;
    return MODEL_CATALOG.find((model) => model.uri.toLowerCase() === canonical.toLowerCase());
}

// ---- What a `qwenLocal.model` setting names

export type ModelSource =
    | { kind: "hf"; ref: HfModelRef; uri: string; catalog: CatalogModel | undefined }
    | { kind: "local"; path: string }
    | { kind: "invalid"; setting: string; message: string };

/**
 * Reads a `qwenLocal.model` value: an hf: URI, a Hugging Face file URL (turned into its hf: URI), or a local path
 * (`~` expanded when homeDir is given; a relative path stays relative — the model store resolves it against the
 * models folder).
 */
export function describeModelSource(setting: string, options: { homeDir?: string } = {}): ModelSource {
    const text = setting.trim();
    if (text === "") {
        return { kind: "invalid", setting, message: "No model is set: choose one with “Qwen Local: Select Model…”." };
    }
    const fromUrl = hfUriFromUrl(text);
    if (fromUrl !== undefined || isHfUri(text)) {
        try {
            const ref = parseHfUri(fromUrl ?? text);
            return { kind: "hf", ref, uri: ref.uri, catalog: findCatalogModel(ref.uri) };
        } catch (error) {
            return { kind: "invalid", setting, message: (error as Error).message };
        }
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
        return {
            kind: "invalid", setting,
            message: `"${text}" is a URL; the model must be a local .gguf path or an hf: URI (for example ${DEFAULT_MODEL}).`
        };
    }
    // `unsloth/Qwen3.5-9B-GGUF:UD-Q4_K_XL` without its scheme is a common slip; it is no sensible path either.
    if (/^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*:[A-Za-z0-9][\w.-]*$/.test(text)) {
        return { kind: "invalid", setting, message: `"${text}" looks like a Hugging Face model: did you mean "hf:${text}"?` };
    }
    let localPath = text;
    if (options.homeDir != null && (text === "~" || text.startsWith("~/") || text.startsWith("~\\"))) {
        localPath = options.homeDir.replace(/[\\/]+$/, "") + text.slice(1);
    }
    return { kind: "local", path: localPath };
}

/** `https://huggingface.co/{user}/{repo}/(resolve|blob)/{branch}/{file}` → its hf: URI; otherwise undefined. */
function hfUriFromUrl(text: string): string | undefined {
    const match = /^https?:\/\/(?:www\.)?(?:huggingface\.co|hf\.co)\/([^/]+)\/([^/]+)\/(?:resolve|blob)\/([^/]+)\/([^?#]+)/i
        .exec(text);
    if (match == null) return undefined;
    const [, user, repo, branch, file] = match;
    const decoded = decodeURIComponent(file!);
    return `hf:${user}/${repo}/${decoded}${branch !== "main" ? `#${decodeURIComponent(branch!)}` : ""}`;
}

// ---- The "Select Model…" list (the UI renders it; this decides what is in it)

export interface DownloadedModelSummary {
    path: string;
    sizeBytes: number;
    uri?: string;
}

export type ModelChoice =
    | { kind: "downloaded"; label: string; detail: string; setting: string; sizeBytes: number; current: boolean }
    | { kind: "catalog"; label: string; detail: string; setting: string; model: CatalogModel; current: boolean }
    | { kind: "browse"; label: string; detail: string }
    | { kind: "enterUri"; label: string; detail: string };

function baseName(filePath: string): string {
    return filePath.split(/[\\/]/).pop() ?? filePath;
}

/**
 * Downloaded models first (by their hf: URI when known, so the setting stays portable), then browsing for a
 * .gguf, entering an hf: URI, and the catalog models that are not downloaded yet with the memory each needs.
 */
export function buildModelChoices(downloaded: readonly DownloadedModelSummary[], currentSetting: string): ModelChoice[] {
    const current = describeModelSource(currentSetting);
    const currentKey = current.kind === "hf" ? current.uri.toLowerCase() : current.kind === "local" ? current.path : "";
    const choices: ModelChoice[] = [];
    const downloadedUris = new Set<string>();
    for (const model of downloaded) {
        const catalog = model.uri != null ? findCatalogModel(model.uri) : undefined;
        if (model.uri != null) downloadedUris.add(model.uri.toLowerCase());
        const setting = model.uri ?? model.path;
        choices.push({
            kind: "downloaded",
            label: catalog != null ? `${catalog.name} ${catalog.quant}` : model.uri ?? baseName(model.path),
            detail: `Downloaded · ${formatBytes(model.sizeBytes)}` +
                (catalog != null ? ` · needs about ${formatBytes(catalog.ramBytes)} of memory` : "") + ` · ${model.path}`,
            setting,
            sizeBytes: model.sizeBytes,
            current: setting.toLowerCase() === currentKey.toLowerCase() || model.path === currentKey
        });
    }
    choices.push({ kind: "browse", label: "Browse for a .gguf file…", detail: "Use a model file that is already on this machine." });
    choices.push({
        kind: "enterUri", label: "Enter an hf: URI…",
        detail: "Any GGUF model on Hugging Face, for example hf:unsloth/Qwen3.5-9B-GGUF:UD-Q4_K_XL."
    });
    for (const model of MODEL_CATALOG) {
        if (downloadedUris.has(model.uri.toLowerCase())) continue;
        choices.push({
            kind: "catalog",
            label: `${model.name} ${model.quant}${model.isDefault ? " (default)" : ""}`,
            detail: `Download ${formatBytes(model.fileSizeBytes)} · needs about ${formatBytes(model.ramBytes)} of memory · ` +
                model.description,
            setting: model.uri,
            model,
            current: model.uri.toLowerCase() === currentKey.toLowerCase()
        });
    }
    return choices;
}

// ---- Download consent and progress, as text

/** What the download consent question is built from (no network is used to get it). */
export interface DownloadConsentInfo {
    uri: string;
    /** Undefined for models outside the catalog: the size is known only once the download starts. */
    sizeBytes?: number;
    directory: string;
    ramBytes?: number;
    description: string;
}

export function describeDownloadConsent(info: DownloadConsentInfo): { message: string; detail: string } {
    const size = info.sizeBytes != null ? `about ${formatBytes(info.sizeBytes)}` : "a size shown when the download starts";
    const memory = info.ramBytes != null
        ? `Running it needs about ${formatBytes(info.ramBytes)} of memory (RAM, or RAM and GPU memory together).`
        : "How much memory it needs depends on the model; about its file size plus 2–5 GB.";
    return {
        message: `Download the model ${info.uri} (${size})?`,
        detail: `${info.description}\n\nIt is saved in ${info.directory}. ${memory} ` +
            "The download can be cancelled and resumes where it stopped; once it is done everything runs offline."
    };
}

/** A download's progress, as the downloader reports it. */
export interface DownloadProgress {
    downloadedBytes: number;
    totalBytes: number;
    /** 0–100. */
    percent: number;
    /** Averaged over the last few seconds; 0 while nothing arrives. */
    bytesPerSecond: number;
    /** Undefined while the speed is unknown or zero. */
    etaSeconds: number | undefined;
}

export function formatProgress(progress: DownloadProgress): string {
    const parts = [`${formatBytes(progress.downloadedBytes)} of ${formatBytes(progress.totalBytes)} ` +
        `(${Math.floor(progress.percent)}%)`];
    if (progress.bytesPerSecond > 0) parts.push(formatSpeed(progress.bytesPerSecond));
    if (progress.etaSeconds != null) parts.push(`${formatDuration(progress.etaSeconds)} left`);
    return parts.join(" · ");
}

// ---- Units

export function formatSpeed(bytesPerSecond: number): string {
    return `${formatBytes(bytesPerSecond)}/s`;
}

/** 45 → "45 s", 192 → "3 min 12 s", 3900 → "1 h 5 min"; a duration not known → "unknown". */
export function formatDuration(seconds: number | undefined): string {
    if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return "unknown";
    const total = Math.round(seconds);
    if (total < 60) return `${total} s`;
    const minutes = Math.floor(total / 60);
    if (minutes < 10) return total % 60 === 0 ? `${minutes} min` : `${minutes} min ${total % 60} s`;
    // Past ten minutes the seconds are noise; round to whole minutes.
    const roundedMinutes = Math.round(total / 60);
    if (roundedMinutes < 60) return `${roundedMinutes} min`;
    const hours = Math.floor(roundedMinutes / 60);
    if (hours < 24) return roundedMinutes % 60 === 0 ? `${hours} h` : `${hours} h ${roundedMinutes % 60} min`;
    const days = Math.floor(hours / 24);
    return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}
