/**
 * The one trust check of every proposal, on the workspace rules the agent's tools already follow (../agent/paths.ts:
 * inside the workspace folders, links resolved one segment at a time, never `.git`, however it is reached; and
 * ../agent/runsCode.ts: files that run code are flagged). A path is checked when the change is proposed and again,
 * to the same real path, when it is accepted; the WorkspaceFs checks its folders once more right before writing.
 */
import { ToolError } from "../agent/errors";
import type { ResolvedPath, WorkspacePaths } from "../agent/paths";
import { runsCodeWarning } from "../agent/runsCode";

/** Why a path checked at proposal time may no longer be written (undefined: it may, to the same real path). */
export async function recheckWritable(paths: WorkspacePaths, checked: ResolvedPath, options: { entry?: boolean }): Promise<string | undefined> {
    try {
        const again = await paths.resolve(checked.display, { purpose: "write", entry: options.entry === true });
        if (again.abs !== checked.abs) throw new ToolError(`${checked.display} now leads somewhere else.`);
        return undefined;
    } catch (error) {
        return error instanceof Error ? error.message : String(error);
    }
}

/**
 * A file a command proposes to change (an open document, the file a chat code block names): inside a workspace
 * folder it must pass the rules for writing (a ToolError says why not); a file outside every folder is the user's own
 * document, opened by them, and is not a workspace path (undefined).
 */
export async function checkDocumentFile(paths: WorkspacePaths, abs: string): Promise<ResolvedPath | undefined> {
    const windows = /^[a-zA-Z]:[\\/]/.test(abs);
    const normal = (path: string) => windows ? path.replace(/\//g, "\\").toLowerCase() : path;
    const inside = paths.roots.some((root) => {
        const base = normal(root.path).replace(/[\\/]+$/, "");
        const target = normal(abs);
        return target === base || target.startsWith(base + (windows ? "\\" : "/"));
    });
    if (!inside) return undefined;
    return paths.resolve(abs, { purpose: "write" });
}

/** Why a change to this (checked) path can run code, for the review to say so; undefined when it cannot. */
export async function runsCodeWarningFor(paths: WorkspacePaths, file: ResolvedPath): Promise<string | undefined> {
    const where = await paths.relativeSegments(file.abs);
    return runsCodeWarning(where?.segments ?? []);
}
