/**
 * Inline-completion benchmark: replays a realistic editing session (completionSession.ts) on the tiny qwen35moe
 * model, twice, one request per keystroke:
 *   - engine:   the project's CompletionService through the real worker (EngineClient), default options;
 *   - baseline: node-llama-cpp directly in this process, a fresh `generateInfillCompletion(prefix, suffix)` per
 *               keystroke on one sequence — the whole text before and after the cursor, default checkpoints.
 * Per keystroke: prompt tokens, tokens evaluated, time to the suggestion, and (engine) the extension-side overhead.
 * Prints a short table; the last line is one JSON object with a `summary`. Per-keystroke rows go to
 * .artifacts/bench/completion.json.
 *
 *   npm run bench:completion            (builds dist/worker.js first)
 *   npx tsx bench/completion.ts --quick (the first 150 events, for a smoke run)
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CompletionService, DEFAULT_COMPLETION_OPTIONS, type CompletionRequest } from "../src/core/completion/service";
import { cursorContext } from "../src/core/completion/cursorContext";
import { silentLogger } from "../src/core/log";
import { EngineClient } from "../src/engine/client";
import { ensureTinyModel } from "../test/support/tinyModel";
import { buildSession, type SessionEvent } from "./completionSession";

const root = path.resolve(__dirname, "..");
const workerPath = path.join(root, "dist", "worker.js");
const CONTEXT = 16384;
/** One thread: llama.cpp's spinning threads crawl when the cores are shared. */
const THREADS = 1;
const quick = process.argv.includes("--quick");

interface Row {
    index: number;
    event: SessionEvent["kind"] | "open";
    afterJump: boolean;
    promptTokens: number;
    evaluated: number;
    /** From the request to the suggestion (no debounce in the benchmark). */
    latencyMs: number;
    timeToFirstTokenMs?: number;
    overheadMs?: number;
    tokenizeMs?: number;
    buildMs?: number;
    ipcMs?: number;
    postMs?: number;
    source?: string;
    fileRebuild?: string;
    suggestion: boolean;
}

function request(event: { text: string; offset: number }): CompletionRequest {
    return { document: "file:///bench/scriptedBackend.ts", path: "src/engine/scriptedBackend.ts", languageId: "typescript", text: event.text, offset: event.offset, repoName: "qwen-local" };
}

async function runEngine(modelPath: string, opened: { text: string; offset: number }, events: SessionEvent[], context: { path: string; text: string }[]): Promise<Row[]> {
    const client = new EngineClient({ workerPath, log: silentLogger });
    await client.load({ modelPath, contextSize: CONTEXT, gpu: false, threads: THREADS });
    // Speculative prefetch after a shown suggestion waits for a pause, which a replay has none of: it is off here
    // (accepted suggestions still prefetch, through accepted()).
    const service = new CompletionService(client, { speculative: false });
    for (const chunk of context) service.addContext({ ...chunk, reason: "open" });
    const rows: Row[] = [];
    const steps: { kind: Row["event"]; text: string; offset: number }[] = [{ kind: "open", ...opened }, ...events];
    for (const [index, step] of steps.entries()) {
        const req = request(step);
        if (step.kind === "accept") service.accepted(req);
        const outcome = await service.complete(req, undefined, { debounce: false });
        if (outcome.kind === "error" || outcome.kind === "cancelled") throw new Error(`engine request ${index}: ${JSON.stringify(outcome)}`);
        const s = outcome.stats;
        rows.push({
            index, event: step.kind, afterJump: step.kind === "jump", promptTokens: s.promptTokens, evaluated: s.evaluatedTokens,
            latencyMs: s.latencyMs, timeToFirstTokenMs: s.timeToFirstTokenMs, overheadMs: s.overheadMs, tokenizeMs: s.tokenizeMs, buildMs: s.buildMs, ipcMs: s.ipcMs, postMs: s.postMs,
            source: s.source, fileRebuild: s.fileRebuild, suggestion: outcome.kind === "suggestion"
        });
    }
    await client.dispose();
    return rows;
}

async function runBaseline(modelPath: string, opened: { text: string; offset: number }, events: SessionEvent[]): Promise<Row[]> {
    const { getLlama, LlamaCompletion } = await import("node-llama-cpp");
    const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" as never });
    const model = await llama.loadModel({ modelPath });
    const context = await model.createContext({ contextSize: CONTEXT, threads: THREADS, sequences: 1 });
    const sequence = context.getSequence();
    const completion = new LlamaCompletion({ contextSequence: sequence });
    const rows: Row[] = [];
    const steps: { kind: Row["event"]; text: string; offset: number }[] = [{ kind: "open", ...opened }, ...events];
    for (const [index, step] of steps.entries()) {
        const prefix = step.text.slice(0, step.offset);
        const suffix = step.text.slice(step.offset);
        const multiline = cursorContext(step.text, step.offset).multiline;
        const before = sequence.tokenMeter.usedInputTokens;
        const started = performance.now();
        let firstToken: number | undefined;
        const text = await completion.generateInfillCompletion(prefix, suffix, {
            maxTokens: DEFAULT_COMPLETION_OPTIONS.maxTokens,
            temperature: 0,
            customStopTriggers: multiline ? undefined : ["\n"],
            onToken: () => { firstToken ??= performance.now(); }
        });
        const latencyMs = performance.now() - started;
        // What the baseline's prompt holds: <PRE> prefix <SUF> suffix <MID>.
        const promptTokens = model.tokenize(prefix).length + model.tokenize(suffix).length + 3;
        rows.push({
            index, event: step.kind, afterJump: step.kind === "jump", promptTokens,
            evaluated: sequence.tokenMeter.usedInputTokens - before, latencyMs,
            timeToFirstTokenMs: firstToken !== undefined ? firstToken - started : undefined, suggestion: text.trim().length > 0
        });
    }
    await context.dispose();
    await model.dispose();
    await llama.dispose();
    return rows;
}

function percentile(values: number[], p: number): number {
    if (values.length === 0) return Number.NaN;
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
const median = (values: number[]) => percentile(values, 50);
const round = (value: number, digits = 1) => Number.isFinite(value) ? Math.round(value * 10 ** digits) / 10 ** digits : value;

function describe(rows: Row[]) {
    const keystrokes = rows.filter((row) => row.event !== "open");
    const jumps = keystrokes.filter((row) => row.afterJump);
    const typing = keystrokes.filter((row) => !row.afterJump);
    return {
        keystrokes: keystrokes.length,
        firstRequestEvaluated: rows[0]!.evaluated,
        medianEvaluated: median(keystrokes.map((row) => row.evaluated)),
        meanEvaluated: keystrokes.reduce((sum, row) => sum + row.evaluated, 0) / keystrokes.length,
        p95Evaluated: percentile(keystrokes.map((row) => row.evaluated), 95),
        medianEvaluatedTyping: median(typing.map((row) => row.evaluated)),
        jumps: jumps.length,
        medianEvaluatedAfterJump: median(jumps.map((row) => row.evaluated)),
        /** Jumps back to a place already completed are cache hits: these reached the engine. */
        jumpsToEngine: jumps.filter((row) => row.source !== "cache").length,
        p95EvaluatedAfterJumpToEngine: percentile(jumps.filter((row) => row.source !== "cache").map((row) => row.evaluated), 95),
        p95EvaluatedAfterJump: percentile(jumps.map((row) => row.evaluated), 95),
        maxEvaluatedAfterJump: Math.max(...jumps.map((row) => row.evaluated)),
        medianPromptTokens: median(keystrokes.map((row) => row.promptTokens)),
        medianLatencyMs: median(keystrokes.map((row) => row.latencyMs)),
        p95LatencyMs: percentile(keystrokes.map((row) => row.latencyMs), 95),
        medianTimeToFirstTokenMs: median(keystrokes.flatMap((row) => row.timeToFirstTokenMs !== undefined ? [row.timeToFirstTokenMs] : [])),
        medianOverheadMs: median(keystrokes.flatMap((row) => row.overheadMs !== undefined ? [row.overheadMs] : [])),
        p95OverheadMs: percentile(keystrokes.flatMap((row) => row.overheadMs !== undefined ? [row.overheadMs] : []), 95),
        /** Prompt tokenization in the worker: engine time, reported apart from the overhead. */
        medianWorkerTokenizeMs: median(keystrokes.flatMap((row) => row.tokenizeMs !== undefined ? [row.tokenizeMs] : [])),
        totalEvaluated: keystrokes.reduce((sum, row) => sum + row.evaluated, 0),
        suggestions: keystrokes.filter((row) => row.suggestion).length,
        cacheHits: keystrokes.filter((row) => row.source === "cache").length,
        sharedPrefetches: keystrokes.filter((row) => row.source === "shared").length,
        fileRebuilds: keystrokes.filter((row) => row.fileRebuild !== undefined).length
    };
}

async function main(): Promise<void> {
    if (!fs.existsSync(workerPath)) throw new Error(`${workerPath} is missing: run "npm run build" first (npm run bench:completion does).`);
    const file = fs.readFileSync(path.join(__dirname, "fixtures", "scriptedBackend.ts.txt"), "utf8");
    const session = buildSession(file, {
        bodyStart: "await sleep(delay, signal);",
        bodyEnd: "if (stopReason !== \"stop\")",
        importAnchor: "import fs from \"node:fs\";",
        importText: "\nimport path from \"node:path\";",
        renameAnchor: "return text.match",
        renameRemove: 5,
        renameText: "split"
    });
    const events = quick ? session.events.slice(0, 150) : session.events;
    // Two other files, as if opened earlier: the repo context the engine run shows the model.
    const context = ["src/engine/backend.ts", "src/core/stopStrings.ts"].map((file) => ({ path: file, text: fs.readFileSync(path.join(root, file), "utf8") }));
    const modelPath = await ensureTinyModel({ contextLength: CONTEXT });

    const started = performance.now();
    const engineRows = await runEngine(modelPath, session, events, context);
    const engineSeconds = (performance.now() - started) / 1000;
    const baselineStarted = performance.now();
    const baselineRows = await runBaseline(modelPath, session, events);
    const baselineSeconds = (performance.now() - baselineStarted) / 1000;

    const engine = describe(engineRows);
    const baseline = describe(baselineRows);
    const layout = DEFAULT_COMPLETION_OPTIONS.layout;
    const summary = {
        median_evaluated_per_keystroke: engine.medianEvaluated,
        baseline_median_evaluated_per_keystroke: baseline.medianEvaluated,
        reduction_factor: round(baseline.medianEvaluated / Math.max(1, engine.medianEvaluated)),
        p95_evaluated_after_jump: engine.p95EvaluatedAfterJump,
        p95_evaluated_after_jump_to_engine: engine.p95EvaluatedAfterJumpToEngine,
        baseline_p95_evaluated_after_jump: baseline.p95EvaluatedAfterJump,
        median_overhead_ms: round(engine.medianOverheadMs, 2),
        median_worker_tokenize_ms: round(engine.medianWorkerTokenizeMs, 2),
        p95_overhead_ms: round(engine.p95OverheadMs, 2),
        median_time_to_suggestion_ms: round(engine.medianLatencyMs),
        baseline_median_time_to_suggestion_ms: round(baseline.medianLatencyMs),
        suffix_window_tokens: layout.suffixTokens,
        checkpoint_interval_tokens: layout.checkpointInterval,
        keystrokes: engine.keystrokes,
        jumps: engine.jumps
    };
    const targets = {
        median_evaluated_within_suffix_plus_16: engine.medianEvaluated <= layout.suffixTokens + 16,
        at_least_5x_fewer_than_baseline: baseline.medianEvaluated >= 5 * engine.medianEvaluated,
        p95_after_jump_within_interval_plus_suffix: engine.p95EvaluatedAfterJump <= layout.checkpointInterval + layout.suffixTokens,
        median_overhead_within_5ms: engine.medianOverheadMs <= 5
    };

    const artifacts = path.join(root, ".artifacts", "bench");
    fs.mkdirSync(artifacts, { recursive: true });
    fs.writeFileSync(path.join(artifacts, "completion.json"), JSON.stringify({ engine: engineRows, baseline: baselineRows }, null, 1));

    const line = (label: string, a: number | string, b: number | string) => `  ${label.padEnd(34)}${String(a).padStart(10)}${String(b).padStart(12)}`;
    const out = process.stdout;
    out.write(`\ninline completion, tiny qwen35moe, ${THREADS} thread, ${engine.keystrokes} keystrokes (${engine.jumps} cursor jumps)` +
        `${quick ? " [quick]" : ""}\n`);
    out.write(line("", "engine", "baseline") + "\n");
    out.write(line("median tokens evaluated / keystroke", engine.medianEvaluated, baseline.medianEvaluated) + "\n");
    out.write(line("mean tokens evaluated / keystroke", round(engine.meanEvaluated), round(baseline.meanEvaluated)) + "\n");
    out.write(line("p95 tokens evaluated / keystroke", engine.p95Evaluated, baseline.p95Evaluated) + "\n");
    out.write(line("p95 tokens evaluated after a jump", engine.p95EvaluatedAfterJump, baseline.p95EvaluatedAfterJump) + "\n");
    out.write(line(`  (the ${engine.jumpsToEngine} not served by the cache)`, engine.p95EvaluatedAfterJumpToEngine, baseline.p95EvaluatedAfterJumpToEngine) + "\n");
    out.write(line("first request (open) evaluated", engine.firstRequestEvaluated, baseline.firstRequestEvaluated) + "\n");
    out.write(line("median prompt tokens", engine.medianPromptTokens, baseline.medianPromptTokens) + "\n");
    out.write(line("median time to suggestion (ms)", round(engine.medianLatencyMs), round(baseline.medianLatencyMs)) + "\n");
    out.write(line("p95 time to suggestion (ms)", round(engine.p95LatencyMs), round(baseline.p95LatencyMs)) + "\n");
    out.write(line("median extension overhead (ms)", round(engine.medianOverheadMs, 2), "-") + "\n");
    out.write(line("  (+ prompt tokenizing in the worker)", round(engine.medianWorkerTokenizeMs, 2), "-") + "\n");
    out.write(line("run time (s)", round(engineSeconds), round(baselineSeconds)) + "\n");
    out.write(`  targets: ${Object.entries(targets).map(([name, met]) => `${name} ${met ? "met" : "MISSED"}`).join("; ")}\n`);
    out.write(`  rows: ${path.relative(root, path.join(artifacts, "completion.json"))}\n`);
    out.write(JSON.stringify({
        benchmark: "completion",
        model: "tiny qwen35moe (test/support/tinyModel.ts)",
        threads: THREADS,
        cpus: os.cpus().length,
        options: { layout, maxTokens: DEFAULT_COMPLETION_OPTIONS.maxTokens, ring: DEFAULT_COMPLETION_OPTIONS.ring },
        engine,
        baseline,
        targets,
        summary
    }) + "\n");
}

main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exit(1);
});
