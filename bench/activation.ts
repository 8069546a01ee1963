/**
 * Measures what activating the extension costs: loading dist/extension.js and running activate(), with a
 * minimal stand-in for the `vscode` module (the real editor's own cost is not ours to measure here; the e2e
 * tier reads the same `activationMs` inside a real VS Code). Prints JSON and a short table.
 *
 *   npm run build && npx tsx bench/activation.ts [runs]
 */
import { execFileSync } from "node:child_process";
import path from "node:path";

const runs = Number(process.argv[2] ?? 20);
const root = path.resolve(__dirname, "..");

// Each run is a fresh Node process, so module loading is measured cold every time.
const child = String.raw`
const Module = require("module");
const path = require("path");
// A stand-in for the whole vscode API: any property is another stand-in, calls and \`new\` return stand-ins,
// disposables dispose, and configuration reads come back undefined (the settings table's defaults apply).
function standIn(name) {
    const values = new Map();
    return new Proxy(function () {}, {
        get(_object, property) {
            if (values.has(property)) return values.get(property);
            if (property === Symbol.toPrimitive || property === "toString") return () => name;
            if (property === "then") return undefined;
            if (property === "dispose") return () => undefined;
            if (property === "get" && name.endsWith("getConfiguration()")) return () => undefined;
            const child = standIn(name + "." + String(property));
            values.set(property, child);
            return child;
        },
        set(_object, property, value) {
            values.set(property, value);
            return true;
        },
        apply() { return standIn(name + "()"); },
        construct() { return standIn("new " + name); }
    });
}
const stub = standIn("vscode");
stub.Uri = {
    file: (p) => ({ fsPath: p, scheme: "file", path: p, toString: () => "file://" + p }),
    joinPath: (base, ...parts) => stub.Uri.file(path.join(base.fsPath, ...parts)),
    parse: (text) => stub.Uri.file(text),
    from: (parts) => ({ ...parts, fsPath: parts.path, toString: () => parts.scheme + ":" + parts.path })
};
// esbuild's ESM interop copies a CommonJS module's own properties onto an object whose prototype is the module's:
// make that prototype answer every name through the stand-in.
const viaPrototype = new Proxy({}, { get: (_object, property) => stub[property] });
Object.setPrototypeOf(stub, viaPrototype);
const load = Module._load;
Module._load = function (request, ...rest) { return request === "vscode" ? stub : load.call(this, request, ...rest); };
const t0 = performance.now();
const extension = require(path.join(process.argv[1], "dist/extension.js"));
const t1 = performance.now();
const memento = () => { const m = new Map(); return { get: (k, d) => (m.has(k) ? m.get(k) : d), update: async (k, v) => { m.set(k, v); }, keys: () => [...m.keys()] }; };
const context = {
    subscriptions: [], extensionUri: stub.Uri.file(process.argv[1]), extensionPath: process.argv[1],
    globalStorageUri: stub.Uri.file("/tmp/qwen-local-bench/global"), storageUri: stub.Uri.file("/tmp/qwen-local-bench/workspace"),
    workspaceState: memento(), globalState: memento(), asAbsolutePath: (p) => path.join(process.argv[1], p)
};
const api = extension.activate(context);
const t2 = performance.now();
const workerStarted = api.engine.client.workerPid !== undefined || api.engine.client.state.kind !== "stopped";
process.stdout.write(JSON.stringify({ loadMs: t1 - t0, activateMs: t2 - t1, reportedActivationMs: api.activationMs, workerStarted }));
setTimeout(() => process.exit(0), 10);
`;

const samples: { loadMs: number; activateMs: number; reportedActivationMs: number; workerStarted: boolean }[] = [];
for (let run = 0; run < runs; run++) {
    samples.push(JSON.parse(execFileSync(process.execPath, ["-e", child, root], { encoding: "utf8" })));
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
}
function p95(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)]!;
}

const total = samples.map((s) => s.loadMs + s.activateMs);
const report = {
    runs,
    loadMs: { median: median(samples.map((s) => s.loadMs)), p95: p95(samples.map((s) => s.loadMs)) },
    activateMs: { median: median(samples.map((s) => s.activateMs)), p95: p95(samples.map((s) => s.activateMs)) },
    totalMs: { median: median(total), p95: p95(total) },
    targetMs: 50,
    workerStartedOnActivation: samples.some((s) => s.workerStarted)
};
process.stdout.write(JSON.stringify(report, null, 2) + "\n\n");
process.stdout.write(`activation (load bundle + activate), ${runs} cold runs\n`);
process.stdout.write(`  median ${report.totalMs.median.toFixed(1)} ms, p95 ${report.totalMs.p95.toFixed(1)} ms (target ≤ ${report.targetMs} ms)` +
    ` — ${report.totalMs.median <= report.targetMs ? "met" : "NOT met"}\n`);
process.stdout.write(`  bundle load ${report.loadMs.median.toFixed(1)} ms, activate() ${report.activateMs.median.toFixed(1)} ms; ` +
    `worker started on activation: ${report.workerStartedOnActivation ? "YES (defect)" : "no"}\n`);
