/**
 * run_command's process runner: the user's shell in the workspace, output captured (stdout and stderr interleaved,
 * start and end kept when it is long), a timeout, and Stop. The command runs in its own process group so that
 * stopping it also stops what it started (a test runner's workers, a dev server).
 *
 * The result never waits on the output pipe alone: a command that leaves a process in the background (`server &`)
 * holding the pipe open is done when its shell exits and the output has drained for a moment; what it left running
 * is then stopped with the group. Time-out and Stop kill the whole group whether or not the shell itself is still
 * there. (A process that leaves the group on purpose, with `setsid` or a daemon's double fork, escapes this, as it
 * does a terminal's Ctrl+C.)
 *
 * The command gets the environment without what looks like a secret (tokens, keys, passwords, cloud credentials,
 * see `commandEnvironment`); the user can pass named variables anyway.
 */
import { spawn } from "node:child_process";
import type { CommandOutput, CommandRunner } from "../../core/agent/workspaceFs";

/** After SIGTERM, how long a process group gets before SIGKILL. */
const KILL_GRACE_MS = 2000;
/** After the shell exits, how long output may still arrive before what it left in the background is stopped. */
const DRAIN_MS = 1000;

export interface CommandRunnerOptions {
    /** The environment to start from (default: this process's). */
    env?: NodeJS.ProcessEnv;
    /** Variables to pass although they look secret: names, or prefixes ending in `*` (`AWS_*`). */
    passEnvironment?: () => readonly string[];
}

/**
 * Names that look like secrets: tokens, keys, passwords, credentials, cloud and registry logins. Matched on the name
 * alone (case-insensitively), so a new service's `FOO_API_KEY` is covered too.
 */
const SECRET_NAME = new RegExp([
    "TOKEN", "SECRET", "PASSWORD", "PASSWD", "PASSPHRASE", "CREDENTIAL", "API_?KEY", "ACCESS_?KEY", "PRIVATE_?KEY", "_KEY$", "^KEY$",
    "AUTH", "COOKIE", "SESSION", "SIGNATURE", "_PAT$", "_DSN$", "DATABASE_URL", "CONNECTION_?STRING",
    "^AWS_", "^AZURE_", "^ARM_CLIENT", "^GOOGLE_APPLICATION_CREDENTIALS$", "^GCLOUD_", "^CLOUDSDK_", "^DIGITALOCEAN_", "^HCLOUD_",
    "^HF_", "^HUGGING_?FACE", "^OPENAI_", "^ANTHROPIC_", "^GH_", "^GITHUB_", "^GITLAB_", "^NPM_", "^YARN_NPM_AUTH", "^NODE_AUTH",
    "^DOCKER_(PASSWORD|AUTH|CONFIG)", "^KUBECONFIG$", "^VAULT_", "^SSH_AUTH_SOCK$", "^GPG_AGENT", "^TWINE_", "^PYPI_", "^CARGO_REGISTRY",
    "^SLACK_", "^STRIPE_", "^SENTRY_", "^TF_VAR_", "^VSCODE_GIT_IPC", "^VSCODE_GIT_ASKPASS", "^GIT_ASKPASS$", "^SSH_ASKPASS$"
].join("|"), "i");

/** A proxy variable whose value carries a user and password (`http://user:pass@proxy`). */
const PROXY_WITH_CREDENTIALS = (name: string, value: string) => /_PROXY$/i.test(name) && /\/\/[^/@\s]+@/.test(value);

/** The environment a command gets: everything but what looks like a secret, plus what the user passes anyway. */
export function commandEnvironment(env: NodeJS.ProcessEnv, pass: readonly string[] = []): NodeJS.ProcessEnv {
    const passed = (name: string) => pass.some((entry) => entry.endsWith("*")
        ? name.toUpperCase().startsWith(entry.slice(0, -1).toUpperCase())
        : name.toUpperCase() === entry.toUpperCase());
    const result: NodeJS.ProcessEnv = {};
    for (const [name, value] of Object.entries(env)) {
        if (value === undefined) continue;
        if (!passed(name) && (SECRET_NAME.test(name) || PROXY_WITH_CREDENTIALS(name, value))) continue;
        result[name] = value;
    }
    return result;
}

export class NodeCommandRunner implements CommandRunner {
    private readonly env: NodeJS.ProcessEnv;
    private readonly passEnvironment: () => readonly string[];

    constructor(options: CommandRunnerOptions = {}) {
        this.env = options.env ?? process.env;
        this.passEnvironment = options.passEnvironment ?? (() => []);
    }

    run(command: string, options: { cwd: string; timeoutMs: number; maxOutputChars: number; signal: AbortSignal }): Promise<CommandOutput> {
        return new Promise((resolve) => {
            const windows = process.platform === "win32";
            const env = commandEnvironment(this.env, this.passEnvironment());
            const child = spawn(command, {
                cwd: options.cwd,
                shell: true,
                detached: !windows,
                windowsHide: true,
                stdio: ["ignore", "pipe", "pipe"],
                // No pager or prompt may wait for input that never comes.
                env: { ...env, PAGER: "cat", GIT_PAGER: "cat", GIT_TERMINAL_PROMPT: "0", CI: env.CI ?? "1" }
            });
            const output = new CappedOutput(options.maxOutputChars);
            let timedOut = false;
            let cancelled = false;
            let leftRunning = false;
            let settled = false;
            let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
            const timers: NodeJS.Timeout[] = [];
            const later = (ms: number, work: () => void) => timers.push(setTimeout(work, ms));
            /** The whole group, whether or not the shell is still there: SIGTERM, then SIGKILL after a grace. */
            const stopGroup = () => {
                killGroup(child.pid, "SIGTERM", windows);
                const kill = setTimeout(() => killGroup(child.pid, "SIGKILL", windows), KILL_GRACE_MS);
                kill.unref();
            };
            const finish = (error?: Error) => {
                if (settled) return;
                settled = true;
                for (const timer of timers) clearTimeout(timer);
                options.signal.removeEventListener("abort", onAbort);
                // Whatever still holds the pipes is not waited for.
                child.stdout.destroy();
                child.stderr.destroy();
                if (error) output.push(`\n${error.message}`);
                if (leftRunning) output.push("\n[It left processes running in the background; they were stopped.]");
                const { text, truncated } = output.result();
                const signal = exit?.signal ?? (exit === undefined && (timedOut || cancelled) ? "SIGKILL" : null);
                resolve({ exitCode: exit?.code ?? null, ...(signal ? { signal } : {}), output: text, truncated, timedOut, cancelled });
            };
            const stop = () => {
                stopGroup();
                // Killed: done once the shell is gone and the output drained, or after the grace whatever holds on.
                later(KILL_GRACE_MS + DRAIN_MS, () => finish());
            };
            later(options.timeoutMs, () => {
                timedOut = true;
                stop();
            });
            const onAbort = () => {
                cancelled = true;
                stop();
            };
            options.signal.addEventListener("abort", onAbort, { once: true });
            if (options.signal.aborted) onAbort();
            child.stdout.setEncoding("utf8").on("data", (text: string) => output.push(text));
            child.stderr.setEncoding("utf8").on("data", (text: string) => output.push(text));
            child.on("error", (error) => finish(error));
            child.on("exit", (code, signal) => {
                exit = { code, signal };
                // The shell is done; output may still be on its way. What keeps the pipe open after that was left behind.
                later(DRAIN_MS, () => {
                    if (settled) return;
                    if (!timedOut && !cancelled) leftRunning = true;
                    stopGroup();
                    finish();
                });
            });
            child.on("close", () => finish());
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
