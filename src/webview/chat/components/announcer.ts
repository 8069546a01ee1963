/** The screen-reader announcer (`#announcer`, a polite live region). */
import { h } from "../dom";

export interface Announcer {
    readonly element: HTMLElement;
    announce(text: string): void;
}

export function createAnnouncer(): Announcer {
    const element = h("div", { className: "visually-hidden", "aria-live": "polite", id: "announcer" });
    return {
        element,
        announce(text) {
            // Cleared first, then set a moment later, so the same text twice is read twice.
            element.textContent = "";
            setTimeout(() => { element.textContent = text; }, 50);
        }
    };
}
