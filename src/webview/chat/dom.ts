/** Building DOM without HTML strings: text goes in as text nodes, so nothing here can inject markup. */

type Child = Node | string | false | null | undefined;
type Attributes = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
        if (value === undefined || value === false) continue;
        if (typeof value === "function") element.addEventListener(name.replace(/^on/, "").toLowerCase(), value);
        else if (name === "className") element.className = String(value);
        else element.setAttribute(name, value === true ? "" : String(value));
    }
    append(element, ...children);
    return element;
}

export function append(parent: Node, ...children: Child[]): void {
    for (const child of children) {
        if (child === false || child === null || child === undefined) continue;
        parent.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
}

/** A codicon (the font ships in the panel's CSS). */
export function icon(name: string): HTMLElement {
    return h("span", { className: `codicon codicon-${name}`, "aria-hidden": "true" });
}

export function formatDuration(ms: number): string {
    if (ms < 1000) return `${Math.round(ms)} ms`;
    if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
    return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function formatDate(time: number): string {
    const date = new Date(time);
    const today = new Date();
    if (date.toDateString() === today.toDateString()) return date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
    return date.toLocaleDateString(undefined, { month: "short", day: "numeric" });
}
