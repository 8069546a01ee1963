/**
 * Inline suggestions in the real workbench: type in a file, ghost text appears, Tab accepts it. The scripted engine
 * answers the fill-in-the-middle prompt (streamed through the real worker and client), so the suggestion is known;
 * the prompt, the cache layout and the provider are the extension's own. Screenshots in .artifacts/e2e/.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import { sampleWorkspace } from "../support/paths";
import { scriptedWorkspace } from "../support/scripted";
import { useWorkbench, type SessionOptions } from "../support/session";

const TYPED = "// total of ";
const SUGGESTION = "every item in stock";

describe("inline suggestions (UI)", function () {
    this.timeout(180_000);
    let scriptDir: string;
    const options: SessionOptions = {
        settings: {
            // With the suggest widget open, only ghost text that extends its selection shows (the provider stands
            // back then): keep word suggestions from popping up while the test types.
            "editor.quickSuggestions": { other: "off", comments: "off", strings: "off" },
            "editor.wordBasedSuggestions": "off",
            "editor.suggestOnTriggerCharacters": false,
            "editor.snippetSuggestions": "none"
        }
    };

    // Before the session's own hook: the model, the engine script and a workspace copy must exist when code-server starts.
    before(async () => {
        ({ dir: scriptDir } = await scriptedWorkspace(options, [
            // The FIM prompt whose prefix ends with what the test types (and the same place after a re-request).
            { match: `${TYPED}<\\|fim_suffix\\|>`, text: SUGGESTION, repeat: true },
            // Anywhere else: nothing to suggest.
            { match: "<\\|fim_middle\\|>$", text: "", repeat: true }
        ], { fixture: sampleWorkspace }, { tokenDelayMs: 5, contextSize: 4096 }));
    });

    const session = useWorkbench(options);

    /** Opens inventory.ts through Quick Open and returns its editor once that editor is the active one. */
    async function openInventory() {
        const { page } = session.workbench;
        await page.keyboard.press("Control+P");
        await page.locator(".quick-input-widget input").fill("inventory.ts");
        await page.locator(".quick-input-list .monaco-list-row").first().waitFor({ timeout: 20_000 });
        await page.keyboard.press("Enter");
        await page.locator(".tabs-container .tab.active", { hasText: "inventory.ts" }).first().waitFor({ timeout: 20_000 });
        await page.locator(".quick-input-widget").waitFor({ state: "hidden", timeout: 20_000 });
        const editor = page.locator(".editor-group-container.active .editor-instance .monaco-editor").first();
        await editor.locator(".view-lines").click();
        await page.keyboard.press("Control+End");
        await page.keyboard.press("Enter");
        return editor;
    }

    /** Loads the model and waits until the status bar says it is ready (loading is slow on a busy machine). */
    async function modelReady(): Promise<void> {
        await session.workbench.runCommand("Qwen Local: Load Model");
        await session.workbench.waitForStatusBarText("qwenLocal.status", /^\$\(check\) Qwen/, 120_000);
    }

    after(() => {
        if (scriptDir) fs.rmSync(scriptDir, { recursive: true, force: true });
    });

    it("shows ghost text while typing, and Tab accepts it", async function () {
        const { page } = session.workbench;
        const title = this.test!.fullTitle();
        await modelReady();
        const editor = await openInventory();
        await page.keyboard.type(TYPED, { delay: 40 });

        const ghost = editor.locator(".ghost-text-decoration, .ghost-text");
        await ghost.first().waitFor({ state: "visible", timeout: 60_000 });
        // The editor renders spaces as no-break spaces.
        assert.equal((await ghost.allInnerTexts()).join("").replace(/\u00a0/g, " ").trim(), SUGGESTION);
        await session.workbench.screenshot(`${title} 1 ghost text`);

        await page.keyboard.press("Tab");
        const line = editor.locator(".view-line", { hasText: `${TYPED}${SUGGESTION}` });
        await line.first().waitFor({ timeout: 20_000 });
        await ghost.first().waitFor({ state: "hidden", timeout: 20_000 }).catch(() => undefined);
        await session.workbench.screenshot(`${title} 2 accepted`);
        // The completion path is quiet: typing never raises a notification.
        assert.equal(await page.locator(".notifications-toasts .notification-toast").count(), 0, "no notification while typing");
    });

    it("turned off from the command palette, typing shows no ghost text", async function () {
        const { page } = session.workbench;
        await modelReady();
        await session.workbench.runCommand("Qwen Local: Toggle Inline Suggestions");
        await session.workbench.waitForStatusBarText("qwenLocal.status", /\$\(circle-slash\)/, 20_000);
        const editor = await openInventory();
        await page.keyboard.type(TYPED, { delay: 40 });
        // Turned off, the provider is unregistered: nothing can put ghost text there.
        const ghost = editor.locator(".ghost-text-decoration, .ghost-text");
        assert.equal(await ghost.count(), 0);
        await session.workbench.screenshot(this.test!.fullTitle());
        // Turned on again, the same place gets its suggestion once typing goes on (so the place was one that suggests).
        await session.workbench.runCommand("Qwen Local: Toggle Inline Suggestions");
        await session.workbench.waitForStatusBarText("qwenLocal.status", /^\$\(check\) Qwen(?!.*circle-slash)/, 20_000);
        await editor.locator(".view-lines").click();
        await page.keyboard.press("Control+End");
        await page.keyboard.press("Enter");
        await page.keyboard.type(TYPED, { delay: 40 });
        await ghost.first().waitFor({ state: "visible", timeout: 60_000 });
    });
});
