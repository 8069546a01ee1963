import { unifiedDiff } from "../diff";
import { ToolError } from "../errors";
import { applyReplacements, type Replacement } from "../replace";
import { LIMITS } from "../text";
import { brief, requiredString } from "./args";
import type { AgentTool } from "./types";

export const editFileTool: AgentTool = {
    name: "edit_file",
    description: "Change a file by replacing exact text: old_text must match the file's current content exactly once, "
        + "whitespace and indentation included (copy it from read_file's output, without anything added); include enough "
        + "surrounding lines to make it unique. For several changes in one file give edits instead of old_text/new_text. "
        + "The change is proposed to the user, who reviews it as a diff; until then you see it in read_file and search_text.",
    parameters: {
        type: "object",
        properties: {
            path: { type: "string", description: "File path relative to the workspace folder" },
            old_text: { type: "string", description: "Exact text to replace (must occur exactly once)" },
            new_text: { type: "string", description: "Text to put in its place" },
            edits: {
                type: "array",
                description: "Several replacements, applied in order: [{\"old_text\": \"...\", \"new_text\": \"...\"}, ...]",
                items: {
                    type: "object",
                    properties: { old_text: { type: "string" }, new_text: { type: "string" } },
                    required: ["old_text", "new_text"]
                }
            }
        },
        required: ["path"]
    },
    access: "write",
    pathArguments: ["path"],
    summarize: (args) => {
        const count = Array.isArray(args.edits) ? args.edits.length : 1;
        return `edit ${brief(args.path)}${count > 1 ? ` (${count} replacements)` : ""}`;
    },
    async invoke(args, { paths, edits }) {
        const replacements = readReplacements(args);
        const file = await paths.resolve(requiredString(args, "path"), { purpose: "write" });
        if (file.kind === "directory") throw new ToolError(`${file.display} is a folder, not a file.`);
        const state = await edits.read(file);
        if (!state.exists || state.text === undefined) {
            throw new ToolError(state.proposed
                ? `${file.display} no longer exists: your pending changes deleted or renamed it.`
                : `${file.display} does not exist; use create_file to make a new file.`);
        }
        const updated = applyReplacements(state.text, replacements, file.display);
        const proposal = await edits.proposeContent(file, updated, state);
        const diff = unifiedDiff(file.display, file.display, state.text, updated, LIMITS.diffChars);
        const count = replacements.length === 1 ? "1 replacement" : `${replacements.length} replacements`;
        return {
            text: `Proposed ${count} in ${file.display} (the user reviews it; not applied yet). The change:\n${diff}`,
            proposals: [proposal]
        };
    }
};

function readReplacements(args: Record<string, unknown>): Replacement[] {
    const list = args.edits;
    const hasSingle = args.old_text !== undefined || args.new_text !== undefined;
    if (list !== undefined && list !== null) {
        if (hasSingle) throw new ToolError("Give either old_text and new_text, or edits, not both.");
        if (!Array.isArray(list) || list.length === 0) throw new ToolError("edits must be a non-empty array of {\"old_text\": ..., \"new_text\": ...} objects.");
        return list.map((item, index) => {
            if (typeof item !== "object" || item === null || typeof (item as Replacement).old_text !== "string" || typeof (item as Replacement).new_text !== "string") {
                throw new ToolError(`edits[${index}] must be an object with string fields old_text and new_text.`);
            }
            return { old_text: (item as Replacement).old_text, new_text: (item as Replacement).new_text };
        });
    }
    if (typeof args.old_text !== "string") throw new ToolError("old_text is required (the exact text to replace), or give edits.");
    if (typeof args.new_text !== "string") throw new ToolError("new_text is required (the replacement text; it may be empty to delete old_text).");
    return [{ old_text: args.old_text, new_text: args.new_text }];
}
