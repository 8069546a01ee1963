import { unifiedDiff } from "../diff";
import { ToolError } from "../errors";
import { LIMITS } from "../text";
import { brief, optionalBoolean, requiredString } from "./args";
import type { AgentTool } from "./types";

export const createFileTool: AgentTool = {
    name: "create_file",
    description: "Create a new file with the given content (missing folders are created). Fails if the file exists, unless "
        + "overwrite is true, which replaces its whole content (prefer edit_file for changes). Proposed to the user, who reviews it.",
    parameters: {
        type: "object",
        properties: {
            path: { type: "string", description: "Path of the new file, relative to the workspace folder" },
            content: { type: "string", description: "The complete content of the file" },
            overwrite: { type: "boolean", description: "Replace an existing file's content (default false)" }
        },
        required: ["path", "content"]
    },
    access: "write",
    pathArguments: ["path"],
    summarize: (args) => `${args.overwrite ? "overwrite" : "create"} ${brief(args.path)}`,
    async invoke(args, { paths, edits }) {
        const content = requiredString(args, "content");
        if (content.length > LIMITS.maxTextFileBytes) throw new ToolError("The content is too large for one file.");
        const file = await paths.resolve(requiredString(args, "path"), { purpose: "write" });
        if (file.kind === "directory") throw new ToolError(`${file.display} is a folder.`);
        const state = await edits.read(file);
        if (state.exists && state.text !== undefined) {
            if (!optionalBoolean(args, "overwrite", false)) {
                throw new ToolError(`${file.display} already exists. Use edit_file to change it, or create_file with overwrite=true to replace all of it.`);
            }
            const proposal = await edits.proposeContent(file, content, state);
            const diff = unifiedDiff(file.display, file.display, state.text, content, LIMITS.diffChars);
            return { text: `Proposed new content for ${file.display} (the user reviews it; not applied yet). The change:\n${diff}`, proposals: [proposal] };
        }
        const proposal = await edits.proposeCreate(file, content);
        const lines = content === "" ? 0 : content.split("\n").length - (content.endsWith("\n") ? 1 : 0);
        return { text: `Proposed a new file ${file.display} (${lines} lines; the user reviews it, not created yet).`, proposals: [proposal] };
    }
};
