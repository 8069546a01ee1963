/**
 * Child processes of the e2e tier. Each long-lived one runs in its own process group (detached = setsid), so
 * stopping it ends everything it started (code-server's extension hosts, file watchers, pty hosts, the model
 * worker). Every group is also stopped when this process exits, fails or is interrupted.
 */
import { spawn, type SpawnOptions } from "node:child_process";
import fs from "node:fs";

export interface Group {
    readonly pid: number;
    readonly name: string;
    /** Resolves with the leader's exit code (null when killed by a signal). */
    readonly exited: Promise<number | null>;
    stop(): Promise<void>;
}

const live = new Set<Group>();

function groupAlive(pid: number): boolean {
    try {
        process.kill(-pid, 0);
        return true;
    } catch {
        return false;
    }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
    try {
        process.kill(-pid, signal);
    } catch {
        // already gone
    }
}

/** Synchronous last resort for exit handlers, where nothing asynchronous runs any more. */
export function killAllNow(): void {
    for (const group of live) killGroup(group.pid, "SIGKILL");
    live.clear();
}

let handlersInstalled = false;
let interrupted = false;

/** True once Ctrl+C (or SIGTERM/SIGHUP) arrived: the groups are being stopped and the process exits next. */
export function isInterrupted(): boolean {
    return interrupted;
}

function installExitHandlers(): void {
    if (handlersInstalled) return;
    handlersInstalled = true;
    process.on("exit", killAllNow);
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
        process.on(signal, () => {
            if (interrupted) return;
            interrupted = true;
            void stopAll().finally(() => process.exit(130));
        });
    }
}

export interface StartOptions {
    name: string;
    command: string;
    args: string[];
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    /** stdout and stderr go here (appended); otherwise they are inherited. */
    logFile?: string;
}

export function startGroup(options: StartOptions): Group {
    installExitHandlers();
    const spawnOptions: SpawnOptions = { cwd: options.cwd, env: options.env, detached: true, stdio: "inherit" };
    let logFd: number | undefined;
    if (options.logFile) {
        logFd = fs.openSync(options.logFile, "a");
        spawnOptions.stdio = ["ignore", logFd, logFd];
    }
    const child = spawn(options.command, options.args, spawnOptions);
    if (logFd !== undefined) fs.closeSync(logFd);
    if (child.pid === undefined) throw new Error(`could not start ${options.name} (${options.command})`);
    const pid = child.pid;
    const exited = new Promise<number | null>((resolve) => {
        child.on("exit", (code) => resolve(code));
        child.on("error", () => resolve(-1));
    });
    const group: Group = {
        pid,
        name: options.name,
        exited,
        async stop() {
            live.delete(group);
            killGroup(pid, "SIGTERM");
            const deadline = Date.now() + 5000;
            while (groupAlive(pid) && Date.now() < deadline) await sleep(100);
            if (groupAlive(pid)) killGroup(pid, "SIGKILL");
            while (groupAlive(pid) && Date.now() < deadline + 2000) await sleep(50);
        }
    };
    live.add(group);
    return group;
}

export async function stopAll(): Promise<void> {
    await Promise.all([...live].map((group) => group.stop()));
}

export function isAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

export function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs a command to completion; rejects with the tail of its output when it fails. */
export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; logFile?: string; quiet?: boolean } = {}): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        const log = options.logFile ? fs.createWriteStream(options.logFile, { flags: "a" }) : undefined;
        const onData = (chunk: Buffer) => {
            output += chunk.toString();
            if (output.length > 200_000) output = output.slice(-100_000);
            log?.write(chunk);
            if (!options.quiet && !log) process.stderr.write(chunk);
        };
        child.stdout.on("data", onData);
        child.stderr.on("data", onData);
        child.on("error", reject);
        child.on("close", (code) => {
            log?.end();
            if (code === 0) resolve(output);
            else reject(new Error(`${command} ${args.join(" ")} exited with ${code}${options.logFile ? ` (log: ${options.logFile})` : ""}\n${output.slice(-3000)}`));
        });
    });
}
