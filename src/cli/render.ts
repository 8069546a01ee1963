/** `cli.js render`: a conversation as JSON on stdin, the Qwen3.5 prompt on stdout (nothing else). */
import { isPyMapping, parsePythonJson, PythonJsonError } from "../core/qwen35/pythonFormat";
import { renderConversation, TemplateError } from "../core/qwen35/render";
import { CliUsageError, readAll, type CliCommand, type CliIo } from "./command";

export const renderCommand: CliCommand = {
    name: "render",
    usage: "render < request.json  (writes the Qwen3.5 prompt for {messages, tools?, add_generation_prompt?, enable_thinking?})",
    async run(args: string[], io: CliIo): Promise<number> {
        if (args.length > 0) throw new CliUsageError(`render takes no arguments, got "${args[0]}"`);
        let request: unknown;
        try {
            // Parsed the way Python's json.loads parses it, so that key order and 1.0-vs-1 survive.
            request = parsePythonJson((await readAll(io.stdin)).replace(/^\uFEFF/, ""));
        } catch (error) {
            if (error instanceof PythonJsonError || error instanceof RangeError) throw new CliUsageError(`stdin: ${error.message}`);
            throw error;
        }
        if (!isPyMapping(request)) throw new CliUsageError("stdin must be a JSON object: {\"messages\": [...], \"tools\": [...]}");
        let prompt: string;
        try {
            prompt = renderConversation(request);
        } catch (error) {
            if (error instanceof TemplateError) throw new CliUsageError(error.message);
            throw error;
        }
        io.stdout.write(prompt);
        return 0;
    }
};
