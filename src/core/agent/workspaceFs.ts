/**
 * What the agent's tools see of the workspace. The tools are pure functions over these interfaces; the CLI and the
 * tests back them with Node's file system (src/node/agent/), the extension with VS Code's (src/vscode/agent/), which
 * reads unsaved editor buffers and writes through one WorkspaceEdit.
 *
 * Paths handed to these methods are absolute and have already passed the workspace rules of paths.ts.
 */

export type EntryKind = "file" | "directory" | "symlink" | "other";

export interface EntryStat {
    /** What the path itself is: a symbolic link is reported as "symlink", never followed. */
    kind: EntryKind;
    size: number;
    mtimeMs: number;
}

export interface DirEntry {
    name: string;
    kind: EntryKind;
}

export interface WorkspaceRoot {
    /** The folder's name as the user sees it (the last path segment, or the name given in a multi-root workspace). */
    name: string;
    /** Absolute path as opened. */
    path: string;
}

/** A change to apply, already checked against the current content by the edit session. */
export type FileChange =
    | { kind: "create"; path: string; text: string }
    | { kind: "modify"; path: string; before: string; after: string }
    | { kind: "delete"; path: string; before: string; link?: string }
    | { kind: "rename"; from: string; to: string; before: string; after: string; link?: string }
    /**
     * Part of a document replaced (a command's rewrite): `start`..`end` of its current text `before` becomes `text`.
     * `document` is the host's name for it (the editor: its URI, unsaved and untitled documents included); `path`
     * is set when it is a file inside the workspace (checked like the others), and names it where there is no host.
     */
    | { kind: "replace"; document: string; path?: string; start: number; end: number; before: string; text: string };
/*
 * `link`: the change is to a symbolic link itself (deleted or moved, never what it points to); it holds what the link
 * held when the change was checked, and the link must still hold it.
 */

export interface WorkspaceFs {
    readonly roots: readonly WorkspaceRoot[];
    /** Undefined when nothing is there. */
    lstat(path: string): Promise<EntryStat | undefined>;
    /** The canonical path with every symbolic link resolved; rejects when the path (or a link's target) is missing. */
    realpath(path: string): Promise<string>;
    /** What a symbolic link holds (its target as written); rejects when the path is not a link. */
    readlink(path: string): Promise<string>;
    /** The current bytes, at most `maxBytes` of them: an open editor's unsaved text where there is one. */
    readFile(path: string, maxBytes: number): Promise<Uint8Array>;
    readDirectory(path: string): Promise<DirEntry[]>;
    /**
     * Applies every change together (the extension: one WorkspaceEdit, so one undo restores every file). Paths are
     * canonical (links resolved when the change was checked); each write first checks that its folder still is that
     * real folder (see `verifyStillCanonical`), so a folder swapped for a link meanwhile cannot redirect it.
     */
    applyChanges(changes: readonly FileChange[], label: string): Promise<void>;
    /**
     * The editor's file search under `folder` (VS Code's, which honours `files.exclude`), absolute paths of files whose
     * path relative to `folder` matches `glob`. Absent: the tools walk the folders themselves.
     */
    findFiles?(folder: string, glob: string, maxResults: number, signal: AbortSignal): Promise<string[]>;
}

export interface CommandOutput {
    exitCode: number | null;
    /** The signal that ended the process, if one did. */
    signal?: string;
    /** stdout and stderr interleaved as they arrived, capped (head and tail kept). */
    output: string;
    truncated: boolean;
    timedOut: boolean;
    cancelled: boolean;
    /** It sat waiting for input (no output after a question) and was interrupted. */
    waitingForInput?: boolean;
}

/** Runs shell commands in the workspace (only ever after the user approved the call). */
export interface CommandRunner {
    run(command: string, options: { cwd: string; timeoutMs: number; maxOutputChars: number; signal: AbortSignal }): Promise<CommandOutput>;
}

export interface DiagnosticItem {
    /** Absolute path. */
    path: string;
    severity: "error" | "warning" | "information" | "hint";
    /** 1-based. */
    line: number;
    column: number;
    message: string;
    source?: string;
    code?: string;
}

/** Problems the editor's language services found (VS Code only). */
export interface DiagnosticsSource {
    /** For one file, or for every file when `path` is undefined. */
    get(path: string | undefined): Promise<DiagnosticItem[]>;
}

/**
 * The last check before a write: `path` was canonical when the change was checked (no link along it); its folder must
 * still be exactly that real folder, and the path itself no link. A folder swapped for a symbolic link since (which
 * could redirect the write outside the workspace or into `.git`) is refused.
 */
export async function verifyStillCanonical(
    fs: Pick<WorkspaceFs, "lstat" | "realpath" | "readlink">, path: string, dirname: (path: string) => string, link?: string
): Promise<void> {
    const folder = dirname(path);
    let real: string;
    try {
        real = await fs.realpath(folder);
    } catch {
        throw new Error(`${folder} no longer exists, so nothing was written there.`);
    }
    if (real !== folder) throw new Error(`${folder} now leads to ${real} (a folder was replaced by a link), so nothing was written there.`);
    const stat = await fs.lstat(path);
    if (link !== undefined) {
        const now = stat?.kind === "symlink" ? await fs.readlink(path).catch(() => undefined) : undefined;
        if (now !== link) throw new Error(`${path} is no longer the symbolic link to ${link} it was, so it was left alone.`);
        return;
    }
    if (stat?.kind === "symlink") throw new Error(`${path} is now a symbolic link, so nothing was written through it.`);
}
