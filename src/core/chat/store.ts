/**
 * Where conversations are kept. The extension keeps them in files in the workspace's storage folder
 * (src/vscode/chatHistoryStore.ts); tests use the in-memory store below.
 */
import type { ChatThread, ThreadSummary } from "./conversation";

export interface ChatStore {
    /** Saved conversations, newest first, and the one that was open. */
    loadIndex(): Promise<{ threads: ThreadSummary[]; currentId?: string }>;
    load(id: string): Promise<ChatThread | undefined>;
    /** Saves the conversation and makes it the one that reopens. */
    save(thread: ChatThread): Promise<void>;
    delete(id: string): Promise<void>;
    /** Which conversation reopens with the window (undefined: a new one). */
    setCurrent(id: string | undefined): Promise<void>;
}

export class MemoryChatStore implements ChatStore {
    readonly threads = new Map<string, ChatThread>();
    currentId?: string;
    saves = 0;

    async loadIndex(): Promise<{ threads: ThreadSummary[]; currentId?: string }> {
        const threads = [...this.threads.values()]
            .map((thread) => ({ id: thread.id, title: thread.title, updatedAt: thread.updatedAt, exchangeCount: thread.exchanges.length }))
            .sort((a, b) => b.updatedAt - a.updatedAt);
        return { threads, currentId: this.currentId };
    }

    async load(id: string): Promise<ChatThread | undefined> {
        const thread = this.threads.get(id);
        return thread && structuredClone(thread);
    }

    async save(thread: ChatThread): Promise<void> {
        this.saves++;
        this.threads.set(thread.id, structuredClone(thread));
        this.currentId = thread.id;
    }

    async delete(id: string): Promise<void> {
        this.threads.delete(id);
        if (this.currentId === id) this.currentId = undefined;
    }

    async setCurrent(id: string | undefined): Promise<void> {
        this.currentId = id;
    }
}
