// Packages the extension as a platform-specific .vsix: `npm run package [-- --target linux-x64] [--out DIR] [--force]`.
//
// The .vsix carries node-llama-cpp, its runtime dependencies and ONE platform's prebuilt llama.cpp binaries: the CPU
// package and, on linux and windows, the Vulkan one (`getLlama({gpu: "auto"})` falls back from Vulkan to CPU).
// CUDA stays out — 181 MB + 357 MB on linux-x64, more than a marketplace package should carry — and so do other
// platforms' binaries. .vscodeignore excludes every @node-llama-cpp package; this script re-includes the target's
// ones through a generated ignore file. vsce walks every folder of the directory it packages before applying the
// ignore file — in this repo that means .cache/ (code-server: ~600 MB, tens of thousands of files) and .git, 15+ s per
// walk — so it packages a staging folder instead: copies of the top-level entries that .vscodeignore does not exclude
// wholesale, and a symlink to node_modules (vsce reads the dependencies from `npm list` there). Without `--force` an
// existing .vsix is reused when none of the files that would go into it changed, so the e2e tier can call this at the
// start of every run.
//
// Prints the .vsix path on stdout (last line); progress goes to stderr.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** vsce target → the @node-llama-cpp packages shipped for it (CPU first; Vulkan where node-llama-cpp offers it). */
export const binaryPackages = {
    "linux-x64": ["linux-x64", "linux-x64-vulkan"],
    "linux-arm64": ["linux-arm64"],
    "linux-armhf": ["linux-armv7l"],
    "darwin-arm64": ["mac-arm64-metal"],
    "darwin-x64": ["mac-x64"],
    "win32-x64": ["win-x64", "win-x64-vulkan"],
    "win32-arm64": ["win-arm64"]
};

export function currentTarget() {
    const arch = process.arch === "arm" ? "armhf" : process.arch;
    return `${process.platform}-${arch}`;
}

function log(message) {
    process.stderr.write(`[package] ${message}\n`);
}

function readJson(file) {
    return JSON.parse(fs.readFileSync(file, "utf8"));
}

/** Top-level entries never staged: version control, caches, outputs, and node_modules (linked, not copied). */
const neverStaged = new Set([".git", ".cache", ".artifacts", "out", "coverage", ".vscode-test", "node_modules"]);

/**
 * A folder vsce can walk quickly: copies of the repo's top-level entries except those .vscodeignore excludes as a
 * whole (`name/**`), plus node_modules as a symlink. Returns its path.
 */
function stage(target, outDir) {
    const dir = path.join(outDir, `stage-${target}-${process.pid}`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const ignoredWholesale = new Set(fs.readFileSync(path.join(repoRoot, ".vscodeignore"), "utf8").split("\n")
        .map((line) => /^([^!#*/\s][^*/\s]*)\/\*\*$/.exec(line.trim())?.[1])
        .filter(Boolean));
    for (const name of fs.readdirSync(repoRoot)) {
        if (neverStaged.has(name) || ignoredWholesale.has(name) || name.endsWith(".vsix")) continue;
        fs.cpSync(path.join(repoRoot, name), path.join(dir, name), { recursive: true, preserveTimestamps: true });
    }
    fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"), "dir");
    return dir;
}

/** The ignore file vsce gets: .vscodeignore plus the target's binary packages re-included. */
function writeIgnoreFile(target, outDir) {
    const packages = binaryPackages[target];
    if (!packages) throw new Error(`no node-llama-cpp binaries known for target ${target}; known: ${Object.keys(binaryPackages).join(", ")}`);
    const llamaVersion = readJson(path.join(repoRoot, "node_modules", "node-llama-cpp", "package.json")).version;
    for (const name of packages) {
        const manifest = path.join(repoRoot, "node_modules", "@node-llama-cpp", name, "package.json");
        if (!fs.existsSync(manifest)) {
            throw new Error(`@node-llama-cpp/${name} is not installed; run \`npm install\` on a ${target} machine (npm installs only the matching optional binaries)`);
        }
        const version = readJson(manifest).version;
        if (version !== llamaVersion) throw new Error(`@node-llama-cpp/${name}@${version} does not match node-llama-cpp@${llamaVersion}`);
    }
    const base = fs.readFileSync(path.join(repoRoot, ".vscodeignore"), "utf8");
    const extra = [
        "",
        `# added by scripts/package.mjs for ${target}`,
        ...packages.flatMap((name) => ["package.json", "LICENSE", "dist/*.js", "bins/**"].map((file) => `!node_modules/@node-llama-cpp/${name}/${file}`))
    ];
    const file = path.join(outDir, `.vscodeignore-${target}`);
    fs.writeFileSync(file, base + extra.join("\n") + "\n");
    return file;
}

/**
 * Fingerprint of what would be packaged, plus the options: the content of our own files (the build rewrites them
 * every time), path + size + mtime of dependencies (large, and only `npm install` changes them).
 */
function fingerprint(root, files, extra) {
    const hash = createHash("sha256");
    hash.update(JSON.stringify(extra));
    for (const file of [...files].sort()) {
        const full = path.join(root, file);
        if (file.startsWith("node_modules/")) {
            const stat = fs.statSync(full);
            hash.update(`${file}\0${stat.size}\0${stat.mtimeMs}\n`);
        } else {
            hash.update(`${file}\0`).update(fs.readFileSync(full)).update("\n");
        }
    }
    return hash.digest("hex");
}

/**
 * Builds (unless skipped) and packages; returns `{ vsix, files, bytes, reused }`.
 * @param {{ target?: string, outDir?: string, force?: boolean, build?: boolean }} options
 */
export async function packageExtension(options = {}) {
    const target = options.target ?? currentTarget();
    const outDir = path.resolve(repoRoot, options.outDir ?? ".artifacts");
    fs.mkdirSync(outDir, { recursive: true });
    const manifest = readJson(path.join(repoRoot, "package.json"));
    const vsix = path.join(outDir, `${manifest.name}-${manifest.version}-${target}.vsix`);
    const started = Date.now();

    if (options.build !== false) {
        const { spawnSync } = await import("node:child_process");
        // What ships: minified, without source maps.
        const result = spawnSync(process.execPath, [path.join(repoRoot, "esbuild.mjs"), "--production"], { cwd: repoRoot, stdio: ["ignore", process.stderr, process.stderr] });
        if (result.status !== 0) throw new Error("build failed (node esbuild.mjs --production)");
    }
    if (!fs.existsSync(path.join(repoRoot, manifest.main ?? "dist/extension.js"))) {
        throw new Error(`${manifest.main} is missing: the build produced no extension entry`);
    }

    const vsce = require("@vscode/vsce");
    const ignoreFile = writeIgnoreFile(target, outDir);
    const cwd = stage(target, outDir);
    try {
        return await packageStaged({ vsce, cwd, vsix, target, ignoreFile, force: options.force, started });
    } finally {
        fs.rmSync(cwd, { recursive: true, force: true });
    }
}

async function packageStaged({ vsce, cwd, vsix, target, ignoreFile, force, started }) {
    const files = await vsce.listFiles({ cwd, packageManager: vsce.PackageManager.Npm, ignoreFile });
    const stamp = `${vsix}.fingerprint`;
    const print = fingerprint(cwd, files, { target, ignore: fs.readFileSync(ignoreFile, "utf8"), vsce: require("@vscode/vsce/package.json").version });
    if (!force && fs.existsSync(vsix) && fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8") === print) {
        log(`unchanged, reusing ${path.relative(repoRoot, vsix)} (${files.length} files)`);
        return { vsix, files: files.length, bytes: fs.statSync(vsix).size, reused: true };
    }

    fs.rmSync(stamp, { force: true });
    const hasLicense = fs.readdirSync(cwd).some((name) => /^licen[sc]e(\.(md|txt))?$/i.test(name));
    // vsce prints the whole file tree to stdout; keep stdout for the .vsix path and report a summary instead.
    const consoleLog = console.log;
    console.log = () => undefined;
    try {
        await vsce.createVSIX({
            cwd,
            packagePath: vsix,
            target,
            ignoreFile,
            dependencies: true,
            useYarn: false,
            allowMissingRepository: true,
            // The README links the repository's docs/ relatively; without a repository URL vsce cannot rewrite them
            // (and would refuse to package), so they stay as written.
            rewriteRelativeLinks: false,
            skipLicense: !hasLicense
        });
    } finally {
        console.log = consoleLog;
    }
    fs.writeFileSync(stamp, print);
    const bytes = fs.statSync(vsix).size;
    log(`${path.relative(repoRoot, vsix)}: ${files.length} files, ${(bytes / 1024 / 1024).toFixed(1)} MB, ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { vsix, files: files.length, bytes, reused: false };
}

function parseArgs(argv) {
    const options = {};
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--target") options.target = argv[++i];
        else if (arg === "--out") options.outDir = argv[++i];
        else if (arg === "--force") options.force = true;
        else if (arg === "--no-build") options.build = false;
        else if (arg === "--list") options.list = true;
        else throw new Error(`unknown argument ${arg} (use --target T, --out DIR, --force, --no-build, --list)`);
    }
    return options;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
    try {
        const options = parseArgs(process.argv.slice(2));
        if (options.list) {
            const vsce = require("@vscode/vsce");
            const target = options.target ?? currentTarget();
            const outDir = path.resolve(repoRoot, options.outDir ?? ".artifacts");
            fs.mkdirSync(outDir, { recursive: true });
            const ignoreFile = writeIgnoreFile(target, outDir);
            const cwd = stage(target, outDir);
            try {
                const files = await vsce.listFiles({ cwd, packageManager: vsce.PackageManager.Npm, ignoreFile });
                process.stdout.write(files.sort().join("\n") + "\n");
            } finally {
                fs.rmSync(cwd, { recursive: true, force: true });
            }
        } else {
            const result = await packageExtension(options);
            process.stdout.write(`${result.vsix}\n`);
        }
    } catch (error) {
        process.stderr.write(`[package] ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
    }
}
