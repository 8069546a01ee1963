// `npm start [-- --model PATH|hf:URI] [--port N] [--folder DIR] [--vsix PATH]`: try the extension in a real VS Code.
//
// Builds and packages the .vsix, provisions code-server (a real VS Code, cached in .cache/vscode-e2e/), installs the
// extension into a profile kept in .cache/vscode-e2e/start/ (UI state, downloaded models), opens the sample
// workspace and prints the URL — 127.0.0.1 only. `--model PATH` sets `qwenLocal.model` in that profile's user
// settings. Ctrl+C stops code-server and everything it started (its own process group).
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { register } from "tsx/cjs/api";
import { packageExtension } from "./package.mjs";

register();
const require = createRequire(import.meta.url);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { provision, MissingSystemDependency } = require("../test/e2e/support/provision.ts");
const { startCodeServer } = require("../test/e2e/support/codeServer.ts");
const { cacheDir, sampleWorkspace } = require("../test/e2e/support/paths.ts");
const { isInterrupted, stopAll } = require("../test/e2e/support/processes.ts");

/** `npm start` runs in the repo root; relative paths mean the folder the user typed the command in (INIT_CWD). */
function fromUserCwd(file) {
    return path.resolve(process.env.INIT_CWD ?? process.cwd(), file);
}

function parseArgs(argv) {
    const options = {};
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const value = () => {
            if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
            return argv[++i];
        };
        if (arg === "--model") options.model = /^(hf:|https?:)/.test(argv[i + 1] ?? "") ? value() : fromUserCwd(value());
        else if (arg === "--port") options.port = Number(value());
        else if (arg === "--folder") options.folder = fromUserCwd(value());
        else if (arg === "--vsix") options.vsix = fromUserCwd(value());
        else if (arg === "--help" || arg === "-h") options.help = true;
        else throw new Error(`unknown argument ${arg}`);
    }
    return options;
}

const usage = "usage: npm start [-- --model PATH.gguf|hf:URI] [--port N] [--folder DIR] [--vsix PATH]";

try {
    const options = parseArgs(process.argv.slice(2));
    if (options.help) {
        process.stdout.write(`${usage}\n`);
        process.exit(0);
    }
    if (options.model && path.isAbsolute(options.model) && !fs.existsSync(options.model)) {
        throw new Error(`--model ${options.model}: no such file`);
    }
    const tools = await provision({ browser: false });
    const vsix = options.vsix ?? (await packageExtension({})).vsix;
    const settings = options.model ? { "qwenLocal.model": options.model } : {};
    const server = await startCodeServer(tools, {
        name: "start",
        persistentDir: path.join(cacheDir, "start"),
        vsix,
        settings,
        port: options.port
    });
    const url = server.workbenchUrl(options.folder ?? sampleWorkspace);
    process.stdout.write([
        "",
        "Qwen Local is running in VS Code (code-server, reachable from this machine only):",
        "",
        `    ${url}`,
        "",
        ...(options.model ? [`qwenLocal.model = ${options.model}`, ""] : []),
        `Profile and logs: ${path.relative(repoRoot, server.runDir)}/ (code-server log: ${path.relative(repoRoot, server.logFile)})`,
        "To use the extension in your own VS Code instead:",
        "",
        `    code --install-extension ${vsix}`,
        "",
        "Press Ctrl+C to stop (the profile is kept for the next start).",
        ""
    ].join("\n"));
    // Ctrl+C: processes.ts stops every process group it started and exits; if code-server ends by itself, so do we.
    await server.exited;
    if (!isInterrupted()) {
        process.stderr.write(`code-server stopped by itself; see ${server.logFile}\n`);
        process.exitCode = 1;
    }
} catch (error) {
    if (error instanceof MissingSystemDependency) process.stderr.write(`${error.message}\n`);
    else process.stderr.write(`[start] ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
} finally {
    await stopAll();
}
