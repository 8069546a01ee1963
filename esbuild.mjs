// Bundles the extension's separate entries. `node esbuild.mjs [--watch] [--production]`.
import * as esbuild from "esbuild";
import fs from "node:fs";

const watch = process.argv.includes("--watch");
const production = process.argv.includes("--production");

/** node-llama-cpp is ESM with native binaries: it must stay external and be loaded with `await import()`. */
const nodeExternals = ["vscode", "node-llama-cpp"];

/** @type {esbuild.BuildOptions[]} */
const entries = [
    { entryPoints: { extension: "src/extension.ts" }, outdir: "dist", platform: "node", format: "cjs", external: nodeExternals },
    { entryPoints: { worker: "src/engine/worker.ts" }, outdir: "dist", platform: "node", format: "cjs", external: nodeExternals },
    {
        entryPoints: { cli: "src/cli.ts" }, outdir: "dist", platform: "node", format: "cjs", external: nodeExternals,
        banner: { js: "#!/usr/bin/env node" }
    },
    // The chat webview: browser code and its stylesheet (with the codicon font), into media/chat/ (git-ignored).
    { entryPoints: { chat: "src/webview/chat/main.ts" }, outdir: "media/chat", platform: "browser", format: "iife", target: "es2022" },
    {
        entryPoints: { chat: "src/webview/chat/chat.css" }, outdir: "media/chat", platform: "browser", target: "es2022",
        loader: { ".ttf": "file" }, assetNames: "[name]"
    }
].filter((entry) => Object.values(entry.entryPoints).every((file) => fs.existsSync(file)));

const common = {
    bundle: true,
    target: "node20",
    sourcemap: production ? false : "linked",
    minify: production,
    logLevel: "info",
    legalComments: "none"
};

if (watch) {
    for (const entry of entries) {
        const ctx = await esbuild.context({ ...common, ...entry });
        await ctx.watch();
    }
} else {
    await Promise.all(entries.map((entry) => esbuild.build({ ...common, ...entry })));
    if (fs.existsSync("dist/cli.js")) fs.chmodSync("dist/cli.js", 0o755);
}
