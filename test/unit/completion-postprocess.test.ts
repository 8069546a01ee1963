import assert from "node:assert/strict";
import { cursorContext } from "../../src/core/completion/cursorContext";
import { postProcess } from "../../src/core/completion/postprocess";

/** The context at the "|" in `text`. */
function at(text: string) {
    const offset = text.indexOf("|");
    return cursorContext(text.slice(0, offset) + text.slice(offset + 1), offset);
}

const OPTIONS = { maxLines: 8 };

describe("completion post-processing", () => {
    it("knows mid-line (one line) from the end of a line or an empty line (several)", () => {
        assert.equal(at("foo(|)\n").multiline, false);
        assert.equal(at("const a = |;").multiline, false);
        assert.equal(at("if (x) {|\n}").multiline, true);
        assert.equal(at("if (x) {\n    |\n}").multiline, true);
        assert.equal(at("if (x) {\n    |   \n}").multiline, true);
        assert.deepEqual(at("a|\n\n  b\nc\n").nextLines, ["  b", "c"]);
        assert.equal(at("    return |").indent, "    ");
    });

    it("never emits control tokens or thinking text", () => {
        assert.equal(postProcess("a + b;<|fim_pad|>junk", at("x = |"), OPTIONS), "a + b;");
        assert.equal(postProcess("value<think>hmm</think>", at("x = |"), OPTIONS), "value");
        assert.equal(postProcess("<|file_sep|>src/a.ts", at("x = |"), OPTIONS), "");
        assert.equal(postProcess("ok</tool_call>", at("x = |"), OPTIONS), "ok");
    });

    it("keeps one line mid-line", () => {
        assert.equal(postProcess("a, b\nmore();", at("call(|)"), OPTIONS), "a, b");
    });

    it("drops the text after the cursor when the suggestion repeats it", () => {
        assert.equal(postProcess("a, b)", at("call(|)"), OPTIONS), "a, b");
        assert.equal(postProcess("inner(x))", at("outer(|)"), OPTIONS), "inner(x)");
        assert.equal(postProcess("total + tax; // done", at("const x = |; // done"), OPTIONS), "total + tax");
    });

    it("stops multi-line suggestions at the next existing line and at a dedent out of the block", () => {
        const context = at("function f() {\n    |\n}\nfunction g() {}\n");
        assert.equal(postProcess("const a = 1;\n    return a;\n}\nfunction g() {}", context, OPTIONS), "const a = 1;\n    return a;");
        const nested = at("    if (x) {\n        |\n    }\n    done();\n");
        assert.equal(postProcess("y();\n        z();\n    }\n    done();", nested, OPTIONS), "y();\n        z();");
        assert.equal(postProcess("y();\nback();", nested, OPTIONS), "y();", "a line indented less than the cursor's block ends it");
    });

    it("caps the number of lines, trims trailing blank lines, drops whitespace-only suggestions", () => {
        const context = at("|");
        assert.equal(postProcess("1\n2\n3\n4\n5", context, { maxLines: 3 }), "1\n2\n3");
        assert.equal(postProcess("a\n\n\n", context, OPTIONS), "a");
        assert.equal(postProcess("   \n\t\n", context, OPTIONS), "");
        assert.equal(postProcess("", context, OPTIONS), "");
        assert.equal(postProcess("a\r\nb", context, OPTIONS), "a\nb");
    });

    it("unwraps chat answers: code fences and a restated line", () => {
        const context = at("    const total = |\n");
        assert.equal(postProcess("```ts\nitems.length;\n```\nThis counts items.", context, { ...OPTIONS, chat: true }), "items.length;");
        assert.equal(postProcess("const total = items.length;", context, { ...OPTIONS, chat: true }), "items.length;");
    });
});
