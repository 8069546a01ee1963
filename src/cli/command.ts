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

/** Parsed command-line flags: `--name value` or `--name=value`, switches, and positional arguments. */
export interface Flags {
    positional: string[];
    values: Map<string, string>;
    switches: Set<string>;
}

export function parseFlags(args: string[], valueFlags: readonly string[], switchFlags: readonly string[]): Flags {
    const flags: Flags = { positional: [], values: new Map(), switches: new Set() };
    for (let index = 0; index < args.length; index++) {
        const arg = args[index]!;
        const [name, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
        if (valueFlags.includes(name)) {
            const value = inline ?? args[++index];
            if (value === undefined) throw new CliUsageError(`${name} needs a value`);
            flags.values.set(name, value);
        } else if (switchFlags.includes(arg)) {
            flags.switches.add(arg);
        } else if (arg.startsWith("--")) {
            throw new CliUsageError(`unknown option ${arg}`);
        } else {
            flags.positional.push(arg);
        }
    }
    return flags;
}

/** A flag's value as a whole number ≥ 0, or the fallback when the flag is absent. */
export function wholeNumber(flags: Flags, name: string, fallback: number): number {
    const text = flags.values.get(name);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 0) throw new CliUsageError(`${name} must be a whole number, not "${text}"`);
    return value;
}
