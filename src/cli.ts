/**
 * Headless entry over the same core as the extension: `node dist/cli.js <command> [args]`.
 * Each command lives in its own module under src/cli/.
 */
import { agentCommand, toolCommand } from "./cli/agentCommands";
import { CliUsageError, type CliCommand, type CliIo } from "./cli/command";
import { chatCommand, infoCommand } from "./cli/engineCommands";
import { parseToolCallsCommand } from "./cli/parseToolCalls";
import { renderCommand } from "./cli/render";

const commands: CliCommand[] = [
    infoCommand,
    chatCommand,
    renderCommand,
    parseToolCallsCommand,
    toolCommand,
    agentCommand
];

function usage(): string {
    return ["Usage: qwen-local <command> [args]", "", "Commands:", ...commands.map((c) => `  ${c.usage}`)].join("\n") + "\n";
}

export async function main(argv: string[], io: CliIo): Promise<number> {
    const [name, ...args] = argv;
    if (name === undefined || name === "help" || name === "--help" || name === "-h") {
        io.stdout.write(usage());
        return name === undefined ? 2 : 0;
    }
    const command = commands.find((c) => c.name === name);
    if (!command) {
        io.stderr.write(`qwen-local: unknown command "${name}" (try "help")\n`);
        return 2;
    }
    try {
        return await command.run(args, io);
    } catch (error) {
        if (error instanceof CliUsageError) {
            io.stderr.write(`qwen-local ${name}: ${error.message.split("\n")[0]}\n`);
            return 2;
        }
        io.stderr.write(`qwen-local ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
        return 1;
    }
}

if (require.main === module) {
    main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin })
        .then((code) => { process.exitCode = code; }, (error: unknown) => {
            process.stderr.write(`qwen-local: ${String(error)}\n`);
            process.exitCode = 1;
        });
}
