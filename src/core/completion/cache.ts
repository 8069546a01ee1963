/**
 * Suggestions already computed, by the text around the cursor. A hit needs no engine at all, and it also hits
 * while the user types into a suggestion that is on screen: if the text typed since a cached position is the
 * start of that position's suggestion, the rest of the suggestion is the answer.
 */

export interface CompletionCacheOptions {
    /** Entries kept (least recently used go first). */
    capacity: number;
    /** Characters before the cursor that the key holds. */
    prefixChars: number;
    /** Characters after the cursor that the key holds. */
    suffixChars: number;
    /** How far back (characters) a typed-into lookup searches for the position the suggestion was made at. */
    maxTypedChars: number;
}

export const DEFAULT_CACHE_OPTIONS: CompletionCacheOptions = { capacity: 256, prefixChars: 512, suffixChars: 256, maxTypedChars: 256 };

export interface CacheHit {
    text: string;
    /** Characters the user typed into the cached suggestion (0: the exact position). */
    typed: number;
}

export class CompletionCache {
    private readonly entries = new Map<string, string>();

    constructor(private readonly options: CompletionCacheOptions = DEFAULT_CACHE_OPTIONS) {}

    get size(): number {
        return this.entries.size;
    }

    /** `variant` separates suggestions that differ for the same text (single- vs multi-line, prompt mode). */
    set(prefix: string, suffix: string, variant: string, text: string): void {
        const key = this.key(prefix, suffix, variant);
        this.entries.delete(key);
        this.entries.set(key, text);
        while (this.entries.size > this.options.capacity) {
            const oldest = this.entries.keys().next().value;
            if (oldest === undefined) break;
            this.entries.delete(oldest);
        }
    }

    /**
     * The suggestion for this position: an exact entry (possibly empty: "nothing to suggest here"), or the rest of
     * a suggestion the user has been typing into (never empty).
     */
    get(prefix: string, suffix: string, variant: string): CacheHit | undefined {
        const exact = this.touch(this.key(prefix, suffix, variant));
        if (exact !== undefined) return { text: exact, typed: 0 };
        const limit = Math.min(this.options.maxTypedChars, prefix.length);
        for (let typed = 1; typed <= limit; typed++) {
            const typedText = prefix.slice(prefix.length - typed);
            const key = this.key(prefix.slice(0, prefix.length - typed), suffix, variant);
            const entry = this.entries.get(key);
            if (entry !== undefined && entry.length > typed && entry.startsWith(typedText)) {
                this.touch(key);
                return { text: entry.slice(typed), typed };
            }
        }
        return undefined;
    }

    clear(): void {
        this.entries.clear();
    }

    private touch(key: string): string | undefined {
        const value = this.entries.get(key);
        if (value !== undefined) {
            this.entries.delete(key);
            this.entries.set(key, value);
        }
        return value;
    }

    private key(prefix: string, suffix: string, variant: string): string {
        return `${variant}\u0000${prefix.slice(Math.max(0, prefix.length - this.options.prefixChars))}\u0000${suffix.slice(0, this.options.suffixChars)}`;
    }
}
