/**
 * The agent's context window on real engines: `cli.js agent` through the worker with the scripted engine (which
 * counts with the model file's tokenizer and enforces the context as node-llama-cpp does) for a 30-round session in
 * a 4096-token context; and compaction on node-llama-cpp itself with the tiny model, the evaluated tokens counted.
 * The tiny model here has merges learnt from the material (support/longSession.ts), so it packs text about as densely
 * as the real tokenizer. Requires `npm run build`.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import type { AgentEvent } from "../../src/core/agent/events";
import { runAgentLoop } from "../../src/core/agent/loop";
import { ApprovalPolicy } from "../../src/core/agent/approvals";
import { EditSession } from "../../src/core/agent/editSession";
import { WorkspacePaths } from "../../src/core/agent/paths";
import { agentSystemPrompt } from "../../src/core/agent/prompt";
import { availableTools } from "../../src/core/agent/tools";
import type { ChatMessage } from "../../src/core/qwen35/types";
import { EngineClient } from "../../src/engine/client";
import { tempWorkspace, type TempWorkspace } from "../support/agentWorkspace";
import { captureLogger, workerPath } from "../support/engine";
import {
    ensureLongSessionModel, FINAL_ANSWER, longSessionFiles, longSessionScript, moduleText
} from "../support/longSession";
import { SCRIPTED_ENGINE_ENV, writeEngineScript } from "../support/scriptedEngine";

const cliPath = path.resolve(__dirname, "../../dist/cli.js");
const MODULES = 30;

function runCli(args: string[], scriptPath: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, [cliPath, ...args], { env: { ...process.env, [SCRIPTED_ENGINE_ENV]: scriptPath }, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        let err = "";
        child.stdout.on("data", (data: Buffer) => (out += data.toString()));
        child.stderr.on("data", (data: Buffer) => (err += data.toString()));
        child.on("close", (code) => resolve({ code, stdout: out, stderr: err }));
    });
}

describe("the agent's context window on real engines", function () {
    this.timeout(300_000);
    let ws: TempWorkspace;

    beforeEach(() => {
        ws = tempWorkspace(longSessionFiles(MODULES));
    });
    afterEach(() => ws.remove());

    it(`cli.js agent --context 4096 --max-rounds 40: ${MODULES} rounds each reading a different ~700-token file finish with the final answer`, async () => {
        const modelPath = await ensureLongSessionModel(MODULES);
        const script = writeEngineScript(longSessionScript(MODULES));
        try {
            const { code, stdout, stderr } = await runCli(["agent", "--root", ws.root, "--model", modelPath, "--context", "4096", "--max-rounds", "40",
                "--no-thinking", "--max-tokens", "256", "--threads", "1", "--json",
                `Read every module in src (module-1.ts to module-${MODULES}.ts), one per step, and report what they export.`], script.path);
            assert.equal(code, 0, stderr);
            const events = stdout.trim().split("\n").map((line) => JSON.parse(line) as AgentEvent);
            const done = events[events.length - 1]!;
            assert.deepEqual(done, { type: "done", reason: "answered", rounds: MODULES + 1 });
            const lastRound = events.map((event) => event.type).lastIndexOf("round");
            assert.equal(events.slice(lastRound).filter((event) => event.type === "text").map((event) => event.type === "text" && event.text).join("").trim(), FINAL_ANSWER);
            // Each module was read whole (its last line reached the model).
            const results = events.filter((event): event is Extract<AgentEvent, { type: "toolResult" }> => event.type === "toolResult");
            assert.equal(results.length, MODULES);
            results.forEach((result, index) => {
                assert.equal(result.ok, true);
                assert.ok(result.text.endsWith(moduleText(index + 1).trimEnd().split("\n").pop()!), `module ${index + 1} read whole`);
            });
            const compactions = events.filter((event): event is Extract<AgentEvent, { type: "compacted" }> => event.type === "compacted");
            assert.ok(compactions.length > 0);
            assert.ok(compactions.every((compaction) => compaction.byModel && compaction.tokensAfter < compaction.tokensBefore));
            // Every round's prompt, counted by the engine with the model's tokenizer, left room for the answer.
            const usage = events.filter((event): event is Extract<AgentEvent, { type: "usage" }> => event.type === "usage");
            assert.equal(usage.length, MODULES + 1);
            for (const round of usage) assert.ok(round.promptTokens > 2000 && round.promptTokens <= 4096 - 256, `round ${round.round}: ${round.promptTokens} tokens`);
            // The module files are ~700 tokens with this tokenizer, as the task says.
            const client = new EngineClient({ workerPath, log: captureLogger().logger, maxCrashes: 1, env: { [SCRIPTED_ENGINE_ENV]: script.path } });
            try {
                await client.load({ modelPath, contextSize: 4096, gpu: false, threads: 1 });
                const sizes = await Promise.all([1, 15, 30].map(async (index) => (await client.tokenize({ kind: "text", text: moduleText(index) })).length));
                for (const size of sizes) assert.ok(size > 600 && size < 800, `${size} tokens`);
            } finally {
                await client.dispose();
            }
        } finally {
            script.remove();
        }
    });

    it("a task larger than the context fails at once with a clear message, before anything is generated", async () => {
        const modelPath = await ensureLongSessionModel(MODULES);
        const script = writeEngineScript(longSessionScript(MODULES));
        try {
            const task = `Explain this log:\n${Array.from({ length: 2000 }, (_, line) => `line ${line}: request handled`).join("\n")}`;
            const { code, stdout } = await runCli(["agent", "--root", ws.root, "--model", modelPath, "--context", "4096", "--threads", "1", "--json", task], script.path);
            assert.equal(code, 1);
            const events = stdout.trim().split("\n").map((line) => JSON.parse(line) as AgentEvent);
            assert.equal(events.some((event) => event.type === "usage" || event.type === "text"), false, "nothing was generated");
            const done = events[events.length - 1]!;
            assert.equal(done.type, "done");
            assert.match(done.type === "done" ? done.message ?? "" : "", /^The request is too large: with the agent's instructions and tools it takes \d+ tokens, and the context holds 4096/);
            assert.ok(events.some((event) => event.type === "notice" && event.level === "error" && /^The request is too large/.test(event.text)));
        } finally {
            script.remove();
        }
    });

    it("compacts on node-llama-cpp with the tiny model: the turn completes inside the context and its evaluated tokens are counted", async () => {
        const modelPath = await ensureLongSessionModel(MODULES);
        const client = new EngineClient({ workerPath, log: captureLogger().logger, maxCrashes: 1 });
        try {
            await client.load({ modelPath, contextSize: 4096, gpu: false, threads: 1 });
            const tools = availableTools({}, true);
            // A conversation that has already read two modules: the next prompt does not leave room for an answer.
            const messages: ChatMessage[] = [
                { role: "system", content: agentSystemPrompt({ roots: ws.fs.roots, tools, trusted: true }) },
                { role: "user", content: "Read the modules one by one." }
            ];
            for (const index of [1, 2, 3]) {
                messages.push(
                    { role: "assistant", content: "", tool_calls: [{ id: `c${index}`, type: "function", function: { name: "read_file", arguments: { path: `src/module-${index}.ts` } } }] },
                    { role: "tool", tool_call_id: `c${index}`, name: "read_file", content: moduleText(index) }
                );
            }
            const events: AgentEvent[] = [];
            const paths = new WorkspacePaths(ws.fs);
            const result = await runAgentLoop({
                engine: client,
                contextSize: () => client.modelInfo?.contextSize,
                context: { fs: ws.fs, paths, edits: new EditSession(ws.fs, paths) },
                tools,
                messages,
                policy: new ApprovalPolicy({ approve: async () => "deny", isTrusted: () => true, autoApprove: () => [] }),
                maxRounds: 1,
                maxTokensPerRound: 48,
                thinking: false,
                sampling: { seed: 3, temperature: 0.6, topK: 20, topP: 0.95 },
                signal: new AbortController().signal,
                onEvent: (event) => events.push(event)
            });
            assert.notEqual(result.reason, "error", result.message);
            const compacted = events.find((event): event is Extract<AgentEvent, { type: "compacted" }> => event.type === "compacted");
            assert.ok(compacted, "compacted before the round");
            assert.ok(compacted.tokensBefore > 4096 - 256 && compacted.tokensAfter <= 4096 - 256, `${compacted.tokensBefore} → ${compacted.tokensAfter}`);
            assert.equal(result.usage.length, 1);
            const [round] = result.usage;
            assert.ok(round!.promptTokens <= 4096 - 256);
            // The summary request ran on the engine (or fell back to the digest when the random model said nothing).
            assert.ok(round!.compactionEvaluatedTokens > 0);
            // The system turn (instructions and tools) was not evaluated again after compaction: the checkpoint after it
            // let the engine resume there.
            assert.ok(round!.evaluatedTokens > 0 && round!.evaluatedTokens < round!.promptTokens - 1500,
                `${round!.evaluatedTokens} of ${round!.promptTokens} prompt tokens evaluated; ${JSON.stringify(compacted)} ${JSON.stringify(round)}`);
            assert.equal(messages[1]!.role, "user");
            assert.match(String(messages[1]!.content), /^\[Earlier in this conversation/);
        } finally {
            await client.dispose();
        }
    });
});
