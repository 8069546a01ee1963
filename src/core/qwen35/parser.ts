/**
 * Parses what Qwen3.5 generates after the generation prompt, as it streams: reasoning, answer text and tool calls.
 *
 * Formats: the native XML call the template teaches
 *     <tool_call>\n<function=NAME>\n<parameter=P>\nVALUE\n</parameter>\n</function>\n</tool_call>
 * and, as a fallback, Hermes JSON inside the same tags: `<tool_call>{"name": ..., "arguments": {...}}</tool_call>`.
 * Reasoning ends at `</think>` or, as llama.cpp also accepts, at a `<tool_call>` opened inside the thinking.
 *
 * The parser never throws and runs in linear time: reasoning and content are emitted as they arrive (only a
 * possible partial tag is held back), a call body is scanned once for its end, and each call is parsed once.
 * The result does not depend on how the text is split into chunks.
 */
import { isPyWhitespace, pyLstrip } from "./pythonFormat";
import type {
    FunctionTool, JsonSchema, ParsedToolCall, ParseResult, ParserEvent, ToolCallError, ToolCallErrorKind
} from "./types";
import { isObject } from "../util/isObject";

export interface ToolCallParserOptions {
    /** The tools offered in the prompt (OpenAI function tools; the bare `{name, parameters}` form is accepted). */
    tools?: readonly (FunctionTool | { name: string; parameters?: JsonSchema })[] | null;
    /** True when the prompt ended in `<think>\n`: the text starts inside the reasoning. */
    startInReasoning?: boolean;
}

/** The tags of the model's own output (reasoning and tool calls); the renderer replays them as tags. */
export const THINK_OPEN = "<think>";
export const THINK_CLOSE = "</think>";
export const CALL_OPEN = "<tool_call>";
export const CALL_CLOSE = "</tool_call>";
export const FUNCTION_OPEN = "<function=";
export const FUNCTION_CLOSE = "</function>";
export const PARAMETER_OPEN = "<parameter=";
export const PARAMETER_CLOSE = "</parameter>";
const FORMAT_REMINDER = "Write each call as <tool_call>\\n<function=NAME>\\n<parameter=PARAM>\\nvalue\\n</parameter>\\n"
    + "</function>\\n</tool_call>.";

type Mode = "start" | "reasoning" | "content" | "call";

interface ToolInfo {
    name: string;
    properties: Map<string, JsonSchema>;
    required: string[];
    /** Schema for parameters not in `properties`: undefined when they are not allowed. */
    additional: JsonSchema | undefined;
}

/**
 * Streaming parser. `push()` each piece of generated text as it arrives and handle the events it returns;
 * `flush()` at the end of generation returns the last events; `end()` returns the whole result.
 *
 * Events: reasoning and content text as it streams (surrounding whitespace is held back, so the texts of all
 * events of a kind concatenate to the final value), a `toolCall` as soon as its `</tool_call>` arrives, and an
 * `error` for each problem found in a call. A call with errors is still reported when its function name was read
 * (the model needs a tool response for it) but must not be run; a truncated or malformed call is dropped.
 */
export class ToolCallStreamParser {
    private readonly tools: Map<string, ToolInfo>;
    private mode: Mode;
    /** Text not yet consumed: in reasoning/content a possible partial tag; in a call, the body's unsearched tail. */
    private buffer = "";
    /**
     * In a call: the body before `buffer`, already searched. Kept as parts because searching one growing string
     * makes V8 flatten it on every push, which is quadratic.
     */
    private callParts: string[] = [];
    private readonly reasoning = new TrimmedText();
    private readonly content = new TrimmedText();
    private readonly toolCalls: ParsedToolCall[] = [];
    private readonly errors: ToolCallError[] = [];
    private finished = false;

    constructor(options: ToolCallParserOptions = {}) {
        this.tools = indexTools(options.tools ?? []);
        this.mode = options.startInReasoning ? "reasoning" : "start";
    }

    /** True while the text being generated is reasoning (e.g. to count thought tokens for a budget). */
    get inReasoning(): boolean {
        return this.mode === "reasoning";
    }

    push(text: string): ParserEvent[] {
        if (this.finished || text === "") return [];
        this.buffer += text;
        const events: ParserEvent[] = [];
        this.drain(false, events);
        return events;
    }

    /** Ends the stream: a held partial tag becomes text, an unclosed call is reported as truncated. */
    flush(): ParserEvent[] {
        if (this.finished) return [];
        const events: ParserEvent[] = [];
        this.drain(true, events);
        this.finished = true;
        return events;
    }

    end(): ParseResult {
        this.flush();
        return {
            reasoning: this.reasoning.value,
            content: this.content.value,
            tool_calls: this.toolCalls.map((call) => ({ name: call.name, arguments: { ...call.arguments } })),
            errors: this.errors.map((error) => ({ ...error }))
        };
    }

    private drain(final: boolean, events: ParserEvent[]): void {
        for (;;) {
            switch (this.mode) {
                case "start": {
                    // Without a thinking prefill the model may still open its own <think> first. Leading
                    // whitespace is dropped as it comes (the content would drop it too), keeping this linear.
                    this.buffer = pyLstrip(this.buffer);
                    if (this.buffer.startsWith(THINK_OPEN)) {
                        this.buffer = this.buffer.slice(THINK_OPEN.length);
                        this.mode = "reasoning";
                        continue;
                    }
                    if (!final && THINK_OPEN.startsWith(this.buffer)) return;
                    this.mode = "content";
                    continue;
                }
                case "reasoning":
                case "content": {
                    const inReasoning = this.mode === "reasoning";
                    const closeAt = inReasoning ? this.buffer.indexOf(THINK_CLOSE) : -1;
                    const callAt = this.buffer.indexOf(CALL_OPEN);
                    const channel = inReasoning ? this.reasoning : this.content;
                    if (closeAt >= 0 && (callAt < 0 || closeAt < callAt)) {
                        this.emitText(channel, this.buffer.slice(0, closeAt), events);
                        this.buffer = this.buffer.slice(closeAt + THINK_CLOSE.length);
                        this.mode = "content";
                        continue;
                    }
                    if (callAt >= 0) {
                        this.emitText(channel, this.buffer.slice(0, callAt), events);
                        this.buffer = this.buffer.slice(callAt + CALL_OPEN.length);
                        this.mode = "call";
                        continue;
                    }
                    const held = final ? 0 : partialTagLength(this.buffer, inReasoning ? [THINK_CLOSE, CALL_OPEN] : [CALL_OPEN]);
                    this.emitText(channel, this.buffer.slice(0, this.buffer.length - held), events);
                    this.buffer = this.buffer.slice(this.buffer.length - held);
                    return;
                }
                case "call": {
                    const closeAt = this.buffer.indexOf(CALL_CLOSE);
                    const reopenAt = this.buffer.indexOf(CALL_OPEN);
                    if (reopenAt >= 0 && (closeAt < 0 || reopenAt < closeAt)) {
                        // A new call opened before this one was closed: this body ends there.
                        this.finishCall(this.takeBody(reopenAt), false, events);
                        this.buffer = this.buffer.slice(reopenAt + CALL_OPEN.length);
                        continue;
                    }
                    if (closeAt >= 0) {
                        this.finishCall(this.takeBody(closeAt), true, events);
                        this.buffer = this.buffer.slice(closeAt + CALL_CLOSE.length);
                        this.mode = "content";
                        continue;
                    }
                    if (final) {
                        this.finishCall(this.takeBody(this.buffer.length), false, events);
                        this.buffer = "";
                        this.mode = "content";
                        return;
                    }
                    // Keep only what could be the start of a tag unsearched.
                    const keep = Math.min(this.buffer.length, CALL_CLOSE.length - 1);
                    this.callParts.push(this.buffer.slice(0, this.buffer.length - keep));
                    this.buffer = this.buffer.slice(this.buffer.length - keep);
                    return;
                }
            }
        }
    }

    /** The call body: the searched parts and the first `length` characters of the buffer. */
    private takeBody(length: number): string {
        const body = this.callParts.join("") + this.buffer.slice(0, length);
        this.callParts = [];
        return body;
    }

    private emitText(channel: TrimmedText, text: string, events: ParserEvent[]): void {
        const out = channel.write(text);
        if (out !== "") events.push({ type: channel === this.reasoning ? "reasoning" : "content", text: out });
    }

    /** `closed`: the body ended at `</tool_call>`; otherwise the stream ended or a new call began first. */
    private finishCall(body: string, closed: boolean, events: ParserEvent[]): void {
        for (const parsed of parseCallBody(body, closed, this.tools)) {
            if (parsed.call) {
                const index = this.toolCalls.length;
                this.toolCalls.push(parsed.call);
                events.push({ type: "toolCall", call: { name: parsed.call.name, arguments: { ...parsed.call.arguments } }, index });
                for (const error of parsed.errors) this.addError({ ...error, call: index }, events);
            } else {
                for (const error of parsed.errors) this.addError(error, events);
            }
        }
    }

    private addError(error: ToolCallError, events: ParserEvent[]): void {
        this.errors.push(error);
        events.push({ type: "error", error: { ...error } });
    }
}

/** Parses a whole generation at once: the same result as streaming it. */
export function parseToolCalls(text: string, options: ToolCallParserOptions = {}): ParseResult {
    const parser = new ToolCallStreamParser(options);
    parser.push(text);
    return parser.end();
}

/**
 * Text whose leading and trailing whitespace never reaches the output: whitespace is held until non-whitespace
 * follows, so what was written equals the trimmed whole at every moment.
 */
class TrimmedText {
    value = "";
    private pending = "";

    write(text: string): string {
        if (this.value === "") text = pyLstrip(text);
        let end = text.length;
        while (end > 0 && isPyWhitespace(text[end - 1])) end--;
        if (end === 0) {
            if (this.value !== "") this.pending += text;
            return "";
        }
        const out = this.pending + text.slice(0, end);
        this.pending = text.slice(end);
        this.value += out;
        return out;
    }
}

/** Length of the longest suffix of `text` that is a proper prefix of one of the tags. */
function partialTagLength(text: string, tags: readonly string[]): number {
    const longest = Math.max(...tags.map((tag) => tag.length)) - 1;
    for (let start = Math.max(0, text.length - longest); start < text.length; start++) {
        if (text.charCodeAt(start) !== 0x3c) continue;
        const tail = text.slice(start);
        if (tags.some((tag) => tag.length > tail.length && tag.startsWith(tail))) return tail.length;
    }
    return 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Tools

function indexTools(tools: readonly unknown[]): Map<string, ToolInfo> {
    const index = new Map<string, ToolInfo>();
    for (const tool of tools) {
        const fn = isObject(tool) && isObject(tool.function) ? tool.function : tool;
        if (!isObject(fn) || typeof fn.name !== "string") continue;
        const parameters = isObject(fn.parameters) ? fn.parameters : {};
        const properties = new Map<string, JsonSchema>();
        if (isObject(parameters.properties)) {
            for (const [name, schema] of Object.entries(parameters.properties)) properties.set(name, isObject(schema) ? schema : {});
        }
        const required = Array.isArray(parameters.required)
            ? parameters.required.filter((name): name is string => typeof name === "string") : [];
        const additionalValue = parameters.additionalProperties;
        const additional = additionalValue === true ? {} : isObject(additionalValue) ? additionalValue : undefined;
        index.set(fn.name, { name: fn.name, properties, required, additional });
    }
    return index;
}


// ---------------------------------------------------------------------------------------------------------------
// Call bodies

interface ParsedBody {
    call?: ParsedToolCall;
    errors: ToolCallError[];
}

function parseCallBody(body: string, closed: boolean, tools: Map<string, ToolInfo>): ParsedBody[] {
    const start = body.length - pyLstrip(body).length;
    if (body[start] === "{" || body[start] === "[") return parseHermesBody(body.slice(start), closed, tools);
    const functionAt = body.indexOf(FUNCTION_OPEN, start);
    if (functionAt < 0) {
        if (!closed) return [{ errors: [truncatedError(undefined)] }];
        const found = body.trim() === "" ? "an empty <tool_call>" : `"${preview(body.slice(start))}"`;
        return [{ errors: [makeError("malformed", `A tool call could not be read: expected <function=NAME> after <tool_call> but found ${found}. ${FORMAT_REMINDER}`)] }];
    }
    return parseXmlBody(body, functionAt, closed, tools);
}

function parseXmlBody(body: string, functionAt: number, closed: boolean, tools: Map<string, ToolInfo>): ParsedBody[] {
    const results: ParsedBody[] = [];
    let pos = functionAt;
    while (pos < body.length) {
        const nameStart = pos + FUNCTION_OPEN.length;
        const nameEnd = body.indexOf(">", nameStart);
        const lineEnd = body.indexOf("\n", nameStart);
        if (nameEnd < 0 || (lineEnd >= 0 && lineEnd < nameEnd)) {
            if (!closed && nameEnd < 0 && lineEnd < 0) results.push({ errors: [truncatedError(undefined)] });
            else results.push({ errors: [makeError("malformed", `A tool call could not be read: <function= must be followed by the function name and ">" on the same line. ${FORMAT_REMINDER}`)] });
            return results;
        }
        const name = body.slice(nameStart, nameEnd).trim();
        const params: [string, string][] = [];
        pos = nameEnd + 1;
        let functionClosed = false;
        let problem: ToolCallError | undefined;
        for (;;) {
            pos = skipWhitespace(body, pos);
            if (body.startsWith(PARAMETER_OPEN, pos)) {
                const paramStart = pos + PARAMETER_OPEN.length;
                const paramEnd = body.indexOf(">", paramStart);
                const paramLineEnd = body.indexOf("\n", paramStart);
                if (paramEnd < 0 || (paramLineEnd >= 0 && paramLineEnd < paramEnd)) {
                    problem = closed || paramEnd >= 0 || paramLineEnd >= 0
                        ? makeError("malformed", `The call to "${name}" could not be read: <parameter= must be followed by the parameter name and ">" on the same line. ${FORMAT_REMINDER}`, name)
                        : truncatedError(name);
                    break;
                }
                const paramName = body.slice(paramStart, paramEnd).trim();
                const valueStart = paramEnd + 1;
                const valueEnd = findValueEnd(body, valueStart, closed);
                if (valueEnd < 0) {
                    // No </parameter>: complete only if the model went straight on to </function>.
                    const functionEnd = closed ? body.lastIndexOf(FUNCTION_CLOSE) : -1;
                    if (functionEnd >= valueStart) {
                        params.push([paramName, stripOneNewline(body.slice(valueStart, functionEnd))]);
                        pos = functionEnd + FUNCTION_CLOSE.length;
                        functionClosed = true;
                        break;
                    }
                    if (closed) {
                        params.push([paramName, stripOneNewline(body.slice(valueStart))]);
                        pos = body.length;
                        break;
                    }
                    problem = truncatedError(name);
                    break;
                }
                params.push([paramName, stripOneNewline(body.slice(valueStart, valueEnd))]);
                pos = valueEnd + PARAMETER_CLOSE.length;
            } else if (body.startsWith(FUNCTION_CLOSE, pos)) {
                pos += FUNCTION_CLOSE.length;
                functionClosed = true;
                break;
            } else if (pos >= body.length) {
                // The body ended without </function>: fine if </tool_call> came, truncated otherwise.
                if (!closed) problem = truncatedError(name);
                break;
            } else if (!closed && isPrefixOfAny(body.slice(pos), [PARAMETER_OPEN, FUNCTION_CLOSE])) {
                problem = truncatedError(name);
                break;
            } else {
                problem = makeError("malformed", `The call to "${name}" could not be read: expected <parameter=NAME> or </function> but found "${preview(body.slice(pos))}". ${FORMAT_REMINDER}`, name);
                break;
            }
        }
        if (problem) {
            results.push({ errors: [problem] });
            return results;
        }
        results.push(buildCall(name, params.map(([param, raw]) => [param, { raw }]), tools));
        if (!functionClosed) return results;
        // Several <function=...> blocks in one <tool_call> are several calls; anything else after is ignored.
        pos = skipWhitespace(body, pos);
        if (!body.startsWith(FUNCTION_OPEN, pos)) return results;
    }
    return results;
}

/**
 * Where a parameter value ends: the first `</parameter>` followed (after whitespace) by `<parameter=`,
 * `</function>` or the end of the body, so that a value may contain `</parameter>` followed by other text (a file
 * that documents this format, say). In a complete body without such a tag, the first `</parameter>` (what follows
 * it is then reported as malformed); in an incomplete one, none (-1: the value is still streaming).
 */
function findValueEnd(body: string, from: number, closed: boolean): number {
    const first = body.indexOf(PARAMETER_CLOSE, from);
    for (let at = first; at >= 0; at = body.indexOf(PARAMETER_CLOSE, at + 1)) {
        const next = skipWhitespace(body, at + PARAMETER_CLOSE.length);
        if (next >= body.length || body.startsWith(PARAMETER_OPEN, next) || body.startsWith(FUNCTION_CLOSE, next)) return at;
    }
    return closed ? first : -1;
}

function parseHermesBody(text: string, closed: boolean, tools: Map<string, ToolInfo>): ParsedBody[] {
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch (error) {
        if (!closed) return [{ errors: [truncatedError(hermesNameGuess(text))] }];
        return [{ errors: [makeError("malformed", `A tool call could not be read: its JSON is invalid (${(error as Error).message}). ${FORMAT_REMINDER}`)] }];
    }
    const items = Array.isArray(value) ? value : [value];
    return items.map((item): ParsedBody => {
        if (!isObject(item) || typeof item.name !== "string") {
            return { errors: [makeError("malformed", `A tool call could not be read: the JSON has no "name" string. ${FORMAT_REMINDER}`)] };
        }
        let args: unknown = item.arguments !== undefined ? item.arguments : item.parameters;
        if (typeof args === "string") {
            try {
                args = JSON.parse(args);
            } catch {
                return { errors: [makeError("malformed", `The call to "${item.name}" could not be read: its arguments are not valid JSON. ${FORMAT_REMINDER}`, item.name)] };
            }
        }
        if (args === undefined || args === null) args = {};
        if (!isObject(args)) {
            return { errors: [makeError("malformed", `The call to "${item.name}" could not be read: its arguments must be an object. ${FORMAT_REMINDER}`, item.name)] };
        }
        return buildCall(item.name, Object.entries(args).map(([name, json]) => [name, { json }]), tools);
    });
}

function hermesNameGuess(text: string): string | undefined {
    return /"name"\s*:\s*"([^"\\]*)"/.exec(text)?.[1];
}

// ---------------------------------------------------------------------------------------------------------------
// Arguments

/** A value as the model wrote it: raw text (XML form) or an already typed JSON value (Hermes form). */
type RawArgument = { raw: string } | { json: unknown };

function buildCall(name: string, rawArgs: [string, RawArgument][], tools: Map<string, ToolInfo>): ParsedBody {
    const args: Record<string, unknown> = {};
    const errors: ToolCallError[] = [];
    const tool = tools.get(name);
    if (!tool) {
        for (const [param, raw] of rawArgs) defineArgument(args, param, "raw" in raw ? raw.raw : raw.json);
        const available = [...tools.keys()];
        errors.push(makeError("unknown_function", available.length > 0
            ? `Unknown function "${name}". Available functions: ${available.join(", ")}.`
            : `Unknown function "${name}": no functions are available, so answer without calling one.`, name));
        return { call: { name, arguments: args }, errors };
    }
    for (const [param, raw] of rawArgs) {
        const schema = tool.properties.get(param) ?? tool.additional;
        if (!schema) {
            defineArgument(args, param, "raw" in raw ? raw.raw : raw.json);
            const known = [...tool.properties.keys()];
            errors.push(makeError("unknown_parameter", known.length > 0
                ? `Function "${name}" has no parameter "${param}". Its parameters are: ${known.join(", ")}.`
                : `Function "${name}" takes no parameters, but the call gave "${param}".`, name, param));
            continue;
        }
        const typed = "raw" in raw ? typeText(raw.raw, schema) : typeJson(raw.json, schema);
        if (typed.ok) {
            defineArgument(args, param, typed.value);
        } else {
            defineArgument(args, param, "raw" in raw ? raw.raw : raw.json);
            const shown = "raw" in raw ? raw.raw : typeof raw.json === "string" ? raw.json : JSON.stringify(raw.json);
            errors.push(makeError("invalid_value", `Parameter "${param}" of function "${name}" must be ${typed.expected}, but the value was "${preview(shown)}". Call ${name} again with a valid value.`, name, param));
        }
    }
    for (const param of tool.required) {
        if (!Object.prototype.hasOwnProperty.call(args, param)) {
            errors.push(makeError("missing_parameter", `Function "${name}" requires the parameter "${param}", but the call did not give it. Call ${name} again with ${param}.`, name, param));
        }
    }
    return { call: { name, arguments: args }, errors };
}

/** Plain assignment would let a parameter named "__proto__" change the object's prototype. */
function defineArgument(args: Record<string, unknown>, name: string, value: unknown): void {
    Object.defineProperty(args, name, { value, enumerable: true, writable: true, configurable: true });
}

type Typed = { ok: true; value: unknown } | { ok: false; expected: string };

const SCALAR_ORDER = ["integer", "number", "boolean", "null", "object", "array"] as const;
const NUMBER_TEXT = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/** The JSON types a schema admits; an empty set means any value. */
function schemaTypes(schema: JsonSchema): Set<string> {
    const types = new Set<string>();
    return collectTypes(schema, types, 0) ? new Set() : types;
}

/** Adds the types `node` admits; returns true when it admits any value (no type, `$ref`, `allOf`, ...). */
function collectTypes(node: unknown, types: Set<string>, depth: number): boolean {
    if (!isObject(node) || depth > 8) return true;
    if (typeof node.type === "string") {
        types.add(node.type);
        return false;
    }
    if (Array.isArray(node.type)) {
        for (const type of node.type) if (typeof type === "string") types.add(type);
        return false;
    }
    for (const key of ["anyOf", "oneOf"]) {
        const branches = node[key];
        if (Array.isArray(branches) && branches.length > 0) {
            let open = false;
            for (const branch of branches) if (collectTypes(branch, types, depth + 1)) open = true;
            return open;
        }
    }
    if (Array.isArray(node.enum) && node.enum.length > 0) {
        for (const option of node.enum) types.add(jsonType(option));
        return false;
    }
    if (node.const !== undefined) {
        types.add(jsonType(node.const));
        return false;
    }
    return true;
}

function jsonType(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return "array";
    if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
    return typeof value === "object" ? "object" : typeof value;
}

function describeTypes(types: Set<string>): string {
    const names: Record<string, string> = {
        integer: "an integer", number: "a number", boolean: "true or false", null: "null", object: "a JSON object",
        array: "a JSON array", string: "a string"
    };
    return [...types].map((type) => names[type] ?? type).join(" or ");
}

/** Types the raw text of an XML parameter: strings stay raw, everything else is read as JSON (or Python). */
function typeText(raw: string, schema: JsonSchema): Typed {
    const types = schemaTypes(schema);
    if (types.size === 0) {
        const json = tryJson(raw.trim());
        return { ok: true, value: json.ok ? json.value : raw };
    }
    if (types.has("string") && [...types].every((type) => type === "string" || type === "null")) return { ok: true, value: raw };
    const text = raw.trim();
    for (const type of SCALAR_ORDER) {
        if (!types.has(type)) continue;
        const converted = convertText(text, type);
        if (converted.ok) return converted;
    }
    if (types.has("string")) return { ok: true, value: raw };
    return { ok: false, expected: describeTypes(types) };
}

function convertText(text: string, type: typeof SCALAR_ORDER[number]): Typed {
    const fail: Typed = { ok: false, expected: type };
    switch (type) {
        case "integer":
        case "number": {
            if (!NUMBER_TEXT.test(text)) return fail;
            const value = Number(text);
            if (!Number.isFinite(value) || (type === "integer" && !Number.isInteger(value))) return fail;
            return { ok: true, value };
        }
        case "boolean": {
            const lower = text.toLowerCase();
            return lower === "true" ? { ok: true, value: true } : lower === "false" ? { ok: true, value: false } : fail;
        }
        case "null":
            return text === "null" || text === "None" ? { ok: true, value: null } : fail;
        case "object":
        case "array": {
            const json = tryJson(text);
            if (!json.ok) return fail;
            const fits = type === "array" ? Array.isArray(json.value) : isObject(json.value);
            return fits ? json : fail;
        }
    }
}

/** Checks an already typed (Hermes JSON) value; text is converted as in the XML form. */
function typeJson(value: unknown, schema: JsonSchema): Typed {
    const types = schemaTypes(schema);
    if (types.size === 0) return { ok: true, value };
    const actual = jsonType(value);
    if (types.has(actual) || (actual === "integer" && types.has("number"))) return { ok: true, value };
    if (typeof value === "string") return typeText(value, schema);
    if (types.has("string") && (typeof value === "number" || typeof value === "boolean")) return { ok: true, value: String(value) };
    return { ok: false, expected: describeTypes(types) };
}

function tryJson(text: string): Typed {
    try {
        return { ok: true, value: JSON.parse(text) };
    } catch {
        return { ok: false, expected: "JSON" };
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

/** The template writes `>\n` + value + `\n</parameter>`: exactly one newline on each side belongs to the format. */
function stripOneNewline(value: string): string {
    let start = 0;
    let end = value.length;
    if (value.startsWith("\n")) start = 1;
    else if (value.startsWith("\r\n")) start = 2;
    if (end > start && value.endsWith("\r\n")) end -= 2;
    else if (end > start && value.endsWith("\n")) end -= 1;
    return value.slice(start, end);
}

function skipWhitespace(text: string, pos: number): number {
    while (pos < text.length && isPyWhitespace(text[pos])) pos++;
    return pos;
}

function isPrefixOfAny(text: string, tags: readonly string[]): boolean {
    return tags.some((tag) => tag.startsWith(text));
}

function preview(text: string): string {
    const oneLine = text.replace(/\s+/g, " ").trim();
    return oneLine.length > 80 ? `${oneLine.slice(0, 77)}...` : oneLine;
}

function truncatedError(name: string | undefined): ToolCallError {
    return name !== undefined
        ? makeError("truncated", `The call to "${name}" was cut off before </tool_call>, so it was not run. Call ${name} again with the complete arguments.`, name)
        : makeError("truncated", "A tool call was cut off before its function name was complete, so it was not run. Make the call again in full.");
}

function makeError(kind: ToolCallErrorKind, message: string, fn?: string, parameter?: string): ToolCallError {
    const error: ToolCallError = { kind, message };
    if (fn !== undefined) error.function = fn;
    if (parameter !== undefined) error.parameter = parameter;
    return error;
}
