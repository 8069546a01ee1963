/**
 * Project instructions: which files are found, in which order, when a rule applies, the size cap, the settings, the
 * real-path jail, byte-stable rendering — and that the agent's system prompt carries them (and changes only when
 * they do).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { WorkspacePaths } from "../../src/core/agent/paths";
import { AgentSession } from "../../src/core/agent/session";
import type { AgentEvent } from "../../src/core/agent/events";
import {
    DEFAULT_INSTRUCTION_SETTINGS, discoverInstructions, renderInstructions, requestWithInstructions, splitFrontMatter
} from "../../src/core/instructions";
import { tempWorkspace, type TempWorkspace } from "../support/agentWorkspace";
import { scripted } from "../support/scriptedGenerator";

describe("project instructions", () => {
    let ws: TempWorkspace;
    beforeEach(() => {
        ws = tempWorkspace({
            "AGENTS.md": "Use tabs.\n",
            ".github/copilot-instructions.md": "Prefer small functions.\n",
            "CLAUDE.md": "Run npm test before finishing.\n",
            "packages/api/AGENTS.md": "The API package uses Express.\n",
            "packages/api/src/server.ts": "export {};\n",
            "packages/web/src/app.tsx": "export {};\n",
            ".qwen-local/rules/b-general.md": "Write JSDoc for exports.\n",
            ".qwen-local/rules/a-typescript.md": "---\napplyTo: \"**/*.ts\"\n---\nNo `any`.\n",
            ".qwen-local/rules/c-react.md": "---\napplyTo:\n  - \"**/*.tsx\"\n  - \"**/*.jsx\"\n---\nUse function components.\n",
            ".qwen-local/rules/notes.txt": "not a rule\n"
        });
    });
    afterEach(() => ws.remove());

    const discover = (touched: string[], settings = DEFAULT_INSTRUCTION_SETTINGS) =>
        discoverInstructions(ws.fs, new WorkspacePaths(ws.fs), touched, settings);

    it("reads the sources in a fixed order: AGENTS.md, copilot-instructions, CLAUDE.md, nearest AGENTS.md, rules by name", async () => {
        const files = await discover(["packages/api/src/server.ts"]);
        assert.deepEqual(files.map((file) => [file.source, file.path]), [
            ["agentsMd", "AGENTS.md"],
            ["copilotInstructions", ".github/copilot-instructions.md"],
            ["claudeMd", "CLAUDE.md"],
            ["nestedAgentsMd", "packages/api/AGENTS.md"],
            ["rules", ".qwen-local/rules/a-typescript.md"],
            ["rules", ".qwen-local/rules/b-general.md"]
        ]);
        assert.equal(files[4]!.text, "No `any`.\n", "the front matter is not sent");
        assert.deepEqual(files[4]!.applyTo, ["**/*.ts"]);
    });

    it("applies a rule only when the turn works on a matching file, and the nearest AGENTS.md only below it", async () => {
        const web = await discover(["packages/web/src/app.tsx"]);
        assert.deepEqual(web.map((file) => file.path), ["AGENTS.md", ".github/copilot-instructions.md", "CLAUDE.md",
            ".qwen-local/rules/b-general.md", ".qwen-local/rules/c-react.md"]);
        const none = await discover([]);
        assert.deepEqual(none.map((file) => file.path), ["AGENTS.md", ".github/copilot-instructions.md", "CLAUDE.md", ".qwen-local/rules/b-general.md"]);
    });

    it("turns each source off by its setting", async () => {
        const files = await discover(["packages/api/src/server.ts"], { ...DEFAULT_INSTRUCTION_SETTINGS, agentsMd: false, claudeMd: false, rules: false });
        assert.deepEqual(files.map((file) => file.path), [".github/copilot-instructions.md"]);
    });

    it("cuts a file over the size cap, with a notice in the prompt", async () => {
        ws.write("AGENTS.md", "x".repeat(5000));
        const [first] = await discover([], { ...DEFAULT_INSTRUCTION_SETTINGS, maxFileChars: 1000 });
        assert.equal(first!.truncated, true);
        assert.equal(first!.text.length, 1000);
        assert.equal(first!.chars, 5000);
        assert.match(renderInstructions([first!]), /\[Cut here: AGENTS\.md has 5000 characters; only the first 1000 are included\.\]$/);
    });

    it("does not follow a link that leads outside the workspace, and skips binary files", async () => {
        fs.writeFileSync(path.join(ws.outside, "secret.md"), "SECRET\n");
        fs.rmSync(ws.file("CLAUDE.md"));
        fs.symlinkSync(path.join(ws.outside, "secret.md"), ws.file("CLAUDE.md"));
        ws.write(".github/copilot-instructions.md", Buffer.from([0, 1, 2, 3]));
        const files = await discover([]);
        assert.deepEqual(files.map((file) => file.path), ["AGENTS.md", ".qwen-local/rules/b-general.md"]);
        assert.ok(!renderInstructions(files).includes("SECRET"));
    });

    it("renders the same files to the same text, and carries them in a request's system message", async () => {
        const once = renderInstructions(await discover(["a.ts"]));
        const again = renderInstructions(await discover(["a.ts"]));
        assert.equal(once, again);
        assert.match(once, /^# Project instructions\n\n[^\n]+\n\n## AGENTS\.md\nUse tabs\.\n\n## \.github\/copilot-instructions\.md\nPrefer small functions\./);
        assert.match(once, /## \.qwen-local\/rules\/a-typescript\.md \(applies to \*\*\/\*\.ts\)\nNo `any`\./);
        const request = requestWithInstructions({ messages: [{ role: "system", content: "Rewrite code." }, { role: "user", content: "x" }] }, await discover([]));
        assert.match(String(request.messages[0]!.content), /^Rewrite code\.\n\n# Project instructions\n/);
        assert.equal(request.messages[1]!.content, "x");
        assert.equal(renderInstructions([]), "");
    });

    it("reads front matter leniently: a comma list, a list, broken YAML, and match-everything globs", () => {
        assert.deepEqual(splitFrontMatter("---\napplyTo: src/**, test/**\n---\nbody").applyTo, ["src/**", "test/**"]);
        assert.deepEqual(splitFrontMatter("---\napplyTo: [\"a\", 3]\n---\nbody").applyTo, ["a"]);
        assert.deepEqual(splitFrontMatter("---\napplyTo: [unclosed\n---\nbody"), { body: "body" });
        assert.deepEqual(splitFrontMatter("---\napplyTo: \"**\"\n---\nbody"), { body: "body" });
        assert.deepEqual(splitFrontMatter("no front matter"), { body: "no front matter" });
    });

    it("the agent's system prompt carries them; a rule joins the next request once the agent touched a matching file", async () => {
        const prompts: string[] = [];
        const engine = scripted([
            (prompt) => { prompts.push(prompt); return "</think>\n\n<tool_call>\n<function=read_file>\n<parameter=path>\npackages/web/src/app.tsx\n</parameter>\n</function>\n</tool_call>"; },
            (prompt) => { prompts.push(prompt); return "</think>\n\nRead it."; },
            (prompt) => { prompts.push(prompt); return "</think>\n\nDone."; }
        ], { strict: true });
        const agent = new AgentSession({
            engine, fs: ws.fs, approve: async () => "deny",
            settings: () => ({ thinking: true, thoughtBudgetTokens: 0, maxRounds: 3, autoApprove: [] }),
            isTrusted: () => true,
            instructions: { settings: () => DEFAULT_INSTRUCTION_SETTINGS }
        });
        const events: AgentEvent[] = [];
        agent.onEvent((event) => events.push(event));
        await agent.run("Look at the web app.");
        const system = (prompt: string) => prompt.slice(0, prompt.indexOf("<|im_end|>"));
        assert.match(system(prompts[0]!), /## AGENTS\.md\nUse tabs\./);
        assert.doesNotMatch(system(prompts[0]!), /function components/);
        // Within a request the system prompt does not change (the cache of the conversation survives).
        assert.equal(system(prompts[1]!), system(prompts[0]!));
        await agent.run("And now?");
        assert.match(system(prompts[2]!), /## \.qwen-local\/rules\/c-react\.md \(applies to \*\*\/\*\.tsx, \*\*\/\*\.jsx\)\nUse function components\./);
        const shown = events.filter((event) => event.type === "instructions");
        assert.equal(shown.length, 2);
        assert.deepEqual(shown[0]!.type === "instructions" && shown[0]!.files.map((file) => file.path),
            ["AGENTS.md", ".github/copilot-instructions.md", "CLAUDE.md", ".qwen-local/rules/b-general.md"]);
        agent.dispose();
    });
});
