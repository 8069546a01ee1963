/**
 * A long agent session for tests and the benchmark of the context window: a workspace of modules of about 700
 * tokens each, a tiny model whose tokenizer packs text as a real one does (merges learnt from this very material),
 * and a scripted engine that reads one module per round, answers the compaction requests with a summary, and gives
 * its final answer only when the last module's text reached its prompt.
 */
import { agentSystemPrompt } from "../../src/core/agent/prompt";
import { ALL_TOOLS, toolDefinitions } from "../../src/core/agent/tools";
import { renderConversation } from "../../src/core/qwen35/render";
import type { EngineScript } from "../../src/engine/scriptedBackend";
import { ensureTinyModel } from "./tinyModel";

const NOUNS = ["invoice", "customer", "order", "payment", "ledger", "account", "report", "balance", "refund", "discount", "tax", "shipment"];
const VERBS = ["load", "save", "merge", "split", "check", "format", "render", "apply", "count", "sum", "filter", "sort"];

/** Module `index` (1-based): TypeScript with its own names and a marker line a script can look for. */
export function moduleText(index: number): string {
    const noun = (k: number) => NOUNS[(index * 7 + k) % NOUNS.length]!;
    const verb = (k: number) => VERBS[(index * 5 + k) % VERBS.length]!;
    const lines = [
        `// Module ${index}: ${noun(0)} ${verb(0)}ing for the ${noun(1)} service.`,
        `// marker-${index}-end-of-header`,
        `import { ${noun(2)}Store } from "./store";`,
        "",
        `export interface ${cap(noun(0))}${index} {`,
        `    id: string;`,
        `    ${noun(1)}Id: string;`,
        `    amount: number;`,
        `    createdAt: Date;`,
        `}`,
        ""
    ];
    for (let k = 0; k < 7; k++) {
        lines.push(
            `/** ${cap(verb(k))} the ${noun(k)} records of a ${noun(k + 1)}, in order of their dates. */`,
            `export function ${verb(k)}${cap(noun(k))}${index}_${k}(items: ${cap(noun(0))}${index}[], limit = ${10 + k}): number {`,
            `    let total = 0;`,
            `    for (const item of items.slice(0, limit)) {`,
            `        if (item.amount > ${k * 3}) total += item.amount;`,
            `    }`,
            `    return ${noun(2)}Store.round(total);`,
            `}`,
            ""
        );
    }
    return lines.join("\n");
}

function cap(word: string): string {
    return word[0]!.toUpperCase() + word.slice(1);
}

export function callText(name: string, args: Record<string, string>): string {
    const params = Object.entries(args).map(([key, value]) => `<parameter=${key}>\n${value}\n</parameter>\n`).join("");
    return `<tool_call>\n<function=${name}>\n${params}</function>\n</tool_call>`;
}

export const SUMMARY_TEXT = "Summary: the user asked for a report of every module's exported functions. I have read the modules "
    + "one by one with read_file; each exports seven functions that sum item amounts. Nothing was changed. Remaining: read the rest.";
export const FINAL_ANSWER = "All 30 modules read: each exports seven functions that sum the amounts of its items.";

/** The session's workspace: src/module-1.ts … src/module-N.ts. */
export function longSessionFiles(modules: number): Record<string, string> {
    const files: Record<string, string> = {};
    for (let index = 1; index <= modules; index++) files[`src/module-${index}.ts`] = moduleText(index);
    return files;
}

/**
 * The script: a compaction request (only it contains "outgrow the context") gets the summary, every time; round k
 * reads module k, and from round 2 on answers only a prompt that holds module k-1's marker (its result got through);
 * the final answer needs the last module's marker.
 */
export function longSessionScript(modules: number): EngineScript {
    const responses: EngineScript["responses"] = [{ match: "outgrow the context", text: SUMMARY_TEXT, repeat: true }];
    for (let index = 1; index <= modules; index++) {
        responses.push({
            ...(index > 1 ? { match: `marker-${index - 1}-end-of-header` } : {}),
            text: `Reading module ${index}.\n\n${callText("read_file", { path: `src/module-${index}.ts` })}`
        });
    }
    responses.push({ match: `marker-${modules}-end-of-header`, text: FINAL_ANSWER });
    return { tokenDelayMs: 0, loadDelayMs: 0, responses };
}

/** The tiny model with merges learnt from the agent's prompt, the modules and the script's texts. */
export function ensureLongSessionModel(modules: number, contextLength = 32768): Promise<string> {
    const system = agentSystemPrompt({ roots: [{ name: "workspace", path: "/workspace" }], tools: ALL_TOOLS, trusted: true, platform: "linux, /bin/sh" });
    const prompt = renderConversation({ messages: [{ role: "system", content: system }, { role: "user", content: "x" }], tools: toolDefinitions(ALL_TOOLS) });
    const corpus = [prompt, ...Object.values(longSessionFiles(modules)), SUMMARY_TEXT, FINAL_ANSWER].join("\n");
    return ensureTinyModel({ contextLength, trainedMerges: { corpus, count: 3000 } });
}
