/**
 * Turns the `qwenLocal.model` setting into a file to load: a local path as it is; an hf: URI from the models folder
 * when it was downloaded before (no network), otherwise downloaded — only after the user agreed.
 */
import type { Stats } from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describeModelSource, type CatalogModel, type DownloadConsentInfo, type DownloadProgress } from "../core/models/catalog";
import type { DownloadModelOptions, DownloadModelResult } from "./modelDownload";
import { ModelDownloadCancelledError, ModelDownloadError } from "./modelFiles";
import { fileTypeProblem } from "./ggufFile";
import { raceAbort } from "../core/util/abort";

/** The user said no to downloading. Nothing was requested from the network. */
export class ModelDownloadDeclinedError extends ModelDownloadError {
    override name = "ModelDownloadDeclinedError";

    constructor(readonly uri: string) {
        super("declined", `The model ${uri} was not downloaded. Choose a model with “Qwen Local: Select Model…” ` +
            "or run a command again to be asked again.");
    }
}

export type DownloadFunction = (options: DownloadModelOptions) => Promise<Pick<DownloadModelResult, "path">>;

export interface ModelStoreDeps {
    /** The models folder: the extension's global storage, or `qwenLocal.modelsDirectory`. */
    directory: string;
    /** `qwenLocal.downloadEndpoint`. */
    endpoint?: string;
    /** Asks the user; resolves true to download. Only called when a download is needed. */
    confirmDownload: (info: DownloadConsentInfo) => Promise<boolean>;
    /**
     * The downloaded file for an hf: URI, offline, or undefined. The CLI and tests pass modelDownload's
     * findDownloadedModel; the extension looks in the index itself and asks the engine worker for the rest.
     */
    find: (options: { uri: string; directory: string }) => Promise<string | undefined>;
    /** downloadModel in the CLI and tests; the extension routes it through the engine worker. */
    download: DownloadFunction;
    /** For `~` in local paths; defaults to os.homedir(). */
    homeDir?: string;
}

export interface ResolveOptions {
    signal?: AbortSignal;
    onProgress?: (progress: DownloadProgress) => void;
}

export interface ResolvedModel {
    path: string;
    /** True when this call downloaded it. */
    downloaded: boolean;
    /** The canonical hf: URI, for hf: settings. */
    uri?: string;
}

export class ModelStore {
    private readonly downloads = new Map<string, Promise<ResolvedModel>>();

    constructor(private readonly deps: ModelStoreDeps) {}

    get directory(): string {
        return this.deps.directory;
    }

    /**
     * The file for a `qwenLocal.model` value. Errors are ModelDownloadError: "invalidUri" for a malformed setting,
     * "notFound" for a missing local file, "declined" (ModelDownloadDeclinedError), "cancelled", or a download failure.
     *
     * Two calls for the same model while it downloads share one consent question and one download; the second
     * call's signal only stops its own waiting, the first one's cancels the download.
     */
    async resolve(setting: string, options: ResolveOptions = {}): Promise<ResolvedModel> {
        const homeDir = this.deps.homeDir ?? os.homedir();
        const source = describeModelSource(setting, { homeDir });
        if (source.kind === "invalid") throw new ModelDownloadError("invalidUri", source.message);
        if (source.kind === "local") return { path: await this.checkLocalFile(source.path), downloaded: false };

        const found = await this.deps.find({ uri: source.uri, directory: this.deps.directory });
        if (found != null) return { path: found, downloaded: false, uri: source.uri };

        const key = source.uri.toLowerCase();
        let pending = this.downloads.get(key);
        if (pending == null) {
            pending = this.consentAndDownload(source.uri, source.catalog, options)
                .finally(() => this.downloads.delete(key));
            this.downloads.set(key, pending);
            return pending;
        }
        return untilCancelled(pending, options.signal);
    }

    private async consentAndDownload(uri: string, catalog: CatalogModel | undefined,
        options: ResolveOptions): Promise<ResolvedModel> {
        if (options.signal?.aborted) throw new ModelDownloadCancelledError();
        const agreed = await this.deps.confirmDownload(consentInfo(uri, catalog, this.deps.directory));
        if (!agreed) throw new ModelDownloadDeclinedError(uri);
        if (options.signal?.aborted) throw new ModelDownloadCancelledError();
        const result = await this.deps.download({
            uri,
            directory: this.deps.directory,
            endpoint: this.deps.endpoint,
            signal: options.signal,
            onProgress: options.onProgress
        });
        return { path: result.path, downloaded: true, uri };
    }

    private async checkLocalFile(setting: string): Promise<string> {
        // A relative path means a file in the models folder: a workspace-relative path would change with the window.
        const filePath = path.resolve(this.deps.directory, setting);
        let stats: Stats;
        try {
            stats = await fsp.stat(filePath);
        } catch {
            throw new ModelDownloadError("notFound", `There is no model file at ${filePath}. Fix the qwenLocal.model ` +
                "setting or choose a model with “Qwen Local: Select Model…”.");
        }
        if (stats.isDirectory()) {
            throw new ModelDownloadError("notFound", `${filePath} is a folder, not a model file: the qwenLocal.model setting ` +
                "must name a .gguf file.");
        }
        const problem = fileTypeProblem(stats, filePath, "The qwenLocal.model setting's file");
        if (problem !== undefined) throw new ModelDownloadError("notFound", problem.message);
        return filePath;
    }
}

/** What the consent question says, from the catalog only: nothing is fetched before the user agrees. */
function consentInfo(uri: string, catalog: CatalogModel | undefined, directory: string): DownloadConsentInfo {
    if (catalog != null) {
        return {
            uri, directory,
            sizeBytes: catalog.fileSizeBytes,
            ramBytes: catalog.ramBytes,
            description: `${catalog.name} ${catalog.quant}: ${catalog.description}`
        };
    }
    return {
        uri, directory,
        description: `${uri} is not one of the models Qwen Local knows; its size is shown when the download starts.`
    };
}

function untilCancelled<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    return raceAbort(promise, signal, () => { throw new ModelDownloadCancelledError(); });
}
