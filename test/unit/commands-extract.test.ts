import assert from "node:assert/strict";
import { extractCode, extractPartialCode } from "../../src/core/commands/extract";

describe("command answers: extracting the code", () => {
    it("takes the code out of a fenced block, with the prose around it dropped", () => {
        const answer = "Here is the updated function:\n\n```ts\nfunction add(a: number, b: number) {\n    return a + b;\n}\n```\n\nThis adds two numbers.";
        assert.deepEqual(extractCode(answer), {
            code: "function add(a: number, b: number) {\n    return a + b;\n}",
            fenced: true,
            truncated: false
        });
    });

    it("normalises line endings", () => {
        assert.equal(extractCode("```js\r\na();\r\nb();\r\n```\r\n")!.code, "a();\nb();");
        assert.equal(extractCode("a();\rb();")!.code, "a();\nb();");
    });

    it("never lets thinking or control tokens into the code", () => {
        assert.equal(extractCode("<think>\nMaybe `x`?\n```ts\nwrong\n```\n</think>\n\n```ts\nright();\n```")!.code, "right();");
        assert.equal(extractCode("The user wants a loop.\n```ts\nwrong\n```\n</think>\n\nright();")!.code, "right();",
            "a stray </think> ends thinking that began in the prompt");
        assert.equal(extractCode("<think>right();")!.code, "right();", "a stray <think> tag is removed");
        assert.equal(extractCode("```ts\nright();\n```<|im_end|>\n```ts\nafter the end, much longer\n```")!.code, "right();");
        assert.equal(extractCode("right();<|im_end|>junk")!.code, "right();");
        assert.equal(extractCode("right();<|fim_pad|>")!.code, "right();");
    });

    it("reads fences as CommonMark does: tildes, indented openers, longer fences holding shorter ones", () => {
        assert.equal(extractCode("~~~python\nprint(1)\n~~~")!.code, "print(1)");
        assert.equal(extractCode("  ```ts\n  const a = 1;\n      nested();\n  ```")!.code, "const a = 1;\n    nested();",
            "content loses up to the opener's indentation");
        const markdown = "````md\nUse it like this:\n\n```ts\nrun();\n```\n````";
        assert.equal(extractCode(markdown)!.code, "Use it like this:\n\n```ts\nrun();\n```");
        assert.equal(extractCode("```ts\na();\n``` not a closer\n~~~\n```\n")!.code, "a();\n``` not a closer\n~~~",
            "a closer has nothing after the fence, and uses the opener's character");
        assert.equal(extractCode("    ```ts\n    code\n    ```")!.fenced, false, "four spaces of indentation is no fence");
        assert.equal(extractCode("```js```")!.fenced, false, "a backtick in the info string makes inline code");
    });

    it("prefers blocks in the document's language, then the longest, and never a diff when there is another", () => {
        const answer = "```bash\nnpm install --save-dev some-long-package-name\n```\n\n```typescript\nrun();\n```\n\n```ts\nrun();\nmore();\n```";
        assert.equal(extractCode(answer, { language: "typescriptreact" })!.code, "run();\nmore();");
        assert.equal(extractCode(answer, { language: "TypeScript" })!.code, "run();\nmore();", "the language is matched case-insensitively");
        assert.equal(extractCode(answer)!.code, "npm install --save-dev some-long-package-name", "without a language, the longest");
        assert.equal(extractCode("```py\nx = 1\n```\n```js\nconst a = 1;\n```", { language: "python" })!.code, "x = 1");
        assert.equal(extractCode("```Shell\nls -la\n```\n```\nsome other text here\n```", { language: "shellscript" })!.code, "ls -la");
        assert.equal(extractCode("```cs title=Program.cs\nvar a = 1;\n```\n```\nsomething longer\n```", { language: "csharp" })!.code,
            "var a = 1;", "only the first word of the info string counts");
        const withDiff = "```diff\n-old();\n+newer();\n+andMore();\n```\n```\nnewer();\n```";
        assert.equal(extractCode(withDiff)!.code, "newer();");
        assert.equal(extractCode("```diff\n-a\n+b\n```")!.code, "-a\n+b", "a diff alone is taken");
        assert.equal(extractCode("```ts\none();\n```\n```ts\ntwo();\n```")!.code, "one();", "equal lengths: the first");
    });

    it("reports an answer cut inside a fence as truncated", () => {
        assert.deepEqual(extractCode("Here:\n```ts\nfunction f() {\n    return 1;\n"), {
            code: "function f() {\n    return 1;",
            fenced: true,
            truncated: true
        });
    });

    it("takes an unfenced answer whole, but for a line introducing it", () => {
        assert.deepEqual(extractCode("const a = 1;\n"), { code: "const a = 1;", fenced: false, truncated: false });
        assert.equal(extractCode("Here is the updated code:\nconst a = 1;")!.code, "const a = 1;");
        assert.equal(extractCode("Here's the refactored function:\n\nfunction f() {}")!.code, "function f() {}");
        assert.equal(extractCode("Sure! Here is the code:\nx();")!.code, "x();");
        assert.equal(extractCode("Certainly, below is the fixed version.\nx();")!.code, "x();");
        assert.equal(extractCode("The fixed code:\nx();")!.code, "x();");
        assert.equal(extractCode("Sure!\n\nHere is the code:\nx();")!.code, "x();");
        assert.equal(extractCode("Here(x);\ny();")!.code, "Here(x);\ny();", "code that happens to start like prose stays");
        assert.equal(extractCode("The value = 1;")!.code, "The value = 1;");
        assert.equal(extractCode("Here is some text.\nMore.", { language: "markdown" })!.code, "Here is some text.\nMore.",
            "in prose documents only a line ending with a colon introduces");
        assert.equal(extractCode("Here is the code:"), undefined, "prose alone is no code");
    });

    it("keeps the indentation of the first line and trims blank edges", () => {
        assert.equal(extractCode("\n\n    return a;\n  }\n\n   \n")!.code, "    return a;\n  }");
        assert.equal(extractCode("```ts\n\n    indented();\n\n```")!.code, "    indented();");
    });

    it("unwraps a one-line answer in single backticks", () => {
        assert.equal(extractCode("`a + b`")!.code, "a + b");
        assert.equal(extractCode("`a` + `b`")!.code, "`a` + `b`");
        assert.equal(extractCode("`a`\n`b`")!.code, "`a`\n`b`");
    });

    it("has no code for an empty or whitespace-only answer", () => {
        assert.equal(extractCode(""), undefined);
        assert.equal(extractCode("  \n\t\n"), undefined);
        assert.equal(extractCode("<think>only thoughts</think>\n"), undefined);
    });
});

describe("command answers: the code so far while streaming", () => {
    it("shows the content of an opened fence, without a line that may be its closer", () => {
        assert.equal(extractPartialCode("Here you go:\n```ts\nconst a = 1;\nconst b"), "const a = 1;\nconst b");
        assert.equal(extractPartialCode("```ts\nconst a = 1;\n``"), "const a = 1;");
        assert.equal(extractPartialCode("```ts\nconst a = 1;\n```"), "const a = 1;");
        assert.equal(extractPartialCode("```ts\nconst a = 1;\n```\nThis decl"), "const a = 1;");
        assert.equal(extractPartialCode("```ts\nconst a = `x`;\n`y` + z"), "const a = `x`;\n`y` + z",
            "a line that cannot become a fence is shown");
    });

    it("shows nothing while the answer may still become a fence or an introduction", () => {
        assert.equal(extractPartialCode(""), "");
        assert.equal(extractPartialCode("\n`"), "");
        assert.equal(extractPartialCode("``"), "");
        assert.equal(extractPartialCode("~~"), "");
        assert.equal(extractPartialCode("```typesc"), "");
        assert.equal(extractPartialCode("He"), "");
        assert.equal(extractPartialCode("Sure, here is"), "");
        assert.equal(extractPartialCode("Here is the updated code:\n"), "");
        assert.equal(extractPartialCode("Here is the updated code:\n\n``"), "");
        assert.equal(extractPartialCode("<think>\nI should"), "", "thinking in progress");
        assert.equal(extractPartialCode("<thi"), "", "a tag being written");
    });

    it("shows unfenced code as it comes", () => {
        assert.equal(extractPartialCode("const a = 1;\nconst"), "const a = 1;\nconst");
        assert.equal(extractPartialCode("function f"), "function f");
        assert.equal(extractPartialCode("Here is the code:\nconst a"), "const a");
        assert.equal(extractPartialCode("<think>plan</think>\n\nconst a<|im_"), "const a");
        assert.equal(extractPartialCode("\r\nx();\r\ny"), "x();\ny");
    });

    it("chooses among blocks as the whole answer would", () => {
        const soFar = "```bash\nnpm i a-much-longer-command-line\n```\n\n```ts\nrun();\n";
        assert.equal(extractPartialCode(soFar, { language: "typescript" }), "run();");
        assert.equal(extractPartialCode(soFar + "```\n"), extractCode(soFar + "```\n")!.code);
    });
});
