/**
 * The agent loop: a model turn (the exact Qwen3.5 prompt with the tools, streamed and parsed by runChatTurn), then
 * every tool call it made — each approved or refused by the policy, run, and answered with a `tool` message — until
 * the model answers without a call, the round limit is reached, or the signal stops it (the model and any running tool).
 *
 * Calls the parser could not read, or whose arguments do not fit the schema, are answered with the parser's error
 * and never run. Tool results are `tool` messages, which the renderer marks as untrusted text: a `<tool_call>` inside
 * a file stays text for the model.
 */
import { runChatTurn } from "../qwen35/chatTurn";
import type { AssistantMessage, ChatMessage, ParserEvent, ToolCallError } from "../qwen35/types";
import type { Engine, SamplingOptions } from "../engine";
import { RESTRICTED_MODE_MESSAGE, type ApprovalPolicy, type ApprovalTarget } from "./approvals";
import { runsCodeWarning } from "./runsCode";
import { capMiddle, LIMITS } from "./text";
import { errorMessage as errorMessageOf } from "../log";
import { isCancellation, ToolError } from "./errors";
import type { AgentEvent, AgentStopReason } from "./events";
import { toolByName, toolDefinitions, type AgentTool, type ToolContext } from "./tools";

export interface AgentLoopOptions {
    engine: Pick<Engine, "generate">;
    context: ToolContext;
    /** The tools offered to the model. */
    tools: readonly AgentTool[];
    /** The conversation so far, ending with the user's request; the loop appends its turns to it. */
    messages: ChatMessage[];
    policy: ApprovalPolicy;
    maxRounds: number;
    /** Most tokens of one model turn (reasoning included). */
    maxTokensPerRound: number;
    thinking: boolean;
    thoughtBudgetTokens?: number;
    sampling?: SamplingOptions;
    signal: AbortSignal;
    onEvent: (event: AgentEvent) => void;
}

export interface AgentLoopResult {
    reason: AgentStopReason;
    rounds: number;
    /** The model's last answer text. */
    answer: string;
    message?: string;
}

const STOPPED_MESSAGE = "Stopped by the user before it finished.";

export async function runAgentLoop(options: AgentLoopOptions): Promise<AgentLoopResult> {
    const { engine, context, messages, policy, signal, onEvent } = options;
    const definitions = toolDefinitions(options.tools);
    const offered = new Map(options.tools.map((tool) => [tool.name as string, tool]));
    let answer = "";
    const finish = (reason: AgentStopReason, rounds: number, message?: string): AgentLoopResult => {
        onEvent({ type: "done", reason, rounds, ...(message !== undefined ? { message } : {}) });
        return { reason, rounds, answer, ...(message !== undefined ? { message } : {}) };
    };

    for (let round = 1; ; round++) {
        if (signal.aborted) return finish("cancelled", round - 1);
        if (round > options.maxRounds) {
            const message = `Stopped after ${options.maxRounds} rounds (the round limit); ask again to let the agent continue.`;
            onEvent({ type: "notice", text: message, level: "warning" });
            return finish("roundLimit", round - 1, message);
        }
        onEvent({ type: "round", round, maxRounds: options.maxRounds });
        const callId = (index: number) => `call_${round}_${index + 1}`;
        const onParserEvent = (event: ParserEvent) => {
            if (event.type === "reasoning") onEvent({ type: "thinking", text: event.text });
            else if (event.type === "content") onEvent({ type: "text", text: event.text });
            else if (event.type === "toolCall") {
                const tool = offered.get(event.call.name) ?? toolByName(event.call.name);
                onEvent({
                    type: "toolCall", id: callId(event.index), name: event.call.name, arguments: event.call.arguments,
                    summary: tool ? safeSummary(tool, event.call.arguments) : event.call.name, ...(tool ? { access: tool.access } : {})
                });
            }
        };

        let turn;
        try {
            turn = await runChatTurn(engine, {
                request: { messages, tools: definitions, enable_thinking: options.thinking },
                maxTokens: options.maxTokensPerRound,
                sampling: options.sampling,
                thoughtBudgetTokens: options.thinking ? options.thoughtBudgetTokens : 0,
                signal,
                onEvent: onParserEvent
            });
        } catch (error) {
            if (signal.aborted || isCancellation(error)) return finish("cancelled", round);
            const message = `The model could not answer: ${errorMessageOf(error)}`;
            onEvent({ type: "notice", text: message, level: "error" });
            return finish("error", round, message);
        }
        answer = turn.content;
        const cancelled = signal.aborted || turn.stopReason === "cancelled";
        const assistant: AssistantMessage = {
            role: "assistant",
            content: turn.content,
            reasoning_content: turn.reasoning,
            // A stopped turn's calls never run, so they get no responses: keep only what it said.
            ...(cancelled ? {} : {
                tool_calls: turn.tool_calls.map((call, index) => ({ id: callId(index), type: "function" as const, function: { name: call.name, arguments: call.arguments } })),
                raw_output: turn.raw_output
            })
        };
        messages.push(assistant);
        if (cancelled) return finish("cancelled", round);

        const dropped = turn.errors.filter((error) => error.call === undefined);
        if (turn.tool_calls.length === 0 && dropped.length === 0) {
            if (turn.stopReason === "maxTokens") {
                onEvent({ type: "notice", text: "The answer was cut off at the token limit of one round.", level: "warning" });
            }
            return finish("answered", round);
        }

        const responses: ChatMessage[] = [];
        for (let index = 0; index < turn.tool_calls.length; index++) {
            const call = turn.tool_calls[index]!;
            const id = callId(index);
            if (signal.aborted) {
                responses.push(toolMessage(id, call.name, STOPPED_MESSAGE));
                onEvent({ type: "toolResult", id, ok: false, text: STOPPED_MESSAGE });
                continue;
            }
            // A known tool that is not offered (Restricted Mode) is answered by the policy, which says why.
            const problems = turn.errors.filter((error) => error.call === index && !(error.kind === "unknown_function" && toolByName(call.name)));
            const { ok, text } = problems.length > 0
                ? { ok: false, text: problems.map((error) => error.message).join("\n") }
                : await runCall(id, call.name, call.arguments, offered, context, policy, signal, onEvent);
            responses.push(toolMessage(id, call.name, text));
            onEvent({ type: "toolResult", id, ok, text });
        }
        dropped.forEach((error, index) => {
            const id = `call_${round}_x${index + 1}`;
            onEvent({ type: "toolCall", id, name: error.function ?? "?", arguments: {}, summary: describeDropped(error) });
            responses.push(toolMessage(id, error.function ?? "unknown", error.message));
            onEvent({ type: "toolResult", id, ok: false, text: error.message });
        });
        // What the user did with earlier proposals meanwhile (accepted, rejected, conflicts) rides on the last result.
        const notes = context.edits.takeNotesForModel();
        const last = responses[responses.length - 1];
        if (notes.length > 0 && last && last.role === "tool") last.content = `${String(last.content)}\n\n[Meanwhile: ${notes.join(" ")}]`;
        messages.push(...responses);
        if (signal.aborted) return finish("cancelled", round);
    }
}

async function runCall(
    id: string, name: string, args: Record<string, unknown>, offered: Map<string, AgentTool>, context: ToolContext,
    policy: ApprovalPolicy, signal: AbortSignal, onEvent: (event: AgentEvent) => void
): Promise<{ ok: boolean; text: string }> {
    const tool = offered.get(name);
    if (!tool) {
        if (toolByName(name) && policy.restricted) {
            onEvent({ type: "approval", id, state: "refused", by: "restricted" });
            return { ok: false, text: RESTRICTED_MODE_MESSAGE };
        }
        return { ok: false, text: `There is no tool "${name}" here. The tools are: ${[...offered.keys()].join(", ")}.` };
    }
    const targets = await approvalTargets(tool, args, context);
    const decision = await policy.decide({
        id, tool: tool.name, access: tool.access, summary: safeSummary(tool, args), arguments: args, ...(targets.length > 0 ? { targets } : {})
    }, signal);
    if (!decision.allowed) {
        onEvent({ type: "approval", id, state: decision.by === "restricted" ? "refused" : "denied", by: decision.by });
        return { ok: false, text: decision.message };
    }
    if (decision.by) onEvent({ type: "approval", id, state: "approved", by: decision.by });
    if (signal.aborted) return { ok: false, text: STOPPED_MESSAGE };
    try {
        const result = await tool.invoke(args, context, signal);
        for (const proposal of result.proposals ?? []) {
            onEvent({ type: "diff", id, proposal, diff: context.edits.diff(proposal.id, LIMITS.uiDiffChars) });
        }
        const text = boundResult(result.text);
        if (signal.aborted && tool.access === "command") return { ok: false, text: `${STOPPED_MESSAGE}\n${text}` };
        return { ok: true, text };
    } catch (error) {
        if (signal.aborted) return { ok: false, text: STOPPED_MESSAGE };
        if (error instanceof ToolError) return { ok: false, text: boundResult(error.message) };
        return { ok: false, text: `${name} failed: ${errorMessageOf(error)}` };
    }
}

/** Every result is bounded here, before it reaches the prompt, whatever the tool returned. */
function boundResult(text: string): string {
    if (text.length <= LIMITS.toolResultChars) return text;
    const capped = capMiddle(text, LIMITS.toolResultChars - 200).text;
    return `${capped}\n[The result was ${text.length} characters, too long to show whole; its middle was left out. Narrow the call to see more.]`;
}

/**
 * Where a writing call's paths really lead, for the approval: the real path (links resolved) and, for a file that runs
 * code, why. A path that cannot be resolved is left out: the tool refuses it with the reason when it runs.
 */
async function approvalTargets(tool: AgentTool, args: Record<string, unknown>, context: ToolContext): Promise<ApprovalTarget[]> {
    const targets: ApprovalTarget[] = [];
    for (const name of tool.pathArguments ?? []) {
        if (typeof args[name] !== "string") continue;
        try {
            const resolved = await context.paths.resolve(args[name], { purpose: "read" });
            const where = await context.paths.relativeSegments(resolved.abs);
            const warning = runsCodeWarning(where?.segments ?? []);
            targets.push({ path: resolved.display, realPath: resolved.abs, ...(warning !== undefined ? { warning } : {}) });
        } catch {
            // Refused by the tool itself, with its reason.
        }
    }
    return targets;
}

function toolMessage(id: string, name: string, content: string): ChatMessage {
    return { role: "tool", tool_call_id: id, name, content };
}

function safeSummary(tool: AgentTool, args: Record<string, unknown>): string {
    try {
        return tool.summarize(args);
    } catch {
        return tool.name;
    }
}

function describeDropped(error: ToolCallError): string {
    return error.kind === "truncated" ? "a call cut off before it ended" : "a call that could not be read";
}
