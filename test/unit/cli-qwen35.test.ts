import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as esbuild from "esbuild";
import { runCli } from "../support/cli";
import { parseToolCalls } from "../../src/core/qwen35/parser";
import { parsePythonJson, pyGet, pyJsonDumps } from "../../src/core/qwen35/pythonFormat";
import type { FunctionTool } from "../../src/core/qwen35/types";

const ROOT = path.join(__dirname, "..", "..");
const FIXTURES = path.join(ROOT, "test", "fixtures", "qwen35");
const RENDER_CASES = path.join(FIXTURES, "render");
const TOOLS_FILE = path.join(FIXTURES, "tools.json");
const TOOLS = JSON.parse(fs.readFileSync(TOOLS_FILE, "utf8")) as FunctionTool[];
const PARSER_CASES = JSON.parse(fs.readFileSync(path.join(FIXTURES, "parser-cases.json"), "utf8")) as { name: string; thinking: boolean; text: string }[];

/** The case's input as Python's json.dumps writes it: what a Python harness sends on stdin. */
function caseInput(stem: string): string {
    return pyJsonDumps(pyGet(parsePythonJson(fs.readFileSync(path.join(RENDER_CASES, `${stem}.json`), "utf8")), "input"));
}

function assertUsageError(result: { code: number; stdout: string; stderr: string }, pattern: RegExp): void {
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, pattern);
    assert.equal(result.stderr.split("\n").filter(Boolean).length, 1, "one line");
}

const stems = fs.readdirSync(RENDER_CASES).filter((name) => name.endsWith(".json")).map((name) => name.slice(0, -".json".length)).sort();

describe("cli render", () => {
    it("writes exactly the golden prompt for every fixture, and exits 2 with one line for invalid ones", async () => {
        for (const stem of stems) {
            const result = await runCli(["render"], caseInput(stem));
            const golden = path.join(RENDER_CASES, `${stem}.txt`);
            if (fs.existsSync(golden)) {
                assert.equal(result.stderr, "", stem);
                assert.equal(result.code, 0, stem);
                assert.equal(result.stdout, fs.readFileSync(golden, "utf8"), stem);
            } else {
                assertUsageError(result, /^qwen-local render: /);
            }
        }
    });

    it("names the template's error", async () => {
        assertUsageError(await runCli(["render"], "{\"messages\": [{\"role\": \"tool\", \"content\": \"x\"}]}"), /No user query found in messages\./);
        assertUsageError(await runCli(["render"], "{\"messages\": []}"), /No messages provided\./);
    });

    it("rejects input that is not a JSON object, and arguments", async () => {
        assertUsageError(await runCli(["render"], "{\"messages\": ["), /stdin: invalid JSON/);
        assertUsageError(await runCli(["render"], "[1]"), /must be a JSON object/);
        assertUsageError(await runCli(["render"], ""), /invalid JSON/);
        assertUsageError(await runCli(["render", "--x"], "{}"), /no arguments/);
    });

    it("is listed in help with parse-tool-calls", async () => {
        const help = await runCli(["help"], "");
        assert.equal(help.code, 0);
        assert.match(help.stdout, /^\s+render /m);
        assert.match(help.stdout, /^\s+parse-tool-calls --tools FILE \[--thinking\] \[--jsonl\]/m);
    });
});

describe("cli parse-tool-calls", () => {
    let tmp: string;
    before(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "qwen35-cli-"));
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("prints the parse result as one JSON line", async () => {
        for (const testCase of PARSER_CASES) {
            const args = ["parse-tool-calls", "--tools", TOOLS_FILE, ...(testCase.thinking ? ["--thinking"] : [])];
            const result = await runCli(args, testCase.text);
            assert.equal(result.code, 0, result.stderr);
            assert.ok(result.stdout.endsWith("\n") && !result.stdout.slice(0, -1).includes("\n"));
            assert.deepEqual(JSON.parse(result.stdout), parseToolCalls(testCase.text, { tools: TOOLS, startInReasoning: testCase.thinking }), testCase.name);
        }
    });

    it("--thinking starts inside the reasoning; --tools=FILE works too", async () => {
        const text = "plan\n</think>\n\nanswer";
        assert.deepEqual(JSON.parse((await runCli(["parse-tool-calls", "--thinking", `--tools=${TOOLS_FILE}`], text)).stdout),
            { reasoning: "plan", content: "answer", tool_calls: [], errors: [] });
        assert.deepEqual(JSON.parse((await runCli(["parse-tool-calls", "--tools", TOOLS_FILE], text)).stdout).reasoning, "");
    });

    it("--jsonl: one JSON string per input line, one result per output line", async () => {
        const input = PARSER_CASES.map((c) => JSON.stringify(c.text)).join("\n") + "\n\n";
        const result = await runCli(["parse-tool-calls", "--tools", TOOLS_FILE, "--jsonl", "--thinking"], input);
        assert.equal(result.code, 0, result.stderr);
        const lines = result.stdout.split("\n");
        assert.equal(lines.pop(), "");
        assert.equal(lines.length, PARSER_CASES.length);
        lines.forEach((line, index) => assert.deepEqual(JSON.parse(line), parseToolCalls(PARSER_CASES[index].text, { tools: TOOLS, startInReasoning: true })));
    });

    it("--jsonl runs thousands of cases in one process", async () => {
        const one = JSON.stringify("<tool_call>\n<function=read_file>\n<parameter=path>\na.ts\n</parameter>\n</function>\n</tool_call>");
        const result = await runCli(["parse-tool-calls", "--tools", TOOLS_FILE, "--jsonl"], `${one}\r\n`.repeat(5000));
        assert.equal(result.code, 0);
        assert.equal(result.stdout.split("\n").length - 1, 5000);
    });

    it("exits 2 with one line for bad arguments, tools files and input lines", async () => {
        const write = (name: string, text: string) => {
            const file = path.join(tmp, name);
            fs.writeFileSync(file, text);
            return file;
        };
        assertUsageError(await runCli(["parse-tool-calls"], "x"), /--tools FILE is required/);
        assertUsageError(await runCli(["parse-tool-calls", "--tools"], "x"), /--tools needs a file name/);
        assertUsageError(await runCli(["parse-tool-calls", "--tools", TOOLS_FILE, "--fast"], "x"), /unknown argument "--fast"/);
        assertUsageError(await runCli(["parse-tool-calls", "--tools", path.join(tmp, "missing.json")], "x"), /cannot read the tools file/);
        assertUsageError(await runCli(["parse-tool-calls", "--tools", write("bad.json", "[{")], "x"), /not valid JSON/);
        assertUsageError(await runCli(["parse-tool-calls", "--tools", write("object.json", "{\"tools\": []}")], "x"), /must hold a JSON array/);
        assertUsageError(await runCli(["parse-tool-calls", "--tools", write("nameless.json", "[{\"type\": \"function\", \"function\": {}}]")], "x"), /tool 0 .* has no function name/);
        assertUsageError(await runCli(["parse-tool-calls", "--tools", write("params.json", "[{\"function\": {\"name\": \"f\", \"parameters\": 3}}]")], "x"), /parameters must be a JSON schema object/);
        assertUsageError(await runCli(["parse-tool-calls", "--tools", TOOLS_FILE, "--jsonl"], "\"ok\"\nnot json\n"), /stdin line 2 is not valid JSON/);
        assertUsageError(await runCli(["parse-tool-calls", "--tools", TOOLS_FILE, "--jsonl"], "{\"text\": \"x\"}\n"), /stdin line 1 must be a JSON string/);
        const empty = await runCli(["parse-tool-calls", "--tools", write("empty.json", "[]")], "<tool_call>\n<function=f>\n</function>\n</tool_call>");
        assert.equal(empty.code, 0);
        assert.equal(JSON.parse(empty.stdout).errors[0].kind, "unknown_function");
    });
});

describe("cli qwen35 commands stay engine-free", () => {
    it("import neither node-llama-cpp nor vscode", () => {
        const files = [
            ...fs.readdirSync(path.join(ROOT, "src", "core", "qwen35")).map((name) => path.join(ROOT, "src", "core", "qwen35", name)),
            path.join(ROOT, "src", "cli", "render.ts"), path.join(ROOT, "src", "cli", "parseToolCalls.ts")
        ];
        for (const file of files) {
            const source = fs.readFileSync(file, "utf8");
            assert.doesNotMatch(source, /from\s+["'](node-llama-cpp|vscode)["']|import\(\s*["'](node-llama-cpp|vscode)["']/, file);
        }
    });
});

describe("the CLI bundle in a real process", function () {
    this.timeout(60_000);
    // Built here as esbuild.mjs builds dist/cli.js, so the test never depends on an earlier build step.
    const cli = path.join(ROOT, "out", "unit-cli", "cli.js");
    before(async () => {
        await esbuild.build({
            entryPoints: [path.join(ROOT, "src", "cli.ts")], outfile: cli, bundle: true, platform: "node", format: "cjs",
            target: "node20", external: ["vscode", "node-llama-cpp"], logLevel: "silent"
        });
    });

    it("renders and parses in a real process", () => {
        const stem = stems.find((name) => name.includes("several-rounds-after-query"))!;
        const render = spawnSync(process.execPath, [cli, "render"], { input: caseInput(stem), encoding: "utf8" });
        assert.equal(render.status, 0, render.stderr);
        assert.equal(render.stdout, fs.readFileSync(path.join(RENDER_CASES, `${stem}.txt`), "utf8"));

        const invalid = spawnSync(process.execPath, [cli, "render"], { input: "{\"messages\": [{\"role\": \"developer\", \"content\": \"x\"}, {\"role\": \"user\", \"content\": \"q\"}]}", encoding: "utf8" });
        assert.equal(invalid.status, 2);
        assert.equal(invalid.stdout, "");
        assert.match(invalid.stderr, /^qwen-local render: Unexpected message role\..*\n$/);

        const texts = PARSER_CASES.map((c) => c.text);
        const parse = spawnSync(process.execPath, [cli, "parse-tool-calls", "--tools", TOOLS_FILE, "--jsonl"],
            { input: texts.map((text) => JSON.stringify(text)).join("\n"), encoding: "utf8" });
        assert.equal(parse.status, 0, parse.stderr);
        assert.deepEqual(parse.stdout.trim().split("\n").map((line) => JSON.parse(line) as unknown), texts.map((text) => parseToolCalls(text, { tools: TOOLS })));
    });
});
