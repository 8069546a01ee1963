/**
 * The tools other extensions register for language models (`vscode.lm.tools`), offered to the agent when the user
 * turns on `qwenLocal.agent.extensionTools`: each as `vscode__NAME`, run through `vscode.lm.invokeTool` (outside a
 * chat request, so with no invocation token: a tool that only works inside VS Code's chat fails with its own message).
 */
import * as vscode from "vscode";
import type { JsonSchema } from "../core/qwen35/types";
import type { ExternalToolOutput, ExternalToolSource, ExternalToolSpec } from "../core/agent/tools/external";
import { errorMessage } from "../core/log";
import { getSettings } from "./settings";

export const EXTENSION_TOOL_PREFIX = "vscode__";
/** Longest tool name the model is shown. */
const MAX_NAME = 64;

/** `vscode__NAME`, in the characters a Qwen3.5 function name may hold. */
export function extensionToolName(name: string): string {
    return (EXTENSION_TOOL_PREFIX + name.replace(/[^A-Za-z0-9_.-]/g, "_")).slice(0, MAX_NAME);
}

export class ExtensionToolSource implements ExternalToolSource {
    /** The model's name → the extension's. */
    private readonly names = new Map<string, string>();

    async list(): Promise<ExternalToolSpec[]> {
        if (!getSettings()["agent.extensionTools"]) return [];
        const specs: ExternalToolSpec[] = [];
        this.names.clear();
        for (const tool of vscode.lm.tools) {
            const name = extensionToolName(tool.name);
            if (this.names.has(name)) continue;
            this.names.set(name, tool.name);
            const schema = tool.inputSchema as JsonSchema | undefined;
            specs.push({
                name,
                description: tool.description,
                parameters: schema && schema.type === "object" ? schema as JsonSchema & { type: "object" } : { type: "object", properties: {} },
                origin: { kind: "vscode", tool: tool.name }
            });
        }
        return specs;
    }

    async call(name: string, args: Record<string, unknown>, signal: AbortSignal): Promise<ExternalToolOutput> {
        const tool = this.names.get(name);
        if (!tool) return { text: `There is no extension tool "${name}" now.`, isError: true };
        const cancel = new vscode.CancellationTokenSource();
        const onAbort = () => cancel.cancel();
        signal.addEventListener("abort", onAbort, { once: true });
        try {
            const result = await vscode.lm.invokeTool(tool, { input: args, toolInvocationToken: undefined }, cancel.token);
            return { text: resultText(result.content), isError: false };
        } catch (error) {
            return { text: errorMessage(error), isError: true };
        } finally {
            signal.removeEventListener("abort", onAbort);
            cancel.dispose();
        }
    }
}

/** The result's parts as text: text as it is, prompt-tsx parts as JSON, anything else summarised. */
function resultText(parts: readonly unknown[]): string {
    return parts.map((part) => {
        if (part instanceof vscode.LanguageModelTextPart) return part.value;
        if (part instanceof vscode.LanguageModelPromptTsxPart) return JSON.stringify(part.value);
        // A data part (not in this API version's types): show text, summarise the rest.
        const data = part as { mimeType?: unknown; data?: unknown };
        if (typeof data.mimeType === "string" && data.data instanceof Uint8Array) {
            return data.mimeType.startsWith("text/") || data.mimeType === "application/json"
                ? new TextDecoder().decode(data.data)
                : `[${data.mimeType}, ${data.data.byteLength} bytes: not shown]`;
        }
        return "[a part of a kind the agent cannot read]";
    }).join("\n");
}
