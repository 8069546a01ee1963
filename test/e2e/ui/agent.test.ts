/**
 * The agent in the real workbench with the scripted engine (the model's turns come from a script, streamed through
 * the real worker and client; the tools, the edit session, the review and WorkspaceEdit are the real ones):
 * rename a function used in three files → the review shows three diffs → Accept All → the files change → one undo
 * restores all three; rejecting (one file in its diff editor, then all) leaves them untouched; in Restricted Mode a
 * write is refused; the same rename from the chat panel's Agent mode (tool-call cards, the review bar, Accept All).
 * Screenshots in .artifacts/e2e/.
 */
import assert from "node:assert/strict";
import type { FrameLocator } from "playwright-core";
import fs from "node:fs";
import path from "node:path";
import type { ScriptedResponse } from "../../../src/engine/scriptedBackend";
import { scriptedWorkspace, waitFor, type ScriptedWorkspace } from "../support/scripted";
import { repoRoot } from "../support/paths";
import { useWorkbench, type SessionOptions } from "../support/session";
import type { Workbench } from "../support/workbench";

const fixture = path.join(repoRoot, "test", "fixtures", "agent-workspace");
const FILES = ["src/price.ts", "src/cart.ts", "src/receipt.ts"] as const;

/** The end of a prompt whose newest message ends with `text` (a user request or a tool response). */
function endsWith(text: string): string {
    return `${text}(<\\|im_end\\|>\\n|\\n</tool_response><\\|im_end\\|>\\n)<\\|im_start\\|>assistant\\n<think>\\n$`;
}

function call(name: string, args: Record<string, string>): string {
    const params = Object.entries(args).map(([key, value]) => `<parameter=${key}>\n${value}\n</parameter>\n`).join("");
    return `<tool_call>\n<function=${name}>\n${params}</function>\n</tool_call>`;
}

/**
 * The model's turns for "Rename formatPrice to NAME everywhere": search, read the three files, edit them, summarize.
 * Each turn answers the newest message only (responses are also consumed in order).
 */
function renameTurns(name: string): ScriptedResponse[] {
    return [
        {
            match: endsWith(`Rename formatPrice to ${name} everywhere`),
            text: `The user wants formatPrice renamed to ${name}. I'll find every use first.\n</think>\n\nLet me find the usages.\n\n`
                + call("search_text", { query: "formatPrice", include: "*.ts" })
        },
        {
            match: endsWith("src/receipt.ts:\\d+: return lines[^\\n]*"),
            text: "It is defined in price.ts and used in cart.ts and receipt.ts.\n</think>\n\n"
                + FILES.map((file) => call("read_file", { path: file })).join("\n")
        },
        {
            match: endsWith("src/receipt.ts \\(6 lines\\):\\n[^<]*"),
            text: "Now the edits.\n</think>\n\n"
                + call("edit_file", { path: "src/price.ts", old_text: "export function formatPrice(", new_text: `export function ${name}(` }) + "\n"
                + call("edit_file", {
                    path: "src/cart.ts",
                    old_text: "import { formatPrice } from \"./price\";", new_text: `import { ${name} } from "./price";`
                }) + "\n"
                + call("edit_file", { path: "src/cart.ts", old_text: "return formatPrice(total);", new_text: `return ${name}(total);` }) + "\n"
                + call("edit_file", {
                    path: "src/receipt.ts",
                    old_text: "import { formatPrice } from \"./price\";", new_text: `import { ${name} } from "./price";`
                }) + "\n"
                + call("edit_file", { path: "src/receipt.ts", old_text: "${formatPrice(line.price)}", new_text: `\${${name}(line.price)}` })
        },
        {
            match: endsWith("Proposed 1 replacement in src/receipt.ts[^<]*"),
            text: `All three files are edited.\n</think>\n\nI renamed \`formatPrice\` to \`${name}\` in src/price.ts, src/cart.ts and src/receipt.ts.`
        }
    ];
}

const untrustedTurns: ScriptedResponse[] = [
    {
        match: endsWith("Make the README louder"),
        text: "</think>\n\n" + call("edit_file", { path: "README.md", old_text: "# Shop", new_text: "# SHOP!" })
    },
    { match: endsWith("Restricted Mode[^\\n]*"), text: "</think>\n\nThis workspace is in Restricted Mode, so I cannot change README.md." }
];

function prepare(options: SessionOptions, responses: ScriptedResponse[]): Promise<ScriptedWorkspace> {
    return scriptedWorkspace(options, responses, { fixture });
}

async function askAgent(workbench: Workbench, task: string): Promise<void> {
    await workbench.runCommand("Qwen Local: Ask Agent…");
    await workbench.fillQuickInput(task);
}

/** Clicks a button of the modal dialog (approvals, the undo question). */
async function clickDialogButton(workbench: Workbench, label: string | RegExp, timeoutMs = 60_000): Promise<void> {
    const button = workbench.page.locator(".monaco-dialog-box .monaco-button", { hasText: label }).first();
    await button.waitFor({ timeout: timeoutMs });
    await button.click();
    await button.waitFor({ state: "hidden", timeout: 10_000 }).catch(() => undefined);
}

/** The file rows of the multi-file diff editor: the label of each entry's header. */
async function multiDiffFiles(workbench: Workbench): Promise<string[]> {
    return await workbench.page.evaluate(`(() => {
        const editor = document.querySelector(".multiDiffEditor") || document.querySelector("[class*='multiDiffEditor']");
        if (!editor) return [];
        // Each entry's header names the file on both sides: the first name is the entry's.
        const entries = [...editor.querySelectorAll(".multiDiffEntry")];
        return entries.map((entry) => (entry.querySelector(".header .label-name") || entry.querySelector(".label-name"))?.textContent.trim() ?? "?");
    })()`) as string[];
}

describe("the agent (UI)", function () {
    this.timeout(240_000);
    const options: SessionOptions = { settings: {}, env: {} };
    let dir: string;
    let workspace: string;
    const read = (file: string) => fs.readFileSync(path.join(workspace, file), "utf8");
    let originals: Record<string, string>;

    before(async () => {
        ({ dir, workspace } = await prepare(options, [...renameTurns("formatAmount"), ...renameTurns("formatCost")]));
        originals = Object.fromEntries(FILES.map((file) => [file, read(file)]));
    });

    const session = useWorkbench(options);

    // Each test starts from the workspace as it was, whatever an earlier test left behind.
    beforeEach(() => {
        for (const file of FILES) if (read(file) !== originals[file]) fs.writeFileSync(path.join(workspace, file), originals[file]!);
    });

    after(() => {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("rename in three files: three diffs, Accept All, one undo", async function () {
        const workbench = session.workbench;
        const title = this.test!.fullTitle();
        await askAgent(workbench, "Rename formatPrice to formatAmount everywhere");

        // The first edit asks; "for this session" lets the other edits through.
        await workbench.page.locator(".monaco-dialog-box", { hasText: "Qwen wants to edit src/price.ts" }).waitFor({ timeout: 90_000 });
        await workbench.screenshot(`${title} 1 approval`);
        await clickDialogButton(workbench, "Allow edit_file for This Session");

        // The review: VS Code's multi-file diff with the three files, a notification and a status bar item.
        await workbench.waitForStatusBarText("qwenLocal.agentChanges", /^\$\(git-compare\) Qwen: 3 changes$/, 90_000);
        const files = await waitFor("the multi-file diff", () => multiDiffFiles(workbench), (names) => names.length >= 3, 30_000)
            .catch(async (error: Error) => {
                await workbench.screenshot(`${title} multi-diff missing`, 0);
                throw error;
            });
        assert.deepEqual([...files].sort(), ["cart.ts", "price.ts", "receipt.ts"]);
        await workbench.notification(/Qwen proposes changes to 3 files/).waitFor({ timeout: 30_000 });
        await workbench.screenshot(`${title} 2 review`);
        assert.deepEqual(Object.fromEntries(FILES.map((file) => [file, read(file)])), originals, "nothing written before accepting");

        await workbench.clickNotificationButton(/Qwen proposes changes to 3 files/, "Accept All");
        // Every file written whole: VS Code's save truncates before it writes, so "no formatPrice" alone could read a file mid-save.
        await waitFor("the files on disk", async () => FILES.map(read),
            (texts) => texts.every((text) => /formatAmount/.test(text) && !/formatPrice/.test(text)), 30_000);
        assert.match(read("src/price.ts"), /^export function formatAmount\(value: number/);
        assert.match(read("src/cart.ts"), /import \{ formatAmount \} from "\.\/price";[\s\S]*return formatAmount\(total\);/);
        assert.match(read("src/receipt.ts"), /\$\{formatAmount\(line\.price\)\}/);
        await workbench.page.locator(".part.statusbar .statusbar-item[id$='qwenLocal.agentChanges']").waitFor({ state: "hidden", timeout: 10_000 })
            .catch(() => undefined);
        await workbench.screenshot(`${title} 3 accepted`);

        // One undo, in any of the files, restores all three.
        // Opened from the Explorer, which lists only real files (Quick Open's history also offers the review's
        // virtual documents, and its file search lags on a busy machine).
        await openInExplorer(workbench, ["src", "cart.ts"]);
        // The undo must go to the file: wait for its own editor (not whichever editor was open before).
        const cartEditor = workbench.page.locator(".monaco-editor[data-uri$='src/cart.ts'] .view-lines").first();
        await cartEditor.waitFor({ timeout: 30_000 });
        await cartEditor.click();
        await workbench.page.keyboard.press("Control+Z");
        // VS Code may ask whether to undo in all the files of the edit: yes.
        await clickDialogButton(workbench, /Undo in \d+ Files/, 3000).catch(() => undefined);
        await workbench.runCommand("File: Save All Files");
        await waitFor("the files after undo", async () => FILES.map(read), (texts) => texts.every((text, index) => text === originals[FILES[index]!]), 30_000);
        await workbench.screenshot(`${title} 4 undone`);
    });

    it("rejects one file in its diff editor, then Reject All: files untouched", async function () {
        const workbench = session.workbench;
        const title = this.test!.fullTitle();
        await askAgent(workbench, "Rename formatPrice to formatCost everywhere");
        // Whether or not an earlier test allowed writes for this session: answer the question if it comes.
        const question = workbench.page.locator(".monaco-dialog-box", { hasText: "Qwen wants to edit" });
        const review = workbench.waitForStatusBarText("qwenLocal.agentChanges", /^\$\(git-compare\) Qwen: 3 changes$/, 90_000);
        const asked = await Promise.race([question.waitFor({ timeout: 90_000 }).then(() => true, () => false), review.then(() => false)]);
        if (asked) await clickDialogButton(workbench, "Allow edit_file for This Session");
        await review;
        await workbench.screenshot(`${title} 1 review`);

        // One file from the review list, in its own diff editor, rejected with the editor's title button.
        await workbench.runCommand("Qwen Local: Review Agent Changes…");
        await workbench.pickQuickInput(/src\/cart\.ts/);
        const reject = workbench.page.locator(".editor-actions [aria-label^='Reject Proposed Change']").first();
        await reject.waitFor({ timeout: 30_000 });
        await workbench.screenshot(`${title} 2 file diff`);
        await reject.click();
        await workbench.waitForStatusBarText("qwenLocal.agentChanges", /^\$\(git-compare\) Qwen: 2 changes$/, 30_000);

        await workbench.runCommand("Qwen Local: Reject All Agent Changes");
        await workbench.page.locator(".part.statusbar .statusbar-item[id$='qwenLocal.agentChanges']").waitFor({ state: "hidden", timeout: 20_000 });
        // Rejecting writes nothing: the files are as they were, at once.
        assert.deepEqual(Object.fromEntries(FILES.map((file) => [file, read(file)])), originals);
        await workbench.screenshot(`${title} 3 rejected`);
    });
});

/** Opens a workspace file by clicking through the Explorer's tree (folders expanded as needed). */
async function openInExplorer(workbench: Workbench, segments: string[]): Promise<void> {
    await workbench.runCommand("File: Focus on Files Explorer");
    const tree = workbench.page.locator(".explorer-folders-view");
    for (const [index, name] of segments.entries()) {
        const row = tree.locator(".monaco-list-row", { has: workbench.page.locator(".label-name", { hasText: new RegExp(`^${name.replace(/\./g, "\\.")}$`) }) }).first();
        await row.waitFor({ timeout: 30_000 });
        const folder = index < segments.length - 1;
        if (!folder || await row.getAttribute("aria-expanded") !== "true") await row.click();
        if (folder) await tree.locator(".monaco-list-row[aria-expanded='true']", { has: workbench.page.locator(".label-name", { hasText: name }) }).first().waitFor({ timeout: 10_000 });
    }
}

describe("the agent in Restricted Mode (UI)", function () {
    this.timeout(240_000);
    const options: SessionOptions = {
        settings: { "security.workspace.trust.enabled": true, "security.workspace.trust.startupPrompt": "never" },
        env: {},
        workspaceTrust: true
    };
    let dir: string;
    let workspace: string;

    before(async () => {
        ({ dir, workspace } = await prepare(options, untrustedTurns));
    });

    const session = useWorkbench(options);

    after(() => {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("refuses a write in an untrusted workspace", async function () {
        const workbench = session.workbench;
        const title = this.test!.fullTitle();
        const readme = fs.readFileSync(path.join(workspace, "README.md"), "utf8");
        await askAgent(workbench, "Make the README louder");
        const transcript = workbench.page.locator(".monaco-editor .view-lines", { hasText: "refused: Restricted Mode" }).first();
        await transcript.waitFor({ timeout: 90_000 });
        await workbench.page.locator(".monaco-editor .view-lines", { hasText: "cannot change README.md" }).first().waitFor({ timeout: 30_000 });
        assert.equal(await workbench.page.locator(".monaco-dialog-box").count(), 0, "no approval was asked");
        assert.equal(fs.readFileSync(path.join(workspace, "README.md"), "utf8"), readme);
        assert.equal(await workbench.page.locator(".part.statusbar .statusbar-item[id$='qwenLocal.agentChanges']").isVisible(), false);
        await workbench.screenshot(`${title}`);
    });
});

describe("the chat panel's Agent mode (UI)", function () {
    this.timeout(240_000);
    const options: SessionOptions = { settings: {}, env: {} };
    let dir: string;
    let workspace: string;
    const read = (file: string) => fs.readFileSync(path.join(workspace, file), "utf8");

    before(async () => {
        ({ dir, workspace } = await prepare(options, renameTurns("formatTotal")));
    });

    const session = useWorkbench(options);

    after(() => {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("switches to Agent mode, streams the steps, Accept All in the review bar", async () => {
        const workbench = session.workbench;
        // Short: screenshot names are cut at 100 characters.
        const title = "chat panel agent mode";
        const originals = Object.fromEntries(FILES.map((file) => [file, read(file)]));
        await workbench.runCommand("Qwen Local: Open Chat");
        const view: FrameLocator = await workbench.webview("#chat-input", 60_000);

        const toggle = view.locator("#agent-toggle");
        assert.equal(await toggle.getAttribute("aria-pressed"), "false");
        // Keyboard accessible: focus it and press Space.
        await toggle.focus();
        await toggle.press("Space");
        assert.equal(await toggle.getAttribute("aria-pressed"), "true");
        await view.locator("#agent-view").waitFor({ timeout: 10_000 });
        assert.equal(await view.locator("#thinking-toggle").isVisible(), false, "no chat thinking toggle in agent mode");

        await view.locator("#chat-input").fill("Rename formatPrice to formatTotal everywhere");
        await view.locator("#chat-input").press("Enter");
        await view.locator("#agent-log .message.user", { hasText: "Rename formatPrice to formatTotal everywhere" }).waitFor({ timeout: 30_000 });
        await view.locator("#stop").waitFor({ state: "visible", timeout: 10_000 });

        // The first edit asks (a modal dialog); its card shows that it waits.
        await workbench.page.locator(".monaco-dialog-box", { hasText: "Qwen wants to edit src/price.ts" }).waitFor({ timeout: 90_000 });
        await view.locator(".tool-call[data-tool='edit_file'][data-approval='pending']").first().waitFor({ timeout: 10_000 });
        await workbench.screenshot(`${title} 1 approval`);
        await clickDialogButton(workbench, "Allow edit_file for This Session");

        // The review bar: three files; the cards: search, three reads, five edits, each with its result.
        const review = view.locator("#agent-review");
        await review.locator("strong", { hasText: "3 changes to review" }).waitFor({ timeout: 90_000 });
        await view.locator("#send").waitFor({ state: "visible", timeout: 60_000 });
        await view.locator("#agent-log .agent-done", { hasText: /^Done in \d+ steps\.$/ }).waitFor({ timeout: 30_000 });
        assert.equal(await view.locator(".tool-call[data-tool='search_text']").count(), 1);
        assert.equal(await view.locator(".tool-call[data-tool='read_file']").count(), 3);
        assert.equal(await view.locator(".tool-call[data-tool='edit_file']").count(), 5);
        assert.equal(await view.locator(".tool-call[data-state='ok']").count(), 9, "every call has its result");
        assert.equal(await view.locator(".tool-call[data-tool='edit_file'] .tool-approval", { hasText: /^Approved/ }).count(), 5);
        assert.match(await view.locator(".tool-call[data-tool='edit_file'] .tool-args pre").first().textContent() ?? "", /"path": "src\/price.ts"/);
        assert.ok(await view.locator(".tool-call .agent-diff").count() >= 3, "the edits' diffs");
        assert.match(await view.locator("#agent-log .agent-text").last().innerText(), /I renamed formatPrice to formatTotal/);
        assert.deepEqual(Object.fromEntries(FILES.map((file) => [file, read(file)])), originals, "nothing written before accepting");
        await workbench.screenshot(`${title} 2 review bar`);

        await view.locator("#agent-accept-all").click();
        // Every file written whole: VS Code's save truncates before it writes, so "no formatPrice" alone could read a file mid-save.
        await waitFor("the files on disk", async () => FILES.map(read),
            (texts) => texts.every((text) => /formatTotal/.test(text) && !/formatPrice/.test(text)), 30_000);
        assert.match(read("src/price.ts"), /^export function formatTotal\(value: number/);
        assert.match(read("src/cart.ts"), /return formatTotal\(total\);/);
        assert.match(read("src/receipt.ts"), /\$\{formatTotal\(line\.price\)\}/);
        await review.waitFor({ state: "hidden", timeout: 10_000 });
        await workbench.screenshot(`${title} 3 accepted`);
    });
});
