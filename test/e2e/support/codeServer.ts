/**
 * Starts and stops code-server (a real VS Code: Code-OSS with a Node extension host) for one test or one `npm start`.
 * Each start gets its own run folder with user data, extensions, XDG dirs and a short TMPDIR (VS Code puts unix
 * sockets there; their paths are limited to ~107 characters). It listens on 127.0.0.1 only, on a free port, in its
 * own process group, with the marketplace switched off.
 */
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { isAlive, run, sleep, startGroup, type Group } from "./processes";
import type { Provisioned } from "./provision";
import { runsDir } from "./paths";

/** Quiet, offline workbench defaults; a test's own settings are merged over them. */
export const baseSettings: Record<string, unknown> = {
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": false,
    "workbench.enableExperiments": false,
    "workbench.secondarySideBar.defaultVisibility": "hidden",
    "extensions.autoCheckUpdates": false,
    "extensions.autoUpdate": false,
    "extensions.ignoreRecommendations": true,
    "update.mode": "none",
    "telemetry.telemetryLevel": "off",
    "chat.disableAIFeatures": true,
    "security.workspace.trust.enabled": false,
    "git.openRepositoryInParentFolders": "never"
};

export interface CodeServerOptions {
    /** Names the run folder and the log; keep it short. */
    name: string;
    /** Makes the workbench honour `?payload=` (integration tests); also suppresses toasts and dialogs. */
    smokeTestDriver?: boolean;
    /** Merged over baseSettings into the user settings.json before start. */
    settings?: Record<string, unknown>;
    /** Installed with `--install-extension` before start. */
    vsix?: string;
    /** Extra environment for the server and so for the extension host it starts. */
    env?: NodeJS.ProcessEnv;
    /**
     * A folder to keep between starts (`npm start`: UI state, the extension's global storage with downloaded models);
     * by default each start gets a fresh folder under runs/.
     */
    persistentDir?: string;
    /** A fixed port; by default a free one. */
    port?: number;
    /**
     * Keep Workspace Trust on (tests of Restricted Mode; also set `security.workspace.trust.enabled`). By default it is
     * switched off, so that every folder is trusted.
     */
    workspaceTrust?: boolean;
}

export interface CodeServer {
    readonly port: number;
    /** http://127.0.0.1:PORT/ */
    readonly url: string;
    readonly runDir: string;
    readonly userDataDir: string;
    readonly extensionsDir: string;
    readonly logFile: string;
    /** Workbench URL opening a folder, optionally with a smoke-test payload. */
    workbenchUrl(folder: string, payload?: [string, string][]): string;
    /** A path on this machine as the workbench's remote URI (`vscode-remote://127.0.0.1:PORT/abs/path`). */
    remoteUri(file: string): string;
    /** Folder of an installed extension, e.g. `qwen-local.qwen-local` → `.../extensions/qwen-local.qwen-local-0.1.0-linux-x64`. */
    installedExtensionDir(id: string): string;
    /** Resolves when code-server's main process ends. */
    readonly exited: Promise<number | null>;
    stop(): Promise<void>;
}

export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.unref();
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const address = server.address();
            server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
        });
    });
}


/** Keeps the newest few run folders for post-mortems and deletes the rest, except those of live processes. */
function pruneRuns(keep: number): void {
    if (!fs.existsSync(runsDir)) return;
    const entries = fs.readdirSync(runsDir)
        .map((name) => ({ name, mtime: fs.statSync(path.join(runsDir, name)).mtimeMs, pid: Number(/-(\d+)-\d+$/.exec(name)?.[1]) }))
        .sort((a, b) => b.mtime - a.mtime);
    for (const entry of entries.slice(keep)) {
        if (entry.pid && entry.pid !== process.pid && isAlive(entry.pid)) continue;
        fs.rmSync(path.join(runsDir, entry.name), { recursive: true, force: true });
    }
}

let runCounter = 0;

function makeRunDir(name: string): string {
    pruneRuns(8);
    const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 24) || "run";
    const dir = path.join(runsDir, `${slug}-${process.pid}-${++runCounter}`);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
}

/**
 * A TMPDIR short enough for VS Code's socket names: in the run folder when that is short, else a fresh folder
 * under /tmp (removed again by stop()).
 */
function shortTmpDir(runDir: string): { dir: string; owned: boolean } {
    const inRun = path.join(runDir, "t");
    if (inRun.length <= 48) {
        fs.mkdirSync(inRun, { recursive: true });
        return { dir: inRun, owned: false };
    }
    return { dir: fs.mkdtempSync(path.join(os.tmpdir().length <= 20 ? os.tmpdir() : "/tmp", "qle2e-")), owned: true };
}

/**
 * Writes the settings before start: the user settings.json gets baseSettings, then what a kept profile already had,
 * then `settings`; the machine settings.json (code-server's "Remote" settings) gets `settings` over what it had.
 * Both, because in a remote window VS Code reads settings of `machine` scope — Qwen Local's model path, models
 * folder and download endpoint — only from the machine settings, and ignores them in the user settings.
 * A settings file that is not plain JSON (comments) is kept aside as settings.json.bak.
 */
export function writeUserSettings(userDataDir: string, settings: Record<string, unknown>): void {
    mergeSettingsFile(path.join(userDataDir, "User", "settings.json"), { ...baseSettings }, settings);
    mergeSettingsFile(path.join(userDataDir, "Machine", "settings.json"), {}, settings);
}

function mergeSettingsFile(file: string, defaults: Record<string, unknown>, settings: Record<string, unknown>): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    let existing: Record<string, unknown> = {};
    if (fs.existsSync(file)) {
        try {
            existing = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
        } catch {
            fs.copyFileSync(file, `${file}.bak`);
        }
    }
    fs.writeFileSync(file, JSON.stringify({ ...defaults, ...existing, ...settings }, null, 4) + "\n");
}

export async function startCodeServer(tools: Provisioned, options: CodeServerOptions): Promise<CodeServer> {
    const runDir = options.persistentDir ?? makeRunDir(options.name);
    const userDataDir = path.join(runDir, "udd");
    const extensionsDir = path.join(runDir, "ext");
    const logFile = path.join(runDir, "code-server.log");
    const tmp = shortTmpDir(runDir);
    fs.mkdirSync(extensionsDir, { recursive: true });
    fs.rmSync(logFile, { force: true });
    writeUserSettings(userDataDir, options.settings ?? {});
    const env: NodeJS.ProcessEnv = {
        ...tools.env,
        ...options.env,
        TMPDIR: tmp.dir,
        XDG_CONFIG_HOME: path.join(runDir, "xdg-config"),
        XDG_DATA_HOME: path.join(runDir, "xdg-data"),
        XDG_CACHE_HOME: path.join(runDir, "xdg-cache"),
        // No marketplace: nothing leaves the machine, and no gallery queries slow the workbench down.
        EXTENSIONS_GALLERY: "{}"
    };
    const dirArgs = ["--user-data-dir", userDataDir, "--extensions-dir", extensionsDir];
    if (options.vsix) {
        // --force: a kept profile may hold the same version built from older sources.
        await run(tools.node24, [tools.codeServerEntry, ...dirArgs, "--install-extension", options.vsix, "--force"], { env, logFile, quiet: true });
    }

    for (let attempt = 1; ; attempt++) {
        const port = options.port ?? await freePort();
        const args = [
            tools.codeServerEntry,
            "--bind-addr", `127.0.0.1:${port}`,
            "--auth", "none",
            "--disable-telemetry",
            "--disable-update-check",
            ...(options.workspaceTrust ? [] : ["--disable-workspace-trust"]),
            "--disable-getting-started-override",
            // Extension hosts of closed pages exit after 15 s instead of hours.
            "--reconnection-grace-time", "15",
            ...dirArgs,
            ...(options.smokeTestDriver ? ["--vscode-option", "enable-smoke-test-driver"] : [])
        ];
        const group = startGroup({ name: `code-server ${options.name}`, command: tools.node24, args, env, cwd: runDir, logFile });
        const url = `http://127.0.0.1:${port}/`;
        const ready = await waitForHealth(url, group, 30_000);
        if (ready) return handle(group, port, url);
        await group.stop();
        if (attempt >= 3 || options.port) {
            if (tmp.owned) fs.rmSync(tmp.dir, { recursive: true, force: true });
            throw new Error(`code-server did not start on 127.0.0.1:${port}; see ${logFile}`);
        }
    }

    function handle(group: Group, port: number, url: string): CodeServer {
        return {
            port,
            url,
            runDir,
            userDataDir,
            extensionsDir,
            logFile,
            exited: group.exited,
            workbenchUrl(folder, payload) {
                const target = new URL(url);
                target.searchParams.set("folder", folder);
                if (payload) target.searchParams.set("payload", JSON.stringify(payload));
                return target.toString();
            },
            remoteUri(file) {
                return `vscode-remote://127.0.0.1:${port}${path.resolve(file)}`;
            },
            installedExtensionDir(id) {
                // The newest folder: a kept profile may still hold an older install that VS Code marked obsolete.
                const match = fs.readdirSync(extensionsDir)
                    .filter((name) => name.toLowerCase().startsWith(`${id.toLowerCase()}-`))
                    .map((name) => path.join(extensionsDir, name))
                    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
                if (!match) throw new Error(`extension ${id} is not installed in ${extensionsDir}`);
                return match;
            },
            async stop() {
                await group.stop();
                if (tmp.owned) fs.rmSync(tmp.dir, { recursive: true, force: true });
            }
        };
    }
}

async function waitForHealth(url: string, group: Group, timeoutMs: number): Promise<boolean> {
    let exited = false;
    void group.exited.then(() => (exited = true));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !exited) {
        try {
            const response = await fetch(new URL("healthz", url), { signal: AbortSignal.timeout(2000) });
            if (response.ok) return true;
        } catch {
            // not listening yet
        }
        await sleep(100);
    }
    return false;
}
