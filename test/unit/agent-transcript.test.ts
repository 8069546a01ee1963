/** The Markdown transcript of an agent session, built from its events. */
import assert from "node:assert/strict";
import { Transcript } from "../../src/core/agent/transcript";

describe("agent transcript", () => {
    it("renders the task, steps, folded thinking, calls with approvals, results, diffs and what waits for review", () => {
        const transcript = new Transcript();
        transcript.push({ type: "start", task: "Rename foo to bar" });
        transcript.push({ type: "round", round: 1, maxRounds: 10 });
        transcript.push({ type: "thinking", text: "I should " });
        transcript.push({ type: "thinking", text: "search first." });
        transcript.push({ type: "text", text: "Searching." });
        transcript.push({ type: "toolCall", id: "c1", name: "edit_file", arguments: {}, summary: "edit src/`a`.ts" });
        transcript.push({ type: "approval", id: "c1", state: "pending" });
        let markdown = transcript.markdown();
        assert.match(markdown, /○ ``edit src\/`a`\.ts`` · \*waiting for your approval\*/);
        transcript.push({ type: "approval", id: "c1", state: "approved", by: "session" });
        transcript.push({ type: "toolResult", id: "c1", ok: true, text: "Proposed ```fenced``` change" });
        transcript.push({ type: "diff", id: "c1", diff: "--- a/x\n+++ b/x", proposal: { id: 1, kind: "modify", path: "src/a.ts", absPath: "/w/src/a.ts", added: 1, removed: 1 } });
        transcript.push({ type: "proposals", pending: [{ id: 1, kind: "modify", path: "src/a.ts", absPath: "/w/src/a.ts", added: 1, removed: 1 }] });
        transcript.push({ type: "done", reason: "answered", rounds: 1 });
        markdown = transcript.markdown();
        assert.equal(markdown, [
            "# Qwen Agent",
            "---\n\n## Rename foo to bar",
            "**Step 1**",
            "<details><summary>Thinking</summary>\n\n> I should search first.\n\n</details>",
            "Searching.",
            "✓ ``edit src/`a`.ts`` · *approved for this session*\n\n<details><summary>Result</summary>\n\n````text\nProposed ```fenced``` change\n````\n\n</details>\n\n```diff\n--- a/x\n+++ b/x\n```",
            "*Done after 1 step.*",
            "---\n\n**1 change to review** (“Qwen Local: Review Agent Changes…”, or Accept / Reject in each diff's title bar):\n\n- src/a.ts (+1 −1)"
        ].join("\n\n") + "\n");
    });
});
