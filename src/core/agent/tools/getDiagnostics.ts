import { ToolError } from "../errors";
import { brief, optionalString } from "./args";
import type { AgentTool } from "./types";

const MAX_ITEMS = 200;
const ORDER = { error: 0, warning: 1, information: 2, hint: 3 } as const;

export const getDiagnosticsTool: AgentTool = {
    name: "get_diagnostics",
    description: "The problems (errors and warnings from the editor's language services, linters and compilers) of one file, "
        + "or of the whole workspace when no path is given. Reflects saved and unsaved editor content, not your pending changes.",
    parameters: {
        type: "object",
        properties: {
            path: { type: "string", description: "File path relative to the workspace folder (default: every file)" }
        }
    },
    access: "read",
    requires: "diagnostics",
    summarize: (args) => `problems${args.path ? ` of ${brief(args.path)}` : " in the workspace"}`,
    async invoke(args, { paths, diagnostics }) {
        if (!diagnostics) throw new ToolError("Diagnostics are only available inside the editor.");
        const input = optionalString(args, "path");
        const file = input === undefined ? undefined : await paths.resolve(input, { purpose: "read" });
        if (file && file.kind !== "file") throw new ToolError(`${file.display} is ${file.kind === "directory" ? "a folder" : "missing"}; give a file, or no path for the whole workspace.`);
        const items: { shown: string; severity: keyof typeof ORDER }[] = [];
        for (const item of await diagnostics.get(file?.abs)) {
            if (!await paths.contains(item.path)) continue;
            const where = file ? file.display : await paths.display(item.path);
            const source = item.source ? ` [${item.source}${item.code ? ` ${item.code}` : ""}]` : "";
            items.push({ shown: `${where}:${item.line}:${item.column}: ${item.severity}: ${item.message.replace(/\s+/g, " ")}${source}`, severity: item.severity });
        }
        items.sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
        const scope = file ? file.display : "the workspace";
        if (items.length === 0) return { text: `No problems reported for ${scope}.` };
        const counts = (["error", "warning", "information", "hint"] as const)
            .map((severity) => [severity, items.filter((item) => item.severity === severity).length] as const)
            .filter(([, count]) => count > 0).map(([severity, count]) => `${count} ${severity}${count === 1 ? "" : "s"}`).join(", ");
        const more = items.length > MAX_ITEMS ? `\n[${items.length - MAX_ITEMS} more not shown]` : "";
        return { text: `${counts} in ${scope}:\n${items.slice(0, MAX_ITEMS).map((item) => item.shown).join("\n")}${more}` };
    }
};
