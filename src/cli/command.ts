/** One subcommand of `dist/cli.js`. */
export interface CliIo {
    stdout: NodeJS.WritableStream;
    stderr: NodeJS.WritableStream;
    stdin: NodeJS.ReadableStream;
}

export interface CliCommand {
    name: string;
    /** One line for `cli.js help`. */
    usage: string;
    /** Returns the process exit code: 0 success, 1 failure, 2 invalid input or usage. */
    run(args: string[], io: CliIo): Promise<number>;
}

/** Thrown for a usage or input error: the CLI prints the message on one line and exits 2. */
export class CliUsageError extends Error {}

export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
}
