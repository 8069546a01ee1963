/**
 * The OpenAI-style conversation that Qwen3.5's chat template renders, and what the tool-call parser returns.
 * Field names are the wire names (snake_case) so that a request body can be passed through unchanged.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface TextContentPart {
    type: "text";
    text: string;
}

/** Image and video parts render as vision placeholders; this extension sends text only. */
export interface OtherContentPart {
    type: string;
    [key: string]: unknown;
}

export type MessageContent = string | (TextContentPart | OtherContentPart)[] | null;

export interface ToolCallFunction {
    name: string;
    /** An object, or a JSON string that is parsed before rendering (as llama.cpp's server does). */
    arguments?: { [key: string]: unknown } | string;
}

export interface OpenAiToolCall {
    id?: string;
    type?: "function";
    function: ToolCallFunction;
}

/** The OpenAI `{function: {name, arguments}}` form or the bare `{name, arguments}` form. */
export type ToolCallInput = OpenAiToolCall | ToolCallFunction;

export interface SystemMessage {
    role: "system";
    content: MessageContent;
}

export interface UserMessage {
    role: "user";
    content: MessageContent;
}

export interface AssistantMessage {
    role: "assistant";
    content?: MessageContent;
    /** Kept in the prompt only for turns after the last user query; otherwise dropped as the template does. */
    reasoning_content?: string | null;
    tool_calls?: ToolCallInput[] | null;
    /**
     * This project's extension: the exact text the model generated for this turn, from after
     * `<|im_start|>assistant\n` (its prefill included) up to `<|im_end|>`. For turns after the last user query it is
     * replayed verbatim instead of re-rendering reasoning, content and calls, so the prompt is what the model saw
     * and wrote (and the engine's cache still matches); earlier turns ignore it, as the template drops them to content.
     */
    raw_output?: string;
}

export interface ToolMessage {
    role: "tool";
    content: MessageContent;
    tool_call_id?: string;
    name?: string;
}

export type ChatMessage = SystemMessage | UserMessage | AssistantMessage | ToolMessage;

export interface JsonSchema {
    type?: string | string[];
    description?: string;
    properties?: { [name: string]: JsonSchema };
    required?: string[];
    items?: JsonSchema | JsonSchema[];
    enum?: unknown[];
    anyOf?: JsonSchema[];
    oneOf?: JsonSchema[];
    additionalProperties?: boolean | JsonSchema;
    [keyword: string]: unknown;
}

export interface FunctionDefinition {
    name: string;
    description?: string;
    parameters?: JsonSchema;
    [key: string]: unknown;
}

/** An OpenAI function tool. It is rendered with `tojson`, so its key order is the order in the prompt. */
export interface FunctionTool {
    type: "function";
    function: FunctionDefinition;
    [key: string]: unknown;
}

export interface ChatRequest {
    messages: ChatMessage[];
    tools?: FunctionTool[] | null;
    /** Default false, as in transformers. */
    add_generation_prompt?: boolean;
    /** Default true: the template turns thinking off only when this is exactly `false`. */
    enable_thinking?: boolean;
}

/** A piece of the rendered prompt: core's one prompt-segment type (src/core/engine.ts). */
export type { PromptSegment } from "../engine";

export interface ParsedToolCall {
    name: string;
    arguments: { [name: string]: unknown };
}

export type ToolCallErrorKind =
    | "unknown_function"
    | "unknown_parameter"
    | "missing_parameter"
    | "invalid_value"
    | "truncated"
    | "malformed";

export interface ToolCallError {
    kind: ToolCallErrorKind;
    /** Written for the model: it goes back to it as the tool response. */
    message: string;
    function?: string;
    parameter?: string;
    /** Index into `tool_calls` of the call this error belongs to. Absent for a call that was dropped because it
     * was truncated or malformed: such a call is never in `tool_calls` and must not be run. */
    call?: number;
}

export interface ParseResult {
    /** Text before `</think>` (or before a `<tool_call>` that ends the thinking), without surrounding whitespace. */
    reasoning: string;
    /** Answer text outside tool calls, without surrounding whitespace. */
    content: string;
    tool_calls: ParsedToolCall[];
    errors: ToolCallError[];
}

export type ParserEvent =
    | { type: "reasoning"; text: string }
    | { type: "content"; text: string }
    | { type: "toolCall"; call: ParsedToolCall; index: number }
    | { type: "error"; error: ToolCallError };
