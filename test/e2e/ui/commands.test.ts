/**
 * UI tests: a person's view of Qwen Local in a real VS Code workbench, driven through chromium.
 * Screenshots land in .artifacts/e2e/ (git-ignored), named after the test.
 */
import assert from "node:assert/strict";
import { ensureTinyModel } from "../../support/tinyModel";
import { useWorkbench } from "../support/session";

interface ContributedCommand {
    command: string;
    title: string;
    category?: string;
}

/** The palette label of a contributed command: "Category: Title" when it has a category. */
function paletteTitle(command: ContributedCommand): string {
    return command.category ? `${command.category}: ${command.title}` : command.title;
}

describe("Qwen Local in the workbench (UI)", function () {
    this.timeout(120_000);
    const session = useWorkbench();

    it("shows its log from the command palette", async function () {
        const commands = (session.manifest().contributes?.commands ?? []) as ContributedCommand[];
        const showLog = commands.find((command) => command.command === "qwenLocal.showLog");
        assert.ok(showLog, "package.json contributes no qwenLocal.showLog command");
        const workbench = session.workbench;
        // The extension is active once its status bar item shows (it activates on startup finished; on a busy
        // machine the remote extension host can take a while to get there).
        await workbench.statusBarText("qwenLocal.status", 90_000);
        await workbench.runCommand(paletteTitle(showLog));
        // The Output view opens in the panel with our channel selected.
        const panel = workbench.page.locator(".part.panel");
        await panel.waitFor({ state: "visible", timeout: 60_000 });
        const channel = panel.locator("select.monaco-select-box");
        await assert.doesNotReject(async () => {
            const deadline = Date.now() + 20_000;
            while (!/Qwen Local/.test(await channel.first().inputValue().catch(() => ""))) {
                if (Date.now() > deadline) throw new Error(`output channel shown: "${await channel.first().inputValue().catch(() => "")}"`);
                await workbench.page.waitForTimeout(200);
            }
        });
        await workbench.screenshot(this.test!.fullTitle());
    });

    it("shows a Qwen Local status bar item that does not claim a loaded model", async function () {
        const text = await session.workbench.statusBarText("qwenLocal.status");
        assert.match(text, /^\$\([\w-]+\) Qwen/);
        assert.doesNotMatch(text, /\$\(check\)|loading|tok\/s/);
        await session.workbench.screenshot(this.test!.fullTitle());
    });

    it("selects the tiny model with Select Model… and loads it", async function () {
        this.timeout(180_000);
        const modelPath = await ensureTinyModel();
        const workbench = session.workbench;
        const status = await workbench.recordStatusBar("qwenLocal.status");
        const title = this.test!.fullTitle();
        await workbench.runCommand("Qwen Local: Select Model…");
        await workbench.screenshot(`${title} 1 model picker`);
        await workbench.pickQuickInput(/Browse for a \.gguf file/);
        await workbench.screenshot(`${title} 2 file dialog`);
        // In a browser, showOpenDialog is VS Code's own file dialog: a quick input that takes a path.
        await workbench.fillQuickInput(modelPath);
        await workbench.waitForStatusBarText("qwenLocal.status", /^\$\(check\) Qwen/, 120_000);
        const seen = await status.texts();
        assert.ok(seen.some((text) => /^\$\(loading\) Qwen: (starting|loading)/.test(text)), `status bar went ${seen.join(" → ")}`);
        await workbench.screenshot(`${title} 3 ready`);
    });
});
