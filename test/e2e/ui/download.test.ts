/**
 * First use with an hf: model that is not on disk, in the real workbench: Qwen Local asks before downloading
 * (what, how big, where, how much memory), downloads with a progress notification from a local stand-in for
 * Hugging Face on 127.0.0.1, and the model loads. Declining downloads nothing.
 */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startHfServer, type HfServer } from "../../support/hfServer";
import { buildTinyModel } from "../../support/tinyModel";
import { useWorkbench } from "../support/session";

const URI = "hf:unsloth/Qwen3.5-4B-GGUF:UD-Q4_K_XL";
const SIZE = 12 * 1024 * 1024;

describe("model download with consent (UI)", function () {
    this.timeout(240_000);
    let server: HfServer;
    let modelsDirectory: string;
    // Filled in before code-server starts (this hook is registered before the session's).
    const settings: Record<string, unknown> = {};

    before(async () => {
        const model = buildTinyModel();
        server = await startHfServer({
            files: [{
                user: "unsloth", repo: "Qwen3.5-4B-GGUF", quant: "UD-Q4_K_XL", fileName: "Qwen3.5-4B-UD-Q4_K_XL.gguf",
                data: Buffer.concat([model, crypto.randomBytes(SIZE - model.length)])
            }],
            // Slow enough for the progress notification to be seen.
            bytesPerSecond: 3 * 1024 * 1024
        });
        modelsDirectory = fs.mkdtempSync(path.join(os.tmpdir(), "qwen-local-ui-models-"));
        Object.assign(settings, {
            "qwenLocal.model": URI,
            "qwenLocal.downloadEndpoint": server.endpoint,
            "qwenLocal.modelsDirectory": modelsDirectory,
            "qwenLocal.threads": 1,
            "qwenLocal.contextSize": 2048
        });
    });

    const session = useWorkbench({ settings });

    after(async () => {
        await server?.close();
        if (modelsDirectory) fs.rmSync(modelsDirectory, { recursive: true, force: true });
    });

    function dialog() {
        return session.workbench.page.locator(".monaco-dialog-box");
    }

    it("asks first, and declining downloads nothing", async function () {
        const { workbench } = session;
        await workbench.waitForStatusBarText("qwenLocal.status", /set up/, 30_000);
        await workbench.runCommand("Qwen Local: Load Model");
        await dialog().waitFor({ state: "visible", timeout: 30_000 });
        const text = await dialog().innerText();
        assert.match(text, /Download the model hf:unsloth\/Qwen3\.5-4B-GGUF:UD-Q4_K_XL \(about 2\.9 GB\)\?/);
        assert.ok(text.includes(modelsDirectory), "says where it goes");
        assert.match(text, /memory/);
        await workbench.screenshot(`${this.test!.fullTitle()} consent`);
        await dialog().getByRole("button", { name: "Cancel" }).click();
        await dialog().waitFor({ state: "hidden", timeout: 10_000 });
        // Asked again only once the declined attempt has ended: by then it has sent whatever it would send.
        await workbench.runCommand("Qwen Local: Load Model");
        await dialog().waitFor({ state: "visible", timeout: 30_000 });
        assert.equal(server.requests.length, 0, "no request without consent");
        await dialog().getByRole("button", { name: "Cancel" }).click();
        await dialog().waitFor({ state: "hidden", timeout: 10_000 });
    });

    it("downloads with progress after the user agrees, then loads the model", async function () {
        const { workbench } = session;
        await workbench.runCommand("Qwen Local: Load Model");
        await dialog().waitFor({ state: "visible", timeout: 30_000 });
        await dialog().getByRole("button", { name: "Download" }).click();
        const progress = workbench.notification(/Downloading hf:unsloth\/Qwen3\.5-4B-GGUF:UD-Q4_K_XL/);
        await progress.waitFor({ state: "visible", timeout: 30_000 });
        await workbench.waitForStatusBarText("qwenLocal.status", /^\$\(cloud-download\) Qwen \d+%/, 30_000);
        await workbench.screenshot(`${this.test!.fullTitle()} progress`);
        await workbench.waitForStatusBarText("qwenLocal.status", /^\$\(check\) Qwen/, 120_000);
        await workbench.screenshot(`${this.test!.fullTitle()} ready`);
        const files = fs.readdirSync(modelsDirectory).filter((name) => name.endsWith(".gguf"));
        assert.deepEqual(files, ["hf_unsloth_Qwen3.5-4B.UD-Q4_K_XL.gguf"]);
        assert.ok(server.requests.some((entry) => entry.range !== undefined && entry.range !== null), "downloaded in byte ranges");
    });
});
