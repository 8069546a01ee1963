/**
 * The editor commands in the real workbench with the scripted engine (the model's answers come from a script,
 * streamed through the real worker; the prompts, the diff review, WorkspaceEdit, TypeScript's diagnostics and the
 * lightbulb are the real ones):
 * - "Add Documentation" from the palette on a selection → a diff → Accept → the file changes (re-indented to the
 *   method's place) → one undo restores it;
 * - "Fix Problems" from the lightbulb on a TypeScript error, thinking (the status bar counts the seconds) → Accept;
 * - the one-off opposite: "Add Documentation — with thinking" from "Qwen Local: Commands…" thinks, shows its thinking
 *   in the output, and keeps it out of the code.
 * A response matches only the prompt with the right prefill (thinking on or off), so the thinking choice is checked too.
 * Screenshots in .artifacts/e2e/.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import type { ScriptedResponse } from "../../../src/engine/scriptedBackend";
import { scriptedWorkspace, waitFor } from "../support/scripted";
import { useWorkbench, type SessionOptions } from "../support/session";
import type { Workbench } from "../support/workbench";

const CART = [
    "export class Cart {",
    "    private items: { name: string; price: number }[] = [];",
    "",
    "    add(name: string, price: number): void {",
    "        this.items.push({ name, price });",
    "    }",
    "",
    "    total(): number {",
    "        return this.items.reduce((sum, item) => sum + item.price, 0);",
    "    }",
    "}",
    ""
].join("\n");

const DISCOUNT = [
    "export function discount(value: number, percent: number): number {",
    "    const result = value - (value * percent) / 100;",
    "    return reslt;",
    "}",
    ""
].join("\n");

const THINKING_OFF = "<think>\\n\\n</think>\\n\\n$";
const THINKING_ON = "<\\|im_start\\|>assistant\\n<think>\\n$";
const FIX_REASONING = "The return statement names reslt, which does not exist; the local is called result. " +
    "Returning result is the smallest correct fix, and nothing else needs to change in this function.";
const DOC_REASONING = "The add method pushes one item; a short doc comment with both parameters is enough.";

const CART_TEST = [
    "import { describe, expect, it } from \"vitest\";",
    "import { Cart } from \"./cart\";",
    "",
    "describe(\"Cart\", () => {",
    "    it(\"totals the prices\", () => {",
    "        const cart = new Cart();",
    "        cart.add(\"pen\", 2);",
    "        cart.add(\"ink\", 3);",
    "        expect(cart.total()).toBe(5);",
    "    });",
    "});",
    ""
].join("\n");

const responses: ScriptedResponse[] = [
    {
        // Documentation, thinking off (its default): the model drops the method's indentation and adds a prose line.
        match: `The code to rewrite \\(lines 8–10\\):\\n\\x60{3}typescript\\n    total\\(\\)[\\s\\S]*Task: Add documentation comments[\\s\\S]*${THINKING_OFF}`,
        text: "Here is the documented method:\n\n```typescript\n/**\n * The sum of the prices of the items in the cart.\n */\n" +
            "total(): number {\n    return this.items.reduce((sum, item) => sum + item.price, 0);\n}\n```"
    },
    {
        // Fix Problems, thinking on (its default): slow enough for the status bar to count seconds.
        match: `Cannot find name 'reslt'[\\s\\S]*${THINKING_ON}`,
        tokenDelayMs: 60,
        text: `${FIX_REASONING}\n</think>\n\n\`\`\`ts\nexport function discount(value: number, percent: number): number {\n` +
            "    const result = value - (value * percent) / 100;\n    return result;\n}\n```"
    },
    {
        // Documentation with thinking, this once.
        match: `The code to rewrite \\(lines 4–6\\):\\n\\x60{3}typescript\\n    add\\(name[\\s\\S]*Task: Add documentation comments[\\s\\S]*${THINKING_ON}`,
        tokenDelayMs: 40,
        text: `${DOC_REASONING}\n</think>\n\n\`\`\`typescript\n    /** Adds an item to the cart. */\n` +
            "    add(name: string, price: number): void {\n        this.items.push({ name, price });\n    }\n```"
    },
    {
        // Edit with Instruction from Ctrl+I, thinking turned on with the input's button (the default is off).
        match: `Rewrite the code as follows: return the total in cents[\\s\\S]*${THINKING_ON}`,
        tokenDelayMs: 20,
        text: "Multiply by 100 and round.\n</think>\n\n```typescript\n    total(): number {\n" +
            "        return Math.round(this.items.reduce((sum, item) => sum + item.price, 0) * 100);\n    }\n```"
    },
    {
        // Simplify, slow: cancelled while it writes.
        match: `Simplify and refactor this code[\\s\\S]*${THINKING_OFF}`,
        tokenDelayMs: 600,
        text: "```typescript\n    total(): number {\n        let sum = 0;\n        for (const item of this.items) sum += item.price;\n" +
            "        return sum;\n    }\n```"
    },
    {
        // Simplify again, slow: its diff is closed while it writes.
        match: `Simplify and refactor this code[\\s\\S]*${THINKING_OFF}`,
        tokenDelayMs: 600,
        text: "```typescript\n    total(): number {\n        let sum = 0;\n        for (const item of this.items) sum += item.price;\n" +
            "        return sum;\n    }\n```"
    },
    {
        // Explain, thinking on (its default), answered in the chat.
        match: `Explain this code from \\x60src/cart\\.ts\\x60 \\(lines? [\\d–]+\\)[\\s\\S]*${THINKING_ON}`,
        tokenDelayMs: 20,
        text: "The method folds the items into one number.\n</think>\n\nIt **adds up** the price of every item in the cart, starting from 0."
    },
    {
        // Generate Tests, thinking on (its default): a new file beside the source, in the project's framework.
        match: "Write unit tests for this code with vitest\\. Import the code under test from \\x60\\./cart\\x60\\. " +
            `They go in a new file, \\x60src/cart\\.test\\.ts\\x60\\.[\\s\\S]*${THINKING_ON}`,
        text: `One test of total over two items covers the class.\n</think>\n\n\`\`\`typescript\n${CART_TEST}\`\`\``
    }
];

async function openFile(workbench: Workbench, name: string): Promise<void> {
    await workbench.page.keyboard.press("Control+P");
    await workbench.fillQuickInput(name);
    await workbench.page.locator(`.monaco-editor[data-uri$='${name}']`).first().waitFor({ timeout: 20_000 }).catch(() => undefined);
    await workbench.page.locator(".editor-instance .monaco-editor .view-lines").first().click();
}

/** Moves the cursor to a 1-based line (and column) with "Go to Line". */
async function goTo(workbench: Workbench, line: number, column = 1): Promise<void> {
    await workbench.page.keyboard.press("Control+G");
    await workbench.fillQuickInput(`:${line}:${column}`);
}

/**
 * Reads a file after saving it from its own editor — again on each look, so it waits for the accepted edit to land,
 * whenever it does (Ctrl+S before the edit is applied saves nothing; the next look saves again).
 */
function savedText(workbench: Workbench, file: string, read: (file: string) => string): () => Promise<string> {
    return async () => {
        const editor = workbench.page.locator(`.monaco-editor[data-uri$='${file}'] .view-lines`).first();
        if (await editor.count() > 0) {
            await editor.click();
            await workbench.page.keyboard.press("Control+S");
        }
        return read(file);
    };
}

async function diffTab(workbench: Workbench, title: string): Promise<void> {
    await workbench.page.locator(".tabs-container .tab", { hasText: title }).first().waitFor({ timeout: 60_000 });
}

describe("editor commands (UI)", function () {
    this.timeout(240_000);
    const options: SessionOptions = {
        settings: {
            "editor.quickSuggestions": { other: false, comments: false, strings: false },
            "editor.suggestOnTriggerCharacters": false,
            "qwenLocal.inlineSuggestions.enabled": false
        },
        env: {}
    };
    let dir: string;
    let workspace: string;
    const read = (file: string) => fs.readFileSync(path.join(workspace, file), "utf8");

    before(async () => {
        ({ dir, workspace } = await scriptedWorkspace(options, responses, {
            files: {
                "src/cart.ts": CART,
                "src/discount.ts": DISCOUNT,
                "package.json": JSON.stringify({ name: "shop", private: true, devDependencies: { vitest: "^2.0.0" } }),
                "tsconfig.json": JSON.stringify({ compilerOptions: { strict: true, target: "ES2022" }, include: ["src"] })
            }
        }));
    });

    const session = useWorkbench(options);

    // Each test starts from the files as they were, whatever an earlier test left behind.
    beforeEach(() => {
        for (const [file, text] of [["src/cart.ts", CART], ["src/discount.ts", DISCOUNT]] as const) {
            if (read(file) !== text) fs.writeFileSync(path.join(workspace, file), text);
        }
    });

    /** Runs the (slow, scripted) Simplify on total() and waits for its streaming diff; returns the file as it was. */
    async function startSlowSimplify(): Promise<string> {
        const workbench = session.workbench;
        const before = read("src/cart.ts");
        await openFile(workbench, "cart.ts");
        await goTo(workbench, 9, 9);
        await workbench.runCommand("Qwen Local: Simplify / Refactor Selection");
        await diffTab(workbench, "cart.ts ↔ Qwen: Simplify / Refactor Selection");
        return before;
    }

    after(() => {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("Add Documentation on a selection: diff, Accept, file changed, one undo restores it", async () => {
        const workbench = session.workbench;
        const title = "commands doc";
        await openFile(workbench, "cart.ts");
        // Select the total() method, lines 8–10, as whole lines.
        await goTo(workbench, 8);
        for (let i = 0; i < 3; i++) await workbench.page.keyboard.press("Shift+ArrowDown");
        await workbench.runCommand("Qwen Local: Add Documentation");

        await diffTab(workbench, "cart.ts ↔ Qwen: Add Documentation");
        await workbench.notification(/Add Documentation: accept the change to src\/cart\.ts\?/).waitFor({ timeout: 60_000 });
        await workbench.screenshot(`${title} 1 diff`);
        assert.equal(read("src/cart.ts"), CART, "nothing changes before accepting");

        await workbench.clickNotificationButton(/Add Documentation: accept the change/, "Accept");
        const documented = CART.replace("    total(): number {",
            "    /**\n     * The sum of the prices of the items in the cart.\n     */\n    total(): number {");
        await waitFor("src/cart.ts after Accept", savedText(workbench, "src/cart.ts", read), (text) => text === documented, 30_000);
        await workbench.screenshot(`${title} 2 accepted`);

        // The undo goes to the file's own editor (Accept shows it).
        await workbench.page.locator(".monaco-editor[data-uri$='src/cart.ts'] .view-lines").first().click({ timeout: 20_000 });
        await workbench.page.keyboard.press("Control+Z");
        await waitFor("src/cart.ts after one undo", savedText(workbench, "src/cart.ts", read), (text) => text === CART, 30_000);
        await workbench.screenshot(`${title} 3 undone`);
    });

    it("Fix Problems from the lightbulb on a TypeScript error, thinking with the seconds in the status bar", async () => {
        const workbench = session.workbench;
        const title = "commands fix";
        await openFile(workbench, "discount.ts");
        // TypeScript reports the misspelt name (its server starts on first use).
        await workbench.page.locator(".monaco-editor .squiggly-error").first().waitFor({ timeout: 120_000 });
        await goTo(workbench, 3, 13);
        const status = await workbench.recordStatusBar("qwenLocal.commandActivity");
        await workbench.page.keyboard.press("Control+.");
        const fix = workbench.page.locator(".action-widget .monaco-list-row, .context-view .action-item", { hasText: "Fix with Qwen Local" }).first();
        await fix.waitFor({ timeout: 30_000 });
        await workbench.screenshot(`${title} 1 lightbulb`);
        await fix.click();

        await workbench.waitForStatusBarText("qwenLocal.commandActivity", /Qwen: Fix Problems · thinking · [1-9]\d* s$/, 60_000);
        await workbench.screenshot(`${title} 2 thinking`);
        await workbench.notification(/Fix Problems: accept the change to src\/discount\.ts\?/).waitFor({ timeout: 60_000 });
        const texts = await status.texts();
        assert.ok(texts.some((text) => /Fix Problems · thinking · 0 s/.test(text)), texts.join(" | "));
        assert.ok(texts.some((text) => /Fix Problems · writing · \d+ lines? \(thought \d+ s\)/.test(text)), texts.join(" | "));
        await workbench.screenshot(`${title} 3 diff`);

        await workbench.clickNotificationButton(/Fix Problems: accept the change/, "Accept");
        await waitFor("src/discount.ts after Accept", savedText(workbench, "src/discount.ts", read), (text) => text === DISCOUNT.replace("return reslt;", "return result;"), 30_000);
        assert.ok(!read("src/discount.ts").includes("smallest correct fix"), "the thinking is not in the code");
        await workbench.page.locator(".monaco-editor .squiggly-error").first().waitFor({ state: "detached", timeout: 60_000 }).catch(() => undefined);
        await workbench.screenshot(`${title} 4 fixed`);
    });

    it("thinking the other way this once: Add Documentation with thinking, from Qwen Local: Commands…", async () => {
        const workbench = session.workbench;
        const title = "commands opposite";
        await openFile(workbench, "cart.ts");
        // Nothing selected: the command takes the method around the cursor.
        await goTo(workbench, 5, 9);
        const status = await workbench.recordStatusBar("qwenLocal.commandActivity");
        await workbench.runCommand("Qwen Local: Commands…");
        await workbench.pickQuickInput(/^\$?\(?.*Add Documentation — with thinking$/);
        await workbench.notification(/Add Documentation: accept the change to src\/cart\.ts\?/).waitFor({ timeout: 60_000 });
        const texts = await status.texts();
        assert.ok(texts.some((text) => /Qwen: Add Documentation · thinking · \d+ s/.test(text)), texts.join(" | "));
        await workbench.screenshot(`${title} 1 diff`);

        await workbench.clickNotificationButton(/Add Documentation: accept the change/, "Accept");
        const documented = CART.replace("    add(name: string, price: number): void {", "    /** Adds an item to the cart. */\n    add(name: string, price: number): void {");
        await waitFor("src/cart.ts after Accept", savedText(workbench, "src/cart.ts", read), (text) => text === documented, 30_000);
        assert.ok(!read("src/cart.ts").includes("pushes one item"), "the thinking is not in the code");

        // The thinking is in the "Qwen Local: Thinking" output.
        await workbench.runCommand("Qwen Local: Show Thinking");
        await workbench.page.locator(".part.panel .monaco-editor .view-lines", { hasText: "a short doc comment with both parameters" }).first()
            .waitFor({ timeout: 20_000 });
        await workbench.screenshot(`${title} 2 thinking output`);
    });

    it("Generate Tests proposes a new test file through the agent's review; Accept creates it", async () => {
        const workbench = session.workbench;
        await openFile(workbench, "cart.ts");
        await goTo(workbench, 1, 14);
        await workbench.runCommand("Qwen Local: Generate Tests");
        await workbench.notification(/Generate Tests: Qwen proposes a new file, src\/cart\.test\.ts\./).waitFor({ timeout: 60_000 });
        await workbench.waitForStatusBarText("qwenLocal.agentChanges", /^\$\(git-compare\) Qwen: 1 change$/, 30_000);
        await workbench.screenshot("commands tests review");
        assert.equal(fs.existsSync(path.join(workspace, "src", "cart.test.ts")), false, "nothing written before accepting");
        await workbench.clickNotificationButton(/Generate Tests: Qwen proposes a new file/, "Accept");
        await waitFor("src/cart.test.ts", () => fs.existsSync(path.join(workspace, "src", "cart.test.ts")) ? read("src/cart.test.ts") : "",
            (text) => text === CART_TEST, 30_000);
        await workbench.screenshot("commands tests accepted");
    });

    it("Edit with Instruction from Ctrl+I, thinking on once with the input's button; Reject from the diff's title bar", async () => {
        const workbench = session.workbench;
        const before = read("src/cart.ts");
        await openFile(workbench, "cart.ts");
        await goTo(workbench, 9, 9);
        const status = await workbench.recordStatusBar("qwenLocal.commandActivity");
        await workbench.page.keyboard.press("Control+I");
        const input = workbench.page.locator(".quick-input-widget");
        await input.locator(".quick-input-title", { hasText: /^Edit with Qwen$/ }).waitFor({ timeout: 20_000 });
        await input.locator(".quick-input-titlebar .action-label[aria-label^='Thinking off for this edit']").click();
        await input.locator(".quick-input-title", { hasText: "Edit with Qwen (thinking)" }).waitFor({ timeout: 5000 });
        await workbench.screenshot("commands edit input");
        await workbench.fillQuickInput("return the total in cents");

        await diffTab(workbench, "cart.ts ↔ Qwen: Edit Selection with Instruction…");
        await workbench.notification(/Edit Selection with Instruction…: accept the change to src\/cart\.ts\?/).waitFor({ timeout: 60_000 });
        const texts = await status.texts();
        assert.ok(texts.some((text) => /Edit Selection with Instruction… · thinking/.test(text)), texts.join(" | "));
        await workbench.screenshot("commands edit diff");
        const reject = workbench.page.locator(".editor-actions [aria-label^='Reject Proposed Change']").first();
        await reject.click();
        await workbench.page.locator(".tabs-container .tab", { hasText: "Qwen: Edit Selection" }).first().waitFor({ state: "detached", timeout: 20_000 });
        // Rejecting changes nothing, on disk or in the editor.
        assert.equal(read("src/cart.ts"), before);
        assert.ok(!(await workbench.page.locator(".tabs-container .tab.dirty").count()), "no unsaved change either");
    });

    it("Cancel stops a command: the diff closes and the file is unchanged", async () => {
        const workbench = session.workbench;
        const before = await startSlowSimplify();
        const progress = workbench.notification(/Qwen: Simplify \/ Refactor Selection/);
        await progress.waitFor({ timeout: 30_000 });
        await workbench.screenshot("commands cancel streaming");
        await progress.locator(".monaco-button", { hasText: "Cancel" }).first().click();
        await workbench.page.locator(".tabs-container .tab", { hasText: "Qwen: Simplify" }).first().waitFor({ state: "detached", timeout: 20_000 });
        await workbench.page.locator(".part.statusbar .statusbar-item[id$='qwenLocal.commandActivity']").waitFor({ state: "hidden", timeout: 10_000 });
        assert.equal(await workbench.notification(/Simplify \/ Refactor Selection: accept/).count(), 0);
        assert.equal(read("src/cart.ts"), before);
    });

    it("closing the diff while the command writes stops it, as Cancel does", async () => {
        const workbench = session.workbench;
        const before = await startSlowSimplify();
        await workbench.page.locator(".tabs-container .tab.active", { hasText: "Qwen: Simplify" }).locator(".tab-actions .action-label").first().click();
        // The answer would take about 6 s more: the command ends well before, and nothing is proposed after.
        await workbench.page.locator(".part.statusbar .statusbar-item[id$='qwenLocal.commandActivity']").waitFor({ state: "hidden", timeout: 2500 });
        await workbench.notification(/Qwen: Simplify \/ Refactor Selection/).waitFor({ state: "hidden", timeout: 2500 });
        // The command has ended (its status item is gone): nothing proposes after that.
        assert.equal(await workbench.notification(/Simplify \/ Refactor Selection: accept/).count(), 0);
        assert.equal(await workbench.page.locator(".tabs-container .tab", { hasText: "Qwen: Simplify" }).count(), 0);
        assert.equal(read("src/cart.ts"), before);
    });

    it("Explain Selection answers in the chat panel, leaving its Agent mode, with the thinking shown there", async () => {
        const workbench = session.workbench;
        await workbench.runCommand("Qwen Local: Open Chat");
        const view = await workbench.webview("#agent-toggle", 60_000);
        await view.locator("#agent-toggle").click();
        await view.locator("#agent-toggle[aria-pressed='true']").waitFor({ timeout: 10_000 });
        await openFile(workbench, "cart.ts");
        await goTo(workbench, 10, 9);
        // Nothing selected (a cursor move clears what an earlier step left selected).
        await workbench.page.keyboard.press("ArrowRight");
        await workbench.page.keyboard.press("ArrowLeft");
        const status = await workbench.recordStatusBar("qwenLocal.commandActivity");
        await workbench.runCommand("Qwen Local: Explain Selection");
        const answer = view.locator("#thread article.assistant").last();
        await answer.locator(".answer-body", { hasText: "adds up the price of every item" }).waitFor({ timeout: 60_000 });
        await view.locator("#agent-toggle[aria-pressed='false']").waitFor({ timeout: 10_000 });
        assert.match(await view.locator("#thread .user-text").last().innerText(), /^Explain this code from `src\/cart\.ts` \(lines \d+–\d+\)/, "nothing selected: the method around the cursor");
        assert.match(await answer.textContent() ?? "", /The method folds the items into one number\./, "the thinking is in the panel (collapsed)");
        const texts = await status.texts();
        assert.ok(texts.some((text) => /Qwen: Explain Selection · thinking/.test(text)), texts.join(" | "));
        await workbench.screenshot("commands explain");
    });

    it("the editor's right-click menu has a Qwen Local submenu with the commands", async () => {
        const workbench = session.workbench;
        const { page } = workbench;
        await openFile(workbench, "cart.ts");
        await goTo(workbench, 9, 9);
        await page.locator(".editor-instance .monaco-editor .view-lines").first().click({ button: "right" });
        const submenu = page.locator(".monaco-menu .action-item", { hasText: /^Qwen Local$/ }).first();
        await submenu.waitFor({ timeout: 10_000 });
        await submenu.hover();
        const labels = () => page.locator(".monaco-menu .monaco-submenu .action-label").allInnerTexts();
        await waitFor("the submenu", labels, (texts) => texts.includes("Add Documentation"), 10_000);
        const shown = await labels();
        for (const title of ["Explain Selection", "Edit Selection with Instruction…", "Add Documentation", "Simplify / Refactor Selection",
            "Add Types", "Fix Problems", "Generate Tests", "Commands…"]) {
            assert.ok(shown.includes(title), `${title} missing from ${shown.join(", ")}`);
        }
        await workbench.screenshot("commands context menu");
        for (let i = 0; i < 3 && await page.locator(".monaco-menu").count() > 0; i++) await page.keyboard.press("Escape");
    });
});
