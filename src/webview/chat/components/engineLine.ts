/** The engine line above the conversation (`#engine-line`): the model's state while it is not ready, with Select Model… when that fixes it. */
import type { EngineView, FromWebview } from "../../../core/chat/protocol";
import { append, h, icon } from "../dom";

export interface EngineLine {
    readonly element: HTMLElement;
    render(engine: EngineView | undefined): void;
}

export function createEngineLine(post: (message: FromWebview) => void): EngineLine {
    const element = h("div", { className: "engine-line", role: "status", id: "engine-line" });
    return {
        element,
        render(engine) {
            element.className = `engine-line ${engine?.kind ?? "idle"}`;
            element.replaceChildren();
            if (!engine || engine.kind === "ready") {
                element.hidden = true;
                return;
            }
            element.hidden = false;
            append(element,
                icon(engine.kind === "busy" ? "loading codicon-modifier-spin" : engine.kind === "error" ? "warning" : "info"),
                h("span", {}, engine.label),
                engine.action === "selectModel"
                    ? h("button", { type: "button", className: "link-button", onclick: () => post({ type: "selectModel" }) }, "Select Model…")
                    : undefined);
        }
    };
}
