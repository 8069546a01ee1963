/**
 * The files under a folder, for find_files and search_text: the editor's file search when the host has one, else a
 * walk of the folders. Either way symbolic links are never followed out of the workspace, and .git and
 * node_modules folders are skipped.
 */
import { ToolError } from "./errors";
import { compileGlob, splitTopLevel } from "./glob";
import type { ResolvedPath, WorkspacePaths } from "./paths";
import type { WorkspaceFs } from "./workspaceFs";

export const SKIPPED_FOLDERS = [".git", ".hg", ".svn", "node_modules"] as const;

/** Entries a walk looks at before it gives up (and says the result is partial). */
const MAX_WALKED_ENTRIES = 100_000;

export interface FoundFile {
    abs: string;
    /** Path as the model sees it (relative to the workspace folder). */
    display: string;
}

export interface FileListing {
    files: FoundFile[];
    /** More files matched than were returned, or the walk stopped early. */
    truncated: boolean;
}

/**
 * A glob matcher over paths relative to the searched folder. A pattern without "/" matches file names at any depth
 * (`*.ts`), as people expect from a search box. Several patterns are separated by commas (outside braces). Matching
 * takes time linear in the path's length, whatever the glob (see glob.ts).
 */
export function globMatcher(glob: string): (relative: string) => boolean {
    if (glob.includes("\0")) throw new ToolError("The glob contains a NUL byte.");
    const normalized = glob.trim().replace(/\\/g, "/").replace(/^\.\//, "");
    if (normalized === "") return () => true;
    if (normalized.split("/").includes("..")) throw new ToolError(`The glob "${glob}" contains "..": globs match inside the searched folder only.`);
    const patterns = globParts(normalized);
    if (patterns.length === 0) return () => true;
    const matchers = patterns.map(compileGlob);
    return (relative) => matchers.some((match) => match(relative));
}

function globParts(glob: string): string[] {
    return splitTopLevel(glob, ",").map((part) => part.trim().replace(/^\.\//, "")).filter((part) => part !== "");
}

export async function listFiles(
    fs: WorkspaceFs, paths: WorkspacePaths, folder: ResolvedPath, glob: string | undefined, maxResults: number, signal: AbortSignal
): Promise<FileListing> {
    const matches = globMatcher(glob ?? "");
    const prefix = folder.display === "." ? "" : `${folder.display}/`;
    if (fs.findFiles) {
        const editor = glob === undefined || glob.trim() === "" ? { pattern: "**/*", widened: false } : editorGlob(glob);
        // A widened glob lists more than it matches: ask for more, then keep what matches.
        const requested = editor.widened ? Math.max(maxResults + 1, EDITOR_WIDENED_RESULTS) : maxResults + 1;
        const found = await fs.findFiles(folder.abs, editor.pattern, requested, signal);
        const files: FoundFile[] = [];
        for (const abs of found) {
            // The editor follows links; keep only what really lies inside the workspace.
            let real: string;
            try {
                real = await fs.realpath(abs);
            } catch {
                continue;
            }
            if (!await paths.contains(real)) continue;
            const display = await paths.display(abs);
            if (display.split("/").some((segment) => (SKIPPED_FOLDERS as readonly string[]).includes(segment))) continue;
            // The editor's glob dialect differs a little (and a widened one matches more): ours decides.
            if (!matches(display.startsWith(prefix) ? display.slice(prefix.length) : display)) continue;
            files.push({ abs: real, display });
        }
        files.sort((a, b) => a.display.localeCompare(b.display));
        return { files: files.slice(0, maxResults), truncated: files.length > maxResults || found.length >= requested };
    }
    const files: FoundFile[] = [];
    let walked = 0;
    const separator = /^[a-zA-Z]:\\/.test(folder.abs) || folder.abs.startsWith("\\\\") ? "\\" : "/";
    const stack: { abs: string; relative: string }[] = [{ abs: folder.abs, relative: "" }];
    while (stack.length > 0) {
        if (signal.aborted) break;
        const { abs, relative } = stack.pop()!;
        let entries;
        try {
            entries = await fs.readDirectory(abs);
        } catch {
            continue;
        }
        entries.sort((a, b) => b.name.localeCompare(a.name));
        for (const entry of entries) {
            if (++walked > MAX_WALKED_ENTRIES) return { files: sortedFirst(files, maxResults), truncated: true };
            const childAbs = `${abs}${abs.endsWith(separator) ? "" : separator}${entry.name}`;
            const childRelative = relative === "" ? entry.name : `${relative}/${entry.name}`;
            // Links are skipped: following them could leave the workspace or loop.
            if (entry.kind === "directory") {
                if (!(SKIPPED_FOLDERS as readonly string[]).includes(entry.name)) stack.push({ abs: childAbs, relative: childRelative });
            } else if (entry.kind === "file" && matches(childRelative)) {
                files.push({ abs: childAbs, display: prefix + childRelative });
            }
        }
    }
    return { files: sortedFirst(files, maxResults), truncated: files.length > maxResults };
}

/** The first `max` files by path: a walk that stopped early returns no more than was asked for either. */
function sortedFirst(files: FoundFile[], max: number): FoundFile[] {
    files.sort((a, b) => a.display.localeCompare(b.display));
    return files.slice(0, max);
}

/** Files asked of the editor for a widened glob, which our own matcher then filters. */
const EDITOR_WIDENED_RESULTS = 20_000;
/** Wildcards in one segment beyond which the editor's backtracking glob engine could take very long. */
const EDITOR_MAX_SEGMENT_WILDCARDS = 3;

/**
 * The glob for the editor's file search. VS Code's globs match from the folder: a bare `*.ts` means top level only
 * there, any depth here. VS Code turns globs into backtracking regular expressions, so a segment with many
 * wildcards (`*a*a*a*a*c`) becomes `*` there (widened) and only our linear-time matcher applies it. A negated
 * pattern lists everything there.
 */
function editorGlob(glob: string): { pattern: string; widened: boolean } {
    let widened = false;
    const patterns = globParts(glob.replace(/\\/g, "/")).map((part) => {
        if (part.startsWith("!") && !part.startsWith("!(")) {
            widened = true;
            return "**/*";
        }
        const segments = (part.endsWith("/") ? `${part}**` : part).split("/").map((segment) => {
            if (segment === "**" || (segment.match(/[*?]+/g) ?? []).length <= EDITOR_MAX_SEGMENT_WILDCARDS) return segment;
            widened = true;
            return "*";
        });
        const safe = segments.join("/");
        return part.includes("/") ? safe : `**/${safe}`;
    });
    return { pattern: patterns.length === 1 ? patterns[0]! : `{${patterns.join(",")}}`, widened };
}
