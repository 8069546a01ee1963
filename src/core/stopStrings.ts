/**
 * Finds stop strings in streamed text and holds back text that may be the start of one, so that
 * a stop string is never shown to the user even when it arrives split across tokens.
 */
export class StopStringMatcher {
    private text = "";
    private emitted = 0;

    constructor(private readonly stops: readonly string[]) {}

    /** Adds text; returns what can be shown now and the stop string if one completed. */
    push(chunk: string): { emit: string; stop?: string } {
        this.text += chunk;
        let firstStop: { index: number; stop: string } | undefined;
        for (const stop of this.stops) {
            if (stop.length === 0) continue;
            const index = this.text.indexOf(stop, Math.max(0, this.emitted - stop.length + 1));
            if (index >= 0 && (!firstStop || index < firstStop.index)) firstStop = { index, stop };
        }
        if (firstStop) {
            const emit = this.text.slice(this.emitted, firstStop.index);
            this.text = this.text.slice(0, firstStop.index);
            this.emitted = this.text.length;
            return { emit, stop: firstStop.stop };
        }
        let hold = 0;
        for (const stop of this.stops) {
            for (let length = Math.min(stop.length - 1, this.text.length - this.emitted); length > hold; length--) {
                if (this.text.endsWith(stop.slice(0, length))) {
                    hold = length;
                    break;
                }
            }
        }
        const end = this.text.length - hold;
        const emit = this.text.slice(this.emitted, end);
        this.emitted = end;
        return { emit };
    }

    /** At the end of generation, release text that was held back as a possible stop-string start. */
    flush(): string {
        const rest = this.text.slice(this.emitted);
        this.emitted = this.text.length;
        return rest;
    }

    get fullText(): string {
        return this.text;
    }
}
