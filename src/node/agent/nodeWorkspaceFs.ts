/**
 * The agent's WorkspaceFs over Node's file system, for the CLI and the tests (the extension adds unsaved editor
 * buffers and WorkspaceEdits on top, see src/vscode/agent/). Changes are applied in order; a file is written through a
 * temporary file and a rename, so a crash never leaves half a file, and a failed step undoes the ones before it.
 */
import { constants as fsConstants, promises as fsp } from "node:fs";
import path from "node:path";
import { verifyStillCanonical, type DirEntry, type EntryKind, type EntryStat, type FileChange, type WorkspaceFs, type WorkspaceRoot } from "../../core/agent/workspaceFs";

export class NodeWorkspaceFs implements WorkspaceFs {
    readonly roots: readonly WorkspaceRoot[];

    constructor(folders: readonly string[]) {
        this.roots = folders.map((folder) => {
            const abs = path.resolve(folder);
            return { name: path.basename(abs) || abs, path: abs };
        });
    }

    async lstat(file: string): Promise<EntryStat | undefined> {
        try {
            const stat = await fsp.lstat(file);
            return { kind: kindOf(stat), size: stat.size, mtimeMs: stat.mtimeMs };
        } catch (error) {
            if (isMissing(error)) return undefined;
            throw error;
        }
    }

    realpath(file: string): Promise<string> {
        return fsp.realpath(file);
    }

    async readFile(file: string, maxBytes: number): Promise<Uint8Array> {
        // Non-blocking: a FIFO put where a file was expected must not hang a thread of the pool waiting for a writer.
        const handle = await fsp.open(file, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
        try {
            const stat = await handle.stat();
            if (!stat.isFile()) throw new Error(`${file} is not a regular file`);
            const length = Math.min(stat.size, maxBytes);
            const buffer = Buffer.alloc(length);
            let offset = 0;
            while (offset < length) {
                const { bytesRead } = await handle.read(buffer, offset, length - offset, offset);
                if (bytesRead === 0) break;
                offset += bytesRead;
            }
            return buffer.subarray(0, offset);
        } finally {
            await handle.close();
        }
    }

    async readDirectory(folder: string): Promise<DirEntry[]> {
        const entries = await fsp.readdir(folder, { withFileTypes: true });
        return entries.map((entry) => ({ name: entry.name, kind: kindOf(entry) }));
    }

    readlink(file: string): Promise<string> {
        return fsp.readlink(file);
    }

    /**
     * Applies the changes in order. Each write first re-checks that its folder is still the real folder the change was
     * checked against (a folder swapped for a link meanwhile is refused), creates missing folders one at a time (each
     * checked), and writes new files exclusively (never through a link). A step that fails removes the folders it
     * created, and the steps before it are undone, so a failure leaves the workspace as it was.
     */
    async applyChanges(changes: readonly FileChange[], _label?: string): Promise<void> {
        const undo: (() => Promise<void>)[] = [];
        try {
            for (const change of changes) undo.push(await this.applyOne(change));
        } catch (error) {
            for (const step of undo.reverse()) await step().catch(() => undefined);
            throw error;
        }
    }

    /** Applies one change; returns how to undo it. */
    private async applyOne(change: FileChange): Promise<() => Promise<void>> {
        switch (change.kind) {
            case "create": {
                const created = await this.makeParents(change.path);
                try {
                    await this.verify(change.path);
                    // "wx": never replace a file that appeared meanwhile, nor write through a link put there.
                    await this.writeNew(change.path, change.text);
                } catch (error) {
                    await this.removeEmptyFolders(created);
                    throw error;
                }
                return async () => {
                    await this.verify(change.path);
                    await fsp.unlink(change.path);
                    await this.removeEmptyFolders(created);
                };
            }
            case "replace": {
                const file = change.path ?? change.document;
                await this.verify(file);
                const text = change.before.slice(0, change.start) + change.text + change.before.slice(change.end);
                await this.replaceContent(file, text);
                return () => this.replaceContent(file, change.before);
            }
            case "modify":
                await this.verify(change.path);
                await this.replaceContent(change.path, change.after);
                return () => this.replaceContent(change.path, change.before);
            case "delete": {
                await this.verify(change.path, change.link);
                const mode = change.link === undefined ? (await fsp.stat(change.path)).mode : undefined;
                const bom = change.link === undefined && hasBom(await fsp.readFile(change.path));
                await fsp.unlink(change.path);
                return async () => {
                    await this.verify(change.path);
                    if (change.link !== undefined) await fsp.symlink(change.link, change.path);
                    else await fsp.writeFile(change.path, (bom ? "\uFEFF" : "") + change.before, { flag: "wx", mode });
                };
            }
            case "rename": {
                await this.verify(change.from, change.link);
                const created = await this.makeParents(change.to);
                try {
                    await this.verify(change.to);
                    if (await this.lstat(change.to)) throw new Error(`${change.to} exists`);
                    await fsp.rename(change.from, change.to);
                } catch (error) {
                    await this.removeEmptyFolders(created);
                    throw error;
                }
                try {
                    if (change.link === undefined && change.after !== change.before) await this.replaceContent(change.to, change.after);
                } catch (error) {
                    await this.verify(change.from).then(() => fsp.rename(change.to, change.from)).catch(() => undefined);
                    await this.removeEmptyFolders(created);
                    throw error;
                }
                return async () => {
                    if (change.link === undefined && change.after !== change.before) await this.replaceContent(change.to, change.before);
                    await this.verify(change.to, change.link);
                    await this.verify(change.from);
                    await fsp.rename(change.to, change.from);
                    await this.removeEmptyFolders(created);
                };
            }
        }
    }

    /** Removes folders a failed step created, deepest first, only while they are empty and still where they were made. */
    private async removeEmptyFolders(created: readonly string[]): Promise<void> {
        for (const folder of [...created].reverse()) {
            try {
                await this.verify(folder);
                await fsp.rmdir(folder);
            } catch {
                return;
            }
        }
    }

    private verify(file: string, link?: string): Promise<void> {
        return verifyStillCanonical(this, file, path.dirname, link);
    }

    /**
     * Creates the missing folders above `file` one at a time, each checked to be a real folder where it was made
     * (not a link put there meanwhile). Returns those it created, deepest last.
     */
    private async makeParents(file: string): Promise<string[]> {
        const missing: string[] = [];
        for (let folder = path.dirname(file); !await this.lstat(folder); folder = path.dirname(folder)) {
            if (path.dirname(folder) === folder) break;
            missing.unshift(folder);
        }
        const created: string[] = [];
        try {
            for (const folder of missing) {
                await this.verify(folder);
                await this.makeDirectory(folder);
                created.push(folder);
                const stat = await this.lstat(folder);
                if (stat?.kind !== "directory") throw new Error(`${folder} is not the folder just created there, so nothing was written in it.`);
            }
        } catch (error) {
            await this.removeEmptyFolders(created);
            throw error;
        }
        return created;
    }

    /** One folder, not recursive: its parent must exist (and was checked). */
    protected makeDirectory(folder: string): Promise<void> {
        return fsp.mkdir(folder);
    }

    /** A new file, created exclusively: fails when anything (a file, a link) is already there. */
    protected async writeNew(file: string, text: string, mode?: number): Promise<void> {
        await fsp.writeFile(file, text, { flag: "wx", ...(mode !== undefined ? { mode } : {}) });
    }

    /** The text was decoded without its byte-order mark; a file that had one keeps it. Written through a temporary file. */
    private async replaceContent(file: string, text: string): Promise<void> {
        const current = await fsp.readFile(file);
        const stat = await fsp.stat(file);
        const temporary = path.join(path.dirname(file), `.${path.basename(file)}.qwen-${process.pid}-${Date.now()}.tmp`);
        await this.writeNew(temporary, (hasBom(current) ? "\uFEFF" : "") + text, stat.mode);
        try {
            await this.verify(file);
            await fsp.rename(temporary, file);
        } catch (error) {
            await fsp.rm(temporary, { force: true });
            throw error;
        }
    }
}

function hasBom(bytes: Uint8Array): boolean {
    return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

function kindOf(stat: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): EntryKind {
    if (stat.isSymbolicLink()) return "symlink";
    if (stat.isFile()) return "file";
    if (stat.isDirectory()) return "directory";
    return "other";
}

function isMissing(error: unknown): boolean {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    return code === "ENOENT" || code === "ENOTDIR";
}
