/**
 * The context chips above the input: what the next message carries (the selection, the open file, files attached
 * with @), each removable, and the button that attaches more files.
 */
import type { ContextChip, FromWebview } from "../../../core/chat/protocol";
import { formatTokenCount } from "../../../core/chat/tokens";
import { append, h, icon } from "../dom";

export interface ContextChips {
    /** The row: `#chips` and the `#attach` button. */
    readonly element: HTMLElement;
    /** Shows these chips in place of the ones shown. */
    render(chips: readonly ContextChip[]): void;
}

export function createContextChips(post: (message: FromWebview) => void): ContextChips {
    const list = h("div", { className: "chips", id: "chips", role: "list", "aria-label": "Context sent with the next message" });
    const attachButton = h("button", {
        id: "attach", className: "icon-button", type: "button", title: "Attach workspace files (@)", "aria-label": "Attach workspace files",
        onclick: () => post({ type: "pickFiles" })
    }, icon("mention"));
    const element = h("div", { className: "chips-row" }, list, attachButton);

    function chip(chip: ContextChip): HTMLElement {
        return h("span", { className: `chip ${chip.kind}`, role: "listitem", title: `${chip.detail} (≈${formatTokenCount(chip.tokens)} tokens)` },
            icon(chip.kind === "selection" ? "selection" : "file"),
            h("span", { className: "chip-label" }, chip.label),
            h("button", {
                type: "button", className: "chip-remove", "aria-label": `Remove ${chip.detail} from the context`, title: "Remove",
                onclick: () => post({ type: "removeChip", id: chip.id })
            }, icon("close")));
    }

    return {
        element,
        render(chips) {
            list.replaceChildren();
            for (const each of chips) append(list, chip(each));
        }
    };
}
