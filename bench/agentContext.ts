/**
 * The agent's context window, measured: a 30-round session (each round reads a different ~700-token module, from
 * test/support/longSession.ts) run by the real agent loop on node-llama-cpp with the tiny qwen35moe model (merges
 * learnt from the material, so it tokenizes about as densely as the real model). The model's words are scripted —
 * random weights would not call tools — but every prompt is evaluated by the real engine (one token generated, the
 * scripted text streamed after it), so the tokens evaluated per round are the hybrid cache's real numbers.
 *
 * Runs:
 *   - before, 4096:  the loop without the context window (as before this change): the turn dies when the context fills;
 *   - before, 32768: the same, in a context that holds the whole session (the cost of never compacting);
 *   - after, 4096 and after, 16384: with counting, result budgets and compaction.
 * Per run: rounds, how it ended, compactions, prompt tokens (mean, max), tokens evaluated per round (mean, with the
 * compactions' own evaluation included). The last line is one JSON object with a `summary`.
 *
 *   npm run bench:agent-context     (builds dist/worker.js first)
 */
import { ApprovalPolicy } from "../src/core/agent/approvals";
import { EditSession } from "../src/core/agent/editSession";
import type { AgentEvent } from "../src/core/agent/events";
import { runAgentLoop, type RoundUsage } from "../src/core/agent/loop";
import { WorkspacePaths } from "../src/core/agent/paths";
import { agentSystemPrompt } from "../src/core/agent/prompt";
import { availableTools } from "../src/core/agent/tools";
import type { Engine, GenerateResult } from "../src/core/engine";
import { silentLogger } from "../src/core/log";
import { EngineClient } from "../src/engine/client";
import path from "node:path";
import { tempWorkspace } from "../test/support/agentWorkspace";
import { callText, ensureLongSessionModel, FINAL_ANSWER, longSessionFiles, SUMMARY_TEXT } from "../test/support/longSession";

const MODULES = 30;
const workerPath = path.resolve(__dirname, "..", "dist", "worker.js");

/** The real engine evaluates each prompt; the text after it comes from the session's script. */
function scriptedOnReal(client: EngineClient): Pick<Engine, "generate" | "tokenize"> {
    return {
        tokenize: (prompt, signal) => client.tokenize(prompt, signal),
        async generate(params, options): Promise<GenerateResult> {
            const evaluated = await client.generate({ ...params, maxTokens: 1 }, { signal: options.signal });
            const prompt = params.prompt.kind === "segments" ? params.prompt.segments.map((segment) => segment.text).join("") : "";
            const read = [...prompt.matchAll(/marker-(\d+)-end-of-header/g)].map((match) => Number(match[1]));
            const last = read.length > 0 ? Math.max(...read) : 0;
            const text = prompt.includes("outgrow the context") ? SUMMARY_TEXT
                : last >= MODULES ? FINAL_ANSWER : `Reading module ${last + 1}.\n\n${callText("read_file", { path: `src/module-${last + 1}.ts` })}`;
            options.onChunk?.({ text, tokens: 1 });
            return { text, stopReason: "eos", timings: { ...evaluated.timings, generatedTokens: 1 } };
        }
    };
}

interface RunResult {
    run: string;
    contextSize: number;
    compaction: boolean;
    reason: string;
    rounds: number;
    compactions: number;
    meanPromptTokens: number;
    maxPromptTokens: number;
    meanEvaluatedPerRound: number;
    totalEvaluated: number;
    message?: string;
}

async function run(modelPath: string, contextSize: number, compaction: boolean): Promise<RunResult> {
    const ws = tempWorkspace(longSessionFiles(MODULES));
    const client = new EngineClient({ workerPath, log: silentLogger, maxCrashes: 1 });
    try {
        await client.load({ modelPath, contextSize, gpu: false, threads: 1 });
        const tools = availableTools({}, true);
        const paths = new WorkspacePaths(ws.fs);
        const events: AgentEvent[] = [];
        const result = await runAgentLoop({
            engine: scriptedOnReal(client),
            ...(compaction ? { contextSize: () => client.modelInfo?.contextSize } : {}),
            context: { fs: ws.fs, paths, edits: new EditSession(ws.fs, paths) },
            tools,
            messages: [
                { role: "system", content: agentSystemPrompt({ roots: ws.fs.roots, tools, trusted: true }) },
                { role: "user", content: `Read every module in src (module-1.ts to module-${MODULES}.ts), one per step, and report what they export.` }
            ],
            policy: new ApprovalPolicy({ approve: async () => "deny", isTrusted: () => true, autoApprove: () => [] }),
            maxRounds: 40,
            maxTokensPerRound: 256,
            thinking: false,
            signal: new AbortController().signal,
            onEvent: (event) => events.push(event)
        });
        const usage: RoundUsage[] = result.usage;
        if (process.env.BENCH_ROWS) console.error(JSON.stringify(usage.map((round) => [round.round, round.promptTokens, round.evaluatedTokens, round.compactionEvaluatedTokens])));
        const evaluated = usage.map((round) => round.evaluatedTokens + round.compactionEvaluatedTokens);
        const prompts = usage.map((round) => round.promptTokens);
        const mean = (values: number[]) => values.length > 0 ? Math.round(values.reduce((sum, value) => sum + value, 0) / values.length) : 0;
        return {
            run: `${compaction ? "after" : "before"}, ${contextSize}`, contextSize, compaction,
            reason: result.reason, rounds: result.rounds, compactions: events.filter((event) => event.type === "compacted").length,
            meanPromptTokens: mean(prompts), maxPromptTokens: Math.max(0, ...prompts),
            meanEvaluatedPerRound: mean(evaluated), totalEvaluated: evaluated.reduce((sum, value) => sum + value, 0),
            ...(result.message ? { message: result.message } : {})
        };
    } finally {
        await client.dispose();
        ws.remove();
    }
}

async function main(): Promise<void> {
    const modelPath = await ensureLongSessionModel(MODULES);
    const results: RunResult[] = [];
    for (const [contextSize, compaction] of [[4096, false], [32768, false], [4096, true], [16384, true]] as const) {
        const result = await run(modelPath, contextSize, compaction);
        results.push(result);
        console.log(`${result.run.padEnd(14)} ${result.reason.padEnd(9)} rounds ${String(result.rounds).padStart(2)}  compactions ${String(result.compactions).padStart(2)}  `
            + `prompt mean ${String(result.meanPromptTokens).padStart(5)} max ${String(result.maxPromptTokens).padStart(5)}  `
            + `evaluated/round ${String(result.meanEvaluatedPerRound).padStart(5)}  total ${result.totalEvaluated}${result.message ? `  (${result.message.slice(0, 80)})` : ""}`);
    }
    console.log(JSON.stringify({ summary: { modules: MODULES, runs: results } }));
}

main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
});
