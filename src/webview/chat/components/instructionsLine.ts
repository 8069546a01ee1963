/**
 * The project instructions line above the input: which instruction files (AGENTS.md, CLAUDE.md, rules …) the next
 * message's system prompt carries, each a button that opens the file; a cut file is marked, and in Restricted Mode
 * the line says the files come from the workspace.
 */
import type { FromWebview, InstructionsView } from "../../../core/chat/protocol";
import { append, h, icon } from "../dom";

export interface InstructionsLine {
    readonly element: HTMLElement;
    render(view: InstructionsView): void;
}

export function createInstructionsLine(post: (message: FromWebview) => void): InstructionsLine {
    const element = h("div", { className: "instructions-line", id: "instructions", role: "group", "aria-label": "Project instructions in use" });
    element.hidden = true;
    return {
        element,
        render(view) {
            element.replaceChildren();
            element.hidden = view.files.length === 0;
            if (view.files.length === 0) return;
            append(element, icon("book"), h("span", { className: "instructions-label" }, view.fromWorkspace ? "Instructions from the workspace (Restricted Mode):" : "Instructions:"));
            for (const file of view.files) {
                append(element, h("button", {
                    type: "button", className: "instruction-file link-button",
                    title: file.truncated ? `${file.path}: longer than the size limit, only its start is sent (open it)` : `Open ${file.path}`,
                    onclick: () => post({ type: "openInstruction", path: file.path })
                }, file.path + (file.truncated ? " (cut)" : "")));
            }
        }
    };
}
