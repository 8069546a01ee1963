/**
 * The agent's WorkspaceFs over Node's file system, for the CLI and the tests (the extension adds unsaved editor
 * buffers and WorkspaceEdits on top, see src/vscode/agent/). Changes are applied in order; a file is written through a
 * temporary file and a rename, so a crash never leaves half a file.
 */
import { promises as fsp } from "node:fs";
import path from "node:path";
import type { DirEntry, EntryKind, EntryStat, FileChange, WorkspaceFs, WorkspaceRoot } from "../../core/agent/workspaceFs";

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
        const handle = await fsp.open(file, "r");
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

    async applyChanges(changes: readonly FileChange[], _label?: string): Promise<void> {
        for (const change of changes) {
            switch (change.kind) {
                case "create":
                    await fsp.mkdir(path.dirname(change.path), { recursive: true });
                    // "wx": never replace a file that appeared meanwhile.
                    await fsp.writeFile(change.path, change.text, { flag: "wx" });
                    break;
                case "modify":
                    await writeKeepingBom(change.path, change.after);
                    break;
                case "delete":
                    await fsp.unlink(change.path);
                    break;
                case "rename":
                    await fsp.mkdir(path.dirname(change.to), { recursive: true });
                    if (await this.lstat(change.to)) throw new Error(`${change.to} exists`);
                    await fsp.rename(change.from, change.to);
                    if (change.after !== change.before) await writeKeepingBom(change.to, change.after);
                    break;
            }
        }
    }
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

/** The text was decoded without its byte-order mark; a file that had one keeps it. */
async function writeKeepingBom(file: string, text: string): Promise<void> {
    const current = await fsp.readFile(file);
    const bom = current.length >= 3 && current[0] === 0xef && current[1] === 0xbb && current[2] === 0xbf;
    const stat = await fsp.stat(file);
    const temporary = path.join(path.dirname(file), `.${path.basename(file)}.qwen-${process.pid}-${Date.now()}.tmp`);
    await fsp.writeFile(temporary, (bom ? "\uFEFF" : "") + text, { mode: stat.mode });
    try {
        await fsp.rename(temporary, file);
    } catch (error) {
        await fsp.rm(temporary, { force: true });
        throw error;
    }
}
