/**
 * A byte-level BPE trainer for the tiny test model: merges learnt from a corpus, so the tiny model's tokenizer
 * packs text about as densely as a real one (a few characters per token) instead of one byte per token. Tests of
 * the context window (compaction, result budgets, a 4096-token context) need prompts whose token counts look like
 * the real model's; the tokenizer itself is still llama.cpp's, reading these merges from the GGUF.
 *
 * Words are split as the Qwen2 pre-tokenizer splits them (letters with one leading space, digits one at a time,
 * punctuation runs, whitespace), then mapped to GPT-2's byte characters; merges never cross a word.
 */
const WORDS = /'(?:[sStTdDmM]|[rR][eE]|[vV][eE]|[lL][lL])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;

/**
 * Up to `count` merges (most frequent pair first, ties by text), deterministic for a corpus. `table` maps each byte
 * to its character in the vocabulary (GPT-2's bytes_to_unicode).
 */
export function trainMerges(corpus: string, count: number, table: readonly string[]): [string, string][] {
    const encoder = new TextEncoder();
    const frequencies = new Map<string, number>();
    for (const match of corpus.matchAll(WORDS)) frequencies.set(match[0], (frequencies.get(match[0]) ?? 0) + 1);
    const words = [...frequencies].map(([word, frequency]) => ({
        symbols: [...encoder.encode(word)].map((byte) => table[byte]!),
        frequency
    }));
    const merges: [string, string][] = [];
    for (let step = 0; step < count; step++) {
        const pairs = new Map<string, number>();
        for (const { symbols, frequency } of words) {
            for (let index = 0; index + 1 < symbols.length; index++) {
                const key = `${symbols[index]} ${symbols[index + 1]}`;
                pairs.set(key, (pairs.get(key) ?? 0) + frequency);
            }
        }
        let best: string | undefined;
        let bestCount = 1;
        for (const [key, pairCount] of pairs) {
            if (pairCount > bestCount || (pairCount === bestCount && best !== undefined && key < best)) {
                best = key;
                bestCount = pairCount;
            }
        }
        if (best === undefined) break;
        const [left, right] = best.split(" ") as [string, string];
        merges.push([left, right]);
        const joined = left + right;
        for (const word of words) {
            const { symbols } = word;
            const next: string[] = [];
            for (let index = 0; index < symbols.length; index++) {
                if (index + 1 < symbols.length && symbols[index] === left && symbols[index + 1] === right) {
                    next.push(joined);
                    index++;
                } else {
                    next.push(symbols[index]!);
                }
            }
            word.symbols = next;
        }
    }
    return merges;
}
