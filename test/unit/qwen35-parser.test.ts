import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { parseToolCalls, ToolCallStreamParser, type ToolCallParserOptions } from "../../src/core/qwen35/parser";
import { renderConversation } from "../../src/core/qwen35/render";
import type { ChatRequest, FunctionTool, ParseResult, ParserEvent, ToolCallErrorKind } from "../../src/core/qwen35/types";
import { seededRandom } from "../support/random";

const FIXTURES = path.join(__dirname, "..", "fixtures", "qwen35");
const TOOLS = JSON.parse(fs.readFileSync(path.join(FIXTURES, "tools.json"), "utf8")) as FunctionTool[];

interface GoldenCase {
    name: string;
    thinking: boolean;
    text: string;
    expected: Omit<ParseResult, "errors"> & { errors: { kind: ToolCallErrorKind; function?: string; parameter?: string; call?: number }[] };
}

const GOLDEN = JSON.parse(fs.readFileSync(path.join(FIXTURES, "parser-cases.json"), "utf8")) as GoldenCase[];

function withoutMessages(result: ParseResult): unknown {
    return { ...result, errors: result.errors.map(({ message: _message, ...rest }) => rest) };
}

/** Streams `text` in the given chunk sizes; returns the final result and everything the events carried. */
function stream(text: string, options: ToolCallParserOptions, chunkSize: (index: number) => number) {
    const parser = new ToolCallStreamParser(options);
    const events: ParserEvent[] = [];
    for (let pos = 0, index = 0; pos < text.length; index++) {
        const size = Math.max(1, chunkSize(index));
        events.push(...parser.push(text.slice(pos, pos + size)));
        pos += size;
    }
    events.push(...parser.flush());
    const result = parser.end();
    const fromEvents = {
        reasoning: events.flatMap((e) => e.type === "reasoning" ? [e.text] : []).join(""),
        content: events.flatMap((e) => e.type === "content" ? [e.text] : []).join(""),
        tool_calls: events.flatMap((e) => e.type === "toolCall" ? [e.call] : []),
        errors: events.flatMap((e) => e.type === "error" ? [e.error] : [])
    };
    return { result, fromEvents, events };
}


describe("qwen35 parser: golden cases", () => {
    it("covers every error kind", () => {
        const kinds = new Set(GOLDEN.flatMap((c) => c.expected.errors.map((e) => e.kind)));
        const all: ToolCallErrorKind[] = ["unknown_function", "unknown_parameter", "missing_parameter", "invalid_value", "truncated", "malformed"];
        assert.deepEqual([...kinds].sort(), [...all].sort());
    });

    for (const golden of GOLDEN) {
        it(golden.name, () => {
            const options = { tools: TOOLS, startInReasoning: golden.thinking };
            const result = parseToolCalls(golden.text, options);
            assert.deepEqual(withoutMessages(result), golden.expected);
            for (const error of result.errors) {
                assert.ok(!error.message.includes("\n"), "one line");
                if (error.function) assert.ok(error.message.includes(`"${error.function}"`), error.message);
                if (error.parameter) assert.ok(error.message.includes(`"${error.parameter}"`), error.message);
            }
            // The same result however the text is cut, and the events add up to it.
            for (const chunkSize of [() => 1, () => 2, () => 7, (i: number) => 1 + (i * 7919) % 13]) {
                const { result: streamed, fromEvents } = stream(golden.text, options, chunkSize);
                assert.deepEqual(streamed, result);
                assert.deepEqual(fromEvents, result);
            }
        });
    }
});

describe("qwen35 parser: messages for the model", () => {
    const errorOf = (text: string) => parseToolCalls(text, { tools: TOOLS }).errors[0].message;

    it("say what is wrong and what is expected", () => {
        assert.match(errorOf("<tool_call>\n<function=reed_file>\n</function>\n</tool_call>"),
            /Unknown function "reed_file"\. Available functions: read_file, write_file, search, set_mode, get_time\./);
        assert.match(errorOf("<tool_call>\n<function=read_file>\n<parameter=path>\na\n</parameter>\n<parameter=pth>\nb\n</parameter>\n</function>\n</tool_call>"),
            /Function "read_file" has no parameter "pth"\. Its parameters are: path, start_line, end_line\./);
        assert.match(errorOf("<tool_call>\n<function=write_file>\n<parameter=path>\na\n</parameter>\n</function>\n</tool_call>"),
            /requires the parameter "content"/);
        assert.match(errorOf("<tool_call>\n<function=read_file>\n<parameter=path>\na\n</parameter>\n<parameter=start_line>\nten\n</parameter>\n</function>\n</tool_call>"),
            /Parameter "start_line" of function "read_file" must be an integer, but the value was "ten"/);
        assert.match(errorOf("<tool_call>\n<function=write_file>\n<parameter=content>\nabc"), /The call to "write_file" was cut off/);
        assert.match(errorOf("<tool_call>\nnothing\n</tool_call>"), /expected <function=NAME>.*<tool_call>\\n<function=NAME>/);
        assert.match(parseToolCalls("<tool_call>\n<function=x>\n</function>\n</tool_call>").errors[0].message, /no functions are available/);
    });
});

describe("qwen35 parser: streaming", () => {
    it("emits reasoning live and holds back only a possible tag", () => {
        const parser = new ToolCallStreamParser({ tools: TOOLS, startInReasoning: true });
        assert.deepEqual(parser.push("Let me"), [{ type: "reasoning", text: "Let me" }]);
        assert.deepEqual(parser.push(" think </thi"), [{ type: "reasoning", text: " think" }]);
        assert.equal(parser.inReasoning, true);
        assert.deepEqual(parser.push("nk>\n\nAnswer"), [{ type: "content", text: "Answer" }]);
        assert.equal(parser.inReasoning, false);
        assert.deepEqual(parser.push(" <tool"), [], "whitespace and a possible <tool_call> wait");
        assert.deepEqual(parser.push("s> ok"), [{ type: "content", text: " <tools> ok" }]);
        assert.deepEqual(parser.end(), { reasoning: "Let me think", content: "Answer <tools> ok", tool_calls: [], errors: [] });
    });

    it("reports a tool call as soon as </tool_call> arrives, not before", () => {
        const text = "<tool_call>\n<function=read_file>\n<parameter=path>\na.ts\n</parameter>\n</function>\n</tool_call>";
        const parser = new ToolCallStreamParser({ tools: TOOLS });
        assert.deepEqual(parser.push(text.slice(0, -1)), []);
        assert.deepEqual(parser.push(">"), [{ type: "toolCall", call: { name: "read_file", arguments: { path: "a.ts" } }, index: 0 }]);
        assert.deepEqual(parser.push("\n<tool_call>\n<function=nope>\n</function>\n</tool_call>").map((e) => e.type), ["toolCall", "error"]);
        assert.deepEqual(parser.flush(), []);
    });

    it("reports a truncated call at the end of the stream", () => {
        const parser = new ToolCallStreamParser({ tools: TOOLS });
        assert.deepEqual(parser.push("<tool_call>\n<function=write_file>\n<parameter=content>\npartial"), []);
        const events = parser.flush();
        assert.equal(events.length, 1);
        assert.equal(events[0].type === "error" && events[0].error.kind, "truncated");
        assert.deepEqual(parser.push("more"), [], "nothing after the end");
        assert.equal(parser.end().tool_calls.length, 0);
    });

    it("starts in reasoning only when told to", () => {
        assert.deepEqual(parseToolCalls("abc</think>def", { startInReasoning: true }), { reasoning: "abc", content: "def", tool_calls: [], errors: [] });
        assert.deepEqual(parseToolCalls("abc</think>def"), { reasoning: "", content: "abc</think>def", tool_calls: [], errors: [] });
        assert.deepEqual(parseToolCalls("  <thi").content, "<thi");
    });
});

describe("qwen35 parser: round trip with the renderer", () => {
    it("parses the template's own rendering of calls back to the same arguments", () => {
        const calls = [
            { name: "read_file", arguments: { path: "src/a b.ts", start_line: 3, end_line: 40 } },
            { name: "write_file", arguments: { path: "x.md", content: "\n# Title\n\n  indented </parameter> text\n<tool_response>\n\n" } },
            { name: "search", arguments: { query: "a\"b", max_results: 0, case_sensitive: false, include: ["*.ts", "é/中"], options: { regex: true }, threshold: 0.5 } },
            { name: "set_mode", arguments: { mode: "slow", level: null, value: "v", anything: [1, { a: "b" }] } },
            { name: "get_time", arguments: {} }
        ];
        const request: ChatRequest = {
            messages: [{ role: "user", content: "go" }, { role: "assistant", content: "Working.", reasoning_content: "Plan.", tool_calls: calls.map((fn) => ({ type: "function", function: fn })) }],
            tools: TOOLS
        };
        const prompt = renderConversation(request);
        const generated = prompt.slice(prompt.lastIndexOf("<|im_start|>assistant\n<think>\n") + "<|im_start|>assistant\n<think>\n".length, prompt.lastIndexOf("<|im_end|>"));
        const result = parseToolCalls(generated, { tools: TOOLS, startInReasoning: true });
        assert.deepEqual(result, { reasoning: "Plan.", content: "Working.", tool_calls: calls, errors: [] });
    });
});

describe("qwen35 parser: robustness", () => {
    it("accepts odd tool definitions without throwing", () => {
        const odd = [null, 3, "x", {}, { function: null }, { name: "bare", parameters: { properties: { n: { type: "integer" } } } },
            { function: { name: "weird", parameters: { type: "object", properties: [], required: "path" } } },
            { function: { name: "typeless", parameters: { properties: { t: { type: 5 }, u: true } } } }] as unknown as FunctionTool[];
        // A schema without a usable type admits any value: it is read as JSON when it parses.
        const text = "<tool_call>\n<function=bare>\n<parameter=n>\n4\n</parameter>\n</function>\n</tool_call>"
            + "<tool_call>\n<function=weird>\n<parameter=a>\n1\n</parameter>\n</function>\n</tool_call>"
            + "<tool_call>\n<function=typeless>\n<parameter=t>\n1\n</parameter>\n<parameter=u>\n[2]\n</parameter>\n</function>\n</tool_call>";
        const result = parseToolCalls(text, { tools: odd });
        assert.deepEqual(result.tool_calls, [{ name: "bare", arguments: { n: 4 } }, { name: "weird", arguments: { a: "1" } }, { name: "typeless", arguments: { t: 1, u: [2] } }]);
        assert.deepEqual(result.errors.map((e) => e.kind), ["unknown_parameter"]);
    });

    it("keeps a parameter named __proto__ as data", () => {
        // JSON.parse makes "__proto__" an own property, as a tools file would.
        const tools = JSON.parse('[{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {"__proto__": {"type": "object"}}}}}]') as FunctionTool[];
        const result = parseToolCalls("<tool_call>\n<function=f>\n<parameter=__proto__>\n{\"polluted\": true}\n</parameter>\n</function>\n</tool_call>", { tools });
        const args = result.tool_calls[0].arguments;
        assert.equal(Object.getPrototypeOf(args), Object.prototype);
        assert.equal(({} as Record<string, unknown>).polluted, undefined);
        assert.equal(JSON.stringify(args), "{\"__proto__\":{\"polluted\":true}}");
    });

    it("fuzz: mutated real outputs never throw or hang, and chunking never changes the result", function () {
        this.timeout(60000);
        const next = seededRandom(35);
        const corpus = GOLDEN.map((c) => c.text);
        const fragments = ["<tool_call>", "</tool_call>", "<function=", "</function>", "<parameter=", "</parameter>", "<think>",
            "</think>", ">", "<", "\n", "{", "}", "\"", "read_file>", "path>", "{\"name\": \"read_file\", \"arguments\": {", "é", "\u2028", "\r\n"];
        const mutate = (text: string): string => {
            const at = Math.floor(next() * (text.length + 1));
            const span = Math.floor(next() * 20);
            switch (Math.floor(next() * 6)) {
                case 0: return text.slice(0, at) + text.slice(at + span);
                case 1: return text.slice(0, at) + text.slice(at, at + span).repeat(2) + text.slice(at + span);
                case 2: return text.slice(0, at) + fragments[Math.floor(next() * fragments.length)] + text.slice(at);
                case 3: return text.slice(0, at);
                case 4: return text.slice(at) + text.slice(0, at);
                default: return text.slice(0, at) + String.fromCharCode(Math.floor(next() * 0x3000)) + text.slice(at + 1);
            }
        };
        let slowest = 0;
        for (let iteration = 0; iteration < 3000; iteration++) {
            let text = corpus[Math.floor(next() * corpus.length)];
            for (let count = 1 + Math.floor(next() * 4); count > 0; count--) text = mutate(text);
            const options = { tools: TOOLS, startInReasoning: next() < 0.5 };
            const started = process.hrtime.bigint();
            const whole = parseToolCalls(text, options);
            const chunked = stream(text, options, () => 1 + Math.floor(next() * 9));
            slowest = Math.max(slowest, Number(process.hrtime.bigint() - started) / 1e6);
            assert.deepEqual(chunked.result, whole, JSON.stringify(text));
            assert.deepEqual(chunked.fromEvents, whole, JSON.stringify(text));
            assert.equal(typeof whole.reasoning, "string");
            assert.equal(typeof whole.content, "string");
            for (const call of whole.tool_calls) assert.equal(typeof call.name, "string");
            for (const error of whole.errors) assert.ok(error.message.length > 0 && (error.call === undefined || error.call < whole.tool_calls.length));
        }
        assert.ok(slowest < 500, `slowest case took ${slowest} ms`);
    });
});

describe("qwen35 parser: linear time", () => {
    const MB = 1 << 20;
    const line = "const value = compute(a, b) < limit ? </parameter> x : y; // <tag> \n";
    const body = line.repeat(Math.ceil(MB / line.length)).slice(0, MB);
    const shapes: [string, string, boolean][] = [
        ["1 MB of reasoning", "r".repeat(MB - 20) + "\n</think>\n\nok", true],
        ["1 MB of content full of '<'", "<".repeat(MB), false],
        ["1 MB parameter value", `<tool_call>\n<function=write_file>\n<parameter=path>\na\n</parameter>\n<parameter=content>\n${body}\n</parameter>\n</function>\n</tool_call>`, false],
        ["10,000 small calls", "<tool_call>\n<function=read_file>\n<parameter=path>\nsrc/file.ts\n</parameter>\n</function>\n</tool_call>\n".repeat(10000), false],
        ["1 MB unterminated call", `<tool_call>\n<function=write_file>\n<parameter=content>\n${body}`, false],
        ["1 MB of whitespace", " \n".repeat(MB / 2), false],
        ["1 MB Hermes JSON", `<tool_call>{"name": "write_file", "arguments": {"path": "a", "content": ${JSON.stringify(body)}}}</tool_call>`, false]
    ];
    for (const [name, text, thinking] of shapes) {
        it(`parses ${name} in well under a second, whole or in 16-character chunks`, () => {
            const options = { tools: TOOLS, startInReasoning: thinking };
            // The best of two runs, so that a busy machine does not fail the test.
            const time = <T>(run: () => T): [T, number] => {
                let best = Infinity;
                let value: T | undefined;
                for (let attempt = 0; attempt < 2; attempt++) {
                    const started = process.hrtime.bigint();
                    value = run();
                    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e6);
                }
                return [value!, best];
            };
            const [whole, wholeMs] = time(() => parseToolCalls(text, options));
            const [{ result }, chunkedMs] = time(() => stream(text, options, () => 16));
            assert.deepEqual(result, whole);
            assert.ok(wholeMs < 500 && chunkedMs < 1000, `whole ${wholeMs.toFixed(1)} ms, chunked ${chunkedMs.toFixed(1)} ms`);
            if (process.env.QWEN35_TIMING) console.log(`      ${name}: whole ${wholeMs.toFixed(1)} ms, 16-char chunks ${chunkedMs.toFixed(1)} ms`);
        });
    }
});
