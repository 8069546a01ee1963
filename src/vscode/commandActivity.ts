/**
 * What an editor command is doing, where the user can see it: a status bar item ("Qwen: Fix Problems · thinking 12 s",
 * then "· writing 8 lines") and the "Qwen Local: Thinking" output, where every command's reasoning streams — the
 * thinking is there to read, and never goes into the code.
 */
import * as vscode from "vscode";
import { DisposableStore } from "../core/util/disposables";

export const ACTIVITY_STATUS_ID = "qwenLocal.commandActivity";
export const SHOW_THINKING_COMMAND = "qwenLocal.showThinking";

export type ActivityPhase = "waiting" | "thinking" | "writing";

export class ActivityRun {
    phase: ActivityPhase = "waiting";
    private readonly started = Date.now();
    private thinkingStarted?: number;
    private thinkingEnded?: number;
    lines = 0;

    constructor(readonly title: string, readonly thinking: boolean, private readonly changed: () => void, private readonly output: vscode.OutputChannel) {}

    /** Seconds since the run started, or since the thinking started while thinking. */
    get seconds(): number {
        const from = this.phase === "thinking" && this.thinkingStarted ? this.thinkingStarted : this.started;
        return Math.floor((Date.now() - from) / 1000);
    }

    get thoughtSeconds(): number | undefined {
        return this.thinkingStarted === undefined ? undefined : Math.round(((this.thinkingEnded ?? Date.now()) - this.thinkingStarted) / 1000);
    }

    /** A line for a progress notification and the status bar. */
    describe(): string {
        switch (this.phase) {
            case "waiting":
                return `starting · ${this.seconds} s`;
            case "thinking":
                return `thinking · ${this.seconds} s`;
            case "writing": {
                const thought = this.thoughtSeconds !== undefined ? ` (thought ${this.thoughtSeconds} s)` : "";
                return this.lines === 0 ? `answering${thought}` : `writing · ${this.lines} line${this.lines === 1 ? "" : "s"}${thought}`;
            }
        }
    }

    think(text: string): void {
        if (this.phase !== "thinking") {
            this.phase = "thinking";
            this.thinkingStarted = Date.now();
            this.changed();
        }
        this.output.append(text);
    }

    write(lines: number): void {
        if (this.phase === "thinking") {
            this.thinkingEnded = Date.now();
            this.output.appendLine("");
        }
        const changed = this.phase !== "writing" || lines !== this.lines;
        this.phase = "writing";
        this.lines = lines;
        if (changed) this.changed();
    }
}

export class CommandActivity implements vscode.Disposable {
    private readonly item: vscode.StatusBarItem;
    readonly output: vscode.OutputChannel;
    private readonly runs = new Set<ActivityRun>();
    private timer?: ReturnType<typeof setInterval>;
    private readonly disposables = new DisposableStore();

    constructor() {
        this.output = vscode.window.createOutputChannel("Qwen Local: Thinking", "markdown");
        this.item = vscode.window.createStatusBarItem(ACTIVITY_STATUS_ID, vscode.StatusBarAlignment.Right, 101);
        this.item.name = "Qwen Command";
        this.item.command = SHOW_THINKING_COMMAND;
        this.disposables.push(this.output, this.item, vscode.commands.registerCommand(SHOW_THINKING_COMMAND, () => this.output.show(true)));
    }

    /** Starts showing a command; `end` the returned run when it is over. */
    start(title: string, thinking: boolean, subject: string): ActivityRun {
        const run = new ActivityRun(title, thinking, () => this.render(), this.output);
        this.runs.add(run);
        const time = new Date().toLocaleTimeString();
        this.output.appendLine(`\n## ${title} — ${subject} (${time}, thinking ${thinking ? "on" : "off"})\n`);
        this.timer ??= setInterval(() => this.render(), 1000);
        this.render();
        return run;
    }

    end(run: ActivityRun, outcome: string): void {
        if (run.phase === "thinking") this.output.appendLine("");
        this.output.appendLine(`\n*${outcome}*`);
        this.runs.delete(run);
        if (this.runs.size === 0 && this.timer) {
            clearInterval(this.timer);
            this.timer = undefined;
        }
        this.render();
    }

    private render(): void {
        const run = [...this.runs].at(-1);
        if (!run) {
            this.item.hide();
            return;
        }
        const icon = run.phase === "thinking" ? "$(loading~spin)" : "$(sync~spin)";
        this.item.text = `${icon} Qwen: ${run.title} · ${run.describe()}`;
        this.item.tooltip = run.thinking ? "Qwen is working on a command with thinking on. Click to read the thinking." :
            "Qwen is working on a command. Click for the command log.";
        this.item.show();
    }

    dispose(): void {
        if (this.timer) clearInterval(this.timer);
        this.disposables.dispose();
    }
}
