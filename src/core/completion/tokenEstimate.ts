/**
 * A cheap token count for budgets and chunk boundaries: characters divided by a characters-per-token ratio.
 * Exact counts would need the engine's tokenizer on every keystroke; the ratio is calibrated from the engine
 * instead (a one-off tokenize of the document, then the prompt sizes that generation reports).
 *
 * Chunk boundaries are derived from this estimate, and moving them invalidates the cached prompt after them, so
 * the ratio in use changes only when the measured one drifts far from it.
 */

/** Qwen's BPE on source code: about 3–4 characters a token. Only the first request uses it before calibration. */
export const DEFAULT_CHARS_PER_TOKEN = 3.2;
const MIN_RATIO = 0.8;
const MAX_RATIO = 8;
/** The measured ratio must differ by this factor from the one in use before it is adopted. */
const DRIFT = 1.25;

export class TokenEstimator {
    private applied: number;
    private measured?: number;

    constructor(charsPerToken = DEFAULT_CHARS_PER_TOKEN) {
        this.applied = clamp(charsPerToken);
    }

    get charsPerToken(): number {
        return this.applied;
    }

    /** Estimated tokens of `text` (or of a character count). */
    estimate(text: string | number): number {
        const length = typeof text === "string" ? text.length : text;
        return length === 0 ? 0 : Math.ceil(length / this.applied);
    }

    /** How many characters make about `tokens` tokens. */
    chars(tokens: number): number {
        return Math.floor(tokens * this.applied);
    }

    /** Adopts a ratio measured by the tokenizer itself. */
    calibrate(chars: number, tokens: number): void {
        if (chars <= 0 || tokens <= 0) return;
        this.measured = clamp(chars / tokens);
        this.applied = this.measured;
    }

    /**
     * Folds in a prompt's measured size; returns true when the ratio in use changed (chunk boundaries move).
     * Small samples say little: they are weighted by size.
     */
    observe(chars: number, tokens: number): boolean {
        if (chars < 64 || tokens <= 0) return false;
        const sample = clamp(chars / tokens);
        const weight = Math.min(0.5, chars / 20_000);
        this.measured = this.measured === undefined ? sample : this.measured * (1 - weight) + sample * weight;
        const drift = this.measured / this.applied;
        if (drift > DRIFT || drift < 1 / DRIFT) {
            this.applied = this.measured;
            return true;
        }
        return false;
    }
}

function clamp(ratio: number): number {
    return Number.isFinite(ratio) ? Math.min(MAX_RATIO, Math.max(MIN_RATIO, ratio)) : DEFAULT_CHARS_PER_TOKEN;
}
