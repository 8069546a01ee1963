/**
 * Drives a code-server workbench in Debian's chromium with Playwright: open it, run a command through the palette,
 * read a status bar item, reach into a webview, take screenshots. Playwright starts chromium in its own process
 * group and kills it when this process exits; close() ends it earlier.
 */
import fs from "node:fs";
import path from "node:path";
import { chromium, type Browser, type FrameLocator, type Locator, type Page } from "playwright-core";
import { artifactsDir, chromiumPath } from "./paths";

export const chromiumArgs = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    // The browser may only resolve loopback names: nothing a page does can leave the machine.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"
];

export function launchBrowser(): Promise<Browser> {
    return chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
}

/** File name for a test's screenshot: `.artifacts/e2e/<slug of the name>.png`. */
export function screenshotPath(name: string): string {
    const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 100);
    fs.mkdirSync(artifactsDir, { recursive: true });
    return path.join(artifactsDir, `${slug}.png`);
}

export interface OpenOptions {
    /** Called before navigation, e.g. to expose codeAutomationExit/codeAutomationLog. */
    beforeNavigate?: (page: Page) => Promise<void>;
    viewport?: { width: number; height: number };
}

export class Workbench {
    private constructor(readonly browser: Browser, readonly page: Page, readonly pageErrors: string[]) {}

    /** Opens `url` in a fresh headless chromium and waits until the workbench has rendered. */
    static async open(url: string, options: OpenOptions = {}): Promise<Workbench> {
        const browser = await launchBrowser();
        try {
            const page = await browser.newPage({ viewport: options.viewport ?? { width: 1400, height: 900 } });
            const errors: string[] = [];
            page.on("pageerror", (error) => errors.push(error.message));
            await options.beforeNavigate?.(page);
            await page.goto(url, { waitUntil: "domcontentloaded" });
            const workbench = new Workbench(browser, page, errors);
            return workbench;
        } catch (error) {
            await browser.close();
            throw error;
        }
    }

    /** Waits for the rendered workbench and for the remote extension host to be connected. */
    async ready(timeoutMs = 60_000): Promise<void> {
        await this.page.locator(".monaco-workbench .part.statusbar").waitFor({ timeout: timeoutMs });
        // The remote indicator shows the host name once the remote (Node) extension host is connected.
        await this.page.locator("#status\\.host").or(this.page.locator(".statusbar-item[id$='remoteHost']")).first()
            .waitFor({ timeout: timeoutMs }).catch(() => undefined);
    }

    /**
     * Runs a command by its palette title (e.g. "Qwen Local: Show Log") the way a person does: F1, type, pick the row
     * whose label is exactly that title. The palette lists the commands known when it opens, and a remote
     * extension's contributions arrive a little after the workbench renders, so it reopens until the row shows up.
     */
    async runCommand(title: string, timeoutMs = 30_000): Promise<void> {
        const input = this.page.locator(".quick-input-widget input");
        const row = this.page.locator(".quick-input-list .monaco-list-row", {
            has: this.page.locator(".label-name", { hasText: new RegExp(`^${escapeRegExp(title)}$`) })
        }).first();
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            if (await input.isVisible()) await this.page.keyboard.press("Escape");
            await this.page.keyboard.press("F1");
            await input.waitFor({ state: "visible", timeout: Math.max(1, deadline - Date.now()) });
            await input.fill(`>${title}`);
            try {
                await row.waitFor({ timeout: Math.min(3000, Math.max(1, deadline - Date.now())) });
                break;
            } catch (error) {
                if (Date.now() >= deadline) throw new Error(`no command "${title}" in the palette`, { cause: error });
            }
        }
        await row.click();
        await input.waitFor({ state: "hidden", timeout: 5000 }).catch(() => undefined);
    }

    /** Picks the row of the open quick pick (palette, showQuickPick) whose label matches. */
    async pickQuickInput(label: string | RegExp, timeoutMs = 20_000): Promise<void> {
        const row = this.page.locator(".quick-input-widget .quick-input-list .monaco-list-row", {
            has: this.page.locator(".label-name", { hasText: label })
        }).first();
        await row.waitFor({ timeout: timeoutMs });
        await row.click();
    }

    /**
     * Types into the open quick input (showInputBox, VS Code's own file dialog, a quick pick's filter) and presses
     * Enter. A dialog that is still initialising may overwrite what was typed (the file dialog sets its folder
     * asynchronously), so it types again until the value stays, and presses Enter until the input closes or moves on.
     */
    async fillQuickInput(text: string, timeoutMs = 20_000): Promise<void> {
        const input = this.page.locator(".quick-input-widget input");
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            await input.waitFor({ state: "visible", timeout: Math.max(1, deadline - Date.now()) });
            await input.fill(text);
            await this.page.waitForTimeout(300);
            if (await input.inputValue() === text) {
                await this.page.keyboard.press("Enter");
                const closed = await input.waitFor({ state: "hidden", timeout: 3000 }).then(() => true, () => false);
                if (closed || await input.inputValue().catch(() => "") !== text) return;
            }
            if (Date.now() >= deadline) throw new Error(`the quick input did not take "${text}"`);
        }
    }

    /**
     * A status bar item by its id: `<extension id>.<id given to createStatusBarItem>`, e.g.
     * `qwen-local.qwen-local.status` — or, failing that, by its accessible label or text.
     */
    statusBarItem(idOrText: string): Locator {
        const id = cssEscape(idOrText);
        // VS Code gives an extension's item the id `<publisher.name>.<id>`; accept either form.
        const byId = this.page.locator(`.part.statusbar .statusbar-item[id="${id}"], .part.statusbar .statusbar-item[id$=".${id}"]`);
        const byText = this.page.locator(".part.statusbar .statusbar-item", { hasText: idOrText });
        return byId.or(byText).first();
    }

    /**
     * The item's text as the extension wrote it: icons come back as `$(name)` (`$(check) Qwen · 12.3 tok/s`);
     * animations such as `~spin` are dropped (`$(loading) Qwen: loading 40%`).
     */
    async statusBarText(idOrText: string, timeoutMs = 20_000): Promise<string> {
        const item = this.statusBarItem(idOrText);
        await item.waitFor({ timeout: timeoutMs });
        return await item.evaluate(statusText);
    }

    /** Waits until the status bar item's text matches. */
    async waitForStatusBarText(idOrText: string, expected: RegExp, timeoutMs = 60_000): Promise<string> {
        const deadline = Date.now() + timeoutMs;
        let last = "";
        while (Date.now() < deadline) {
            last = await this.statusBarText(idOrText, Math.max(1, deadline - Date.now())).catch(() => last);
            if (expected.test(last)) return last;
            await this.page.waitForTimeout(200);
        }
        throw new Error(`status bar item ${idOrText} still reads "${last}", expected ${expected}`);
    }

    /**
     * Starts recording every text the status bar item shows (a MutationObserver in the page), so that short-lived
     * states such as "loading" are not missed between polls. `texts()` returns them in order, without repeats.
     */
    async recordStatusBar(idOrText: string): Promise<{ texts(): Promise<string[]> }> {
        const key = `__qwenStatus_${idOrText.replace(/\W/g, "_")}`;
        // A string, not a function: this project compiles without the DOM typings.
        await this.page.evaluate(`(() => {
            const id = ${JSON.stringify(idOrText)};
            const seen = window[${JSON.stringify(key)}] = [];
            const render = ${statusText.toString()};
            const read = () => {
                const items = [...document.querySelectorAll(".part.statusbar .statusbar-item")];
                const item = items.find((el) => el.id === id || el.id.endsWith("." + id));
                const text = item ? render(item) : "";
                if (text && seen[seen.length - 1] !== text) seen.push(text);
            };
            read();
            new MutationObserver(read).observe(document.querySelector(".part.statusbar"), { subtree: true, childList: true, characterData: true, attributes: true });
        })()`);
        return { texts: () => this.page.evaluate(`window[${JSON.stringify(key)}]`) as Promise<string[]> };
    }

    /**
     * The content frame of a webview (webviews sit in `iframe.webview.ready` → `iframe#active-frame`): the first one
     * that contains `selector`.
     */
    async webview(selector: string, timeoutMs = 30_000): Promise<FrameLocator> {
        const outer = this.page.locator("iframe.webview.ready");
        const deadline = Date.now() + timeoutMs;
        while (Date.now() < deadline) {
            const count = await outer.count();
            for (let i = 0; i < count; i++) {
                const frame = outer.nth(i).contentFrame().frameLocator("iframe#active-frame");
                if (await frame.locator(selector).count() > 0) return frame;
            }
            await this.page.waitForTimeout(250);
        }
        throw new Error(`no webview contains ${selector}`);
    }

    /** The visible notification toasts' text (toasts are suppressed under the smoke-test driver). */
    notification(text: string | RegExp): Locator {
        return this.page.locator(".notifications-toasts .notification-toast", { hasText: text }).first();
    }

    /** Clicks a button of the notification toast that shows `text`, once it shows. */
    async clickNotificationButton(text: string | RegExp, label: string, timeoutMs = 60_000): Promise<void> {
        const toast = this.notification(text);
        await toast.waitFor({ timeout: timeoutMs });
        await toast.locator(".monaco-button", { hasText: label }).first().click();
    }

    /** Saves `.artifacts/e2e/<name>.png` and returns its path. Waits briefly so fading toasts are captured. */
    async screenshot(name: string, settleMs = 600): Promise<string> {
        const file = screenshotPath(name);
        await this.page.waitForTimeout(settleMs);
        await this.page.screenshot({ path: file });
        return file;
    }

    async close(): Promise<void> {
        await this.browser.close().catch(() => undefined);
    }
}

/**
 * Page-side: a status bar item's label with each codicon written back as `$(name)`. Built from a string because this
 * project compiles without the DOM typings; Playwright sends it to the page as source.
 */
const statusText = new Function("item", `
    const label = item.querySelector(".statusbar-item-label") || item;
    const parts = [];
    const walk = (node) => {
        for (const child of node.childNodes) {
            if (child.nodeType === 3) parts.push(child.textContent);
            else if (child.classList && child.classList.contains("codicon")) {
                const name = [...child.classList].find((c) => c.startsWith("codicon-") && c !== "codicon-modifier-spin");
                parts.push(name ? "$(" + name.slice(8) + ")" : "");
            } else walk(child);
        }
    };
    walk(label);
    return parts.join("").replace(/\\s+/g, " ").trim();
`) as (item: unknown) => string;

function escapeRegExp(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function cssEscape(text: string): string {
    return text.replace(/["\\]/g, "\\$&");
}
