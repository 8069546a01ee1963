import { Readable, Writable } from "node:stream";
import { main } from "../../src/cli";

/** Runs the CLI in-process with captured output, as `node dist/cli.js ...argv` would with `stdin` piped in. */
export async function runCli(argv: string[], stdin = ""): Promise<{ code: number; stdout: string; stderr: string }> {
    const collect = (chunks: Buffer[]) => new Writable({
        write(chunk: Buffer | string, _encoding, callback) {
            chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
            callback();
        }
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const input = stdin.length > 0 ? [Buffer.from(stdin)] : [];
    const code = await main(argv, { stdin: Readable.from(input), stdout: collect(out), stderr: collect(err) });
    return { code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") };
}
