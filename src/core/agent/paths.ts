/**
 * Where a path the model wrote may lead: only inside the workspace folders. Pure over the WorkspaceFs's lstat and
 * realpath, so the same rules hold for the CLI, the tests and the editor.
 *
 * Refused, each with a message that says why: empty, overlong, NUL bytes and control characters, URIs, `~`, UNC and
 * device paths, `..` segments, absolute paths outside every folder, Windows drive-relative paths, reserved device
 * names, alternate data streams, symbolic links whose target is outside the folders or missing, device files,
 * sockets and pipes, anything but a folder in the middle of a path, and writes into `.git`.
 * Symbolic links are resolved one segment at a time, so a link anywhere along the path is caught; what a write may
 * touch is decided on the real path the links lead to, never on the text the model wrote (a link named `notes` that
 * points at `.git` is refused like `.git` itself).
 */
import nodePath from "node:path";
import { ToolError } from "./errors";
import type { EntryKind, WorkspaceFs, WorkspaceRoot } from "./workspaceFs";

export interface ResolvedPath {
    /** Absolute and canonical: links resolved (for a path that does not exist yet, its existing parent's). */
    abs: string;
    /** As tools show it to the model: relative to its folder, "/"-separated, "." for the folder itself. */
    display: string;
    root: WorkspaceRoot;
    /** What is there now, links followed (except the last one when `entry` was asked for); undefined when nothing is. */
    kind?: "file" | "directory" | "symlink";
    size?: number;
    /** For `entry` resolution of a symbolic link: what the link holds (its target as written). */
    linkTarget?: string;
}

export interface ResolveOptions {
    /** "write" also refuses the `.git` folder. */
    purpose: "read" | "write";
    /** Whether the workspace folder itself is an acceptable answer (listing and searching, not editing). */
    allowRoot?: boolean;
    /**
     * The entry itself (deleting or renaming): a symbolic link at the end of the path is the answer, not followed,
     * so that deleting a link never deletes what it points to. Links along the way are still followed and checked.
     */
    entry?: boolean;
}

const MAX_PATH_LENGTH = 4096;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$|clock\$)(\..*)?$/i;
const WINDOWS_FORBIDDEN_CHARS = /[<>:"|?*]/;
const IGNORABLE_CODE_POINTS = /[\u200b-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/g;

interface Root {
    root: WorkspaceRoot;
    /** The folder's canonical path; undefined when it cannot be resolved (deleted, unmounted). */
    real?: string;
}

export class WorkspacePaths {
    private readonly style: typeof nodePath.posix;
    private readonly windows: boolean;
    private rootsPromise?: Promise<Root[]>;

    constructor(private readonly fs: WorkspaceFs) {
        this.windows = fs.roots.some((root) => /^[a-zA-Z]:[\\/]/.test(root.path) || root.path.startsWith("\\\\"));
        this.style = this.windows ? nodePath.win32 : nodePath.posix;
    }

    get roots(): readonly WorkspaceRoot[] {
        return this.fs.roots;
    }

    /** How a canonical absolute path inside the workspace is shown to the model. */
    async display(abs: string): Promise<string> {
        for (const { root, real } of await this.resolvedRoots()) {
            for (const base of [real, root.path]) {
                if (base === undefined || !this.isInside(abs, base)) continue;
                return this.displayOf(root, this.style.relative(base, abs).split(this.style.sep).filter((s) => s !== ""));
            }
        }
        return abs;
    }

    /** True when the canonical path lies inside a workspace folder. */
    async contains(abs: string): Promise<boolean> {
        return (await this.resolvedRoots()).some(({ real }) => real !== undefined && this.isInside(abs, real));
    }

    async resolve(input: unknown, options: ResolveOptions): Promise<ResolvedPath> {
        const text = this.checkText(input);
        const { root, segments } = await this.locate(text);
        if (segments.length === 0 && !options.allowRoot) {
            throw new ToolError(`"${text}" is the workspace folder itself; give the path of a file in it.`);
        }
        if (options.purpose === "write" && segments.some((segment) => this.isGitSegment(segment))) {
            throw new ToolError(`"${text}" is inside a .git folder, which tools never change.`);
        }
        const resolved = await this.walk(text, root, segments, options.entry === true);
        if (options.purpose === "write") {
            // Decided again on the real path: a link (or a folder reached through one) may lead into a .git folder.
            const real = await this.relativeSegments(resolved.abs);
            if (real === undefined || real.segments.some((segment) => this.isGitSegment(segment))) {
                throw new ToolError(`"${text}" leads into a .git folder (${resolved.abs}), which tools never change.`);
            }
        }
        return resolved;
    }

    /**
     * Where a canonical path lies: its folder and its segments below the folder's real path; undefined outside
     * every folder.
     */
    async relativeSegments(abs: string): Promise<{ root: WorkspaceRoot; segments: string[] } | undefined> {
        for (const { root, real } of await this.resolvedRoots()) {
            if (real === undefined || !this.isInside(abs, real)) continue;
            return { root, segments: this.style.relative(real, abs).split(this.style.sep).filter((s) => s !== "") };
        }
        return undefined;
    }

    /** `.git`, in any case (case-insensitive file systems), and its 8.3 short name on Windows. */
    private isGitSegment(segment: string): boolean {
        // Code points some file systems ignore in names (HFS+: ".g\u200cit" is ".git"), as git itself does.
        const lower = segment.replace(IGNORABLE_CODE_POINTS, "").toLowerCase();
        return lower === ".git" || (this.windows && (/^git~\d+$/.test(lower) || /^\.git[. ]+$/.test(lower)));
    }

    private checkText(input: unknown): string {
        if (typeof input !== "string") throw new ToolError("A path must be a string, e.g. \"src/index.ts\".");
        const text = input.trim();
        if (text === "") throw new ToolError("The path is empty; give a path relative to the workspace folder, e.g. \"src/index.ts\".");
        if (text.length > MAX_PATH_LENGTH) throw new ToolError(`The path is ${text.length} characters long; paths are at most ${MAX_PATH_LENGTH}.`);
        if (text.includes("\0")) throw new ToolError("The path contains a NUL byte, which no file name can contain.");
        if (/[\x01-\x1f\x7f]/.test(text)) throw new ToolError(`The path ${JSON.stringify(text)} contains control characters.`);
        if (/^[a-zA-Z][a-zA-Z0-9+.-]+:\/\//.test(text) || /^(file|https?|ftp|data|untitled|vscode[a-z-]*):/i.test(text)) {
            throw new ToolError(`"${text}" is a URI; give a path relative to the workspace folder instead, e.g. "src/index.ts".`);
        }
        if (text.startsWith("~")) throw new ToolError(`"${text}" points into a home folder, outside the workspace; give a path relative to the workspace folder.`);
        if (/^[\\/]{2}/.test(text)) throw new ToolError(`"${text}" is a network or device path; only files inside the workspace folders can be used.`);
        return text;
    }

    /** The folder a path belongs to and its segments below it (lexically: nothing is resolved yet). */
    private async locate(text: string): Promise<{ root: Root; segments: string[] }> {
        const roots = await this.resolvedRoots();
        if (roots.length === 0) throw new ToolError("No workspace folder is open, so there are no files to work with.");
        const parts = text.split(/[\\/]+/).filter((part) => part !== "" && part !== ".");
        if (parts.includes("..")) {
            throw new ToolError(`"${text}" contains "..": paths may not climb out of a folder; give the path from the workspace folder.`);
        }
        parts.forEach((part, index) => {
            if (index > 0 || !/^[a-zA-Z]:$/.test(part)) this.checkSegment(text, part);
        });

        const driveAbsolute = /^[a-zA-Z]:[\\/]/.test(text);
        if (/^[a-zA-Z]:/.test(text) && !driveAbsolute) {
            throw new ToolError(`"${text}" is relative to a drive's current folder; give a path relative to the workspace folder.`);
        }
        const absolute = this.windows ? driveAbsolute || /^[\\/]/.test(text) : text.startsWith("/") || driveAbsolute;
        if (absolute) {
            const abs = this.windows ? this.style.normalize(text.replace(/\//g, "\\")) : this.style.normalize(text);
            for (const entry of roots) {
                for (const base of [entry.root.path, entry.real]) {
                    if (base === undefined || !this.isInside(abs, base)) continue;
                    const segments = this.style.relative(base, abs).split(this.style.sep).filter((s) => s !== "");
                    return { root: entry, segments };
                }
            }
            throw new ToolError(`"${text}" is outside the workspace folders (${roots.map((r) => r.root.path).join(", ")}); `
                + "give a path relative to the workspace folder.");
        }
        if (roots.length > 1 && parts.length > 0) {
            const named = roots.find((entry) => entry.root.name === parts[0]);
            if (named) return { root: named, segments: parts.slice(1) };
        }
        return { root: roots[0]!, segments: parts };
    }

    private checkSegment(text: string, segment: string): void {
        if (!this.windows) return;
        if (WINDOWS_RESERVED.test(segment)) throw new ToolError(`"${text}" names the Windows device "${segment}", not a file.`);
        if (WINDOWS_FORBIDDEN_CHARS.test(segment)) {
            throw new ToolError(`"${text}" contains a character Windows does not allow in file names (< > : " | ? *).`);
        }
        if (/[. ]$/.test(segment)) throw new ToolError(`"${text}": Windows file names cannot end with a dot or a space.`);
    }

    /** Resolves the path one segment at a time, following links only where they stay inside the workspace. */
    private async walk(text: string, entry: Root, segments: string[], lastEntry: boolean): Promise<ResolvedPath> {
        const display = this.displayOf(entry.root, segments);
        if (entry.real === undefined) throw new ToolError(`The workspace folder ${entry.root.path} cannot be read (was it deleted?).`);
        let current = entry.real;
        let kind: EntryKind = "directory";
        let size = 0;
        for (let index = 0; index < segments.length; index++) {
            if (kind !== "directory") {
                const parent = this.displayOf(entry.root, segments.slice(0, index));
                throw new ToolError(`"${text}": ${parent} is a file, not a folder.`);
            }
            const next = this.style.join(current, segments[index]!);
            const stat = await this.fs.lstat(next);
            if (!stat) {
                // Nothing there: the rest of the path does not exist yet, so it holds no links.
                return { abs: this.style.join(current, ...segments.slice(index)), display, root: entry.root };
            }
            if (stat.kind === "symlink" && lastEntry && index === segments.length - 1) {
                // The link itself, wherever it points (even outside, or nowhere): deleting or renaming it touches only it.
                let linkTarget: string | undefined;
                try {
                    linkTarget = await this.fs.readlink(next);
                } catch {
                    linkTarget = undefined;
                }
                return { abs: next, display, root: entry.root, kind: "symlink", size: stat.size, ...(linkTarget !== undefined ? { linkTarget } : {}) };
            }
            if (stat.kind === "symlink") {
                const here = this.displayOf(entry.root, segments.slice(0, index + 1));
                let target: string;
                try {
                    target = await this.fs.realpath(next);
                } catch {
                    throw new ToolError(`"${text}": ${here} is a symbolic link whose target does not exist; it cannot be used.`);
                }
                if (!await this.contains(target)) {
                    throw new ToolError(`"${text}": ${here} is a symbolic link to ${target}, outside the workspace folders; it cannot be used.`);
                }
                const resolved = await this.fs.lstat(target);
                if (!resolved) throw new ToolError(`"${text}": ${here} is a symbolic link whose target does not exist; it cannot be used.`);
                current = target;
                kind = resolved.kind;
                size = resolved.size;
            } else {
                // The name as the file system has it (case-insensitive systems), so the path is canonical for the
                // checks made again right before a write.
                const real = await this.fs.realpath(next).catch(() => next);
                if (real.toLowerCase() !== next.toLowerCase()) throw new ToolError(`"${text}" changed while it was being checked; try again.`);
                current = real;
                kind = stat.kind;
                size = stat.size;
            }
            if (kind === "other" || kind === "symlink") {
                throw new ToolError(`"${text}" is not a regular file or folder (a device, socket or pipe); it cannot be used.`);
            }
        }
        return { abs: current, display, root: entry.root, kind: kind as "file" | "directory", size };
    }

    private displayOf(root: WorkspaceRoot, segments: string[]): string {
        const prefix = this.fs.roots.length > 1 ? [root.name] : [];
        const joined = [...prefix, ...segments].join("/");
        return joined === "" ? "." : joined;
    }

    private isInside(child: string, parent: string): boolean {
        const relative = this.style.relative(parent, child);
        return relative === "" || (relative !== ".." && !relative.startsWith(".." + this.style.sep) && !this.style.isAbsolute(relative));
    }

    private resolvedRoots(): Promise<Root[]> {
        // Resolved once per session: a folder moved while the agent works is refused, not followed.
        this.rootsPromise ??= Promise.all(this.fs.roots.map(async (root) => {
            try {
                return { root, real: await this.fs.realpath(root.path) };
            } catch {
                return { root };
            }
        }));
        return this.rootsPromise;
    }
}
