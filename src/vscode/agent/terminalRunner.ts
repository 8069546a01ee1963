/**
 * run_command in a terminal the user sees ("Qwen Agent", reused from call to call). Where the terminal has shell
 * integration (VS Code 1.93+, bash / zsh / fish / pwsh), the command runs in it and its output and exit code come
 * back through the integration; otherwise the child-process runner runs it (the CLI's way) and its output is shown
 * in a terminal of its own. Either way: a timeout, output bounded (start and end kept), Stop interrupts it (Ctrl+C,
 * then the terminal is closed if it does not stop), and a command that sits waiting for input — no output for a
 * while, the last line looking like a question — is interrupted and reported instead of hanging the agent.
 *
 * The terminal gets the environment without what looks like a secret, as the child-process runner does.
 */
import * as vscode from "vscode";
import type { CommandOutput, CommandRunner } from "../../core/agent/workspaceFs";
import type { Logger } from "../../core/log";
import { commandEnvironment } from "../../node/agent/commandRunner";
import { BoundedOutput, looksLikeAQuestion, stripAnsi } from "../../core/agent/terminalOutput";

type ShellIntegration = vscode.TerminalShellIntegration;
type IntegratedTerminal = vscode.Terminal;
type ShellWindow = Pick<typeof vscode.window, "onDidChangeTerminalShellIntegration" | "onDidEndTerminalShellExecution">;

export const AGENT_TERMINAL_NAME = "Qwen Agent";
/** How long a new terminal gets to report its shell integration. */
const INTEGRATION_WAIT_MS = 6000;
/** No output for this long, with a last line that looks like a question: the command waits for input. */
const INPUT_IDLE_MS = 8000;
/** After Ctrl+C, how long before the terminal (and with it the command) is closed. */
const INTERRUPT_GRACE_MS = 3000;

export interface TerminalRunnerOptions {
    fallback: CommandRunner;
    passEnvironment: () => readonly string[];
    log: Logger;
}

export class TerminalCommandRunner implements CommandRunner, vscode.Disposable {
    private terminal?: IntegratedTerminal;
    private busy = false;
    private readonly disposables: vscode.Disposable[] = [];

    constructor(private readonly options: TerminalRunnerOptions) {
        this.disposables.push(vscode.window.onDidCloseTerminal((closed) => {
            if (closed === this.terminal) this.terminal = undefined;
        }));
    }

    async run(command: string, options: { cwd: string; timeoutMs: number; maxOutputChars: number; signal: AbortSignal }): Promise<CommandOutput> {
        const window: ShellWindow = vscode.window;
        // A second command while one runs (the model asked for two at once) gets a terminal of its own.
        const terminal = this.busy || !this.terminal || this.terminal.exitStatus !== undefined ? this.create(options.cwd) : this.terminal;
        if (!this.busy) this.terminal = terminal;
        terminal.show(true);
        const integration = terminal.shellIntegration ?? await waitForIntegration(terminal, window, options.signal);
        if (!integration) {
            this.options.log.info("Agent: the terminal has no shell integration; the command runs as a child process, its output shown in the terminal");
            return this.runWithoutIntegration(command, options);
        }
        this.busy = true;
        try {
            return await runIntegrated(terminal, integration, window, command, options, () => {
                if (terminal === this.terminal) this.terminal = undefined;
                terminal.dispose();
            });
        } finally {
            this.busy = false;
        }
    }

    dispose(): void {
        for (const disposable of this.disposables) disposable.dispose();
    }

    private create(cwd: string): IntegratedTerminal {
        // Secrets are removed from the terminal's environment (null unsets a variable VS Code would pass on).
        const kept = commandEnvironment(process.env, this.options.passEnvironment());
        const env: Record<string, string | null> = {};
        for (const name of Object.keys(process.env)) if (!(name in kept)) env[name] = null;
        return vscode.window.createTerminal({ name: AGENT_TERMINAL_NAME, cwd, env, iconPath: new vscode.ThemeIcon("hubot"), isTransient: true });
    }

    /** The child-process runner, its command and output written to a terminal of its own so the user sees them. */
    private async runWithoutIntegration(command: string, options: { cwd: string; timeoutMs: number; maxOutputChars: number; signal: AbortSignal }): Promise<CommandOutput> {
        const write = new vscode.EventEmitter<string>();
        const pty: vscode.Pseudoterminal = { onDidWrite: write.event, open: () => undefined, close: () => undefined };
        const shown = vscode.window.createTerminal({ name: `${AGENT_TERMINAL_NAME} (output)`, pty, iconPath: new vscode.ThemeIcon("hubot") });
        shown.show(true);
        write.fire(`\x1b[1m$ ${command}\x1b[0m\r\n`);
        try {
            const result = await this.options.fallback.run(command, options);
            write.fire(`${result.output.replace(/\r?\n/g, "\r\n")}\r\n`);
            write.fire(`\x1b[2m[${result.cancelled ? "stopped" : result.timedOut ? "timed out" : `exit code ${result.exitCode ?? result.signal ?? "?"}`}]\x1b[0m\r\n`);
            return result;
        } finally {
            write.dispose();
        }
    }
}

async function waitForIntegration(terminal: IntegratedTerminal, window: ShellWindow, signal: AbortSignal): Promise<ShellIntegration | undefined> {
    return new Promise((resolve) => {
        const done = (value: ShellIntegration | undefined) => {
            clearTimeout(timer);
            subscription.dispose();
            signal.removeEventListener("abort", aborted);
            resolve(value);
        };
        const aborted = () => done(undefined);
        const timer = setTimeout(() => done(terminal.shellIntegration), INTEGRATION_WAIT_MS);
        const subscription = window.onDidChangeTerminalShellIntegration((event) => {
            if (event.terminal === terminal) done(event.shellIntegration);
        });
        signal.addEventListener("abort", aborted, { once: true });
    });
}

async function runIntegrated(terminal: IntegratedTerminal, integration: ShellIntegration, window: ShellWindow, command: string,
    options: { cwd: string; timeoutMs: number; maxOutputChars: number; signal: AbortSignal }, close: () => void): Promise<CommandOutput> {
    const here = integration.cwd?.fsPath;
    const line = here === options.cwd ? command : `cd ${shellQuote(options.cwd)} && ${command}`;
    const output = new BoundedOutput(options.maxOutputChars);
    let lastOutputAt = Date.now();
    let timedOut = false;
    let cancelled = false;
    let waitingForInput = false;
    let interruptedAt: number | undefined;

    const execution = integration.executeCommand(line);
    const ended = new Promise<number | undefined>((resolve) => {
        const subscription = window.onDidEndTerminalShellExecution((event) => {
            if (event.execution !== execution) return;
            subscription.dispose();
            resolve(event.exitCode);
        });
        const closed = vscode.window.onDidCloseTerminal((gone) => {
            if (gone !== terminal) return;
            closed.dispose();
            resolve(undefined);
        });
    });
    const reading = (async () => {
        for await (const data of execution.read()) {
            output.push(stripAnsi(data));
            lastOutputAt = Date.now();
        }
    })().catch(() => undefined);

    const interrupt = () => {
        if (interruptedAt !== undefined) return;
        interruptedAt = Date.now();
        terminal.sendText("\x03", false);
    };
    const onAbort = () => {
        cancelled = true;
        interrupt();
    };
    options.signal.addEventListener("abort", onAbort, { once: true });
    if (options.signal.aborted) onAbort();
    const started = Date.now();
    const watch = setInterval(() => {
        const now = Date.now();
        if (now - started > options.timeoutMs && interruptedAt === undefined) {
            timedOut = true;
            interrupt();
        }
        if (interruptedAt === undefined && now - lastOutputAt > INPUT_IDLE_MS && looksLikeAQuestion(output.tail())) {
            waitingForInput = true;
            interrupt();
        }
        // Ctrl+C did not stop it: closing the terminal ends the shell and what it runs.
        if (interruptedAt !== undefined && now - interruptedAt > INTERRUPT_GRACE_MS) close();
    }, 250);
    let exitCode: number | undefined;
    try {
        exitCode = await ended;
        await Promise.race([reading, new Promise((resolve) => setTimeout(resolve, 500))]);
    } finally {
        clearInterval(watch);
        options.signal.removeEventListener("abort", onAbort);
    }
    const text = output.text();
    const note = waitingForInput
        ? `\n[The command waited for input (no output for ${INPUT_IDLE_MS / 1000} s after a question), so it was interrupted. `
        + "Run it non-interactively: pass the answer as an option (--yes, -y, CI=1) or give it its input from a file.]"
        : "";
    return {
        exitCode: exitCode ?? null, output: text.value + note, truncated: text.truncated, timedOut, cancelled,
        ...(waitingForInput ? { waitingForInput: true } : {})
    };
}

function shellQuote(path: string): string {
    return process.platform === "win32" ? `"${path.replace(/"/g, '""')}"` : `'${path.replace(/'/g, `'\\''`)}'`;
}
