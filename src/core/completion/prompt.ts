/**
 * Renders a laid-out document as engine prompt segments: Qwen's fill-in-the-middle format (plain PSM, or the
 * repo-level form with `<|repo_name|>` and `<|file_sep|>` chunks), or a non-thinking chat prompt for models without
 * FIM tokens. Control tokens are template text (`special: true`); code, paths and names never are, so a file that
 * contains `<|fim_suffix|>` or `</think>` stays text. Checkpoint marks follow the layout (see layout.ts).
 */
import type { PromptSegment } from "../engine";
import type { ContextChunk } from "./contextRing";
import type { LayoutPlan, PrefixPiece } from "./layout";

export type PromptMode = "fim" | "chat";

export interface PromptInput {
    plan: LayoutPlan;
    /** Workspace-relative path of the document. */
    path: string;
    languageId: string;
    /** Workspace name for `<|repo_name|>`. */
    repoName: string;
    /** Context chunks from other files (repo context only). */
    ring: readonly ContextChunk[];
}

export interface RenderedPrompt {
    segments: PromptSegment[];
    stop: string[];
    /** Characters of non-special text and the number of control tokens: the engine's prompt size calibrates the estimate. */
    plainChars: number;
    specialTokens: number;
}

const FIM_PREFIX = "<|fim_prefix|>";
const FIM_SUFFIX = "<|fim_suffix|>";
const FIM_MIDDLE = "<|fim_middle|>";
const REPO_NAME = "<|repo_name|>";
const FILE_SEP = "<|file_sep|>";

/** The estimated header between the frozen file and the local prefix (for the layout's local budget). */
export function headerText(mode: PromptMode, path: string): string {
    return mode === "fim" ? `${path}\n` : `Fill in the code at ${CURSOR} in ${path}:\n\`\`\`\n`;
}

export function renderPrompt(mode: PromptMode, input: PromptInput, multiline: boolean): RenderedPrompt {
    const builder = new SegmentBuilder();
    if (mode === "fim") renderFim(builder, input);
    else renderChat(builder, input);
    const stop = mode === "fim"
        ? (multiline ? [] : ["\n"])
        : (multiline ? ["<|im_end|>", "\n```"] : ["<|im_end|>", "\n"]);
    return { segments: builder.segments, stop, plainChars: builder.plainChars, specialTokens: builder.specialTokens };
}

function renderFim(out: SegmentBuilder, input: PromptInput): void {
    const { plan } = input;
    const repo = plan.file !== undefined || input.ring.length > 0;
    if (repo) {
        out.special(REPO_NAME);
        out.plain(`${input.repoName}\n`);
        for (const chunk of input.ring) {
            out.special(FILE_SEP);
            out.plain(`${chunk.path}\n${withNewline(chunk.text)}`);
        }
        if (input.ring.length > 0) out.checkpoint(true);
        if (plan.file) {
            out.special(FILE_SEP);
            out.plain(`${input.path}\n`);
            for (const chunk of plan.file) {
                out.plain(chunk);
                out.checkpoint(true);
            }
        }
        out.special(FILE_SEP);
        out.plain(headerText("fim", input.path));
    }
    out.special(FIM_PREFIX);
    // The local window starts here: a jump into a fresh window restores this instead of the frozen file's end.
    if (plan.file) out.checkpoint(true);
    out.pieces(plan.prefix);
    out.special(FIM_SUFFIX);
    out.plain(plan.suffix);
    out.special(FIM_MIDDLE);
}

const CURSOR = "<CURSOR>";
const SYSTEM = "You are a code completion engine inside a code editor. You are shown files of the user's project and " +
    `one file with a ${CURSOR} marker. Reply with exactly the code to insert at ${CURSOR}: no explanation, no code fences, ` +
    "nothing that is already before or after the marker.";

function renderChat(out: SegmentBuilder, input: PromptInput): void {
    const { plan } = input;
    out.special(`<|im_start|>system\n${SYSTEM}<|im_end|>\n<|im_start|>user\n`);
    for (const chunk of input.ring) out.plain(`File ${chunk.path}:\n\`\`\`\n${withNewline(chunk.text)}\`\`\`\n\n`);
    if (input.ring.length > 0) out.checkpoint(true);
    if (plan.file) {
        out.plain(`File ${input.path} (may be slightly out of date):\n\`\`\`\n`);
        for (const chunk of plan.file) {
            out.plain(chunk);
            out.checkpoint(true);
        }
        out.plain("```\n\n");
    }
    out.plain(headerText("chat", input.path));
    if (plan.file) out.checkpoint(true);
    out.pieces(plan.prefix);
    out.plain(`${CURSOR}${plan.suffix}${plan.suffix.endsWith("\n") || plan.suffix.length === 0 ? "" : "\n"}\`\`\`\n`);
    out.plain(`Reply with only the ${input.languageId} code that goes at ${CURSOR}.`);
    out.special("<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
}

function withNewline(text: string): string {
    return text.endsWith("\n") ? text : `${text}\n`;
}

class SegmentBuilder {
    readonly segments: PromptSegment[] = [];
    plainChars = 0;
    specialTokens = 0;

    special(text: string): void {
        this.segments.push({ text, special: true });
        this.specialTokens += text.match(/<\|[a-z_]+\|>|<\/?think>/g)?.length ?? 0;
        this.plainChars += text.replace(/<\|[a-z_]+\|>|<\/?think>/g, "").length;
    }

    plain(text: string): void {
        if (text.length === 0) return;
        this.segments.push({ text, special: false });
        this.plainChars += text.length;
    }

    /** A checkpoint after what was written so far (merged into the last segment). */
    checkpoint(stable: boolean): void {
        const last = this.segments[this.segments.length - 1];
        if (!last) return;
        if (last.checkpointAfter === true) return;
        last.checkpointAfter = stable ? true : "transient";
    }

    pieces(pieces: readonly PrefixPiece[]): void {
        for (const piece of pieces) {
            if (piece.text.length === 0) continue;
            this.plain(piece.text);
            if (piece.checkpoint) this.checkpoint(piece.checkpoint === "stable");
        }
    }
}
