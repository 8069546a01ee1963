/**
 * UI suites on the scripted engine: a workspace in a temporary folder (a fixture copied, or files written), the
 * engine script beside it, and the session options that point code-server's extension host at both.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { EngineScript, ScriptedResponse } from "../../../src/engine/scriptedBackend";
import { ensureTinyModel } from "../../support/tinyModel";
import type { SessionOptions } from "./session";

export interface ScriptedWorkspace {
    /** The temporary folder (remove it after the suite). */
    dir: string;
    /** The workspace folder inside it, opened by the session. */
    workspace: string;
}

/** Fills `options` (folder, env, settings) for a suite whose model answers come from `responses`. */
export async function scriptedWorkspace(options: SessionOptions, responses: ScriptedResponse[],
    content: { fixture: string } | { files: Record<string, string> }, tuning: { tokenDelayMs?: number; contextSize?: number } = {}): Promise<ScriptedWorkspace> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qwen-ui-"));
    const workspace = path.join(dir, "shop");
    if ("fixture" in content) fs.cpSync(content.fixture, workspace, { recursive: true });
    else {
        for (const [file, text] of Object.entries(content.files)) {
            fs.mkdirSync(path.dirname(path.join(workspace, file)), { recursive: true });
            fs.writeFileSync(path.join(workspace, file), text);
        }
    }
    const script: EngineScript = { tokenDelayMs: tuning.tokenDelayMs ?? 2, loadDelayMs: 100, responses };
    fs.writeFileSync(path.join(dir, "script.json"), JSON.stringify(script));
    options.folder = workspace;
    options.env = { ...options.env, QWEN_LOCAL_SCRIPTED_ENGINE: path.join(dir, "script.json") };
    options.settings = {
        ...options.settings,
        // A training context above the one asked for: the scripted engine holds prompts to it, as the real one does.
        "qwenLocal.model": await ensureTinyModel({ contextLength: 32768 }),
        "qwenLocal.threads": 1,
        "qwenLocal.contextSize": tuning.contextSize ?? 16384
    };
    return { dir, workspace };
}

/** Polls `read` until `done` says yes; fails with the last value after the timeout. */
export async function waitFor<T>(what: string, read: () => T | Promise<T>, done: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last = await read();
    while (!done(last)) {
        if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(last)}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
        last = await read();
    }
    return last;
}
