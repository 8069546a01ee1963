/**
 * The one conflict rule of every proposal: what it replaces must still be there, unchanged, when it is accepted.
 *
 * A proposal records the text it was based on (`base`) and the part of it that it replaces (`start`..`end`; the
 * whole text for a whole-file change). When the file now reads differently:
 * - a whole-file change is a conflict (the part it replaces is the whole file);
 * - a range replacement still applies when the replaced code is found intact — where it was, or moved by edits
 *   elsewhere to one unambiguous place — and is a conflict when that code itself changed, is gone or is ambiguous.
 * A conflict is never applied: nothing the user wrote is lost.
 */

export interface Replaced {
    /** The file's text when the change was proposed. */
    base: string;
    /** What is replaced, as offsets into `base`. */
    start: number;
    end: number;
    /** The file's text with the change applied (to tell "already applied" from a fresh edit). */
    result?: string;
}

/** Where the replaced part is in `current`, or undefined when it changed since the proposal (a conflict). */
export function locateReplaced(current: string, replaced: Replaced): { start: number; end: number } | undefined {
    const { base, start, end } = replaced;
    if (current === base) return { start, end };
    const whole = start === 0 && end === base.length;
    if (whole) return undefined;
    // Already applied (twice from two buttons): nothing left to replace.
    if (replaced.result !== undefined && current === replaced.result) return undefined;
    const original = base.slice(start, end);
    if (original === "") return undefined;
    if (current.slice(start, end) === original) return { start, end };
    const first = current.indexOf(original);
    if (first < 0 || current.indexOf(original, first + 1) >= 0) return undefined;
    return { start: first, end: first + original.length };
}
