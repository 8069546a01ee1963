/**
 * `cli.js parse-tool-calls --tools FILE [--thinking] [--jsonl]`: parses the text a model generated after the
 * generation prompt and prints `{reasoning, content, tool_calls, errors}` as JSON. With --jsonl every stdin line is
 * one JSON-encoded string and every stdout line one result, so that thousands of cases run in one process.
 */
import { readFile } from "node:fs/promises";
import { parseToolCalls, type ToolCallParserOptions } from "../core/qwen35/parser";
import { CliUsageError, readAll, type CliCommand, type CliIo } from "./command";
import { isObject } from "../core/util/isObject";

export const parseToolCallsCommand: CliCommand = {
    name: "parse-tool-calls",
    usage: "parse-tool-calls --tools FILE [--thinking] [--jsonl] < output.txt  (prints {reasoning, content, tool_calls, errors})",
    async run(args: string[], io: CliIo): Promise<number> {
        const options = parseArgs(args);
        const tools = await readTools(options.toolsFile);
        const parserOptions: ToolCallParserOptions = { tools, startInReasoning: options.thinking };
        const input = await readAll(io.stdin);
        if (!options.jsonl) {
            io.stdout.write(JSON.stringify(parseToolCalls(input, parserOptions)) + "\n");
            return 0;
        }
        // Every line is checked before anything is printed: a bad line leaves stdout empty.
        const texts = input.split("\n").flatMap((line, index) => {
            if (line.trim() === "") return [];
            let value: unknown;
            try {
                value = JSON.parse(line);
            } catch (error) {
                throw new CliUsageError(`stdin line ${index + 1} is not valid JSON: ${(error as Error).message}`);
            }
            if (typeof value !== "string") throw new CliUsageError(`stdin line ${index + 1} must be a JSON string`);
            return [value];
        });
        io.stdout.write(texts.map((text) => JSON.stringify(parseToolCalls(text, parserOptions)) + "\n").join(""));
        return 0;
    }
};

interface Options {
    toolsFile: string;
    thinking: boolean;
    jsonl: boolean;
}

function parseArgs(args: string[]): Options {
    let toolsFile: string | undefined;
    let thinking = false;
    let jsonl = false;
    for (let index = 0; index < args.length; index++) {
        const arg = args[index];
        if (arg === "--thinking") thinking = true;
        else if (arg === "--jsonl") jsonl = true;
        else if (arg === "--tools") {
            toolsFile = args[++index];
            if (toolsFile === undefined) throw new CliUsageError("--tools needs a file name");
        } else if (arg.startsWith("--tools=")) toolsFile = arg.slice("--tools=".length);
        else throw new CliUsageError(`unknown argument "${arg}" (usage: parse-tool-calls --tools FILE [--thinking] [--jsonl])`);
    }
    if (!toolsFile) throw new CliUsageError("--tools FILE is required (a JSON array of OpenAI function tools)");
    return { toolsFile, thinking, jsonl };
}

async function readTools(file: string): Promise<ToolCallParserOptions["tools"]> {
    let text: string;
    try {
        text = await readFile(file, "utf8");
    } catch (error) {
        throw new CliUsageError(`cannot read the tools file ${file}: ${(error as Error).message}`);
    }
    let tools: unknown;
    try {
        tools = JSON.parse(text.replace(/^\uFEFF/, ""));
    } catch (error) {
        throw new CliUsageError(`the tools file ${file} is not valid JSON: ${(error as Error).message}`);
    }
    if (!Array.isArray(tools)) throw new CliUsageError(`the tools file ${file} must hold a JSON array of OpenAI function tools`);
    tools.forEach((tool: unknown, index) => {
        const fn = isObject(tool) && isObject(tool.function) ? tool.function : tool;
        if (!isObject(fn) || typeof fn.name !== "string" || fn.name === "") {
            throw new CliUsageError(`tool ${index} in ${file} has no function name: expected {"type": "function", "function": {"name": ..., "parameters": {...}}}`);
        }
        if (fn.parameters !== undefined && !isObject(fn.parameters)) {
            throw new CliUsageError(`tool "${fn.name}" in ${file}: parameters must be a JSON schema object`);
        }
    });
    return tools as ToolCallParserOptions["tools"];
}

