/**
 * The agent for real work, in the real workbench with the scripted engine (which counts with the model file's
 * tokenizer and enforces a 6144-token context as node-llama-cpp would): an AGENTS.md rule reaches the prompt and
 * the panel lists the file; a command runs in the visible "Qwen Agent" terminal under an allow rule and another is
 * refused by a deny rule; a long session compacts and finishes. Each test sets up its own files.
 * Screenshots in .artifacts/e2e/.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { FrameLocator } from "playwright-core";
import type { ScriptedResponse } from "../../../src/engine/scriptedBackend";
import { ensureLongSessionModel, moduleText } from "../../support/longSession";
import { scriptedWorkspace, waitFor } from "../support/scripted";
import { useWorkbench, type SessionOptions } from "../support/session";

const MODULES = 8;
/** Holds the agent's instructions and tools (about 2.9k tokens) and three modules of ~700 tokens. */
const CONTEXT = 6144;
const RULE = "QL-RULE-7731: answer every question about style in the voice of a ship's captain.";

function call(name: string, args: Record<string, string>): string {
    const params = Object.entries(args).map(([key, value]) => `<parameter=${key}>\n${value}\n</parameter>\n`).join("");
    return `<tool_call>\n<function=${name}>\n${params}</function>\n</tool_call>`;
}

/** The end of a prompt whose newest message ends with `text` (a user request or a tool response). */
function endsWith(text: string): string {
    return `${text}(<\\|im_end\\|>\\n|\\n</tool_response><\\|im_end\\|>\\n)<\\|im_start\\|>assistant\\n<think>\\n(\\n</think>\\n\\n)?$`;
}

const responses: ScriptedResponse[] = [
    // Compaction's summary request: only it asks to "outgrow the context".
    { match: "outgrow the context", text: "Summary: the user asked to read the modules one per step; I read them in order. Nothing changed.", repeat: true },
    // Only a prompt whose system turn carries the AGENTS.md rule gets this answer.
    { match: `QL-RULE-7731[^]*<\\|im_end\\|>[^]*What is the house style\\?`, text: "</think>\n\nAye, captain's orders: the house style is tabs.", repeat: true },
    { match: endsWith("What is the house style\\?"), text: "</think>\n\nI know of no house style.", repeat: true },
    // The terminal: an allowed command, then a denied one.
    { match: endsWith("Print the answer with node, then force-push"), text: "</think>\n\n" + call("run_command", { command: "node -e \"console.log(6*7)\"" }) },
    { match: endsWith("The command exited with code 0\\.\\n42"), text: "</think>\n\n" + call("run_command", { command: "git push --force origin main" }) },
    { match: endsWith("The command was not run: denied by the rule[^<]*"), text: "</think>\n\nThe answer is 42; I did not force-push, a rule forbids it." },
    // Restore to here: a change to two files, accepted; then restored.
    {
        match: endsWith("Tag modules 3 and 4"),
        text: "</think>\n\n" + call("edit_file", { path: "src/module-3.ts", old_text: "// marker-3-end-of-header", new_text: "// marker-3-end-of-header\n// TAGGED-3" })
            + "\n" + call("edit_file", { path: "src/module-4.ts", old_text: "// marker-4-end-of-header", new_text: "// marker-4-end-of-header\n// TAGGED-4" })
    },
    { match: endsWith("Proposed 1 replacement in src/module-4\\.ts[^<]*"), text: "</think>\n\nTagged modules 3 and 4." },
    // The long session: one module per step, each step only when the previous module reached the prompt.
    ...Array.from({ length: MODULES }, (_, index): ScriptedResponse => ({
        match: index === 0 ? endsWith("Read the modules one per step") : `marker-${index}-end-of-header[^]*$`,
        text: `</think>\n\nReading module ${index + 1}.\n\n${call("read_file", { path: `src/module-${index + 1}.ts` })}`
    })),
    { match: `marker-${MODULES}-end-of-header`, text: `</think>\n\nAll ${MODULES} modules read.` },
    // Write Commit Message: only a prompt with the staged diff and the recent subjects as examples.
    {
        match: "chore: start the ledger[^]*The staged changes:[^]*src/module-2\\.ts[^]*QL-COMMIT-CHANGE",
        text: "feat(ledger): note the reviewed state of module 2\n\nMark module 2 as reviewed so the audit can skip it."
    }
];

describe("the agent for real work (UI)", function () {
    this.timeout(240_000);
    const options: SessionOptions = { settings: {}, env: {} };
    let dir: string;
    let workspace: string;

    before(async () => {
        const files: Record<string, string> = { "README.md": "# Ledger\n" };
        for (let index = 1; index <= MODULES; index++) files[`src/module-${index}.ts`] = moduleText(index);
        ({ dir, workspace } = await scriptedWorkspace(options, responses, { files }, { tokenDelayMs: 1, contextSize: CONTEXT }));
        // A tokenizer that packs text as the real one does, so a 4096-token context holds the agent's prompt.
        options.settings!["qwenLocal.model"] = await ensureLongSessionModel(30);
        options.settings!["qwenLocal.agent.commandRules"] = ["allow node -e"];
        options.settings!["qwenLocal.agent.autoApprove"] = ["edit_file"];
        // A git repository with one commit, for Write Commit Message.
        const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=Test", "-c", "user.email=test@example.com", ...args], { cwd: workspace });
        git("init", "-q");
        git("add", "-A");
        git("commit", "-q", "-m", "chore: start the ledger");
    });

    const session = useWorkbench(options);

    after(() => {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    async function panel(mode: "chat" | "agent"): Promise<FrameLocator> {
        const workbench = session.workbench;
        await workbench.runCommand("Qwen Local: Open Chat");
        const view = await workbench.webview("#chat-input", 60_000);
        const toggle = view.locator("#agent-toggle");
        if ((await toggle.getAttribute("aria-pressed") === "true") !== (mode === "agent")) await toggle.click();
        await view.locator("#send").waitFor({ state: "visible", timeout: 60_000 });
        return view;
    }

    async function send(view: FrameLocator, text: string): Promise<void> {
        await view.locator("#chat-input").fill(text);
        await view.locator("#chat-input").press("Enter");
    }

    it("an AGENTS.md rule reaches the prompt, and the panel lists the file and opens it", async function () {
        fs.writeFileSync(path.join(workspace, "AGENTS.md"), `# House rules\n\n${RULE}\n`);
        try {
            const view = await panel("chat");
            await view.locator("#composer #instructions .instruction-file", { hasText: "AGENTS.md" }).waitFor({ timeout: 30_000 });
            await send(view, "What is the house style?");
            await view.locator("#thread article.assistant", { hasText: "captain's orders" }).waitFor({ timeout: 60_000 });
            await session.workbench.screenshot(`${this.test!.fullTitle()} 1 answer`);
            await view.locator("#composer #instructions .instruction-file", { hasText: "AGENTS.md" }).click();
            await session.workbench.page.locator(".tabs-container .tab", { hasText: "AGENTS.md" }).first().waitFor({ timeout: 20_000 });
            // Deleted, it leaves the list.
            fs.rmSync(path.join(workspace, "AGENTS.md"));
            await view.locator("#composer #instructions").waitFor({ state: "hidden", timeout: 30_000 });
        } finally {
            fs.rmSync(path.join(workspace, "AGENTS.md"), { force: true });
        }
    });

    it("runs an allowed command in the visible Qwen Agent terminal without asking, and refuses a denied one", async function () {
        const view = await panel("agent");
        await send(view, "Print the answer with node, then force-push");
        await view.locator("#agent-log .agent-done", { hasText: /^Done in 3 steps\.$/ }).waitFor({ timeout: 120_000 });
        const cards = view.locator(".tool-call[data-tool='run_command']");
        assert.equal(await cards.count(), 2);
        assert.match(await cards.nth(0).locator(".tool-approval").innerText(), /^Run without asking: allowed by the rule “allow node -e”/);
        assert.equal(await cards.nth(0).getAttribute("data-state"), "ok");
        assert.match(await cards.nth(1).locator(".tool-approval").innerText(), /^Not run: denied by the rule “deny \/\\bgit/);
        assert.equal(await session.workbench.page.locator(".monaco-dialog-box").count(), 0, "nothing was asked");
        assert.match(await view.locator("#agent-log .agent-text").last().innerText(), /The answer is 42/);
        // The command ran in the terminal the user sees.
        await waitFor("the Qwen Agent terminal", async () => (await session.workbench.page.locator(".part.panel").innerText().catch(() => "")),
            (text) => /Qwen Agent/.test(text), 30_000);
        await session.workbench.screenshot(`${this.test!.fullTitle()} terminal`);
    });

    it("a long session compacts, shows where, and finishes", async function () {
        const view = await panel("agent");
        await send(view, "Read the modules one per step");
        await view.locator("#agent-log .agent-done", { hasText: new RegExp(`^Done in ${MODULES + 1} steps\\.$`) }).waitFor({ timeout: 180_000 });
        assert.ok(await view.locator("#agent-log .agent-compacted").count() >= 1, "a compaction rule");
        assert.match(await view.locator("#agent-log .agent-compacted").first().innerText(), /Context compacted here: \d+ earlier messages were replaced by the model's summary \(\d+ → \d+ tokens\)\./);
        assert.equal(await view.locator(".tool-call[data-tool='read_file'][data-state='ok']").count(), MODULES);
        assert.match(await view.locator("#agent-log .agent-text").last().innerText(), new RegExp(`All ${MODULES} modules read\\.`));
        await session.workbench.screenshot(`${this.test!.fullTitle()}`);
    });

    it("writes a commit message from the staged changes into the Source Control input box", async function () {
        const workbench = session.workbench;
        const file = path.join(workspace, "src/module-2.ts");
        const original = fs.readFileSync(file, "utf8");
        fs.writeFileSync(file, `${original}\n// QL-COMMIT-CHANGE: reviewed\n`);
        execFileSync("git", ["add", "src/module-2.ts"], { cwd: workspace });
        try {
            await workbench.page.locator(".part.activitybar .action-item [aria-label^='Source Control']").first().click();
            const scm = workbench.page.locator(".part.sidebar");
            await scm.locator(".monaco-list-row", { hasText: "Staged Changes" }).first().waitFor({ timeout: 60_000 });
            await workbench.runCommand("Qwen Local: Write Commit Message");
            const input = scm.locator(".scm-editor .view-lines").first();
            await waitFor("the commit message in the Source Control input box", async () => (await input.innerText().catch(() => "")).replace(/\s+/g, " "),
                (text) => /feat\(ledger\): note the reviewed state of module 2/.test(text) && /Mark module 2 as reviewed/.test(text), 60_000);
            await workbench.screenshot(this.test!.fullTitle());
            // Nothing was committed.
            assert.equal(execFileSync("git", ["rev-list", "--count", "HEAD"], { cwd: workspace, encoding: "utf8" }).trim(), "1");
        } finally {
            execFileSync("git", ["reset", "-q", "HEAD", "src/module-2.ts"], { cwd: workspace });
            fs.writeFileSync(file, original);
        }
    });

    it("Restore to here after an accepted change to two files: confirmed with the list, one restored, the one edited since offered for review, the conversation rewound", async function () {
        const workbench = session.workbench;
        const title = "restore to here";
        const read = (file: string) => fs.readFileSync(path.join(workspace, file), "utf8");
        const originals = { three: read("src/module-3.ts"), four: read("src/module-4.ts") };
        try {
            const view = await panel("agent");
            await send(view, "Tag modules 3 and 4");
            await view.locator("#agent-log .agent-done", { hasText: /^Done in 2 steps\.$/ }).waitFor({ timeout: 120_000 });
            await view.locator("#agent-accept-all").click();
            await waitFor("both files tagged on disk", async () => [read("src/module-3.ts"), read("src/module-4.ts")],
                ([three, four]) => /TAGGED-3/.test(three!) && /TAGGED-4/.test(four!), 30_000);
            // The user edits one of them afterwards.
            fs.writeFileSync(path.join(workspace, "src/module-4.ts"), `${read("src/module-4.ts")}// the user's own line\n`);

            const request = view.locator("#agent-log .message.user", { hasText: "Tag modules 3 and 4" }).last();
            await request.locator(".restore-turn").click();
            const dialog = workbench.page.locator(".monaco-dialog-box", { hasText: "Restore to before “Tag modules 3 and 4”?" });
            await dialog.waitFor({ timeout: 30_000 });
            const detail = await dialog.innerText();
            assert.match(detail, /src\/module-3\.ts: restored/);
            assert.match(detail, /src\/module-4\.ts: edited since — shown as a change to review/);
            await workbench.screenshot(`${title} 1 confirmation`);
            await dialog.locator(".monaco-button", { hasText: /^Restore$/ }).click();

            await waitFor("module 3 restored on disk", async () => read("src/module-3.ts"), (text) => text === originals.three, 30_000);
            assert.match(read("src/module-4.ts"), /TAGGED-4[^]*the user's own line/, "the file edited since is not overwritten");
            await workbench.waitForStatusBarText("qwenLocal.agentChanges", /Qwen: 1 change/, 30_000);
            // The conversation went back to before the request, whose text is in the input again.
            await view.locator("#agent-log .message.user", { hasText: "Tag modules 3 and 4" }).waitFor({ state: "detached", timeout: 20_000 });
            assert.equal(await view.locator("#chat-input").inputValue(), "Tag modules 3 and 4");
            await workbench.screenshot(`${title} 2 restored`);
            // The offered change puts module 4 back too, once accepted.
            await workbench.runCommand("Qwen Local: Accept All Agent Changes");
            await waitFor("module 4 restored after review", async () => read("src/module-4.ts"), (text) => text === originals.four, 30_000);
        } finally {
            fs.writeFileSync(path.join(workspace, "src/module-3.ts"), originals.three);
            fs.writeFileSync(path.join(workspace, "src/module-4.ts"), originals.four);
        }
    });
});
