/**
 * Markdown → HTML with markdown-it, before sanitising (markdown.ts): raw HTML off, so a `<script>` or
 * `<img onerror>` in the model's text comes out as text; markdown-it's link check drops `javascript:`, `vbscript:`,
 * `file:` and `data:` links; images are not rendered; code fences are highlighted by highlight.js and keep the file
 * path their info string names, for the Apply button. No DOM needed: the unit tests run it under Node.
 */
import hljs from "highlight.js/lib/common";
import MarkdownIt from "markdown-it";

/** Where a fence's info string names a file: ```ts src/a.ts, ```ts:src/a.ts, ```ts title="src/a.ts". */
const PATH_IN_INFO = /^[\w@./\\-]+\.[\w]+$/;

export function parseFenceInfo(info: string): { language: string; path?: string } {
    const trimmed = info.trim();
    const [head = "", ...rest] = trimmed.split(/\s+/);
    const [language = "", inlinePath] = head.split(":", 2);
    const candidate = (inlinePath ?? rest.join(" ").replace(/^(?:title|file|path)=/, "").replace(/^["']|["']$/g, "")).trim();
    return { language: language.toLowerCase(), path: PATH_IN_INFO.test(candidate) ? candidate : undefined };
}

function escapeHtml(text: string): string {
    return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function highlight(code: string, language: string): string {
    if (language && hljs.getLanguage(language)) {
        try {
            return hljs.highlight(code, { language, ignoreIllegals: true }).value;
        } catch {
            // fall through to plain text
        }
    }
    return escapeHtml(code);
}

const markdown = new MarkdownIt({ html: false, linkify: true, breaks: false, typographer: false });
// No images: a model could be led to write one whose URL carries data out; the CSP would block it anyway.
markdown.disable("image");

markdown.renderer.rules.fence = (tokens, index) => {
    const token = tokens[index]!;
    const { language, path } = parseFenceInfo(token.info);
    const attributes = [
        language ? ` class="language-${escapeHtml(language)}" data-lang="${escapeHtml(language)}"` : "",
        path ? ` data-path="${escapeHtml(path)}"` : ""
    ].join("");
    return `<pre><code${attributes}>${highlight(token.content, language)}</code></pre>\n`;
};

/** markdown-it's HTML for a Markdown text (not yet sanitised). */
export function markdownToHtml(text: string): string {
    return markdown.render(text);
}
