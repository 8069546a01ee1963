/**
 * A model of how the engine reuses a hybrid model's sequence, for unit tests of the prompt layout without a
 * model: one token per character (control tokens are one token), and node-llama-cpp's rules as llamaBackend
 * drives them — a new prompt keeps the common prefix up to the newest checkpoint at or before the divergence,
 * everything after that is evaluated again, checkpoints are taken where the prompt asks (transient ones in a
 * group that keeps the newest 4), and generated tokens follow the prompt in the sequence.
 */
import type { PromptSegment } from "../../src/core/engine";
import { planTokenization } from "../../src/core/tokenization";

const TRANSIENT_KEPT = 4;

export interface SimulatedRun {
    promptTokens: number;
    /** Prompt tokens evaluated (the engine's `timings.evaluatedTokens`: at least the last one). */
    evaluated: number;
    stableMarks: number;
    transientMarks: number;
}

export class SequenceSimulator {
    private tokens: string[] = [];
    private checkpoints: { position: number; transient: boolean }[] = [];

    get checkpointCount(): number {
        return this.checkpoints.length;
    }

    run(segments: readonly PromptSegment[], generated = 4): SimulatedRun {
        const { tokens, marks } = tokenize(segments);
        let common = 0;
        while (common < Math.min(tokens.length, this.tokens.length) && tokens[common] === this.tokens[common]) common++;
        const keep = Math.min(common, tokens.length - 1);
        let position = this.tokens.length;
        if (keep < this.tokens.length) {
            this.checkpoints = this.checkpoints.filter((checkpoint) => checkpoint.position <= keep);
            position = this.checkpoints.reduce((best, checkpoint) => Math.max(best, checkpoint.position), 0);
            this.tokens = this.tokens.slice(0, position);
        }
        const start = position;
        for (const mark of marks) {
            if (mark.position <= start || mark.position > tokens.length - 1) continue;
            if (this.checkpoints.some((checkpoint) => checkpoint.position === mark.position)) continue;
            this.checkpoints.push({ position: mark.position, transient: mark.transient });
            const transient = this.checkpoints.filter((checkpoint) => checkpoint.transient);
            if (transient.length > TRANSIENT_KEPT) this.checkpoints.splice(this.checkpoints.indexOf(transient[0]!), 1);
        }
        this.checkpoints.sort((a, b) => a.position - b.position);
        this.tokens = [...tokens, ...Array.from({ length: generated }, (_, index) => `<gen${index}>`)];
        return {
            promptTokens: tokens.length,
            evaluated: tokens.length - start,
            stableMarks: marks.filter((mark) => !mark.transient).length,
            transientMarks: marks.filter((mark) => mark.transient).length
        };
    }
}

function tokenize(segments: readonly PromptSegment[]): { tokens: string[]; marks: { position: number; transient: boolean }[] } {
    const tokens: string[] = [];
    const marks: { position: number; transient: boolean }[] = [];
    for (const piece of planTokenization(segments)) {
        if (piece.kind === "checkpoint") marks.push({ position: tokens.length, transient: piece.transient === true });
        else if (piece.kind === "special") tokens.push(piece.text);
        else tokens.push(...piece.text);
    }
    return { tokens, marks };
}
