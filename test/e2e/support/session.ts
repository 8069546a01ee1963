/**
 * One code-server + one chromium for a mocha suite of UI tests: `const session = useWorkbench({ settings })` in a
 * describe() starts them before its tests and stops both after — also when a test fails. A failing test leaves a
 * screenshot named after it in .artifacts/e2e/.
 */
import fs from "node:fs";
import path from "node:path";
import { startCodeServer, type CodeServer } from "./codeServer";
import { sampleWorkspace } from "./paths";
import { provision } from "./provision";
import { vsixUnderTest } from "./vsix";
import { Workbench } from "./workbench";

export interface SessionOptions {
    /** User settings written before code-server starts (e.g. `{ "qwenLocal.model": tinyModelPath }`). */
    settings?: Record<string, unknown>;
    /** Environment of code-server and so of the extension host. */
    env?: NodeJS.ProcessEnv;
    /** Folder to open; the sample workspace by default. */
    folder?: string;
    /** Keep Workspace Trust on (see CodeServerOptions.workspaceTrust). */
    workspaceTrust?: boolean;
}

export interface Session {
    readonly workbench: Workbench;
    readonly server: CodeServer;
    /** package.json of the extension as installed from the .vsix. */
    manifest(): ExtensionManifest;
}

export interface ExtensionManifest {
    name: string;
    publisher: string;
    contributes?: {
        commands?: { command: string; title: string; category?: string }[];
        configuration?: unknown;
    };
    [key: string]: unknown;
}

export const extensionId = "qwen-local.qwen-local";

export function useWorkbench(options: SessionOptions = {}): Session {
    let workbench: Workbench | undefined;
    let server: CodeServer | undefined;

    before(async function () {
        this.timeout(300_000);
        const tools = await provision({ browser: true });
        const vsix = await vsixUnderTest();
        server = await startCodeServer(tools, { name: "ui", vsix, settings: options.settings, env: options.env, workspaceTrust: options.workspaceTrust });
        workbench = await Workbench.open(server.workbenchUrl(options.folder ?? sampleWorkspace));
        await workbench.ready();
    });

    afterEach(async function () {
        if (this.currentTest?.state === "failed" && workbench) {
            await workbench.screenshot(`${this.currentTest.fullTitle()} failed`, 0).catch(() => undefined);
        }
    });

    after(async function () {
        this.timeout(30_000);
        await workbench?.close();
        await server?.stop();
    });

    return {
        get workbench() {
            if (!workbench) throw new Error("the workbench did not open (see the before-all hook's error)");
            return workbench;
        },
        get server() {
            if (!server) throw new Error("code-server did not start (see the before-all hook's error)");
            return server;
        },
        manifest() {
            const file = path.join(this.server.installedExtensionDir(extensionId), "package.json");
            return JSON.parse(fs.readFileSync(file, "utf8")) as ExtensionManifest;
        }
    };
}
