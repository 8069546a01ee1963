/**
 * The chat list (`#history`): the saved chats of this workspace, to open or delete, and New Chat. `historyList`
 * also gives the transcript's welcome its recent chats.
 */
import type { ThreadSummary } from "../../../core/chat/conversation";
import type { ChatViewState, FromWebview } from "../../../core/chat/protocol";
import { append, formatDate, h, icon } from "../dom";

export interface HistoryPanelHost {
    post(message: FromWebview): void;
    /** The person closed the list (Close, New Chat, or opening a chat); the host saves and moves the focus. */
    closed(): void;
}

export interface HistoryPanel {
    /** `#history`. */
    readonly element: HTMLElement;
    readonly open: boolean;
    /** Opens or closes the list (without moving the focus). */
    setOpen(open: boolean): void;
    /** Opens the list and focuses its first button. */
    show(): void;
    /** Shows the saved chats of this snapshot (while the list is open). */
    update(view: Pick<ChatViewState, "history" | "thread">): void;
}

export function createHistoryPanel(host: HistoryPanelHost, open: boolean): HistoryPanel {
    const element = h("section", { className: "history", id: "history", "aria-label": "Saved chats" });
    let view: Pick<ChatViewState, "history" | "thread"> | undefined;

    function close(): void {
        open = false;
        render();
        host.closed();
    }

    function render(): void {
        element.hidden = !open;
        element.replaceChildren();
        if (!view || !open) return;
        append(element,
            h("div", { className: "history-header" },
                h("h2", {}, "Chats"),
                h("button", { type: "button", className: "icon-button", title: "New chat", "aria-label": "New chat", onclick: () => { close(); host.post({ type: "newChat" }); } }, icon("add")),
                h("button", { type: "button", className: "icon-button", title: "Close", "aria-label": "Close the chat list", onclick: () => close() }, icon("close"))),
            historyList(view.history, view.thread.id, view.history.length, {
                open: (id) => { close(); host.post({ type: "openChat", id }); },
                remove: (id) => host.post({ type: "deleteChat", id })
            }));
    }

    return {
        element,
        get open() { return open; },
        setOpen(next) {
            open = next;
            render();
        },
        show() {
            open = true;
            render();
            if (open) element.querySelector<HTMLElement>("button")?.focus();
        },
        update(next) {
            view = next;
            render();
        }
    };
}

/** The first `limit` saved chats, `currentId` marked; each opens with `actions.open`, and has Delete when `actions.remove` is given. */
export function historyList(history: readonly ThreadSummary[], currentId: string, limit: number,
    actions: { open(id: string): void; remove?(id: string): void }): HTMLElement {
    if (history.length === 0) return h("p", { className: "muted" }, "No saved chats in this workspace yet.");
    const list = h("ul", { className: "history-list", "aria-label": "Saved chats" });
    for (const summary of history.slice(0, limit)) {
        const current = summary.id === currentId;
        const remove = actions.remove;
        append(list, h("li", { className: current ? "current" : "" },
            h("button", {
                type: "button", className: "history-open", "aria-current": current ? "true" : undefined,
                onclick: () => actions.open(summary.id)
            },
            h("span", { className: "history-title" }, summary.title),
            h("span", { className: "history-meta" }, `${formatDate(summary.updatedAt)} · ${summary.exchangeCount} message${summary.exchangeCount === 1 ? "" : "s"}`)),
            remove
                ? h("button", {
                    type: "button", className: "icon-button", title: "Delete", "aria-label": `Delete the chat “${summary.title}”`,
                    onclick: () => remove(summary.id)
                }, icon("trash"))
                : undefined));
    }
    return list;
}
