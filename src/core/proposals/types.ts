/**
 * A proposed change as every UI shows it: plain data, browser-safe (the chat webview renders these), no imports.
 *
 * One model for every producer: the agent's tools propose whole-file changes (create, edit, delete, rename), the
 * editor commands and the chat's Apply propose a replacement of one range of one file that may still be streaming.
 * Nothing is written before the user accepts; see store.ts.
 */

export type ProposalKind = "create" | "modify" | "delete" | "rename";

/** Who proposed a change: an agent turn (a session's n-th request) or a command ("Add Documentation", "Apply"…). */
export type ProposalOrigin =
    | { kind: "agent"; session: number; turn: number }
    | { kind: "command"; command: string };

/** A proposal as the review UI shows it. */
export interface ProposalSummary {
    id: number;
    kind: ProposalKind;
    /** Shown path: the target's, or the deleted file's (relative to its workspace folder, or the document's name). */
    path: string;
    /** Absolute path of the same (a document without a file: its URI). */
    absPath: string;
    /** For a rename: where the file was. */
    from?: string;
    fromAbsPath?: string;
    added: number;
    removed: number;
    /** A replacement of part of the file (a command's rewrite, the chat's Apply), not the whole file. */
    range?: boolean;
}

/** "agent turn 2 of session 1", "Add Documentation": for titles, logs and the history. */
export function describeOrigin(origin: ProposalOrigin): string {
    return origin.kind === "agent" ? `agent (session ${origin.session}, request ${origin.turn})` : origin.command;
}
