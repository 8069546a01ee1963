/**
 * `info` and `chat` from the built command line (dist/cli.js), as a user runs them, on real files: the tiny model,
 * variants a broken converter or download leaves, and paths that are not regular files. `npm run build` first.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildTinyModel } from "../support/tinyModel";

const CLI = path.resolve(__dirname, "../../dist/cli.js");

interface Outcome {
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
}

/** Runs the CLI; a run that does not end within the limit is killed, and the outcome says so (signal SIGKILL). */
function runCli(args: string[], limitMs = 60_000): Promise<Outcome> {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (data: Buffer) => (stdout += data.toString()));
    child.stderr.on("data", (data: Buffer) => (stderr += data.toString()));
    const killer = setTimeout(() => child.kill("SIGKILL"), limitMs);
    return new Promise((resolve) => {
        child.on("exit", (code, signal) => {
            clearTimeout(killer);
            resolve({ code, signal, stdout, stderr });
        });
    });
}

interface InfoReport {
    ok: boolean;
    problems: { kind: string; message: string }[];
    engine?: { totalLayers: number; hybrid: boolean };
}

function report(outcome: Outcome): InfoReport {
    assert.equal(outcome.signal, null, `the CLI itself was not killed: ${outcome.stderr}`);
    return JSON.parse(outcome.stdout) as InfoReport;
}

describe("info and chat on the command line (dist/cli.js)", function () {
    this.timeout(120_000);
    let directory: string;

    before(() => {
        if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first.`);
        directory = fs.mkdtempSync(path.join(os.tmpdir(), "qwen-local-cli-info-"));
    });

    after(() => {
        fs.rmSync(directory, { recursive: true, force: true });
    });

    function write(name: string, bytes: Buffer): string {
        const file = path.join(directory, name);
        fs.writeFileSync(file, bytes);
        return file;
    }

    it("reports a sound model as ok, with what llama.cpp would do", async () => {
        const outcome = await runCli(["info", write("tiny.gguf", buildTinyModel())]);
        const info = report(outcome);
        assert.deepEqual(info.problems, []);
        assert.equal(info.ok, true);
        assert.equal(outcome.code, 0);
        assert.equal(info.engine?.hybrid, true);
    });

    it("survives a file that makes llama.cpp abort: the crash is a problem of the file, not of the CLI", async () => {
        // Two vocabulary entries with the same text: llama.cpp's GGML_ASSERT(id_to_token.size() == token_to_id.size()).
        const outcome = await runCli(["info", write("duplicate-token.gguf", buildTinyModel({ duplicateToken: true }))]);
        const info = report(outcome);
        assert.equal(info.ok, false);
        assert.equal(outcome.code, 1);
        assert.deepEqual(info.problems.map((problem) => problem.kind), ["crashed"]);
        assert.match(info.problems[0]!.message, /"duplicate-token\.gguf" made llama\.cpp crash while reading it \(signal SIGABRT\)/);
    });

    it("is not ok for a file lacking a key llama.cpp needs, nor for an architecture llama.cpp does not know", async () => {
        const missing = report(await runCli(["info", write("no-block-count.gguf", buildTinyModel({ omitKeys: ["qwen35moe.block_count"] }))]));
        assert.equal(missing.ok, false);
        assert.deepEqual(missing.problems.map((problem) => problem.kind), ["missingMetadata"]);
        assert.match(missing.problems[0]!.message, /lacks the key qwen35moe\.block_count/);

        const unknown = report(await runCli(["info", write("unknown-architecture.gguf", buildTinyModel({ architecture: "qwen99" }))]));
        assert.equal(unknown.ok, false);
        assert.deepEqual(unknown.problems.map((problem) => problem.kind), ["unknownArchitecture"]);
    });

    it("refuses a FIFO, a device and a folder at once, in info and in chat", async function () {
        if (process.platform === "win32") this.skip();
        const fifo = path.join(directory, "pipe.gguf");
        execFileSync("mkfifo", [fifo]);
        for (const [target, what] of [[fifo, /named pipe \(FIFO\)/], ["/dev/zero", /character device/], [directory, /is a folder/]] as const) {
            const info = await runCli(["info", target], 30_000);
            assert.equal(info.signal, null, `info ${target} ended by itself`);
            assert.equal(info.code, 1);
            const parsed = report(info);
            assert.deepEqual(parsed.problems.map((problem) => problem.kind), ["notAFile"]);
            assert.match(parsed.problems[0]!.message, what);

            const chat = await runCli(["chat", target, "hello", "--threads", "1"], 30_000);
            assert.equal(chat.signal, null, `chat ${target} ended by itself`);
            assert.equal(chat.code, 1);
            assert.match(chat.stderr, what);
        }
    });

    it("chat on a file that makes llama.cpp abort says so, and exits by itself", async () => {
        const chat = await runCli(["chat", write("duplicate-token-chat.gguf", buildTinyModel({ duplicateToken: true })), "hello", "--threads", "1"]);
        assert.equal(chat.signal, null);
        assert.equal(chat.code, 1);
        assert.match(chat.stderr, /made llama\.cpp crash while reading it \(signal SIGABRT\)/);
    });
});
