/**
 * run_command's process runner: the user's shell in the workspace, output captured (stdout and stderr interleaved,
 * start and end kept when it is long), a timeout, and Stop. The command runs in its own process group so that
 * stopping it also stops what it started (a test runner's workers, a dev server).
 */
import { spawn } from "node:child_process";
import type { CommandOutput, CommandRunner } from "../../core/agent/workspaceFs";

/** After SIGTERM, how long a process group gets before SIGKILL. */
const KILL_GRACE_MS = 2000;

export class NodeCommandRunner implements CommandRunner {
    constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

    run(command: string, options: { cwd: string; timeoutMs: number; maxOutputChars: number; signal: AbortSignal }): Promise<CommandOutput> {
        return new Promise((resolve) => {
            const windows = process.platform === "win32";
            const child = spawn(command, {
                cwd: options.cwd,
                shell: true,
                detached: !windows,
                windowsHide: true,
                stdio: ["ignore", "pipe", "pipe"],
                // No pager or prompt may wait for input that never comes.
                env: { ...this.env, PAGER: "cat", GIT_PAGER: "cat", GIT_TERMINAL_PROMPT: "0", CI: this.env.CI ?? "1" }
            });
            const output = new CappedOutput(options.maxOutputChars);
            let timedOut = false;
            let cancelled = false;
            let killTimer: NodeJS.Timeout | undefined;
            const stop = () => {
                if (child.exitCode !== null || child.signalCode !== null) return;
                killGroup(child.pid, "SIGTERM", windows);
                killTimer = setTimeout(() => killGroup(child.pid, "SIGKILL", windows), KILL_GRACE_MS);
            };
            const timer = setTimeout(() => {
                timedOut = true;
                stop();
            }, options.timeoutMs);
            const onAbort = () => {
                cancelled = true;
                stop();
            };
            options.signal.addEventListener("abort", onAbort, { once: true });
            if (options.signal.aborted) onAbort();
            child.stdout.setEncoding("utf8").on("data", (text: string) => output.push(text));
            child.stderr.setEncoding("utf8").on("data", (text: string) => output.push(text));
            const done = (exitCode: number | null, signal: NodeJS.Signals | null, error?: Error) => {
                clearTimeout(timer);
                if (killTimer) clearTimeout(killTimer);
                options.signal.removeEventListener("abort", onAbort);
                if (error) output.push(`\n${error.message}`);
                const { text, truncated } = output.result();
                resolve({ exitCode, ...(signal ? { signal } : {}), output: text, truncated, timedOut, cancelled });
            };
            child.on("error", (error) => done(null, null, error));
            child.on("close", (code, signal) => done(code, signal));
        });
    }
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals, windows: boolean): void {
    if (pid === undefined) return;
    try {
        if (windows) spawn("taskkill", ["/pid", String(pid), "/T", "/F"], { windowsHide: true });
        else process.kill(-pid, signal);
    } catch {
        // Already gone.
    }
}

/** Keeps the first and the last part of the output, so a long build log still shows how it started and ended. */
class CappedOutput {
    private head = "";
    private tail = "";
    private dropped = 0;

    constructor(private readonly maxChars: number) {}

    push(text: string): void {
        const headMax = Math.floor(this.maxChars * 0.4);
        if (this.head.length < headMax) {
            const take = text.slice(0, headMax - this.head.length);
            this.head += take;
            text = text.slice(take.length);
        }
        if (text === "") return;
        this.tail += text;
        const tailMax = this.maxChars - headMax;
        if (this.tail.length > tailMax) {
            this.dropped += this.tail.length - tailMax;
            this.tail = this.tail.slice(this.tail.length - tailMax);
        }
    }

    result(): { text: string; truncated: boolean } {
        if (this.dropped === 0) return { text: this.head + this.tail, truncated: false };
        return { text: `${this.head}\n… [${this.dropped} characters of output left out] …\n${this.tail}`, truncated: true };
    }
}
