import assert from "node:assert/strict";
import type { SymbolLike } from "../../src/core/commands/enclosing";
import { enclosingBlock, enclosingSymbol, withLeadingComments } from "../../src/core/commands/enclosing";

/** Lines of a snippet, and the 0-based line of the one marked with "|" (the mark removed). */
function at(text: string): { lines: string[]; line: number } {
    const lines = text.split("\n");
    const line = lines.findIndex((candidate) => candidate.includes("|"));
    lines[line] = lines[line]!.replace("|", "");
    return { lines, line };
}

function block(text: string, languageId: string) {
    const { lines, line } = at(text);
    return enclosingBlock(lines, line, languageId);
}

const span = (startLine: number, endLine: number) => ({ startLine, endLine });

describe("commands: what to work on without a selection", () => {
    describe("from language symbols", () => {
        const method: SymbolLike = { kind: "method", startLine: 3, endLine: 8 };
        const symbols: SymbolLike[] = [
            { kind: "variable", startLine: 0, endLine: 0 },
            { kind: "class", startLine: 2, endLine: 20, children: [
                { kind: "variable", startLine: 2, endLine: 2 },
                method,
                { kind: "variable", startLine: 10, endLine: 14 },
                { kind: "module", startLine: 16, endLine: 19 }
            ] },
            { kind: "function", startLine: 22, endLine: 30, children: [{ kind: "function", startLine: 24, endLine: 26 }] }
        ];

        it("takes the innermost function-like symbol, else the innermost class-like one", () => {
            assert.deepEqual(enclosingSymbol(symbols, 5), span(3, 8));
            assert.deepEqual(enclosingSymbol(symbols, 9), span(2, 20), "between methods: the class");
            assert.deepEqual(enclosingSymbol(symbols, 17), span(2, 20), "a module is neither");
            assert.deepEqual(enclosingSymbol(symbols, 25), span(24, 26), "a nested function");
            assert.deepEqual(enclosingSymbol(symbols, 27), span(22, 30));
        });

        it("counts a variable spanning lines (an arrow function const) as function-like, not a one-line one", () => {
            assert.deepEqual(enclosingSymbol(symbols, 12), span(10, 14));
            assert.deepEqual(enclosingSymbol(symbols, 2), span(2, 20));
            assert.equal(enclosingSymbol(symbols, 0), undefined);
            assert.equal(enclosingSymbol(symbols, 21), undefined);
        });

        it("passes over a one-line callback to the function that holds it, but takes a one-line function on its own", () => {
            // TypeScript's outline: method total() with a "reduce() callback" on its return line.
            const withCallback: SymbolLike[] = [{ kind: "class", startLine: 0, endLine: 12, children: [
                { kind: "method", startLine: 8, endLine: 10, children: [{ kind: "function", startLine: 9, endLine: 9 }] },
                { kind: "method", startLine: 11, endLine: 11 }
            ] }, { kind: "variable", startLine: 14, endLine: 14 }, { kind: "function", startLine: 15, endLine: 15 }];
            assert.deepEqual(enclosingSymbol(withCallback, 9), span(8, 10));
            assert.deepEqual(enclosingSymbol(withCallback, 11), span(11, 11), "a one-line method rather than its class");
            assert.deepEqual(enclosingSymbol(withCallback, 15), span(15, 15));
            assert.equal(enclosingSymbol(withCallback, 14), undefined, "a one-line variable is not a function");
        });

        it("returns a plain span", () => {
            const found = enclosingSymbol([method], 4)!;
            assert.notEqual(found, method);
            assert.deepEqual(Object.keys(found).sort(), ["endLine", "startLine"]);
        });
    });

    describe("by braces", () => {
        it("finds the TypeScript function around the cursor", () => {
            const text = "import x from \"x\";\n\nexport function total(items: Item[]): number {\n    let sum = 0;|\n    return sum;\n}\n\nconst after = 1;";
            assert.deepEqual(block(text, "typescript"), span(2, 5));
        });

        it("skips an if inside a method out to the method, and counts a header on the cursor's line", () => {
            const text = [
                "class Cart {",
                "    private items: Item[] = [];",
                "",
                "    add(item: Item): void {",
                "        if (item.price > 0) {",
                "            for (const x of y) {",
                "                this.items.push(item);|",
                "            }",
                "        } else {",
                "            throw new Error(\"no\");",
                "        }",
                "    }",
                "}"
            ].join("\n");
            assert.deepEqual(block(text, "typescript"), span(3, 11));
            assert.deepEqual(block(text.replace("|", "").replace("add(item: Item): void {", "add(item: Item): void {|"), "typescript"), span(3, 11));
            assert.deepEqual(block(text.replace("|", "").replace("} else {", "} else {|"), "typescript"), span(3, 11));
            assert.deepEqual(block(text.replace("|", "").replace("items: Item[] = [];", "items: Item[] = [];|"), "typescript"), span(0, 12),
                "in the class body, outside methods: the class");
        });

        it("includes a signature split over lines", () => {
            const text = "export async function run(\n    a: string,|\n    b: number,\n): Promise<void> {\n    await go(a, b);\n}";
            assert.deepEqual(block(text, "typescript"), span(0, 5));
            assert.deepEqual(block(text.replace("|", "").replace("go(a, b);", "go(a, b);|"), "typescript"), span(0, 5));
        });

        it("handles Go, Rust and Java-like code", () => {
            const go = "package main\n\nfunc (s *Server) Handle(w Writer) error {\n\tif err != nil {\n\t\treturn err|\n\t}\n\treturn nil\n}";
            assert.deepEqual(block(go, "go"), span(2, 7));
            const rust = [
                "fn longest<'a, T>(x: &'a str, y: &'a str) -> &'a str",
                "where",
                "    T: Clone,",
                "{",
                "    match x.len() {",
                "        0 => {",
                "            y|",
                "        }",
                "        _ => x,",
                "    }",
                "}"
            ].join("\n");
            assert.deepEqual(block(rust, "rust"), span(0, 10), "match arms are control");
            const lifetimes = "impl<'a> Parser<'a> {\n    fn word(&self) -> &'a str {\n        self.rest|\n    }\n}";
            assert.deepEqual(block(lifetimes, "rust"), span(1, 3), "lifetimes start no strings");
            const java = [
                "public class Main {",
                "    @Override",
                "    public void run()",
                "            throws IOException",
                "    {",
                "        try {",
                "            read();|",
                "        } catch (IOException e) {",
                "        }",
                "    }",
                "}"
            ].join("\n");
            assert.deepEqual(block(java, "java"), span(2, 9));
        });

        it("skips object literals out to the function, and arrow callbacks count as functions", () => {
            const text = "function make() {\n    const options = {\n        retries: 3,|\n    };\n    return options;\n}";
            assert.deepEqual(block(text, "javascript"), span(0, 5));
            const test = "describe(\"x\", () => {\n    it(\"y\", () => {\n        check();|\n    });\n});";
            assert.deepEqual(block(test, "javascript"), span(1, 3));
            const method = "class A {\n    m(a = 1) {\n        go();|\n    }\n}";
            assert.deepEqual(block(method, "javascript"), span(1, 3), "a default parameter value is no assignment");
        });

        it("ignores braces in strings and comments", () => {
            const text = [
                "function a() {",
                "    const s = \"}\";",
                "    const t = '{{';",
                "    const u = `}`;",
                "    // }",
                "    /* } */",
                "    run();|",
                "}"
            ].join("\n");
            assert.deepEqual(block(text, "typescript"), span(0, 7));
        });

        it("takes the outermost block when nothing but control holds the cursor", () => {
            const text = "setup();\nif (ready) {\n    for (;;) {\n        tick();|\n    }\n}";
            assert.deepEqual(block(text, "javascript"), span(1, 5));
        });
    });

    describe("by indentation", () => {
        const python = [
            "import os",
            "",
            "class Repo:",
            "    \"\"\"A repository.\"\"\"",
            "",
            "    def load(self, path):",
            "        if os.path.exists(path):",
            "            with open(path) as f:",
            "                return f.read()",
            "",
            "        return None",
            "",
            "    def save(",
            "        self,",
            "        data,",
            "    ) -> None:",
            "        def write(f):",
            "            f.write(data)",
            "        write(open(\"x\"))",
            "",
            "",
            "print(Repo())"
        ];

        it("finds a Python method, skipping control blocks, blank lines inside included", () => {
            assert.deepEqual(enclosingBlock(python, 8, "python"), span(5, 10));
            assert.deepEqual(enclosingBlock(python, 9, "python"), span(5, 10));
            assert.deepEqual(enclosingBlock(python, 5, "python"), span(5, 10), "the header line");
        });

        it("finds a nested def, and a signature split over lines", () => {
            assert.deepEqual(enclosingBlock(python, 17, "python"), span(16, 17));
            assert.deepEqual(enclosingBlock(python, 18, "python"), span(12, 18));
            assert.deepEqual(enclosingBlock(python, 13, "python"), span(12, 18));
        });

        it("takes the class between methods, the paragraph outside, and nothing on a blank line outside", () => {
            assert.deepEqual(enclosingBlock(python, 3, "python"), span(2, 18));
            assert.deepEqual(enclosingBlock(python, 21, "python"), span(21, 21));
            assert.equal(enclosingBlock(python, 19, "python"), undefined);
            assert.equal(enclosingBlock(python, 1, "python"), undefined);
        });

        it("ignores colons in comments and strings, and lines inside brackets", () => {
            const text = [
                "def f():",
                "    \"\"\"Usage:",
                "        f()",
                "    \"\"\"",
                "    x = {",
                "\"a\":",
                "        1}",
                "    s = \"\"\"",
                "text at column 0:",
                "\"\"\"",
                "    return x|"
            ].join("\n");
            assert.deepEqual(block(text, "python"), span(0, 10));
            assert.deepEqual(block(text.replace("|", "").replace("f()", "f()|"), "python"), span(0, 10));
            assert.deepEqual(block(text.replace("|", "").replace("1}", "1}|"), "python"), span(0, 10));
        });

        it("falls back to indentation when braces find nothing", () => {
            const text = "def f():\n    go()|\n\nprint(1)";
            assert.deepEqual(block(text, "plaintext"), span(0, 1));
        });
    });

    it("falls back to the paragraph, and to nothing on a blank line", () => {
        const text = "first\nsecond|\nthird\n\nother";
        assert.deepEqual(block(text, "plaintext"), span(0, 2));
        assert.equal(block("a\n|\nb", "typescript"), undefined);
        assert.equal(enclosingBlock(["a"], 3, "typescript"), undefined);
    });

    describe("leading comments", () => {
        it("takes doc comments, line comments and decorators directly above", () => {
            const lines = [
                "const x = 1;",
                "/**",
                " * Adds.",
                " */",
                "// more",
                "@memo()",
                "function add() {}"
            ];
            assert.deepEqual(withLeadingComments(lines, span(6, 6)), span(1, 6));
            assert.deepEqual(withLeadingComments(["/** Doc. */", "f() {}"], span(1, 1)), span(0, 1));
        });

        it("takes Python comments and decorators, Rust attributes, C# attributes, multi-line decorators", () => {
            assert.deepEqual(withLeadingComments(["x = 1", "# Loads.", "@app.route(\"/\", methods=[\"GET\"])", "def load():", "    pass"], span(3, 4)), span(1, 4));
            assert.deepEqual(withLeadingComments(["", "/// Docs.", "#[derive(Debug)]", "struct A;"], span(3, 3)), span(1, 3));
            assert.deepEqual(withLeadingComments(["}", "[HttpGet(\"x\")]", "public void Get() {}"], span(2, 2)), span(1, 2));
            assert.deepEqual(withLeadingComments(["@Component({", "    selector: \"app\",", "})", "class App {}"], span(3, 3)), span(0, 3));
        });

        it("stops at a blank line, code, #include and #!, and a comment that follows code", () => {
            assert.deepEqual(withLeadingComments(["// detached", "", "f() {}"], span(2, 2)), span(2, 2));
            assert.deepEqual(withLeadingComments(["#include <x.h>", "// doc", "int f() {}"], span(2, 2)), span(1, 2));
            assert.deepEqual(withLeadingComments(["#!/bin/sh", "f() {}"], span(1, 1)), span(1, 1));
            assert.deepEqual(withLeadingComments(["a(); /* x", "y */", "f() {}"], span(2, 2)), span(2, 2));
            assert.deepEqual(withLeadingComments(["class A {", "    #count = 0;", "    m() {}"], span(2, 2)), span(2, 2),
                "a private field is no comment");
            assert.deepEqual(withLeadingComments(["@Input() name: string;", "m() {}"], span(1, 1)), span(1, 1));
        });
    });
});
