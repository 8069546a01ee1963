/**
 * How long to wait after a keystroke before asking the model. Waiting avoids starting generations that the next
 * keystroke cancels; waiting too long makes fast engines feel slow. The delay follows the measured response time:
 * a fraction of its moving average, within bounds.
 */

export interface DebounceOptions {
    /** Delay before anything was measured. */
    initialMs: number;
    minMs: number;
    maxMs: number;
    /** Delay = factor × average response time. */
    factor: number;
}

export const DEFAULT_DEBOUNCE: DebounceOptions = { initialMs: 80, minMs: 15, maxMs: 350, factor: 0.4 };

/** Weight of the newest measurement in the moving average. */
const ALPHA = 0.3;

export class AdaptiveDebounce {
    private average?: number;

    constructor(private readonly options: DebounceOptions = DEFAULT_DEBOUNCE) {}

    /** The delay for the next request. */
    get delayMs(): number {
        if (this.average === undefined) return clampMs(this.options.initialMs, this.options);
        return clampMs(this.average * this.options.factor, this.options);
    }

    /** The moving average of response times, once there is one. */
    get averageResponseMs(): number | undefined {
        return this.average;
    }

    /** A completed request's response time (cache hits and cancelled requests say nothing about the engine). */
    record(responseMs: number): void {
        if (!Number.isFinite(responseMs) || responseMs < 0) return;
        this.average = this.average === undefined ? responseMs : this.average * (1 - ALPHA) + responseMs * ALPHA;
    }
}

function clampMs(ms: number, options: DebounceOptions): number {
    return Math.round(Math.min(options.maxMs, Math.max(options.minMs, ms)));
}
