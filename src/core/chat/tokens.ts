/**
 * Token estimates for the live context meter. Exact counts need the engine (and a loaded model), which the meter
 * must never cause, so it estimates from characters and corrects the estimate with the exact count the engine
 * reports after each turn (`tokenScale` = exact ÷ estimated, kept per conversation).
 */

/**
 * A tokenizer-free estimate: BPE vocabularies like Qwen's take about four characters of English or code per token,
 * and roughly one token per character of other scripts (CJK, emoji).
 */
export function estimateTokens(text: string, tokenScale = 1): number {
    let ascii = 0;
    let other = 0;
    for (let i = 0; i < text.length; i++) {
        const code = text.charCodeAt(i);
        if (code < 0x80) ascii++;
        else if (code < 0xdc00 || code > 0xdfff) other++; // a surrogate pair counts once
    }
    return Math.ceil((ascii / 4 + other) * normalScale(tokenScale));
}

/** The correction that makes the estimate for `text` equal the engine's exact count. */
export function calibrateTokenScale(text: string, exactTokens: number): number | undefined {
    const estimate = estimateTokens(text);
    if (estimate < 16 || exactTokens <= 0) return undefined;
    return normalScale(exactTokens / estimate);
}

/** Guards against a wild calibration (a broken count) making the meter useless. */
function normalScale(scale: number): number {
    return Number.isFinite(scale) && scale > 0 ? Math.min(Math.max(scale, 0.1), 10) : 1;
}

/** "12.3k" style, for the meter. */
export function formatTokenCount(tokens: number): string {
    if (tokens < 1000) return String(Math.round(tokens));
    if (tokens < 100_000) return `${(tokens / 1000).toFixed(1).replace(/\.0$/, "")}k`;
    return `${Math.round(tokens / 1000)}k`;
}
