/**
 * Qwen3.5's chat template (chat_template.fixed.jinja) in TypeScript, byte-identical to transformers'
 * `apply_chat_template`: Python jinja2 semantics, `tojson` = `json.dumps(x, ensure_ascii=False)`, scalars via `str()`.
 *
 * The code follows the template statement by statement, including what it does with odd input (a content list of
 * strings, a tool message first, an empty dict), so that any conversation renders as Python would render it.
 * The one addition is llama.cpp's: tool-call arguments given as a JSON string are parsed before rendering.
 */
import {
    isPyIterable, isPyMapping, parsePythonJson, pyContains, pyGet, pyItems, pyIterate, pyJsonDumps, pyLstripChar,
    pyRstripChar, pyStr, pyStrip, pyTruthy, pyTypeName, type PyMapping
} from "./pythonFormat";
import { CALL_CLOSE, CALL_OPEN, PARAMETER_CLOSE, PARAMETER_OPEN, THINK_CLOSE, THINK_OPEN } from "./parser";
import type { ChatRequest, PromptSegment } from "./types";

/** An error the template raises (or that Python raises while rendering it). The message is one line. */
export class TemplateError extends Error {
    override name = "TemplateError";
}

/**
 * A {@link ChatRequest}, or the same data as Python-typed values from `parsePythonJson` (Maps keep integer-like
 * keys in order and `PyFloat` keeps `1.0` a float; plain JS objects and numbers cannot).
 */
export type RenderInput = ChatRequest | PyMapping;

export function renderConversation(input: RenderInput): string {
    return renderConversationSegments(input).map((segment) => segment.text).join("");
}

/**
 * The prompt as segments whose texts concatenate to {@link renderConversation}'s result. `special: true` is the
 * template's own text; `special: false` is everything that came from the conversation or the tools (contents,
 * reasoning, tool JSON, function and parameter names, argument values). Adjacent segments never share a flag.
 *
 * Segment boundaries are not token boundaries: to tokenize exactly as llama.cpp tokenizes the whole prompt,
 * split only at the control tokens found inside special segments and tokenize each run between them as text.
 */
export function renderConversationSegments(input: RenderInput): PromptSegment[] {
    return new Renderer(input).render();
}

/**
 * The model's raw output, replayed as the tool-call parser read it: the `<think>` that opens it and the `</think>`
 * that ends the reasoning, and the `<tool_call>` / `</tool_call>` around each call, are the template's tags; the
 * reasoning, the content, function headers and parameter values are text, so a `<|im_end|>`, `<|im_start|>` or
 * `</tool_response>` the model quoted never becomes a control token when its turn is replayed.
 */
function replayRawOutput(out: SegmentWriter, raw: string): void {
    let at = 0;
    if (raw.startsWith(THINK_OPEN)) {
        out.template(THINK_OPEN);
        at = THINK_OPEN.length;
        const close = raw.indexOf(THINK_CLOSE, at);
        if (close < 0) {
            out.data(raw.slice(at));
            return;
        }
        out.data(raw.slice(at, close));
        out.template(THINK_CLOSE);
        at = close + THINK_CLOSE.length;
    }
    while (at < raw.length) {
        const open = raw.indexOf(CALL_OPEN, at);
        if (open < 0) {
            out.data(raw.slice(at));
            return;
        }
        out.data(raw.slice(at, open));
        out.template(CALL_OPEN);
        at = open + CALL_OPEN.length;
        // Inside a call: parameter values run to their `</parameter>`, whatever they hold; the call to `</tool_call>`.
        for (;;) {
            const close = raw.indexOf(CALL_CLOSE, at);
            const parameter = raw.indexOf(PARAMETER_OPEN, at);
            if (parameter >= 0 && (close < 0 || parameter < close)) {
                const valueEnd = raw.indexOf(PARAMETER_CLOSE, parameter);
                const end = valueEnd < 0 ? raw.length : valueEnd + PARAMETER_CLOSE.length;
                out.data(raw.slice(at, end));
                at = end;
                continue;
            }
            if (close < 0) {
                out.data(raw.slice(at));
                return;
            }
            out.data(raw.slice(at, close));
            out.template(CALL_CLOSE);
            at = close + CALL_CLOSE.length;
            break;
        }
    }
}

class SegmentWriter {
    readonly segments: PromptSegment[] = [];

    template(text: string): void {
        this.push(text, true);
    }

    data(text: string): void {
        this.push(text, false);
    }

    private push(text: string, special: boolean): void {
        if (text === "") return;
        const last = this.segments[this.segments.length - 1];
        if (last && last.special === special) last.text += text;
        else this.segments.push({ text, special });
    }
}

const TOOLS_HEADER = "# Tools\n\nYou have access to the following functions:\n\n<tools>";
const TOOLS_INSTRUCTIONS = "\n\nIf you choose to call a function ONLY reply in the following format with NO suffix:\n\n"
    + "<tool_call>\n<function=example_function_name>\n<parameter=example_parameter_1>\nvalue_1\n</parameter>\n"
    + "<parameter=example_parameter_2>\nThis is the value for the second parameter\nthat can span\nmultiple lines\n"
    + "</parameter>\n</function>\n</tool_call>\n\n<IMPORTANT>\nReminder:\n"
    + "- Function calls MUST follow the specified format: an inner <function=...></function> block must be nested "
    + "within <tool_call></tool_call> XML tags\n- Required parameters MUST be specified\n"
    + "- You may provide optional reasoning for your function call in natural language BEFORE the function call, "
    + "but NOT after\n- If there is no function call available, answer the question like normal with your current "
    + "knowledge and do not tell the user about function calls\n</IMPORTANT>";
const VISION_IMAGE = "<|vision_start|><|image_pad|><|vision_end|>";
const VISION_VIDEO = "<|vision_start|><|video_pad|><|vision_end|>";

class Renderer {
    private readonly out = new SegmentWriter();

    constructor(private readonly input: unknown) {}

    render(): PromptSegment[] {
        const { out } = this;
        const messagesValue = pyGet(this.input, "messages");
        if (!pyTruthy(messagesValue)) throw new TemplateError("No messages provided.");
        if (!Array.isArray(messagesValue)) {
            throw new TemplateError(`messages must be a list, not ${pyTypeName(messagesValue)}.`);
        }
        const messages: unknown[] = pyIterate(messagesValue);

        const tools = pyGet(this.input, "tools");
        const first = messages[0];
        if (pyTruthy(tools) && isPyIterable(tools) && !isPyMapping(tools)) {
            out.template("<|im_start|>system\n" + TOOLS_HEADER);
            for (const tool of pyIterate(tools)) {
                out.template("\n");
                out.data(pyJsonDumps(tool));
            }
            out.template("\n</tools>" + TOOLS_INSTRUCTIONS);
            if (pyGet(first, "role") === "system") {
                const content = pyStrip(this.renderContent(pyGet(first, "content"), true, 0));
                if (content) {
                    out.template("\n\n");
                    out.data(content);
                }
            }
            out.template("<|im_end|>\n");
        } else if (pyGet(first, "role") === "system") {
            const content = pyStrip(this.renderContent(pyGet(first, "content"), true, 0));
            out.template("<|im_start|>system\n");
            out.data(content);
            out.template("<|im_end|>\n");
        }

        const lastQueryIndex = this.findLastQueryIndex(messages);

        messages.forEach((message, index) => {
            let content = pyStrip(this.renderContent(pyGet(message, "content"), false, index));
            const role = pyGet(message, "role");
            if (role === "system") {
                if (index !== 0) {
                    throw new TemplateError(`System message must be at the beginning. (messages[${index}] is a system message)`);
                }
            } else if (role === "user") {
                out.template("<|im_start|>user\n");
                out.data(content);
                out.template("<|im_end|>\n");
            } else if (role === "assistant") {
                let reasoning = "";
                const reasoningValue = pyGet(message, "reasoning_content");
                if (typeof reasoningValue === "string") {
                    reasoning = reasoningValue;
                } else if (content.includes("</think>")) {
                    const parts = content.split("</think>");
                    reasoning = pyLstripChar(pyRstripChar(parts[0], "\n").split("<think>").pop()!, "\n");
                    content = pyLstripChar(parts[parts.length - 1], "\n");
                }
                reasoning = pyStrip(reasoning);
                const rawOutput = pyGet(message, "raw_output");
                if (index > lastQueryIndex && typeof rawOutput === "string") {
                    // The model's own text exactly as it generated it: its structural tags stay tags, everything it
                    // wrote (a control tag it quoted from a file included) is text.
                    out.template("<|im_start|>assistant\n");
                    replayRawOutput(out, rawOutput);
                    out.template("<|im_end|>\n");
                    return;
                }
                if (index > lastQueryIndex) {
                    out.template("<|im_start|>assistant\n<think>\n");
                    out.data(reasoning);
                    out.template("\n</think>\n\n");
                } else {
                    out.template("<|im_start|>assistant\n");
                }
                out.data(content);
                this.renderToolCalls(pyGet(message, "tool_calls"), content, index);
                out.template("<|im_end|>\n");
            } else if (role === "tool") {
                const previous = index > 0 ? messages[index - 1] : undefined;
                if (pyTruthy(previous) && pyGet(previous, "role") !== "tool") out.template("<|im_start|>user");
                out.template("\n<tool_response>\n");
                out.data(content);
                out.template("\n</tool_response>");
                const isLast = index === messages.length - 1;
                if (isLast || pyGet(messages[index + 1], "role") !== "tool") out.template("<|im_end|>\n");
            } else {
                const shown = typeof role === "string" ? JSON.stringify(role) : pyTypeName(role);
                throw new TemplateError(`Unexpected message role. (messages[${index}].role is ${shown})`);
            }
        });

        if (pyTruthy(pyGet(this.input, "add_generation_prompt"))) {
            out.template("<|im_start|>assistant\n");
            // `enable_thinking is defined and enable_thinking is false`: only the boolean false turns it off.
            out.template(pyGet(this.input, "enable_thinking") === false ? "<think>\n\n</think>\n\n" : "<think>\n");
        }
        return out.segments;
    }

    /** The template's backwards scan: the last user message that is not a wrapped tool response. */
    private findLastQueryIndex(messages: unknown[]): number {
        for (let index = messages.length - 1; index >= 0; index--) {
            const message = messages[index];
            if (pyGet(message, "role") !== "user") continue;
            const content = pyStrip(this.renderContent(pyGet(message, "content"), false, index));
            if (!(content.startsWith("<tool_response>") && content.endsWith("</tool_response>"))) return index;
        }
        throw new TemplateError("No user query found in messages.");
    }

    /** The template's `render_content` macro. */
    private renderContent(content: unknown, isSystemContent: boolean, messageIndex: number): string {
        if (typeof content === "string") return content;
        if (isPyIterable(content) && !isPyMapping(content)) {
            let text = "";
            for (const item of pyIterate(content)) {
                if (this.contains(item, "image", messageIndex) || this.contains(item, "image_url", messageIndex)
                    || pyGet(item, "type") === "image") {
                    if (isSystemContent) throw new TemplateError("System message cannot contain images.");
                    text += VISION_IMAGE;
                } else if (this.contains(item, "video", messageIndex) || pyGet(item, "type") === "video") {
                    if (isSystemContent) throw new TemplateError("System message cannot contain videos.");
                    text += VISION_VIDEO;
                } else if (this.contains(item, "text", messageIndex)) {
                    text += pyStr(pyGet(item, "text"));
                } else {
                    throw new TemplateError(`Unexpected item type in content. (messages[${messageIndex}])`);
                }
            }
            return text;
        }
        if (content === null || content === undefined) return "";
        throw new TemplateError(`Unexpected content type. (messages[${messageIndex}].content is ${pyTypeName(content)})`);
    }

    private contains(container: unknown, key: string, messageIndex: number): boolean {
        try {
            return pyContains(container, key);
        } catch (error) {
            throw new TemplateError(`Unexpected item type in content. (messages[${messageIndex}]: ${(error as Error).message})`);
        }
    }

    private renderToolCalls(toolCalls: unknown, content: string, messageIndex: number): void {
        const { out } = this;
        if (!(pyTruthy(toolCalls) && isPyIterable(toolCalls) && !isPyMapping(toolCalls))) return;
        pyIterate(toolCalls).forEach((item, callIndex) => {
            const where = `messages[${messageIndex}].tool_calls[${callIndex}]`;
            const call = pyGet(item, "function") !== undefined ? pyGet(item, "function") : item;
            const name = pyGet(call, "name");
            if (typeof name !== "string") {
                throw new TemplateError(name === undefined
                    ? `Tool call has no function name. (${where})`
                    : `Tool call function name must be a string, not ${pyTypeName(name)}. (${where})`);
            }
            if (callIndex === 0) out.template(pyStrip(content) ? "\n\n<tool_call>\n<function=" : "<tool_call>\n<function=");
            else out.template("\n<tool_call>\n<function=");
            out.data(name);
            out.template(">\n");
            const args = parseArguments(pyGet(call, "arguments"), where);
            if (isPyMapping(args)) {
                for (const [argName, value] of pyItems(args)) {
                    out.template("<parameter=");
                    out.data(argName);
                    out.template(">\n");
                    // `args_value is mapping or (args_value is sequence and args_value is not string)`
                    out.data(isPyMapping(value) || Array.isArray(value) ? pyJsonDumps(value) : pyStr(value));
                    out.template("\n</parameter>\n");
                }
            }
            out.template("</function>\n</tool_call>");
        });
    }
}

/** llama.cpp parses string arguments before rendering, and fails the request when they are not JSON. */
function parseArguments(args: unknown, where: string): unknown {
    if (typeof args !== "string") return args;
    try {
        return parsePythonJson(args);
    } catch (error) {
        throw new TemplateError(`Tool call arguments are not valid JSON: ${(error as Error).message}. (${where}.arguments)`);
    }
}
