/**
 * What the .vsix put on disk works: node-llama-cpp and this platform's prebuilt binaries are there, nothing the
 * package should not carry is, and the packaged node-llama-cpp loads its binary in a separate Node process (as the
 * engine worker does), from the installed extension folder alone.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { theExtension } from "./extension";

function extensionPath(): string {
    return theExtension().extensionPath;
}

function installed(relative: string): boolean {
    return fs.existsSync(path.join(extensionPath(), relative));
}

describe("the packaged extension", () => {
    it("carries its bundles and node-llama-cpp", () => {
        for (const file of ["package.json", "dist/extension.js", "dist/worker.js", "node_modules/node-llama-cpp/package.json"]) {
            assert.ok(installed(file), `${file} missing from the installed extension`);
        }
    });

    it("carries this platform's CPU binaries and no CUDA, no other platform, no sources", () => {
        const binaries = fs.readdirSync(path.join(extensionPath(), "node_modules", "@node-llama-cpp"));
        assert.ok(binaries.length > 0, "no @node-llama-cpp binary package");
        assert.ok(!binaries.some((name) => /cuda/.test(name)), `CUDA packaged: ${binaries.join(", ")}`);
        const platform = { linux: "linux", darwin: "mac", win32: "win" }[process.platform as string] ?? process.platform;
        const arch = process.arch === "arm" ? "armv7l" : process.arch;
        assert.ok(binaries.every((name) => name.startsWith(`${platform}-${arch}`)), `other platforms packaged: ${binaries.join(", ")}`);
        for (const absent of ["src", "test", "bench", ".cache", "node_modules/typescript", "node_modules/node-llama-cpp/llama/gitRelease.bundle"]) {
            assert.ok(!installed(absent), `${absent} should not be in the package`);
        }
    });

    it("loads node-llama-cpp's prebuilt binary in a child Node process", async function () {
        this.timeout(60_000);
        const entry = path.join(extensionPath(), "node_modules", "node-llama-cpp", "dist", "index.js");
        // A file, not `node -e`: node-llama-cpp tests its binary in a fork that inherits execArgv, and an inherited
        // --input-type=module makes that fork fail.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "probe-"));
        const script = path.join(dir, "probe.mjs");
        fs.writeFileSync(script, [
            `const { getLlama } = await import(${JSON.stringify(pathToFileURL(entry).href)});`,
            "const llama = await getLlama({ gpu: false, build: \"never\", progressLogs: false });",
            "console.log(JSON.stringify({ gpu: llama.gpu, buildType: llama.buildType }));",
            "await llama.dispose();"
        ].join("\n"));
        try {
            const output = await new Promise<string>((resolve, reject) => {
                execFile(process.execPath, [script], {
                    cwd: extensionPath(),
                    env: { ...process.env, ELECTRON_RUN_AS_NODE: "1" },
                    timeout: 50_000
                }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)));
            });
            const result = JSON.parse(output.trim().split("\n").pop() ?? "{}") as { gpu: unknown; buildType: string };
            assert.equal(result.gpu, false);
            assert.equal(result.buildType, "prebuilt");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
