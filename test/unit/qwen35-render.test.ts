import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import {
    parsePythonJson, PyFloat, pyFloatRepr, pyGet, pyJsonDumps, PythonJsonError, pyRepr, pyStr, pyStrip
} from "../../src/core/qwen35/pythonFormat";
import { renderConversation, renderConversationSegments, TemplateError } from "../../src/core/qwen35/render";
import { resolveSampling, SAMPLING_PRESETS, samplingModeFor, samplingOverrideProblems } from "../../src/core/qwen35/sampling";
import {
    BUDGET_EXHAUSTED_SENTENCE, closeThinking, generationPrefill, isThinkingEnabled, ThoughtBudget
} from "../../src/core/qwen35/thinking";
import type { ChatMessage, ChatRequest, FunctionTool, TextContentPart } from "../../src/core/qwen35/types";
import { seededRandom } from "../support/random";

const FIXTURES = path.join(__dirname, "..", "fixtures", "qwen35");
const RENDER_CASES = path.join(FIXTURES, "render");
const TEMPLATE_SOURCE = fs.readFileSync(path.join(FIXTURES, "chat_template.fixed.jinja"), "utf8");
// @huggingface/jinja ships ESM typings; its CommonJS build is what this CommonJS test loads.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Template } = require("@huggingface/jinja") as { Template: new (source: string) => { render(items: Record<string, unknown>): string } };
const oracle = new Template(TEMPLATE_SOURCE);

interface RenderCase {
    stem: string;
    description: string;
    /** The case as Python's json.loads sees it (Maps, PyFloat) — what the renderer must reproduce. */
    pythonInput: unknown;
    /** The case as JSON.parse sees it — all @huggingface/jinja can be given. */
    jsInput: Record<string, unknown>;
    jinjaDiffers?: string;
    expected: { prompt: string } | { error: string };
}

function loadRenderCases(): RenderCase[] {
    return fs.readdirSync(RENDER_CASES).filter((name) => name.endsWith(".json")).sort().map((name) => {
        const stem = name.slice(0, -".json".length);
        const text = fs.readFileSync(path.join(RENDER_CASES, name), "utf8");
        const fixture = JSON.parse(text) as { description: string; input: Record<string, unknown>; jinja_differs?: string };
        const promptFile = path.join(RENDER_CASES, `${stem}.txt`);
        const expected = fs.existsSync(promptFile)
            ? { prompt: fs.readFileSync(promptFile, "utf8") }
            : { error: fs.readFileSync(path.join(RENDER_CASES, `${stem}.error.txt`), "utf8") };
        return {
            stem, description: fixture.description, jsInput: fixture.input, jinjaDiffers: fixture.jinja_differs, expected,
            pythonInput: pyGet(parsePythonJson(text), "input")
        };
    });
}

/** The template through @huggingface/jinja, after llama.cpp's preprocessing (JSON-string arguments parsed). */
function renderWithOracle(input: Record<string, unknown>): string {
    const data = JSON.parse(JSON.stringify(input)) as Record<string, unknown>;
    for (const message of Array.isArray(data.messages) ? data.messages as Record<string, unknown>[] : []) {
        for (const call of Array.isArray(message?.tool_calls) ? message.tool_calls as Record<string, unknown>[] : []) {
            const target = (call && "function" in call ? call.function : call) as Record<string, unknown> | null;
            if (target && typeof target.arguments === "string") target.arguments = JSON.parse(target.arguments);
        }
    }
    return oracle.render({ ...data, add_generation_prompt: data.add_generation_prompt ?? false });
}

function attempt(render: () => string): { prompt: string } | { error: unknown } {
    try {
        return { prompt: render() };
    } catch (error) {
        return { error };
    }
}

describe("qwen35 render: differential against the template", () => {
    const cases = loadRenderCases();

    it("has at least 60 conversations, successes and errors", () => {
        assert.ok(cases.length >= 60, `only ${cases.length} cases`);
        assert.ok(cases.filter((c) => "prompt" in c.expected).length >= 60);
        assert.ok(cases.filter((c) => "error" in c.expected).length >= 8);
    });

    it("checks against the template the fixtures' README records (its SHA-256), so a change to it is deliberate", () => {
        const readme = fs.readFileSync(path.join(FIXTURES, "README.md"), "utf8");
        const recorded = /chat_template\.fixed\.jinja` SHA-256: `([0-9a-f]{64})`/.exec(readme)?.[1];
        assert.ok(recorded, "test/fixtures/qwen35/README.md records the template's SHA-256");
        assert.equal(crypto.createHash("sha256").update(TEMPLATE_SOURCE).digest("hex"), recorded);
    });

    for (const testCase of cases) {
        describe(`${testCase.stem}: ${testCase.description}`, () => {
            if ("prompt" in testCase.expected) {
                const expectedPrompt = testCase.expected.prompt;
                // The goldens are Python jinja2's output (generate_render_fixtures.py, configured as transformers
                // configures it), i.e. the Python-correct expectation also where @huggingface/jinja differs.
                it("renders byte-identical to Python jinja2", () => {
                    assert.equal(renderConversation(testCase.pythonInput as ChatRequest), expectedPrompt);
                });
                if (testCase.jinjaDiffers) {
                    it(`differs from @huggingface/jinja as noted: ${testCase.jinjaDiffers}`, () => {
                        const jinja = attempt(() => renderWithOracle(testCase.jsInput));
                        assert.ok(!("prompt" in jinja) || jinja.prompt !== expectedPrompt,
                            "@huggingface/jinja now agrees with Python: drop the jinja_differs note");
                    });
                } else {
                    it("equals @huggingface/jinja's rendering", () => {
                        assert.equal(renderWithOracle(testCase.jsInput), expectedPrompt);
                    });
                }
                it("segments concatenate to the prompt, with alternating flags", () => {
                    const segments = renderConversationSegments(testCase.pythonInput as ChatRequest);
                    assert.equal(segments.map((s) => s.text).join(""), expectedPrompt);
                    segments.forEach((segment, index) => {
                        assert.notEqual(segment.text, "");
                        if (index > 0) assert.notEqual(segment.special, segments[index - 1].special);
                    });
                });
            } else {
                const pythonError = testCase.expected.error;
                it(`fails as Python does (${pythonError})`, () => {
                    assert.throws(() => renderConversation(testCase.pythonInput as ChatRequest), (error: unknown) => {
                        assert.ok(error instanceof TemplateError);
                        assert.ok(!error.message.includes("\n"), "one line");
                        // Errors the template raises keep its words; Python's own errors are reworded.
                        if (pythonError.startsWith("TemplateError: ")) {
                            assert.ok(error.message.startsWith(pythonError.slice("TemplateError: ".length)), error.message);
                        }
                        return true;
                    });
                    assert.throws(() => renderWithOracle(testCase.jsInput));
                });
            }
        });
    }
});

// ---------------------------------------------------------------------------------------------------------------


/**
 * Random conversations within what @huggingface/jinja renders as Python does: no floats, booleans or None in
 * arguments, no exotic whitespace, no integer-like keys, and no whitespace right after a `</think>` in content.
 */
function randomConversation(next: () => number): ChatRequest {
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
    const words = ["fix", "the", "bug", "in", "src/a.ts", "é", "中文", "\"quoted\"", "it's", "a/b", "{x}", "<tag>",
        "<tool_call>", "<|im_end|>", "line\nbreak", "\ttab", "  ", "\n\n", "🎉", "x=1;", "\\n", "</tool_response>"];
    const text = (max: number): string => Array.from({ length: Math.floor(next() * max) }, () => pick(words)).join(pick([" ", "", "\n"]));
    const content = (): string | TextContentPart[] | null => next() < 0.2
        ? Array.from({ length: 1 + Math.floor(next() * 3) }, () => ({ type: "text" as const, text: text(5) }))
        : next() < 0.05 ? null : text(12);
    const value = (depth: number): unknown => {
        const kind = Math.floor(next() * (depth > 1 ? 3 : 5));
        if (kind === 0) return text(6);
        if (kind === 1) return Math.floor(next() * 2000) - 1000;
        if (kind === 2) return pick(["", "\nleading and trailing\n", "multi\nline\n  indented"]);
        if (kind === 3) return Array.from({ length: Math.floor(next() * 3) }, () => value(depth + 1));
        return Object.fromEntries(Array.from({ length: Math.floor(next() * 3) }, (_, i) => [`k${i}_${pick(["a", "b"])}`, value(depth + 1)]));
    };
    const toolNames = ["read_file", "write_file", "search", "run"];
    const tools: FunctionTool[] = toolNames.map((name) => ({
        type: "function", function: { name, description: text(6), parameters: {
            type: "object", properties: { p: { type: "string", description: text(3) }, q: { type: "integer" } }, required: ["p"]
        } }
    }));
    const messages: ChatMessage[] = [];
    if (next() < 0.5) messages.push({ role: "system", content: content() });
    const turns = 1 + Math.floor(next() * 3);
    for (let turn = 0; turn < turns; turn++) {
        messages.push({ role: "user", content: content() ?? "q" });
        const rounds = Math.floor(next() * 3);
        for (let round = 0; round < rounds; round++) {
            const calls = Array.from({ length: 1 + Math.floor(next() * 3) }, () => {
                const args = Object.fromEntries(Array.from({ length: Math.floor(next() * 4) }, (_, i) => [`arg_${i}`, value(0)]));
                const fn = { name: pick(toolNames), arguments: next() < 0.3 ? JSON.stringify(args) : args };
                return next() < 0.7 ? { type: "function" as const, function: fn } : fn;
            });
            const reasoning = next() < 0.5 ? { reasoning_content: text(6) } : {};
            const prose = next() < 0.3 ? `<think>${text(4)}</think>${pick(["ok", "x"])}${text(4)}` : text(5);
            messages.push({ role: "assistant", content: prose, tool_calls: calls, ...reasoning });
            for (let i = 0; i < calls.length; i++) messages.push({ role: "tool", content: content() });
        }
        if (next() < 0.7) messages.push({ role: "assistant", content: text(8), ...(next() < 0.5 ? { reasoning_content: text(5) } : {}) });
    }
    const request: ChatRequest = { messages };
    if (next() < 0.6) request.tools = tools.slice(0, 1 + Math.floor(next() * tools.length));
    if (next() < 0.7) request.add_generation_prompt = next() < 0.8;
    if (next() < 0.5) request.enable_thinking = next() < 0.5;
    return request;
}

describe("qwen35 render: random conversations against @huggingface/jinja", () => {
    it("renders 300 random conversations exactly as the template does", () => {
        const next = seededRandom(3535);
        let rendered = 0;
        for (let index = 0; index < 300; index++) {
            const request = randomConversation(next);
            const ours = attempt(() => renderConversation(request));
            const theirs = attempt(() => renderWithOracle(request as unknown as Record<string, unknown>));
            const where = `conversation ${index}: ${JSON.stringify(request).slice(0, 400)}`;
            assert.equal("prompt" in ours, "prompt" in theirs, where);
            if ("prompt" in ours && "prompt" in theirs) {
                assert.equal(ours.prompt, theirs.prompt, where);
                rendered++;
            }
        }
        assert.ok(rendered > 250, `only ${rendered} rendered`);
    });
});

// ---------------------------------------------------------------------------------------------------------------

describe("qwen35 render: behaviour", () => {
    const read: FunctionTool = {
        type: "function",
        function: { name: "read_file", parameters: { type: "object", properties: { path: { type: "string" } } } }
    };

    it("defaults: no generation prompt; thinking on unless enable_thinking is exactly false", () => {
        const messages: ChatMessage[] = [{ role: "user", content: "hi" }];
        assert.equal(renderConversation({ messages }), "<|im_start|>user\nhi<|im_end|>\n");
        const on = "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n<think>\n";
        assert.equal(renderConversation({ messages, add_generation_prompt: true }), on);
        assert.equal(renderConversation({ messages, add_generation_prompt: true, enable_thinking: true }), on);
        // Python's `is false` holds only for False itself.
        assert.equal(renderConversation({ messages, add_generation_prompt: true, enable_thinking: 0 as unknown as boolean }), on);
        assert.equal(renderConversation({ messages, add_generation_prompt: true, enable_thinking: false }),
            "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
    });

    it("marks only the template's own text as special", () => {
        // Every piece of data carries a marker: no special segment may contain one.
        const request: ChatRequest = {
            messages: [
                { role: "system", content: "§sys <|im_start|>" },
                { role: "user", content: [{ type: "text", text: "§user <think>" }] },
                {
                    role: "assistant", content: "§content", reasoning_content: "§reasoning </think>",
                    tool_calls: [{ type: "function", function: { name: "§read_file", arguments: { "§path": "§<tool_call>", "§n": 1 } } }]
                },
                { role: "tool", content: "§</tool_response><|im_end|>" }
            ],
            tools: [{ type: "function", function: { name: "§tool", description: "<tools>" } }],
            add_generation_prompt: true
        };
        const segments = renderConversationSegments(request);
        for (const segment of segments.filter((s) => s.special)) assert.ok(!segment.text.includes("§"), JSON.stringify(segment));
        const untrusted = segments.filter((s) => !s.special).map((s) => s.text);
        for (const marker of ["§sys <|im_start|>", "§user <think>", "§reasoning </think>", "§<tool_call>", "§</tool_response><|im_end|>", "§read_file", "§path"]) {
            assert.ok(untrusted.some((text) => text.includes(marker)), marker);
        }
        assert.equal(segments.map((s) => s.text).join(""), renderConversation(request));
    });

    it("plain JS objects render their numbers as JS sees them (1.0 is 1); PyFloat and Maps keep Python's view", () => {
        const call = (args: unknown): ChatRequest => ({
            messages: [{ role: "user", content: "q" }, { role: "assistant", content: "", tool_calls: [{ name: "f", arguments: args as Record<string, unknown> }] }]
        });
        assert.match(renderConversation(call({ x: 1.0, y: 2.5 })), /<parameter=x>\n1\n<\/parameter>\n<parameter=y>\n2\.5\n/);
        assert.match(renderConversation(call({ x: new PyFloat(1) })), /<parameter=x>\n1\.0\n/);
        assert.match(renderConversation(call(new Map([["2", "b"], ["1", "a"]]))), /<parameter=2>\nb\n<\/parameter>\n<parameter=1>\na\n/);
        assert.match(renderConversation(call('{"2": "b", "1": 1.0}')), /<parameter=2>\nb\n<\/parameter>\n<parameter=1>\n1\.0\n/);
        assert.match(renderConversation(call({ big: 2 ** 70, flag: false, none: null })), /\n1180591620717411303424\n[\s\S]*\nFalse\n[\s\S]*\nNone\n/);
    });

    it("renders tools given as plain objects in their key order", () => {
        const prompt = renderConversation({ messages: [{ role: "user", content: "q" }], tools: [read] });
        assert.ok(prompt.includes('\n{"type": "function", "function": {"name": "read_file", "parameters": {"type": "object", "properties": {"path": {"type": "string"}}}}}\n</tools>'));
    });

    it("reports errors on one line, naming the message", () => {
        const cases: [unknown, RegExp][] = [
            [{ messages: [] }, /^No messages provided\.$/],
            [{}, /^No messages provided\.$/],
            [{ messages: "hi" }, /messages must be a list/],
            [{ messages: [{ role: "tool", content: "x" }] }, /^No user query found in messages\.$/],
            [{ messages: [{ role: "user", content: "q" }, { role: "system", content: "s" }] }, /^System message must be at the beginning\..*messages\[1\]/],
            [{ messages: [{ role: "user", content: "q" }, { role: "developer", content: "d" }] }, /^Unexpected message role\..*"developer"/],
            [{ messages: [{ role: "user", content: "q" }, { role: "assistant", tool_calls: [{ function: { name: 3 } }] }] }, /name must be a string/],
            [{ messages: [{ role: "user", content: "q" }, { role: "assistant", tool_calls: [{ function: { name: "f", arguments: "{" } }] }] }, /not valid JSON/]
        ];
        for (const [input, pattern] of cases) {
            assert.throws(() => renderConversation(input as ChatRequest), (error: unknown) =>
                error instanceof TemplateError && pattern.test(error.message) && !error.message.includes("\n"));
        }
    });
});

describe("qwen35 pythonFormat", () => {
    it("formats floats as Python's repr for 400 random doubles", () => {
        const table = JSON.parse(fs.readFileSync(path.join(FIXTURES, "python-float-repr.json"), "utf8")) as { rows: [string, string][] };
        assert.ok(table.rows.length > 350);
        for (const [hex, expected] of table.rows) {
            const value = Buffer.from(hex, "hex").readDoubleBE(0);
            assert.equal(pyFloatRepr(value), expected, hex);
        }
    });

    it("formats edge floats like Python", () => {
        // Values and expectations from Python 3.11: repr(x) and json.dumps(x).
        const table: [number, string, string][] = [
            [0, "0.0", "0.0"], [-0, "-0.0", "-0.0"], [1, "1.0", "1.0"], [2.5, "2.5", "2.5"], [1e-5, "1e-05", "1e-05"],
            [0.0001, "0.0001", "0.0001"], [1e16, "1e+16", "1e+16"], [1e15, "1000000000000000.0", "1000000000000000.0"],
            [12345678901234567, "1.2345678901234568e+16", "1.2345678901234568e+16"], [5e-324, "5e-324", "5e-324"],
            [-1.5e-10, "-1.5e-10", "-1.5e-10"], [1e21, "1e+21", "1e+21"], [Infinity, "inf", "Infinity"],
            [-Infinity, "-inf", "-Infinity"], [NaN, "nan", "NaN"], [2 / 3, "0.6666666666666666", "0.6666666666666666"]
        ];
        for (const [value, repr, json] of table) {
            assert.equal(pyRepr(new PyFloat(value)), repr);
            assert.equal(pyJsonDumps(new PyFloat(value)), json);
        }
        assert.equal(pyStr(1e21), "1000000000000000000000", "a JS integer is a Python int");
        assert.equal(pyStr(-0), "0");
    });

    it("dumps JSON as json.dumps(ensure_ascii=False)", () => {
        const value = new Map<string, unknown>([
            ["a", "é\u0001\u001f\u007f\u2028/\"\\\b\f\n\r\t"], ["k", [1, new PyFloat(2), null, true, new Map()]], ["", []]
        ]);
        assert.equal(pyJsonDumps(value), "{\"a\": \"é\\u0001\\u001f\u007f\u2028/\\\"\\\\\\b\\f\\n\\r\\t\", \"k\": [1, 2.0, null, true, {}], \"\": []}");
        assert.equal(pyJsonDumps("\ud800"), "\"\ud800\"", "lone surrogates are not escaped");
        assert.equal(pyJsonDumps({ skipped: undefined, kept: 1 }), "{\"kept\": 1}");
    });

    it("prints str() of containers with Python's repr", () => {
        const value = ["a", "it's", "x\"y", "both'\"", "é\u0085\u00a0\u200b😀\n\u0000\u007f", 1, new PyFloat(2), null, true, new Map([["k", 1e-5]])];
        assert.equal(pyStr(value), "['a', \"it's\", 'x\"y', 'both\\'\"', 'é\\x85\\xa0\\u200b😀\\n\\x00\\x7f', 1, 2.0, None, True, {'k': 1e-05}]");
    });

    it("strips Python whitespace, not JS whitespace", () => {
        assert.equal(pyStrip("\u001c\u0085\u3000 x \u00a0\u2029"), "x");
        assert.equal(pyStrip("\ufeffx\u200b"), "\ufeffx\u200b");
    });

    it("parses JSON as json.loads", () => {
        const value = parsePythonJson(' {"b": 1, "2": 2, "a": 3, "b": 4, "f": 1.0, "e": 1e2, "big": 12345678901234567890, "n": NaN, "s": "\\ud83d\\ude00\\/"} ') as Map<string, unknown>;
        assert.deepEqual([...value.keys()], ["b", "2", "a", "f", "e", "big", "n", "s"]);
        assert.equal(value.get("b"), 4);
        assert.ok(value.get("f") instanceof PyFloat);
        assert.equal(pyStr(value.get("e")), "100.0");
        assert.equal(value.get("big"), 12345678901234567890n);
        assert.ok(Number.isNaN(value.get("n")));
        assert.equal(value.get("s"), "😀/");
        for (const bad of ["", "{", "[1,]", "{'a': 1}", "\"a\u0001\"", "01", "1 2", "{\"a\" 1}", "tru"]) {
            assert.throws(() => parsePythonJson(bad), PythonJsonError, bad);
        }
        assert.throws(() => parsePythonJson("[".repeat(5000)), PythonJsonError);
    });
});

describe("qwen35 thinking", () => {
    it("prefills as the template does", () => {
        assert.equal(generationPrefill(true), "<think>\n");
        assert.equal(generationPrefill(false), "<think>\n\n</think>\n\n");
        assert.equal(isThinkingEnabled(true), true);
        assert.equal(isThinkingEnabled(true, 0), false);
        assert.equal(isThinkingEnabled(false, 100), false);
    });

    it("closes thinking with a sentence and the template's </think> block", () => {
        const close = closeThinking("so the answer is 4");
        assert.equal(close.text, `\n\n${BUDGET_EXHAUSTED_SENTENCE}\n</think>\n\n`);
        assert.deepEqual(close.segments.map((s) => s.special), [false, true]);
        assert.equal(close.segments[1].text, "\n</think>\n\n");
        assert.equal(closeThinking("line\n").text.startsWith(`\n${BUDGET_EXHAUSTED_SENTENCE}`), true);
        assert.equal(closeThinking("para\n\n").text.startsWith(BUDGET_EXHAUSTED_SENTENCE), true);
    });

    it("waits for a natural break within the grace tokens, then forces the close once", () => {
        const budget = new ThoughtBudget({ budgetTokens: 10, graceTokens: 5 });
        assert.equal(budget.check(9, "Thinking."), undefined, "under budget");
        assert.equal(budget.check(10, "Thinking about the mid"), undefined, "mid-sentence: wait");
        assert.equal(budget.check(12, "Thinking about the middle"), undefined);
        const close = budget.check(15, "Thinking about the middle of it");
        assert.ok(close?.text.includes("</think>"));
        assert.equal(budget.isClosed, true);
        assert.equal(budget.check(16, "x"), undefined, "only once");
        assert.ok(new ThoughtBudget({ budgetTokens: 10 }).check(10, "A sentence ended.")?.text.includes("</think>"));
        assert.ok(new ThoughtBudget({ budgetTokens: 10 }).check(10, "a line\n"));
        assert.equal(new ThoughtBudget({}).check(1e9, "x."), undefined, "no budget, no close");
    });
});

describe("qwen35 sampling", () => {
    it("has the model card's presets", () => {
        assert.deepEqual(SAMPLING_PRESETS.thinking, { temperature: 0.6, topP: 0.95, topK: 20, minP: 0, presencePenalty: 0 });
        assert.deepEqual(SAMPLING_PRESETS["non-thinking"], { temperature: 0.7, topP: 0.8, topK: 20, minP: 0, presencePenalty: 1.5 });
        assert.deepEqual(SAMPLING_PRESETS["thinking-general"], { temperature: 1.0, topP: 0.95, topK: 20, minP: 0, presencePenalty: 1.5 });
        assert.equal(samplingModeFor(true), "thinking");
        assert.equal(samplingModeFor(false), "non-thinking");
    });

    it("applies valid overrides and ignores invalid ones with a reason", () => {
        const overrides = { temperature: 0.2, topK: 40.5, topP: 0, minP: null, presencePenalty: 1 };
        assert.deepEqual(resolveSampling("non-thinking", overrides), { temperature: 0.2, topP: 0.8, topK: 20, minP: 0, presencePenalty: 1 });
        const problems = samplingOverrideProblems(overrides);
        assert.equal(problems.length, 2);
        assert.match(problems.join(" "), /topK = 40\.5/);
        assert.match(problems.join(" "), /topP = 0/);
        assert.deepEqual(resolveSampling("thinking"), SAMPLING_PRESETS.thinking);
        assert.notEqual(resolveSampling("thinking"), SAMPLING_PRESETS.thinking, "a copy, not the frozen preset");
    });
});
