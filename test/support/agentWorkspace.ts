/** Temporary workspaces for the agent's tests: real folders on disk behind the Node WorkspaceFs. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { EditSession } from "../../src/core/agent/editSession";
import { WorkspacePaths } from "../../src/core/agent/paths";
import type { ToolContext } from "../../src/core/agent/tools";
import { toolByName } from "../../src/core/agent/tools";
import { NodeCommandRunner } from "../../src/node/agent/commandRunner";
import { NodeWorkspaceFs } from "../../src/node/agent/nodeWorkspaceFs";

export interface TempWorkspace {
    /** The workspace folder (canonical path). */
    root: string;
    /** A folder beside it, outside the workspace (for escape attempts). */
    outside: string;
    fs: NodeWorkspaceFs;
    context: ToolContext;
    file(relative: string): string;
    write(relative: string, text: string | Buffer): void;
    read(relative: string): string;
    exists(relative: string): boolean;
    /** Runs a tool by name: its text, or the ToolError's message prefixed with "ERROR: ". */
    call(name: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<string>;
    remove(): void;
}

export function tempWorkspace(files: Record<string, string> = {}): TempWorkspace {
    const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "qwen-agent-")));
    const root = path.join(base, "workspace");
    const outside = path.join(base, "outside");
    fs.mkdirSync(root);
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, "secret.txt"), "TOP SECRET\n");
    const workspaceFs = new NodeWorkspaceFs([root]);
    const paths = new WorkspacePaths(workspaceFs);
    const context: ToolContext = { fs: workspaceFs, paths, edits: new EditSession(workspaceFs, paths), shell: new NodeCommandRunner() };
    const workspace: TempWorkspace = {
        root,
        outside,
        fs: workspaceFs,
        context,
        file: (relative) => path.join(root, relative),
        write(relative, text) {
            fs.mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
            fs.writeFileSync(path.join(root, relative), text);
        },
        read: (relative) => fs.readFileSync(path.join(root, relative), "utf8"),
        exists: (relative) => fs.existsSync(path.join(root, relative)),
        async call(name, args, signal = new AbortController().signal) {
            const tool = toolByName(name);
            if (!tool) throw new Error(`no tool ${name}`);
            try {
                return (await tool.invoke(args, context, signal)).text;
            } catch (error) {
                if (error instanceof Error && error.name === "ToolError") return `ERROR: ${error.message}`;
                throw error;
            }
        },
        remove: () => fs.rmSync(base, { recursive: true, force: true })
    };
    for (const [relative, text] of Object.entries(files)) workspace.write(relative, text);
    return workspace;
}
