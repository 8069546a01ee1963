import assert from "node:assert/strict";
import type { FitTarget } from "../../src/core/commands/fit";
import { baseIndent, detectEol, detectIndent, fitCode } from "../../src/core/commands/fit";

const SPACES_2 = { insertSpaces: true, tabSize: 2 };
const SPACES_4 = { insertSpaces: true, tabSize: 4 };
const TABS = { insertSpaces: false, tabSize: 4 };

/** A whole-lines target in an LF document. */
function lines(original: string, indent = SPACES_4, extra: Partial<FitTarget> = {}): FitTarget {
    return { original, eol: "\n", indent, wholeLines: true, ...extra };
}

describe("command answers: fitting code into the document", () => {
    it("writes a spaces answer with the tabs of a tabs file", () => {
        const target = lines("\tfunction f() {\n\t\treturn 1;\n\t}\n", TABS);
        assert.equal(fitCode("function f() {\n    if (x) {\n        return 1;\n    }\n}", target),
            "\tfunction f() {\n\t\tif (x) {\n\t\t\treturn 1;\n\t\t}\n\t}\n");
        assert.equal(fitCode("function f() {\n  return 2;\n}", target), "\tfunction f() {\n\t\treturn 2;\n\t}\n",
            "two-space levels become tabs too");
    });

    it("rescales a 4-space answer into a 2-space file, doc-comment alignment kept", () => {
        const target = lines("  method() {\n    return 1;\n  }\n", SPACES_2);
        assert.equal(fitCode("method() {\n    if (a) {\n        b();\n    }\n}\n", target), "  method() {\n    if (a) {\n      b();\n    }\n  }\n");
        assert.equal(fitCode("/**\n * Doc.\n */\nmethod() {\n    x();\n}", target), "  /**\n   * Doc.\n   */\n  method() {\n    x();\n  }\n");
        assert.equal(fitCode("method() {\n\tx();\n}", target), "  method() {\n    x();\n  }\n", "a tab answer as well");
        assert.equal(fitCode("method() {\n    x();\n}", { ...target, indent: SPACES_4 }), "  method() {\n    x();\n  }\n",
            "the original's own unit over the editor's setting");
    });

    it("leaves an answer whose relative widths are not levels of its unit unscaled", () => {
        const target = lines("  f(a) {\n    x();\n  }\n", SPACES_2);
        assert.equal(fitCode("f(a,\n     b) {\n    x();\n    y();\n}", target), "  f(a,\n       b) {\n      x();\n      y();\n  }\n");
    });

    it("gives a dedented answer its base indentation back, relative indentation byte for byte", () => {
        const target = lines("    run() {\n        go();\n    }\n");
        assert.equal(fitCode("run() {\n    go();\n    stop();\n}", target), "    run() {\n        go();\n        stop();\n    }\n");
        const tabs = lines("\t\tif (a) {\n\t\t\tb();\n\t\t}\n", TABS);
        assert.equal(fitCode("if (a) {\n\tb(x,\n\t  y);\n\t \tc();\n}", tabs), "\t\tif (a) {\n\t\t\tb(x,\n\t\t\t  y);\n\t\t\t \tc();\n\t\t}\n",
            "the file's own style, odd mixes included, is not rewritten");
    });

    it("moves an over-indented answer to the original's base", () => {
        const target = lines("if (a) {\n    b();\n}\n");
        assert.equal(fitCode("        if (a) {\n            c();\n        }", target), "if (a) {\n    c();\n}\n");
    });

    it("keeps the document's line endings", () => {
        const crlf = lines("a();\r\nb();\r\n", SPACES_4, { eol: "\r\n" });
        assert.equal(fitCode("c();\nd();\n", crlf), "c();\r\nd();\r\n");
        assert.equal(fitCode("c();\r\nd();", lines("a();\n")), "c();\nd();\n", "a CRLF answer into an LF file");
    });

    it("ends with as many line breaks as the original, and starts with as many blank lines", () => {
        assert.equal(fitCode("b();\n\n", lines("a();")), "b();");
        assert.equal(fitCode("b();", lines("a();\n")), "b();\n");
        assert.equal(fitCode("b();\n", lines("a();\n\n")), "b();\n\n");
        assert.equal(fitCode("\n\nb();", lines("\n\na();\n")), "\n\nb();\n");
        assert.equal(fitCode("\nb();\n", lines("a();")), "b();");
        assert.equal(fitCode("b();", lines("a();\n    ")), "b();\n    ", "the start of the next line is not the range's to change");
        assert.equal(fitCode("b();", lines("   \n  a();\n  \n", SPACES_2)), "\n  b();\n\n", "kept blank lines are emptied");
    });

    it("empties blank lines inside", () => {
        const target = lines("  a() {\n    x();\n  }\n", SPACES_2);
        assert.equal(fitCode("a() {\n  x();\n  \n\n\t\n  y();\n}", target), "  a() {\n    x();\n\n\n\n    y();\n  }\n");
    });

    it("fits a mid-line target: the first line as is, the next ones under the line it starts on", () => {
        const single: FitTarget = { original: "items.reduce((s, i) => s + i.price, 0)", eol: "\n", indent: SPACES_4, wholeLines: false, lineIndent: "    " };
        assert.equal(fitCode("items.reduce(\n    (s, i) => s + i.price,\n    0,\n)", single),
            "items.reduce(\n        (s, i) => s + i.price,\n        0,\n    )");
        assert.equal(fitCode("a &&\n    b", { ...single, original: "a" }), "a &&\n        b", "a continuation keeps its indent");
        const multi: FitTarget = { original: "foo(a,\n        b)", eol: "\n", indent: SPACES_4, wholeLines: false, lineIndent: "    " };
        assert.equal(fitCode("foo(a,\n    b,\n    c)", multi), "foo(a,\n        b,\n        c)");
        const inIndent: FitTarget = { original: "  return x;", eol: "\n", indent: SPACES_4, wholeLines: false, lineIndent: "    " };
        assert.equal(fitCode("    return y;", inIndent), "  return y;", "the original's leading whitespace stays, the code's goes");
        assert.equal(fitCode("x", { ...single, original: "a + b\n" }), "x\n");
    });

    it("deletes the range for empty code", () => {
        assert.equal(fitCode("\n  \n", lines("a();\n")), "");
    });
});

describe("command answers: reading a document's conventions", () => {
    it("finds the majority line ending", () => {
        assert.equal(detectEol("a\r\nb\r\nc\n"), "\r\n");
        assert.equal(detectEol("a\nb\r\nc\n"), "\n");
        assert.equal(detectEol("abc"), "\n");
    });

    it("finds the indentation unit", () => {
        assert.deepEqual(detectIndent("f() {\n\tif (a) {\n\t\tb();\n\t}\n}"), { insertSpaces: false, tabSize: 4 });
        assert.deepEqual(detectIndent("a:\n  b:\n    c: 1\n  d: 2\n"), { insertSpaces: true, tabSize: 2 });
        assert.deepEqual(detectIndent("/**\n * Doc.\n */\nf() {\n    g() {\n        h();\n    }\n}"), { insertSpaces: true, tabSize: 4 },
            "doc-comment continuation lines are not indentation");
        assert.deepEqual(detectIndent("x {\n    a {\n        b;\n    }\n      aligned\n}"), { insertSpaces: true, tabSize: 4 },
            "the most common step wins");
        assert.deepEqual(detectIndent("        a;\n        b;"), { insertSpaces: true, tabSize: 8 }, "without steps, the common unit");
        assert.deepEqual(detectIndent("a {\n    b {\n        c;\n\td;\n    }\n}"), { insertSpaces: true, tabSize: 4 }, "a tab minority");
        assert.equal(detectIndent("a;\nb;\n"), undefined);
        assert.equal(detectIndent(""), undefined);
    });

    it("finds the common leading whitespace", () => {
        assert.equal(baseIndent("    a\n\n      b\n"), "    ");
        assert.equal(baseIndent("\ta\n  b"), "");
        assert.equal(baseIndent("\t\ta\r\n\t\t\tb"), "\t\t");
        assert.equal(baseIndent("  \n"), "");
    });
});
