/**
 * Tools from outside (MCP servers, other extensions) in the agent: offered after the agent's own in a trusted
 * workspace only, rendered into the prompt with their schemas, approved per call unless the user allowed the server or
 * the tool, their errors and results going back to the model. The source here is an in-test ExternalToolSource; the
 * real MCP servers are exercised in test/model/mcp-*.test.ts and the real VS Code.
 */
import assert from "node:assert/strict";
import type { ApprovalAnswer, ApprovalRequest } from "../../src/core/agent/approvals";
import { approvalDetail } from "../../src/core/agent/approvals";
import type { AgentEvent } from "../../src/core/agent/events";
import { AgentSession, type AgentSettings } from "../../src/core/agent/session";
import type { ExternalToolOutput, ExternalToolSource, ExternalToolSpec } from "../../src/core/agent/tools/external";
import { externalAutoApproved } from "../../src/core/agent/tools/external";
import { tempWorkspace, type TempWorkspace } from "../support/agentWorkspace";
import { scripted } from "../support/scriptedGenerator";

function call(name: string, args: Record<string, string | number>): string {
    const params = Object.entries(args).map(([key, value]) => `<parameter=${key}>\n${String(value)}\n</parameter>\n`).join("");
    return `<tool_call>\n<function=${name}>\n${params}</function>\n</tool_call>`;
}

const SPECS: ExternalToolSpec[] = [
    {
        name: "tickets__open_ticket", description: "Opens a ticket in the tracker.",
        parameters: { type: "object", properties: { title: { type: "string", description: "The ticket's title" }, priority: { type: "integer" } }, required: ["title"] },
        origin: { kind: "mcp", server: "tickets", tool: "open_ticket" }
    },
    {
        name: "tickets__fail", description: "Always fails.", parameters: { type: "object", properties: {} },
        origin: { kind: "mcp", server: "tickets", tool: "fail" }
    }
];

class RecordingSource implements ExternalToolSource {
    listed = 0;
    calls: { name: string; args: Record<string, unknown>; aborted: boolean }[] = [];
    constructor(private readonly specs: ExternalToolSpec[], private readonly answer: (name: string, args: Record<string, unknown>, signal: AbortSignal) => Promise<ExternalToolOutput>) {}
    async list(): Promise<ExternalToolSpec[]> {
        this.listed++;
        return this.specs;
    }
    async call(name: string, args: Record<string, unknown>, signal: AbortSignal): Promise<ExternalToolOutput> {
        const output = await this.answer(name, args, signal);
        this.calls.push({ name, args, aborted: signal.aborted });
        return output;
    }
}

describe("agent: external tools (MCP servers, extensions)", () => {
    let ws: TempWorkspace;
    let approvals: ApprovalRequest[];
    let answers: ApprovalAnswer[];
    let trusted: boolean;
    let current: AgentSettings;

    const answerTickets = async (name: string, args: Record<string, unknown>): Promise<ExternalToolOutput> =>
        name === "tickets__fail" ? { text: "the tracker is read-only", isError: true } : { text: `opened #7: ${String(args.title)}`, isError: false };

    function session(outputs: (string | ((prompt: string) => string))[], source: ExternalToolSource) {
        const agent = new AgentSession({
            engine: scripted(outputs, { strict: true }),
            fs: ws.fs,
            approve: async (request) => {
                approvals.push(request);
                return answers.shift() ?? "deny";
            },
            settings: () => current,
            isTrusted: () => trusted,
            externalTools: source
        });
        const events: AgentEvent[] = [];
        agent.onEvent((event) => events.push(event));
        return { agent, events };
    }

    beforeEach(() => {
        ws = tempWorkspace({ "README.md": "# Shop\n" });
        approvals = [];
        answers = [];
        trusted = true;
        current = { thinking: false, thoughtBudgetTokens: 0, maxRounds: 5, autoApprove: [] };
    });
    afterEach(() => ws.remove());

    it("offers them with their schemas after the agent's own tools, asks before a call, and returns the result", async () => {
        const source = new RecordingSource(SPECS, answerTickets);
        let firstPrompt = "";
        const { agent, events } = session([
            (prompt) => {
                firstPrompt = prompt;
                return call("tickets__open_ticket", { title: "Fix the cart", priority: 2 });
            },
            (prompt) => {
                assert.match(prompt, /<tool_response>\nopened #7: Fix the cart\n<\/tool_response>/);
                return "Opened ticket #7.";
            }
        ], source);
        answers = ["allow"];
        const result = await agent.run("Open a ticket about the cart");
        assert.equal(result.reason, "answered");
        assert.equal(result.answer, "Opened ticket #7.");
        // In the template's tool list, after read_file (the agent's own come first), with the schema as given.
        assert.ok(firstPrompt.indexOf('"name": "tickets__open_ticket"') > firstPrompt.indexOf('"name": "read_file"'));
        assert.match(firstPrompt, /"title": \{"type": "string", "description": "The ticket's title"\}/);
        assert.match(firstPrompt, /Tools named SERVER__TOOL come from the user's MCP servers/);
        assert.equal(approvals.length, 1);
        assert.equal(approvals[0]!.access, "external");
        assert.deepEqual(approvals[0]!.origin, { kind: "mcp", server: "tickets", tool: "open_ticket" });
        assert.equal(approvals[0]!.summary, "tickets: open_ticket (title=Fix the cart, priority=2)");
        assert.match(approvalDetail(approvals[0]!), /open_ticket from MCP server "tickets"[\s\S]*title: Fix the cart/);
        assert.deepEqual(source.calls.map((entry) => entry.args), [{ title: "Fix the cart", priority: 2 }]);
        const toolCall = events.find((event) => event.type === "toolCall");
        assert.equal(toolCall?.type === "toolCall" && toolCall.access, "external");
        assert.ok(events.some((event) => event.type === "toolResult" && event.ok && event.text === "opened #7: Fix the cart"));
    });

    it("a declined call does not run; an error result goes back to the model as a failed call", async () => {
        const source = new RecordingSource(SPECS, answerTickets);
        const { agent, events } = session([
            call("tickets__open_ticket", { title: "A" }),
            (prompt) => {
                assert.match(prompt, /The user declined this call/);
                return call("tickets__fail", {});
            },
            (prompt) => {
                assert.match(prompt, /tickets__fail reported an error: the tracker is read-only/);
                return "I could not.";
            }
        ], source);
        answers = ["deny", "allow"];
        await agent.run("Open a ticket");
        assert.deepEqual(source.calls.map((entry) => entry.name), ["tickets__fail"]);
        const results = events.filter((event) => event.type === "toolResult");
        assert.deepEqual(results.map((event) => event.type === "toolResult" && event.ok), [false, false]);
    });

    it("runs without asking when the user allowed the server, the tool, or the tool for this session", async () => {
        assert.equal(externalAutoApproved({ name: "tickets__fail", origin: SPECS[1]!.origin }, ["tickets"]), true);
        assert.equal(externalAutoApproved({ name: "tickets__fail", origin: SPECS[1]!.origin }, ["tickets__open_ticket"]), false);
        assert.equal(externalAutoApproved({ name: "tickets__open_ticket", origin: SPECS[0]!.origin }, ["tickets__open_ticket"]), true);
        assert.equal(externalAutoApproved({ name: "tickets__open_ticket", origin: SPECS[0]!.origin }, ["tickets__"]), false);

        const source = new RecordingSource(SPECS, answerTickets);
        current = { ...current, externalAutoApprove: ["tickets__open_ticket"] };
        const { agent } = session([
            call("tickets__open_ticket", { title: "A" }),
            call("tickets__fail", {}),
            call("tickets__fail", {}),
            "Done."
        ], source);
        answers = ["allowForSession"];
        await agent.run("Go");
        // Only the first tickets__fail asked; the second ran on "for this session", open_ticket on the setting.
        assert.deepEqual(approvals.map((request) => request.tool), ["tickets__fail"]);
        assert.deepEqual(source.calls.map((entry) => entry.name), ["tickets__open_ticket", "tickets__fail", "tickets__fail"]);
    });

    it("in Restricted Mode lists none of them and starts nothing", async () => {
        trusted = false;
        const source = new RecordingSource(SPECS, answerTickets);
        const { agent } = session([
            (prompt) => {
                assert.doesNotMatch(prompt, /tickets__/);
                return call("tickets__open_ticket", { title: "A" });
            },
            (prompt) => {
                assert.match(prompt, /There is no tool "tickets__open_ticket" here/);
                return "Cannot.";
            }
        ], source);
        await agent.run("Open a ticket");
        assert.equal(source.listed, 0);
        assert.equal(source.calls.length, 0);
        assert.equal(approvals.length, 0);
    });

    it("leaves out a tool whose name clashes with the agent's own, and says so", async () => {
        const clash: ExternalToolSpec = { name: "read_file", description: "Not ours.", parameters: { type: "object", properties: {} }, origin: { kind: "vscode", tool: "read_file" } };
        const source = new RecordingSource([clash, ...SPECS], answerTickets);
        const { agent, events } = session([
            (prompt) => {
                assert.doesNotMatch(prompt, /Not ours\./);
                return call("read_file", { path: "README.md" });
            },
            "Read it."
        ], source);
        await agent.run("Read the README");
        assert.equal(source.calls.length, 0);
        assert.ok(events.some((event) => event.type === "notice" && /"read_file" .*has the name of a tool already offered/.test(event.text)));
        assert.ok(events.some((event) => event.type === "toolResult" && event.ok && event.text.includes("# Shop")));
    });

    it("Stop aborts a running call", async () => {
        let started!: () => void;
        const running = new Promise<void>((resolve) => (started = resolve));
        const source = new RecordingSource(SPECS, (_name, _args, signal) => new Promise((resolve) => {
            started();
            signal.addEventListener("abort", () => resolve({ text: "cancelled", isError: true }), { once: true });
        }));
        current = { ...current, externalAutoApprove: ["tickets"] };
        const { agent } = session([call("tickets__open_ticket", { title: "slow" })], source);
        const run = agent.run("Go");
        await running;
        agent.stop();
        const result = await run;
        assert.equal(result.reason, "cancelled");
        assert.deepEqual(source.calls.map((entry) => entry.aborted), [true]);
    });
});
