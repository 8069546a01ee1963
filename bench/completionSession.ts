/**
 * A realistic, deterministic editing session for the completion benchmark: a source file of a couple of hundred
 * lines is opened with part of a function body missing, and it is typed back character by character — with
 * typos and their deletions, accepted suggestions (a chunk inserted at once), and detours: cursor jumps up to the
 * imports to add one, into another function to rename a word, down to the end of the file to add a comment, and
 * plain look-arounds — each followed by a jump back to where the typing continues. Enter comes with the next line's
 * indentation, as the editor adds it.
 */

export type SessionEventKind = "type" | "delete" | "accept" | "jump";

export interface SessionEvent {
    kind: SessionEventKind;
    /** The document after the event. */
    text: string;
    /** The cursor after the event. */
    offset: number;
    /** For jumps: where to. */
    note?: string;
}

export interface Session {
    /** The document as opened, and the cursor. */
    text: string;
    offset: number;
    events: SessionEvent[];
}

/** mulberry32: a small seeded generator, so every run replays the same session. */
function random(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
        state = (state + 0x6d2b79f5) >>> 0;
        let value = state;
        value = Math.imul(value ^ (value >>> 15), value | 1);
        value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
        return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
    };
}

class Editor {
    readonly events: SessionEvent[] = [];

    constructor(public text: string, public offset: number) {}

    type(characters: string): void {
        for (const character of characters) {
            this.text = this.text.slice(0, this.offset) + character + this.text.slice(this.offset);
            this.offset += character.length;
            this.push("type");
        }
    }

    /** Text that arrives with one key: an accepted suggestion, or Enter with the indentation the editor adds. */
    insert(chunk: string, kind: SessionEventKind = "accept"): void {
        this.text = this.text.slice(0, this.offset) + chunk + this.text.slice(this.offset);
        this.offset += chunk.length;
        this.push(kind);
    }

    backspace(count: number): void {
        for (let index = 0; index < count && this.offset > 0; index++) {
            this.text = this.text.slice(0, this.offset - 1) + this.text.slice(this.offset);
            this.offset--;
            this.push("delete");
        }
    }

    jump(offset: number, note: string): void {
        this.offset = offset;
        this.push("jump", note);
    }

    private push(kind: SessionEventKind, note?: string): void {
        this.events.push({ kind, text: this.text, offset: this.offset, note });
    }
}

const TYPO_RATE = 0.03;
const ACCEPT_RATE = 0.06;
const RETYPE_RATE = 0.01;

export interface SessionPlan {
    /** The body typed back: from the line holding `bodyStart` up to (without) the line holding `bodyEnd`. */
    bodyStart: string;
    bodyEnd: string;
    /** A line to type after, near the top (an import). */
    importAnchor: string;
    importText: string;
    /** A word to replace elsewhere: the `renameRemove` characters before the end of `renameAnchor` become `renameText`. */
    renameAnchor: string;
    renameRemove: number;
    renameText: string;
    seed?: number;
}

export function buildSession(file: string, options: SessionPlan): Session {
    const next = random(options.seed ?? 7);
    const start = file.lastIndexOf("\n", file.indexOf(options.bodyStart)) + 1;
    const endLine = file.indexOf(options.bodyEnd, start);
    const end = file.lastIndexOf("\n", endLine) + 1;
    if (start <= 0 || endLine < 0 || end <= start) throw new Error("The session's body anchors are not in the file.");
    const body = file.slice(start, end);
    const editor = new Editor(file.slice(0, start) + file.slice(end), start);
    const opened = { text: editor.text, offset: editor.offset };

    let typed = 0;
    const detours: { at: number; run: () => void }[] = [
        { at: 0.2, run: () => lookAround(editor, 0.35) },
        { at: 0.3, run: () => editAt(editor, editor.text.indexOf(options.importAnchor) + options.importAnchor.length, options.importText, "imports") },
        { at: 0.45, run: () => lookAround(editor, 0.9) },
        {
            at: 0.55,
            run: () => renameAt(editor, editor.text.indexOf(options.renameAnchor) + options.renameAnchor.length, options.renameRemove, options.renameText, "rename")
        },
        { at: 0.7, run: () => editAt(editor, editor.text.length, "// end of the scripted engine\n", "end of file") },
        { at: 0.85, run: () => lookAround(editor, 0.1) }
    ];
    while (typed < body.length) {
        const detour = detours[0];
        if (detour && typed / body.length >= detour.at) {
            detours.shift();
            detour.run();
            continue;
        }
        const roll = next();
        if (roll < ACCEPT_RATE && typed > 0) {
            // Accepting a suggestion: the rest of the line at once (or a long piece of it).
            const lineEnd = body.indexOf("\n", typed);
            const length = Math.min((lineEnd < 0 ? body.length : lineEnd) - typed, 8 + Math.floor(next() * 24));
            if (length > 1) {
                editor.insert(body.slice(typed, typed + length));
                typed += length;
                continue;
            }
        }
        if (roll < ACCEPT_RATE + TYPO_RATE) {
            editor.type(String.fromCharCode(97 + Math.floor(next() * 26)));
            editor.backspace(1);
        } else if (roll < ACCEPT_RATE + TYPO_RATE + RETYPE_RATE && typed > 6) {
            // Second thoughts: delete the last few characters and type them again.
            const count = 2 + Math.floor(next() * 4);
            editor.backspace(count);
            typed -= count;
            continue;
        }
        if (body[typed] === "\n") {
            // Enter: the editor indents the new line.
            const indent = /^[ \t]*/.exec(body.slice(typed + 1))![0];
            editor.insert(`\n${indent}`, "type");
            typed += 1 + indent.length;
            continue;
        }
        editor.type(body[typed]!);
        typed++;
    }
    return { ...opened, events: editor.events };
}

/** Jump somewhere (a fraction of the document), look, and jump back. */
function lookAround(editor: Editor, fraction: number): void {
    const back = editor.offset;
    const target = editor.text.indexOf("\n", Math.floor(editor.text.length * fraction)) + 1;
    editor.jump(target, `look at ${Math.round(fraction * 100)}%`);
    editor.jump(back, "back");
}

/** Jump to `offset`, type `text`, jump back to where the cursor was (shifted by the insertion when it was above). */
function editAt(editor: Editor, offset: number, text: string, where: string): void {
    const back = editor.offset;
    editor.jump(offset, where);
    editor.type(text);
    editor.jump(offset < back ? back + text.length : back, "back");
}

function renameAt(editor: Editor, offset: number, remove: number, text: string, where: string): void {
    const back = editor.offset;
    editor.jump(offset, where);
    editor.backspace(remove);
    editor.type(text);
    editor.jump(offset < back ? back - remove + text.length : back, "back");
}
