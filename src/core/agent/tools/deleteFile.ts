import { ToolError } from "../errors";
import { brief, requiredString } from "./args";
import type { AgentTool } from "./types";

export const deleteFileTool: AgentTool = {
    name: "delete_file",
    description: "Delete a file of the workspace (not a folder; a symbolic link is deleted itself, never what it points to). "
        + "Proposed to the user, who reviews it.",
    parameters: {
        type: "object",
        properties: {
            path: { type: "string", description: "Path of the file, relative to the workspace folder" }
        },
        required: ["path"]
    },
    access: "write",
    pathArguments: ["path"],
    summarize: (args) => `delete ${brief(args.path)}`,
    async invoke(args, { paths, edits }) {
        const file = await paths.resolve(requiredString(args, "path"), { purpose: "write", entry: true });
        if (file.kind === "directory") throw new ToolError(`${file.display} is a folder; delete_file deletes files only.`);
        if (file.kind === "symlink") {
            const proposal = await edits.proposeDelete(file);
            return { text: `Proposed deleting the symbolic link ${file.display} itself (it points to ${file.linkTarget ?? "?"}, which stays; the user reviews it, not deleted yet).`, proposals: [proposal] };
        }
        const state = await edits.read(file);
        if (!state.exists) throw new ToolError(`${file.display} does not exist.`);
        const proposal = await edits.proposeDelete(file);
        return { text: `Proposed deleting ${file.display} (the user reviews it; not deleted yet).`, proposals: [proposal] };
    }
};
