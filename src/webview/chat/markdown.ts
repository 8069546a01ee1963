/**
 * Model output → safe HTML. markdown-it renders with raw HTML off (a `<script>` in the answer becomes text), its
 * link check drops `javascript:` / `data:` / `file:` links, images are not rendered (the panel loads nothing
 * remote), and DOMPurify sanitises the result once more with an allow-list, so the model's text can never run
 * code or load anything in the panel.
 */
import DOMPurify from "dompurify";
import { markdownToHtml } from "./markdownIt";

const ALLOWED_TAGS = [
    "a", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "li", "ol", "p",
    "pre", "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul"
];

const purifyConfig = {
    ALLOWED_TAGS,
    ALLOWED_ATTR: ["href", "title", "class", "data-lang", "data-path", "start", "align"],
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:)/i,
    // Without this DOMPurify checks these values as URIs and drops them: they are plain text the panel reads.
    ADD_URI_SAFE_ATTR: ["data-lang", "data-path", "start", "align"],
    ALLOW_DATA_ATTR: false
};

// Links open through the extension (which checks them again), never in the panel.
DOMPurify.addHook("afterSanitizeAttributes", (node) => {
    if (node.tagName === "A") {
        const href = node.getAttribute("href");
        if (href) node.setAttribute("title", href);
        node.setAttribute("rel", "noreferrer noopener");
    }
});

/** Sanitised HTML for a Markdown text (cached: a snapshot re-renders every answer). */
export function renderMarkdown(text: string): string {
    const cached = cache.get(text);
    if (cached !== undefined) return cached;
    const html = DOMPurify.sanitize(markdownToHtml(text), purifyConfig);
    if (cache.size > 200) cache.delete(cache.keys().next().value!);
    cache.set(text, html);
    return html;
}

const cache = new Map<string, string>();
