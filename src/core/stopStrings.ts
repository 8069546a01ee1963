/**
 * Finds stop strings in streamed text and holds back text that may be the start of one, so that
 * a stop string is never shown to the user even when it arrives split across tokens.
 *
 * Linear in the length of the answer: each push looks only at the held-back text and the new chunk (a stop string
 * cannot start in text already shown, since any start of one is held back), and the text shown so far is kept as
 * parts, never searched again. (Appending to one growing string and searching it made V8 flatten the whole answer on
 * every token: a 192 KB answer took 37 s.)
 */
export class StopStringMatcher {
    /** What has been shown (emitted), as parts. */
    private readonly shown: string[] = [];
    private joined: string | undefined = "";
    /** Text held back as a possible start of a stop string: shorter than the longest stop string. */
    private held = "";
    private readonly stops: readonly string[];

    constructor(stops: readonly string[]) {
        this.stops = stops.filter((stop) => stop.length > 0);
    }

    /** Adds text; returns what can be shown now and the stop string if one completed. */
    push(chunk: string): { emit: string; stop?: string } {
        const window = this.held + chunk;
        let firstStop: { index: number; stop: string } | undefined;
        for (const stop of this.stops) {
            const index = window.indexOf(stop);
            if (index >= 0 && (!firstStop || index < firstStop.index)) firstStop = { index, stop };
        }
        if (firstStop) {
            this.held = "";
            return { emit: this.show(window.slice(0, firstStop.index)), stop: firstStop.stop };
        }
        let hold = 0;
        for (const stop of this.stops) {
            for (let length = Math.min(stop.length - 1, window.length); length > hold; length--) {
                if (window.endsWith(stop.slice(0, length))) {
                    hold = length;
                    break;
                }
            }
        }
        this.held = window.slice(window.length - hold);
        return { emit: this.show(window.slice(0, window.length - hold)) };
    }

    /** At the end of generation, release text that was held back as a possible stop-string start. */
    flush(): string {
        const rest = this.held;
        this.held = "";
        return this.show(rest);
    }

    /** Everything shown so far (the answer without its stop string). */
    get fullText(): string {
        this.joined ??= this.shown.join("");
        return this.joined;
    }

    private show(text: string): string {
        if (text.length > 0) {
            this.shown.push(text);
            this.joined = undefined;
        }
        return text;
    }
}
