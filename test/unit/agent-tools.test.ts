/** Each agent tool against a real temporary folder through the Node WorkspaceFs. */
import assert from "node:assert/strict";
import fs from "node:fs";
import type { DiagnosticItem } from "../../src/core/agent/workspaceFs";
import { ALL_TOOLS, availableTools, TOOL_NAMES, toolDefinitions } from "../../src/core/agent/tools";
import * as searchText from "../../src/core/agent/tools/searchText";
import { tempWorkspace, type TempWorkspace } from "../support/agentWorkspace";

const numbered = (count: number) => Array.from({ length: count }, (_, index) => `line ${index + 1}`).join("\n") + "\n";

describe("agent tools", () => {
    let ws: TempWorkspace;

    beforeEach(() => {
        ws = tempWorkspace({
            "src/math.ts": "export function add(a: number, b: number) {\n    return a + b;\n}\n\nexport function twice(x: number) {\n    return add(x, x);\n}\n",
            "src/main.ts": "import { add } from \"./math\";\nconsole.log(add(1, 2));\n",
            "src/util/strings.ts": "export const shout = (s: string) => s.toUpperCase();\n",
            "docs/guide.md": "# Guide\nUse add() to add.\n",
            "long.txt": numbered(1000),
            "node_modules/lib/index.js": "function add() {}\n",
            ".hidden": "secret-ish\n"
        });
    });

    afterEach(() => ws.remove());

    describe("the tool table", () => {
        it("has one snake_case tool per name, each with a description and an object schema", () => {
            assert.deepEqual(ALL_TOOLS.map((tool) => tool.name), [...TOOL_NAMES]);
            for (const tool of ALL_TOOLS) {
                assert.match(tool.name, /^[a-z]+(_[a-z]+)*$/);
                assert.ok(tool.description.length > 40, tool.name);
                assert.equal(tool.parameters.type, "object");
                for (const required of tool.parameters.required ?? []) assert.ok(tool.parameters.properties?.[required], `${tool.name}.${required}`);
            }
            const definitions = toolDefinitions(ALL_TOOLS);
            assert.equal(definitions[0]!.type, "function");
            assert.equal(definitions[0]!.function.name, "read_file");
        });

        it("offers only reading tools in an untrusted workspace, and only what the host can run", () => {
            const untrusted = availableTools({ shell: ws.context.shell }, false).map((tool) => tool.name);
            assert.deepEqual(untrusted, ["read_file", "list_dir", "find_files", "search_text"]);
            const cli = availableTools({ shell: ws.context.shell }, true).map((tool) => tool.name);
            assert.ok(cli.includes("run_command") && cli.includes("edit_file") && !cli.includes("get_diagnostics"));
            const editor = availableTools({ shell: ws.context.shell, diagnostics: { get: async () => [] } }, true);
            assert.equal(editor.length, TOOL_NAMES.length);
        });
    });

    describe("read_file", () => {
        it("reads a whole small file with a header", async () => {
            const text = await ws.call("read_file", { path: "src/main.ts" });
            assert.equal(text, "src/main.ts (2 lines):\nimport { add } from \"./math\";\nconsole.log(add(1, 2));");
        });

        it("pages a long file and says how to continue", async () => {
            const first = await ws.call("read_file", { path: "long.txt" });
            assert.match(first, /^long\.txt lines 1–400 of 1000:\nline 1\n/);
            assert.match(first, /line 400\n\[Cut here: lines 401–1000 not shown; call read_file with start_line=401 to continue\]$/);
            const middle = await ws.call("read_file", { path: "long.txt", start_line: 990, end_line: 1200 });
            assert.match(middle, /^long\.txt lines 990–1000 of 1000:\nline 990\n/);
            assert.doesNotMatch(middle, /more lines/);
            assert.match(await ws.call("read_file", { path: "long.txt", start_line: 2000 }), /ERROR: .*only 1000 lines/);
            assert.match(await ws.call("read_file", { path: "long.txt", start_line: 5, end_line: 2 }), /ERROR: end_line \(2\) is before start_line/);
        });

        it("caps the characters of one result and cuts overlong lines", async () => {
            ws.write("wide.txt", `${"x".repeat(5000)}\n${"y".repeat(100)}\n`);
            const text = await ws.call("read_file", { path: "wide.txt" });
            assert.match(text, /x{2000}… \[3000 more characters\]\ny{100}$/);
            ws.write("many.txt", `${"z".repeat(1500)}\n`.repeat(100));
            const capped = await ws.call("read_file", { path: "many.txt" });
            assert.ok(capped.length < 26_000, `${capped.length} characters`);
            assert.match(capped, /call read_file with start_line=\d+ to continue/);
        });

        it("refuses binary, non-UTF-8, huge and missing files and folders with clear errors", async () => {
            ws.write("image.png", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02]));
            ws.write("latin1.txt", Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
            fs.writeFileSync(ws.file("huge.log"), Buffer.alloc(5 * 1024 * 1024, 0x61));
            assert.match(await ws.call("read_file", { path: "image.png" }), /^ERROR: image\.png is a binary file/);
            assert.match(await ws.call("read_file", { path: "latin1.txt" }), /^ERROR: latin1\.txt is not UTF-8 text/);
            assert.match(await ws.call("read_file", { path: "huge.log" }), /^ERROR: huge\.log is 5\.2 MB, more than the 4\.2 MB .*search_text/);
            assert.match(await ws.call("read_file", { path: "nope.ts" }), /^ERROR: nope\.ts does not exist\. Use find_files/);
            assert.match(await ws.call("read_file", { path: "src" }), /^ERROR: src is a folder; use list_dir/);
            assert.match(await ws.call("read_file", {}), /^ERROR: The "path" parameter is required/);
        });

        it("strips a byte-order mark and reads CRLF files as lines", async () => {
            ws.write("bom.txt", "\uFEFFfirst\r\nsecond\r\n");
            assert.equal(await ws.call("read_file", { path: "bom.txt" }), "bom.txt (2 lines):\nfirst\nsecond");
        });
    });

    describe("list_dir", () => {
        it("lists folders first, then files with sizes, hidden entries included", async () => {
            const text = await ws.call("list_dir", {});
            assert.equal(text.split("\n")[0], "Workspace folder (5 entries):");
            assert.deepEqual(text.split("\n").slice(1, 4), ["docs/", "node_modules/", "src/"]);
            assert.match(text, /\n\.hidden \(11 B\)/);
            assert.match(await ws.call("list_dir", { path: "src" }), /^src \(3 entries\):\nutil\/\nmain\.ts \(\d+ B\)\nmath\.ts/);
            assert.match(await ws.call("list_dir", { path: "src/main.ts" }), /ERROR: .*is a file/);
        });

        it("shows pending created, renamed and deleted files", async () => {
            await ws.call("create_file", { path: "src/new.ts", content: "x\n" });
            await ws.call("delete_file", { path: "src/main.ts" });
            const text = await ws.call("list_dir", { path: "src" });
            assert.match(text, /new\.ts \(pending\)/);
            assert.doesNotMatch(text, /main\.ts/);
        });
    });

    describe("find_files", () => {
        it("matches globs at any depth for bare patterns, skipping node_modules", async () => {
            const text = await ws.call("find_files", { pattern: "*.ts" });
            assert.equal(text, "3 files match \"*.ts\":\nsrc/main.ts\nsrc/math.ts\nsrc/util/strings.ts");
            assert.equal(await ws.call("find_files", { pattern: "src/util/**" }), "1 file matches \"src/util/**\":\nsrc/util/strings.ts");
            assert.match(await ws.call("find_files", { pattern: "*.ts", path: "src/util" }), /^1 file matches "\*\.ts":\nsrc\/util\/strings\.ts$/);
            assert.match(await ws.call("find_files", { pattern: "*.md, *.txt" }), /docs\/guide\.md\nlong\.txt/);
            assert.match(await ws.call("find_files", { pattern: "*.rs" }), /^No files match/);
            assert.match(await ws.call("find_files", { pattern: "*.ts", max_results: 1 }), /more files match/);
            assert.match(await ws.call("find_files", { pattern: "../*" }), /ERROR: .*"\.\."/);
        });

        it("with the editor's file search, keeps only files really inside the workspace", async () => {
            fs.symlinkSync(ws.outside, ws.file("escape"));
            fs.writeFileSync(`${ws.outside}/evil.ts`, "export function add() {}\n");
            const globs: string[] = [];
            // What VS Code's findFiles returns when search.followSymlinks is on: the linked folder's files too.
            ws.context.fs.findFiles = async (_folder, glob) => {
                globs.push(glob);
                return [ws.file("src/main.ts"), ws.file("escape/evil.ts"), ws.file("src/math.ts")];
            };
            assert.equal(await ws.call("find_files", { pattern: "*.ts" }), "2 files match \"*.ts\":\nsrc/main.ts\nsrc/math.ts");
            assert.deepEqual(globs, ["**/*.ts"], "a bare pattern matches at any depth in VS Code's syntax too");
            assert.doesNotMatch(await ws.call("search_text", { query: "function add" }), /evil/);
        });

        it("does not follow symbolic links", async () => {
            fs.symlinkSync(ws.outside, ws.file("escape"));
            fs.writeFileSync(`${ws.outside}/evil.ts`, "x\n");
            assert.doesNotMatch(await ws.call("find_files", { pattern: "**/*.ts" }), /evil/);
        });

        it("matches globs in linear time, however many wildcards meet however long a name", async () => {
            // A backtracking glob engine needs hours for this pair; the walk and search_text's include use the same matcher.
            ws.write(`logs/${"a".repeat(40)}`, "a\n");
            const glob = "*a*a*a*a*a*a*a*a*a*a*a*a*a*c";
            // No timing: a backtracking engine never returns within the test's time-out, whatever the machine.
            assert.match(await ws.call("find_files", { pattern: glob }), /^No files match/);
            assert.match(await ws.call("search_text", { query: "a", include: glob }), /^No matches/);
            assert.equal(await ws.call("find_files", { pattern: "{docs,src/util}/*.{md,ts}" }), "2 files match \"{docs,src/util}/*.{md,ts}\":\ndocs/guide.md\nsrc/util/strings.ts");
            assert.equal(await ws.call("find_files", { pattern: "src/**/[s]*.ts, !*" }), "1 file matches \"src/**/[s]*.ts, !*\":\nsrc/util/strings.ts");
        });

        it("gives the editor's backtracking glob engine no many-wildcard segment, and filters its answer itself", async () => {
            const globs: string[] = [];
            ws.context.fs.findFiles = async (_folder, glob) => {
                globs.push(glob);
                return [ws.file("src/main.ts"), ws.file("src/math.ts"), ws.file("docs/guide.md")];
            };
            assert.equal(await ws.call("find_files", { pattern: "src/*a*a*a*a*.ts" }), "No files match \"src/*a*a*a*a*.ts\".");
            assert.equal(await ws.call("find_files", { pattern: "*m*a*i*n*" }), "1 file matches \"*m*a*i*n*\":\nsrc/main.ts");
            assert.deepEqual(globs, ["src/*", "**/*"]);
        });
    });

    describe("search_text", () => {
        it("finds literal text case-insensitively by default, with path:line", async () => {
            const text = await ws.call("search_text", { query: "ADD(" });
            assert.equal(text.split("\n")[0], "4 matching lines in 3 files:");
            assert.match(text, /\ndocs\/guide\.md:2: Use add\(\) to add\./);
            assert.match(text, /\nsrc\/main\.ts:2: console\.log\(add\(1, 2\)\);/);
            assert.doesNotMatch(text, /node_modules/);
            assert.match(await ws.call("search_text", { query: "ADD(", case_sensitive: true }), /^No matches/);
        });

        it("takes regular expressions and file globs, and explains invalid ones", async () => {
            const text = await ws.call("search_text", { query: "function \\w+\\(", is_regex: true, include: "*.ts" });
            assert.equal(text, "2 matching lines in 1 file:\nsrc/math.ts:1: export function add(a: number, b: number) {\nsrc/math.ts:5: export function twice(x: number) {");
            assert.match(await ws.call("search_text", { query: "(unclosed", is_regex: true }), /^ERROR: The regular expression is not valid: .*is_regex=false/);
            assert.match(await ws.call("search_text", { query: "line", include: "*.txt", max_results: 3 }), /^3 matching lines in 1 file:[\s\S]*more matches may exist/);
        });

        it("runs regular expressions in linear time: catastrophic backtracking patterns on long lines return at once", async () => {
            ws.write("run.log", `${"a".repeat(30)}b\n${"a".repeat(100_000)}b\n${"xa".repeat(40)}\n`);
            const expected: Record<string, number> = { "(a+)+$": 1, "(a|aa)*$": 3, "(.*a){20}$": 1, "^(\\w+\\s?)*$": 3, "(x+x+)+y": 0 };
            for (const [query, lines] of Object.entries(expected)) {
                const text = await ws.call("search_text", { query, is_regex: true, include: "*.log" });
                assert.match(text, lines === 0 ? /^No matches/ : new RegExp(`^${lines} matching lines? in 1 file:`), `/${query}/: ${text.slice(0, 200)}`);
            }
        });

        it("says what its linear-time engine does not support, and supports lookbehind", async () => {
            assert.match(await ws.call("search_text", { query: "(\\w+) \\1", is_regex: true }),
                /^ERROR: The regular expression uses a backreference \(\\1\), which search_text does not support: .*without backreferences or lookahead.*is_regex=false/);
            assert.match(await ws.call("search_text", { query: "(?<n>a)\\k<n>", is_regex: true }), /^ERROR: .*a named backreference/);
            assert.match(await ws.call("search_text", { query: "add(?=\\()", is_regex: true }), /^ERROR: .*a lookahead \(\(\?=…\)\)/);
            assert.match(await ws.call("search_text", { query: "add(?!\\()", is_regex: true }), /^ERROR: .*a negative lookahead/);
            assert.match(await ws.call("search_text", { query: "[(?=]add\\(", is_regex: true }), /^1 matching line in 1 file:\nsrc\/main\.ts:2:/, "inside a class (?= is just characters");
            assert.match(await ws.call("search_text", { query: "a{1001}", is_regex: true }), /^ERROR: .*repetition counts go up to 1000/);
            assert.match(await ws.call("search_text", { query: "([ab] ?){900}z", is_regex: true }), /^ERROR: The regular expression is too complex/);
            assert.equal(await ws.call("search_text", { query: "(?<=export )function \\w+", is_regex: true, include: "*.ts" }),
                "2 matching lines in 1 file:\nsrc/math.ts:1: export function add(a: number, b: number) {\nsrc/math.ts:5: export function twice(x: number) {");
            assert.match(await ws.call("search_text", { query: "\\u0041DD\\(1", is_regex: true }), /^1 matching line in 1 file:\nsrc\/main\.ts:2:/, "JavaScript escapes, case-insensitive");
        });

        it("tells the model when the search stopped at its time limit", async () => {
            const limit = searchText.SEARCH_TIME_LIMIT.ms;
            searchText.SEARCH_TIME_LIMIT.ms = 0;
            try {
                assert.match(await ws.call("search_text", { query: "add", is_regex: true }),
                    /^No matches for \/add\/\. \(The search stopped at its time limit \(0 s\), so it is partial: .*simplify the regular expression\.\)$/);
            } finally {
                searchText.SEARCH_TIME_LIMIT.ms = limit;
            }
        });

        it("skips binary files and sees pending changes", async () => {
            ws.write("blob.bin", Buffer.from("add(\0\0\0"));
            await ws.call("edit_file", { path: "docs/guide.md", old_text: "Use add()", new_text: "Use sum()" });
            const text = await ws.call("search_text", { query: "add(" });
            assert.doesNotMatch(text, /blob\.bin|guide\.md/);
            assert.match(await ws.call("search_text", { query: "sum()" }), /docs\/guide\.md:2: Use sum\(\) to add\./);
        });
    });

    describe("edit_file", () => {
        it("proposes an exact replacement without writing, and shows it as a diff", async () => {
            const text = await ws.call("edit_file", { path: "src/main.ts", old_text: "add(1, 2)", new_text: "add(2, 3)" });
            assert.match(text, /^Proposed 1 replacement in src\/main\.ts \(the user reviews it; not applied yet\)\. The change:\n--- a\/src\/main\.ts\n\+\+\+ b\/src\/main\.ts\n@@/);
            assert.match(text, /\n-console\.log\(add\(1, 2\)\);\n\+console\.log\(add\(2, 3\)\);/);
            assert.equal(ws.read("src/main.ts"), "import { add } from \"./math\";\nconsole.log(add(1, 2));\n", "nothing written yet");
            assert.match(await ws.call("read_file", { path: "src/main.ts" }), /with your pending changes\):\n.*\nconsole\.log\(add\(2, 3\)\);/);
            const [pending] = ws.context.edits.pending();
            assert.deepEqual({ ...pending, id: 0, absPath: "" }, { id: 0, kind: "modify", path: "src/main.ts", absPath: "", added: 1, removed: 1 });
        });

        it("applies several replacements in order, all or nothing", async () => {
            const text = await ws.call("edit_file", {
                path: "src/math.ts",
                edits: [{ old_text: "function add(", new_text: "function sum(" }, { old_text: "return add(x, x)", new_text: "return sum(x, x)" }]
            });
            assert.match(text, /^Proposed 2 replacements in src\/math\.ts/);
            const failed = await ws.call("edit_file", {
                path: "src/main.ts", edits: [{ old_text: "import", new_text: "export" }, { old_text: "missing", new_text: "x" }]
            });
            assert.match(failed, /^ERROR: Edit 2 of 2: old_text was not found in src\/main\.ts\..*None of the edits was made\.$/s);
            assert.equal(ws.context.edits.pending().length, 1, "the failed call proposed nothing");
        });

        it("shows every place of an ambiguous match", async () => {
            const ambiguous = await ws.call("edit_file", { path: "src/math.ts", old_text: "return", new_text: "yield" });
            assert.match(ambiguous, /^ERROR: old_text occurs 2 times in src\/math\.ts, so it is not clear which to replace:\n  line 2: return a \+ b;\n  line 6: return add\(x, x\);\nInclude more of the surrounding lines/);
        });

        it("shows the candidates when old_text is not found: whitespace, first line, similar line", async () => {
            const indentation = await ws.call("edit_file", { path: "src/math.ts", old_text: "export function add(a: number, b: number) {\nreturn a + b;\n}", new_text: "x" });
            assert.match(indentation, /different whitespace or indentation is at:\n--- lines 1–3 ---\nexport function add\(a: number, b: number\) \{\n    return a \+ b;\n\}/);
            const firstLine = await ws.call("edit_file", { path: "src/math.ts", old_text: "export function twice(x: number) {\n    return x * 2;", new_text: "x" });
            assert.match(firstLine, /Its first line occurs here, but the lines after it differ:\n--- lines 5–6 ---\nexport function twice\(x: number\) \{\n    return add\(x, x\);/);
            const similar = await ws.call("edit_file", { path: "src/math.ts", old_text: "export function twice(y: number) {", new_text: "x" });
            assert.match(similar, /The most similar text is:\n--- lines 5–5 ---\nexport function twice\(x: number\) \{/);
            const nothing = await ws.call("edit_file", { path: "src/math.ts", old_text: "completely unrelated", new_text: "x" });
            assert.match(nothing, /Nothing like it is in the file/);
            const numberedOld = await ws.call("edit_file", { path: "src/math.ts", old_text: "2\t    return a + b;", new_text: "x" });
            assert.match(numberedOld, /leave line numbers out of old_text/);
        });

        it("matches CRLF files with LF old_text and keeps CRLF", async () => {
            ws.write("win.txt", "one\r\ntwo\r\nthree\r\n");
            await ws.call("edit_file", { path: "win.txt", old_text: "one\ntwo", new_text: "uno\ndos" });
            await ws.context.edits.accept("all");
            assert.equal(ws.read("win.txt"), "uno\r\ndos\r\nthree\r\n");
        });

        it("refuses empty, identical and missing arguments, missing files and binary files", async () => {
            assert.match(await ws.call("edit_file", { path: "src/main.ts", old_text: "", new_text: "x" }), /^ERROR: old_text is empty/);
            assert.match(await ws.call("edit_file", { path: "src/main.ts", old_text: "add", new_text: "add" }), /are the same/);
            assert.match(await ws.call("edit_file", { path: "src/main.ts", old_text: "add" }), /new_text is required/);
            assert.match(await ws.call("edit_file", { path: "src/main.ts" }), /old_text is required/);
            assert.match(await ws.call("edit_file", { path: "src/main.ts", old_text: "a", new_text: "b", edits: [] }), /either old_text and new_text, or edits/);
            assert.match(await ws.call("edit_file", { path: "nope.ts", old_text: "a", new_text: "b" }), /does not exist; use create_file/);
            ws.write("image.png", Buffer.from([1, 0, 2]));
            assert.match(await ws.call("edit_file", { path: "image.png", old_text: "a", new_text: "b" }), /binary file/);
            assert.match(await ws.call("edit_file", { path: "../outside/secret.txt", old_text: "TOP", new_text: "x" }), /contains "\.\."/);
        });
    });

    describe("create_file, rename_file, delete_file", () => {
        it("creates a file in new folders on accept; refuses an existing one unless overwrite", async () => {
            assert.match(await ws.call("create_file", { path: "src/new/deep.ts", content: "export {};\n" }), /^Proposed a new file src\/new\/deep\.ts \(1 lines/);
            assert.equal(ws.exists("src/new/deep.ts"), false);
            assert.match(await ws.call("create_file", { path: "src/main.ts", content: "x" }), /already exists\. Use edit_file/);
            assert.match(await ws.call("create_file", { path: "src/main.ts", content: "replaced\n", overwrite: true }), /^Proposed new content for src\/main\.ts/);
            assert.match(await ws.call("create_file", { path: "src/new/deep.ts", content: "again" }), /already exists\. Use edit_file/);
            await ws.context.edits.accept("all");
            assert.equal(ws.read("src/new/deep.ts"), "export {};\n");
            assert.equal(ws.read("src/main.ts"), "replaced\n");
        });

        it("renames a file (keeping pending edits) and deletes files on accept", async () => {
            await ws.call("edit_file", { path: "src/util/strings.ts", old_text: "shout", new_text: "yell" });
            assert.match(await ws.call("rename_file", { old_path: "src/util/strings.ts", new_path: "src/text/strings.ts" }), /^Proposed renaming src\/util\/strings\.ts to src\/text\/strings\.ts/);
            assert.match(await ws.call("read_file", { path: "src/util/strings.ts" }), /no longer exists: your pending changes/);
            assert.match(await ws.call("read_file", { path: "src/text/strings.ts" }), /yell/);
            assert.match(await ws.call("rename_file", { old_path: "src/main.ts", new_path: "src/math.ts" }), /already exists/);
            assert.match(await ws.call("delete_file", { path: "docs/guide.md" }), /^Proposed deleting docs\/guide\.md/);
            assert.match(await ws.call("delete_file", { path: "docs" }), /is a folder/);
            const pending = ws.context.edits.pending();
            assert.deepEqual(pending.map((p) => [p.kind, p.path, p.from]), [["rename", "src/text/strings.ts", "src/util/strings.ts"], ["delete", "docs/guide.md", undefined]]);
            await ws.context.edits.accept("all");
            assert.equal(ws.exists("src/util/strings.ts"), false);
            assert.equal(ws.read("src/text/strings.ts"), "export const yell = (s: string) => s.toUpperCase();\n");
            assert.equal(ws.exists("docs/guide.md"), false);
        });

        it("deleting a file it created leaves nothing to review", async () => {
            await ws.call("create_file", { path: "tmp.txt", content: "x" });
            await ws.call("delete_file", { path: "tmp.txt" });
            assert.deepEqual(ws.context.edits.pending(), []);
        });
    });

    describe("run_command", () => {
        it("runs in the workspace and returns the exit code and output", async () => {
            const text = await ws.call("run_command", { command: "echo hello; ls src; exit 3" });
            assert.match(text, /^The command exited with code 3\.\nhello\nmain\.ts\nmath\.ts\nutil\n$/);
            assert.match(await ws.call("run_command", { command: "pwd", cwd: "src" }), new RegExp(`${ws.file("src")}`));
            assert.match(await ws.call("run_command", { command: "pwd", cwd: "../outside" }), /ERROR: .*"\.\."/);
        });

        it("caps long output, keeping its start and end", async () => {
            const text = await ws.call("run_command", { command: "for i in $(seq 1 20000); do echo line $i; done" });
            assert.match(text, /^The command exited with code 0 \(output shortened\)\.\nline 1\n/);
            assert.match(text, /characters of output left out/);
            assert.match(text, /line 20000\n$/);
            assert.ok(text.length < 17_000);
        });

        it("stops on timeout and on cancel, killing what the command started", async () => {
            const timedOut = await ws.call("run_command", { command: "sleep 30", timeout_seconds: 1 });
            assert.match(timedOut, /^The command was stopped after 1 s \(timeout\)/);
            const controller = new AbortController();
            const started = Date.now();
            const running = ws.call("run_command", { command: "sleep 30 & sleep 30; echo never" }, controller.signal);
            setTimeout(() => controller.abort(), 300);
            assert.match(await running, /^The command was stopped by the user/);
            assert.ok(Date.now() - started < 5000);
        });
    });

    describe("get_diagnostics", () => {
        it("formats the host's problems, errors first, inside the workspace only", async () => {
            ws.context.diagnostics = {
                get: async (file) => ([
                    { path: ws.file("src/main.ts"), severity: "warning", line: 2, column: 1, message: "Unexpected console statement.", source: "eslint", code: "no-console" },
                    { path: ws.file("src/math.ts"), severity: "error", line: 6, column: 12, message: "Cannot find name 'ad'.", source: "ts", code: "2304" },
                    { path: `${ws.outside}/secret.txt`, severity: "error", line: 1, column: 1, message: "outside" }
                ] as DiagnosticItem[]).filter((item) => file === undefined || item.path === file)
            };
            const all = await ws.call("get_diagnostics", {});
            assert.equal(all, "1 error, 1 warning in the workspace:\nsrc/math.ts:6:12: error: Cannot find name 'ad'. [ts 2304]\nsrc/main.ts:2:1: warning: Unexpected console statement. [eslint no-console]");
            assert.match(await ws.call("get_diagnostics", { path: "src/math.ts" }), /^1 error in src\/math\.ts:/);
            assert.equal(await ws.call("get_diagnostics", { path: "docs/guide.md" }), "No problems reported for docs/guide.md.");
            ws.context.diagnostics = undefined;
            assert.match(await ws.call("get_diagnostics", {}), /only available inside the editor/);
        });
    });
});
