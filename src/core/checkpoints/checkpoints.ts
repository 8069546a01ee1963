/**
 * Checkpoints: before each agent turn (and for each accepted command or Apply), the state of the files it changes,
 * so "Restore to here" can put them back. Content-addressed (SHA-256 blobs) in the extension's workspace storage —
 * never in the user's git — with a manifest written atomically, so checkpoints survive a window reload; pruned by
 * age and by size.
 *
 * A file's state is recorded lazily: its content the first time a change to it is accepted after the checkpoint
 * began ("before", null when it did not exist) and what the accepted change left ("after"). Restoring to checkpoint
 * C restores every file that C or a later checkpoint changed to its "before" in the earliest of them; a file whose
 * current content is not what our last accepted change left was edited since (by the user, a tool, a formatter):
 * it is not overwritten, it is offered as a change to review.
 */
import type { FileChange } from "../agent/workspaceFs";

export interface CheckpointFile {
    /** Canonical absolute path. */
    path: string;
    /** SHA-256 of the content before the first accepted change in this checkpoint; null: the file did not exist. */
    before: string | null;
    /** SHA-256 of what the last accepted change in this checkpoint left; null: it deleted (or moved) the file. */
    after: string | null;
}

export interface Checkpoint {
    id: string;
    createdAt: number;
    /** What began it: the user's request, or the command. */
    label: string;
    /** Which conversation and turn it belongs to (the agent session's), if any. */
    owner?: { kind: "agent"; session: number; turn: number } | { kind: "command"; command: string };
    files: CheckpointFile[];
}

/** Where checkpoints live: blobs by hash and one manifest (Node's fs in the extension; a folder in tests). */
export interface CheckpointStorage {
    readManifest(): Promise<string | undefined>;
    /** Replaces the manifest atomically (a crash leaves the old or the new one, never half). */
    writeManifest(text: string): Promise<void>;
    hasBlob(hash: string): Promise<boolean>;
    writeBlob(hash: string, content: string): Promise<void>;
    readBlob(hash: string): Promise<string | undefined>;
    deleteBlob(hash: string): Promise<void>;
    listBlobs(): Promise<{ hash: string; bytes: number }[]>;
}

/** What the files are now (the editor's text for an open document, else the disk's); undefined: no file there. */
export type ReadCurrent = (path: string) => Promise<string | undefined>;

export interface RestorePlan {
    checkpoint: Checkpoint;
    files: RestoreStep[];
}

export type RestoreStep =
    /** Put back `content` (null: delete the file, which the changes since created). */
    | { path: string; action: "restore"; content: string | null; current: string | undefined }
    /** Edited since our last change: offered as a change to review, not written. */
    | { path: string; action: "review"; content: string | null; current: string | undefined }
    /** Already as it was. */
    | { path: string; action: "unchanged" };

export interface CheckpointLimits {
    /** Checkpoints older than this are dropped. */
    maxAgeMs: number;
    /** Blobs beyond this total are dropped with the oldest checkpoints that use them. */
    maxBytes: number;
}

export const DEFAULT_CHECKPOINT_LIMITS: CheckpointLimits = { maxAgeMs: 14 * 24 * 3600_000, maxBytes: 200 * 1024 * 1024 };

export type Hash = (content: string) => Promise<string> | string;

interface Manifest {
    version: 1;
    checkpoints: Checkpoint[];
}

export class CheckpointStore {
    private checkpoints: Checkpoint[] = [];
    private loaded?: Promise<void>;
    private queue: Promise<unknown> = Promise.resolve();
    private nextSeq = 1;

    constructor(private readonly storage: CheckpointStorage, private readonly hash: Hash, private readonly options: {
        now?: () => number; limits?: CheckpointLimits; warn?: (message: string) => void;
    } = {}) {}

    private now(): number {
        return this.options.now?.() ?? Date.now();
    }

    /** Every checkpoint, oldest first. */
    async list(): Promise<Checkpoint[]> {
        await this.load();
        return this.checkpoints.map((checkpoint) => structuredClone(checkpoint));
    }

    /** Begins a checkpoint: the accepted changes that follow are recorded in it. Returns its id. */
    begin(label: string, owner?: Checkpoint["owner"]): Promise<string> {
        return this.exclusive(async () => {
            await this.load();
            const id = `${this.now().toString(36)}-${(this.nextSeq++).toString(36)}`;
            this.checkpoints.push({ id, createdAt: this.now(), label: label.slice(0, 500), ...(owner ? { owner } : {}), files: [] });
            await this.save();
            return id;
        });
    }

    /**
     * Records the changes about to be applied (call before writing; `applied` after, with what was written) into the
     * checkpoint `id`, or the newest one when absent.
     */
    record(changes: readonly FileChange[], id?: string): Promise<void> {
        return this.exclusive(async () => {
            await this.load();
            const checkpoint = id ? this.checkpoints.find((each) => each.id === id) : this.checkpoints[this.checkpoints.length - 1];
            if (!checkpoint) return;
            for (const step of effects(changes)) {
                let file = checkpoint.files.find((each) => each.path === step.path);
                if (!file) {
                    file = { path: step.path, before: step.before === null ? null : await this.put(step.before), after: null };
                    checkpoint.files.push(file);
                }
                file.after = step.after === null ? null : await this.put(step.after);
            }
            await this.save();
            await this.prune();
        });
    }

    /** What restoring to `id` would do, file by file, given what the files are now. */
    async plan(id: string, readCurrent: ReadCurrent): Promise<RestorePlan> {
        await this.load();
        const index = this.checkpoints.findIndex((checkpoint) => checkpoint.id === id);
        if (index < 0) throw new Error("That checkpoint is gone (pruned, or its storage was cleared).");
        const later = this.checkpoints.slice(index);
        const targets = new Map<string, { before: string | null; lastAfter: string | null }>();
        for (const checkpoint of later) {
            for (const file of checkpoint.files) {
                const known = targets.get(file.path);
                if (known) known.lastAfter = file.after;
                else targets.set(file.path, { before: file.before, lastAfter: file.after });
            }
        }
        const files: RestoreStep[] = [];
        for (const [path, { before, lastAfter }] of targets) {
            const current = await readCurrent(path);
            const content = before === null ? null : await this.storage.readBlob(before);
            if (before !== null && content === undefined) throw new Error(`The saved content of ${path} is missing from the checkpoint storage.`);
            const currentHash = current === undefined ? null : await this.hash(current);
            if (currentHash === before) {
                files.push({ path, action: "unchanged" });
                continue;
            }
            const ours = currentHash === lastAfter;
            files.push({ path, action: ours ? "restore" : "review", content: content ?? null, current });
        }
        return { checkpoint: structuredClone(this.checkpoints[index]!), files };
    }

    /** Drops `id` and every later checkpoint (after a restore they describe a future that is gone). */
    dropFrom(id: string): Promise<void> {
        return this.exclusive(async () => {
            await this.load();
            const index = this.checkpoints.findIndex((checkpoint) => checkpoint.id === id);
            if (index < 0) return;
            this.checkpoints.splice(index);
            await this.save();
            await this.collect();
        });
    }

    private async put(content: string): Promise<string> {
        const hash = await this.hash(content);
        if (!await this.storage.hasBlob(hash)) await this.storage.writeBlob(hash, content);
        return hash;
    }

    private load(): Promise<void> {
        this.loaded ??= (async () => {
            const text = await this.storage.readManifest().catch(() => undefined);
            if (text === undefined) return;
            try {
                const manifest = JSON.parse(text) as Manifest;
                if (manifest.version !== 1 || !Array.isArray(manifest.checkpoints)) throw new Error("not a checkpoint manifest");
                this.checkpoints = manifest.checkpoints.filter(isCheckpoint);
            } catch (error) {
                // A corrupt manifest loses the checkpoints, never the user's files: start again.
                this.options.warn?.(`The checkpoints could not be read (${error instanceof Error ? error.message : String(error)}); starting with none.`);
                this.checkpoints = [];
            }
        })();
        return this.loaded;
    }

    private save(): Promise<void> {
        const manifest: Manifest = { version: 1, checkpoints: this.checkpoints };
        return this.storage.writeManifest(JSON.stringify(manifest));
    }

    /** Drops checkpoints past the age limit, then the oldest until the blobs fit the size limit. */
    private async prune(): Promise<void> {
        const limits = this.options.limits ?? DEFAULT_CHECKPOINT_LIMITS;
        const cutoff = this.now() - limits.maxAgeMs;
        const before = this.checkpoints.length;
        this.checkpoints = this.checkpoints.filter((checkpoint) => checkpoint.createdAt >= cutoff);
        let blobs = await this.storage.listBlobs();
        let total = blobs.reduce((sum, blob) => sum + blob.bytes, 0);
        while (total > limits.maxBytes && this.checkpoints.length > 1) {
            this.checkpoints.shift();
            total = this.usedBytes(blobs);
        }
        if (this.checkpoints.length !== before) await this.save();
        blobs = await this.collect(blobs);
    }

    private usedBytes(blobs: { hash: string; bytes: number }[]): number {
        const used = this.referenced();
        return blobs.filter((blob) => used.has(blob.hash)).reduce((sum, blob) => sum + blob.bytes, 0);
    }

    private referenced(): Set<string> {
        const used = new Set<string>();
        for (const checkpoint of this.checkpoints) {
            for (const file of checkpoint.files) {
                if (file.before) used.add(file.before);
                if (file.after) used.add(file.after);
            }
        }
        return used;
    }

    /** Deletes blobs no checkpoint refers to. */
    private async collect(blobs?: { hash: string; bytes: number }[]): Promise<{ hash: string; bytes: number }[]> {
        const all = blobs ?? await this.storage.listBlobs();
        const used = this.referenced();
        for (const blob of all) if (!used.has(blob.hash)) await this.storage.deleteBlob(blob.hash);
        return all.filter((blob) => used.has(blob.hash));
    }

    private exclusive<T>(work: () => Promise<T>): Promise<T> {
        const run = this.queue.then(work, work);
        this.queue = run.catch(() => undefined);
        return run;
    }
}

/** Each file a change touches: its content before (null: none) and after (null: gone). */
export function effects(changes: readonly FileChange[]): { path: string; before: string | null; after: string | null }[] {
    const out: { path: string; before: string | null; after: string | null }[] = [];
    for (const change of changes) {
        switch (change.kind) {
            case "create": out.push({ path: change.path, before: null, after: change.text }); break;
            case "modify": out.push({ path: change.path, before: change.before, after: change.after }); break;
            case "delete": if (change.link === undefined) out.push({ path: change.path, before: change.before, after: null }); break;
            case "rename":
                if (change.link !== undefined) break;
                out.push({ path: change.from, before: change.before, after: null }, { path: change.to, before: null, after: change.after });
                break;
            case "replace":
                if (change.path !== undefined) {
                    out.push({ path: change.path, before: change.before, after: change.before.slice(0, change.start) + change.text + change.before.slice(change.end) });
                }
                break;
        }
    }
    return out;
}

function isCheckpoint(value: unknown): value is Checkpoint {
    const checkpoint = value as Checkpoint;
    return typeof value === "object" && value !== null && typeof checkpoint.id === "string" && typeof checkpoint.createdAt === "number"
        && typeof checkpoint.label === "string" && Array.isArray(checkpoint.files)
        && checkpoint.files.every((file) => typeof file?.path === "string" && (file.before === null || /^[0-9a-f]{64}$/.test(file.before))
            && (file.after === null || /^[0-9a-f]{64}$/.test(file.after)));
}
