/**
 * Saved chats, per workspace: one JSON file per conversation plus an index, in the extension's workspace storage
 * folder (the global one when no folder is open). Files, not `workspaceState`: a conversation holds the attached
 * files' text and can grow to megabytes. Each write goes to a temporary file first and is renamed into place, so
 * a crash mid-write leaves the previous version; an unreadable file is skipped (and logged), never fatal.
 *
 * Plain Node: no `vscode` here, so the unit tests exercise it directly.
 */
import { promises as fs } from "node:fs";
import path from "node:path";
import { parseThread, summarize, type ChatThread, type ThreadSummary } from "../core/chat/conversation";
import type { ChatStore } from "../core/chat/store";
import { isObject } from "../core/chat/validate";
import { errorMessage, type Logger } from "../core/log";

interface IndexFile {
    version: 1;
    currentId?: string;
    threads: ThreadSummary[];
}

const ID = /^[\w-]{1,100}$/;

export class FileChatStore implements ChatStore {
    private index?: IndexFile;

    constructor(private readonly directory: string, private readonly log: Logger) {}

    async loadIndex(): Promise<{ threads: ThreadSummary[]; currentId?: string }> {
        const index = await this.readIndex();
        return { threads: [...index.threads], currentId: index.currentId };
    }

    async load(id: string): Promise<ChatThread | undefined> {
        if (!ID.test(id)) return undefined;
        try {
            const thread = parseThread(JSON.parse(await fs.readFile(this.threadFile(id), "utf8")));
            if (!thread) this.log.warn(`Skipped the saved chat ${id}: its file is not a chat.`);
            return thread;
        } catch (error) {
            this.log.warn(`Could not read the saved chat ${id}: ${errorMessage(error)}`);
            return undefined;
        }
    }

    async save(thread: ChatThread): Promise<void> {
        if (!ID.test(thread.id)) throw new Error(`invalid chat id ${thread.id}`);
        await this.writeAtomically(this.threadFile(thread.id), JSON.stringify(thread));
        const index = await this.readIndex();
        index.threads = [summarize(thread), ...index.threads.filter((entry) => entry.id !== thread.id)]
            .sort((a, b) => b.updatedAt - a.updatedAt);
        index.currentId = thread.id;
        await this.writeIndex(index);
    }

    async delete(id: string): Promise<void> {
        const index = await this.readIndex();
        index.threads = index.threads.filter((entry) => entry.id !== id);
        if (index.currentId === id) index.currentId = undefined;
        await this.writeIndex(index);
        if (ID.test(id)) await fs.rm(this.threadFile(id), { force: true });
    }

    async setCurrent(id: string | undefined): Promise<void> {
        const index = await this.readIndex();
        if (index.currentId === id) return;
        index.currentId = id;
        await this.writeIndex(index);
    }

    private threadFile(id: string): string {
        return path.join(this.directory, `${id}.json`);
    }

    private async readIndex(): Promise<IndexFile> {
        if (this.index) return this.index;
        let index: IndexFile = { version: 1, threads: [] };
        try {
            const value: unknown = JSON.parse(await fs.readFile(path.join(this.directory, "index.json"), "utf8"));
            if (isObject(value) && value.version === 1 && Array.isArray(value.threads)) {
                const threads = (value.threads as unknown[]).filter((entry): entry is ThreadSummary => isObject(entry) &&
                    typeof entry.id === "string" && ID.test(entry.id) && typeof entry.title === "string" &&
                    typeof entry.updatedAt === "number" && typeof entry.exchangeCount === "number");
                index = { version: 1, threads, currentId: typeof value.currentId === "string" ? value.currentId : undefined };
            } else {
                this.log.warn("The saved chats' index is not readable; starting a new one.");
            }
        } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== "ENOENT") this.log.warn(`Could not read the saved chats' index: ${errorMessage(error)}`);
        }
        this.index = index;
        return index;
    }

    private async writeIndex(index: IndexFile): Promise<void> {
        this.index = index;
        await this.writeAtomically(path.join(this.directory, "index.json"), JSON.stringify(index));
    }

    private async writeAtomically(file: string, text: string): Promise<void> {
        await fs.mkdir(this.directory, { recursive: true });
        const temporary = `${file}.${process.pid}.tmp`;
        await fs.writeFile(temporary, text);
        await fs.rename(temporary, file);
    }
}
