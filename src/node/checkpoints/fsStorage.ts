/**
 * Checkpoint storage in a folder (the extension's workspace storage): `manifest.json`, replaced atomically
 * (written beside, then renamed), and `blobs/<sha256>`, each written once under a temporary name and renamed.
 */
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import type { CheckpointStorage } from "../../core/checkpoints/checkpoints";

const HASH = /^[0-9a-f]{64}$/;

export class FsCheckpointStorage implements CheckpointStorage {
    constructor(private readonly dir: string) {}

    private blob(hash: string): string {
        if (!HASH.test(hash)) throw new Error(`not a content hash: ${hash}`);
        return path.join(this.dir, "blobs", hash);
    }

    async readManifest(): Promise<string | undefined> {
        return fs.readFile(path.join(this.dir, "manifest.json"), "utf8").catch((error: NodeJS.ErrnoException) => {
            if (error.code === "ENOENT") return undefined;
            throw error;
        });
    }

    async writeManifest(text: string): Promise<void> {
        await this.writeAtomically(path.join(this.dir, "manifest.json"), text);
    }

    async hasBlob(hash: string): Promise<boolean> {
        return fs.access(this.blob(hash)).then(() => true, () => false);
    }

    async writeBlob(hash: string, content: string): Promise<void> {
        await this.writeAtomically(this.blob(hash), content);
    }

    async readBlob(hash: string): Promise<string | undefined> {
        const content = await fs.readFile(this.blob(hash), "utf8").catch(() => undefined);
        // A blob changed on disk (corruption) is as good as missing.
        return content !== undefined && sha256(content) === hash ? content : undefined;
    }

    async deleteBlob(hash: string): Promise<void> {
        await fs.rm(this.blob(hash), { force: true });
    }

    async listBlobs(): Promise<{ hash: string; bytes: number }[]> {
        const dir = path.join(this.dir, "blobs");
        const names = await fs.readdir(dir).catch(() => [] as string[]);
        const blobs: { hash: string; bytes: number }[] = [];
        for (const name of names) {
            if (!HASH.test(name)) continue;
            const stat = await fs.stat(path.join(dir, name)).catch(() => undefined);
            if (stat) blobs.push({ hash: name, bytes: stat.size });
        }
        return blobs;
    }

    private async writeAtomically(file: string, text: string): Promise<void> {
        await fs.mkdir(path.dirname(file), { recursive: true });
        const temporary = `${file}.${randomBytes(6).toString("hex")}.tmp`;
        try {
            await fs.writeFile(temporary, text, "utf8");
            await fs.rename(temporary, file);
        } catch (error) {
            await fs.rm(temporary, { force: true });
            throw error;
        }
    }
}

export function sha256(content: string): string {
    return createHash("sha256").update(content, "utf8").digest("hex");
}
