// The e2e tier: `npm run test:e2e [-- --provision-only | --integration-only | --ui-only | --verbose | --grep TEXT |
//   --vsix PATH]` (--vsix: test that package instead of building and packaging this tree).
//
// 1. provisions a real VS Code (code-server on Node 24) and chromium — cached in .cache/vscode-e2e/;
// 2. builds and packages the .vsix (reused when nothing changed);
// 3. integration tests (test/e2e/integration/) inside the extension host of a code-server with the .vsix installed;
// 4. UI tests (test/e2e/ui/) with mocha here, each suite driving its own code-server through chromium.
// Every process it starts runs in its own process group and is stopped on exit, failure or Ctrl+C.
import { spawn } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { register } from "tsx/cjs/api";

// The helpers are TypeScript compiled as CommonJS (the package is not "type": "module"): require them through tsx.
register();
const require = createRequire(import.meta.url);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const { provision, MissingSystemDependency } = require("./support/provision.ts");
const { runIntegrationTests } = require("./support/integration.ts");
const { stopAll } = require("./support/processes.ts");
const { packageExtension } = await import("../../scripts/package.mjs");

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const valueOf = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const verbose = flag("--verbose");
const grep = valueOf("--grep");
const started = Date.now();
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const say = (message) => process.stderr.write(`[e2e] ${message}\n`);

function runUiTests(vsix) {
    const mocha = path.join(repoRoot, "node_modules", "mocha", "bin", "mocha.js");
    const args = [mocha, "--require", "tsx/cjs", "--timeout", "180000", "--reporter", "spec", "test/e2e/ui/**/*.test.ts"];
    if (grep) args.push("--grep", grep);
    return new Promise((resolve) => {
        const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: "inherit", env: { ...process.env, QWEN_E2E_VSIX: vsix } });
        child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    });
}

let exitCode = 0;
try {
    let step = Date.now();
    const tools = await provision({ browser: true });
    say(`provisioned in ${seconds(step)}`);
    if (flag("--provision-only")) process.exit(0);
    // Screenshots of this run only: a stale "...-failed.png" would mislead.
    const { artifactsDir } = require("./support/paths.ts");
    fs.rmSync(artifactsDir, { recursive: true, force: true });

    step = Date.now();
    let vsix = valueOf("--vsix");
    if (vsix) {
        vsix = path.resolve(vsix);
    } else {
        const packaged = await packageExtension({});
        vsix = packaged.vsix;
        const size = `${packaged.files} files, ${(packaged.bytes / 1048576).toFixed(1)} MB`;
        say(`${packaged.reused ? "reused" : "packaged"} ${path.relative(repoRoot, vsix)} (${size}) in ${seconds(step)}`);
    }

    if (!flag("--ui-only")) {
        step = Date.now();
        say("integration tests (inside the extension host)");
        // The engine tests inside the extension host load the generated tiny model, written here beforehand.
        const { ensureTinyModel } = require("../support/tinyModel.ts");
        const tinyModel = await ensureTinyModel();
        const code = await runIntegrationTests(tools, {
            vsix,
            extensionId: "qwen-local.qwen-local",
            env: { QWEN_E2E_TINY_MODEL: tinyModel, ...(grep ? { QWEN_E2E_GREP: grep } : {}) },
            verbose
        });
        say(`integration tests ${code === 0 ? "passed" : `FAILED (exit ${code})`} in ${seconds(step)}`);
        if (code !== 0) exitCode = 1;
    }
    if (!flag("--integration-only")) {
        step = Date.now();
        say("UI tests (chromium driving the workbench)");
        const code = await runUiTests(vsix);
        say(`UI tests ${code === 0 ? "passed" : "FAILED"} in ${seconds(step)}`);
        if (code !== 0) exitCode = 1;
    }
} catch (error) {
    if (error instanceof MissingSystemDependency) {
        // One line that says what to install, nothing else.
        process.stderr.write(`${error.message}\n`);
        process.exit(1);
    } else {
        process.stderr.write(`[e2e] ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    }
    exitCode = 1;
} finally {
    await stopAll();
}
say(`${exitCode === 0 ? "passed" : "FAILED"} in ${seconds(started)} (screenshots: .artifacts/e2e/)`);
process.exit(exitCode);
