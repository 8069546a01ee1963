import { ToolError } from "../errors";
import { brief, requiredString } from "./args";
import type { AgentTool } from "./types";

export const renameFileTool: AgentTool = {
    name: "rename_file",
    description: "Rename or move a file within the workspace (missing folders are created). Fails if the new path exists. "
        + "Does not update references to it: search for them and edit them too. A symbolic link is moved itself. Proposed to the user, who reviews it.",
    parameters: {
        type: "object",
        properties: {
            old_path: { type: "string", description: "Current path of the file, relative to the workspace folder" },
            new_path: { type: "string", description: "New path, relative to the workspace folder" }
        },
        required: ["old_path", "new_path"]
    },
    access: "write",
    pathArguments: ["old_path", "new_path"],
    summarize: (args) => `rename ${brief(args.old_path, 40)} → ${brief(args.new_path, 40)}`,
    async invoke(args, { paths, edits }) {
        const from = await paths.resolve(requiredString(args, "old_path"), { purpose: "write", entry: true });
        const to = await paths.resolve(requiredString(args, "new_path"), { purpose: "write" });
        if (from.kind === "directory") throw new ToolError(`${from.display} is a folder; rename_file moves files only (rename the files in it one by one).`);
        if (from.kind === "symlink") {
            const proposal = await edits.proposeRename(from, to);
            return { text: `Proposed moving the symbolic link ${from.display} itself to ${to.display} (the user reviews it; not applied yet).`, proposals: [proposal] };
        }
        const state = await edits.read(from);
        if (!state.exists) throw new ToolError(`${from.display} does not exist.`);
        const proposal = await edits.proposeRename(from, to);
        return { text: `Proposed renaming ${from.display} to ${to.display} (the user reviews it; not applied yet).`, proposals: [proposal] };
    }
};
