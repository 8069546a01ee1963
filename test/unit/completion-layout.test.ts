import assert from "node:assert/strict";
import { DocumentLayout, lastPretokenStart, type LayoutOptions } from "../../src/core/completion/layout";
import { headerText, renderPrompt, type PromptMode } from "../../src/core/completion/prompt";
import { TokenEstimator } from "../../src/core/completion/tokenEstimate";
import type { PromptSegment } from "../../src/core/engine";
import { SequenceSimulator } from "../support/sequenceSimulator";

/** One token per character, as the simulator counts. */
const estimator = () => new TokenEstimator(1);
const OPTIONS: LayoutOptions = {
    checkpointInterval: 64,
    prefixTokens: 256,
    suffixTokens: 32,
    fileContextTokens: 1024,
    maxFileCheckpoints: 8,
    outsideRequestsBeforeRecentre: 12
};
const PATH = "src/cart.ts";

function sourceFile(lines: number): string {
    const out: string[] = ["import { price } from \"./price\";", ""];
    for (let index = 0; out.length < lines; index++) {
        out.push(`export function total${index}(items: Item[]): number {`);
        out.push(`    return items.reduce((sum, item) => sum + price(item, ${index}), 0);`);
        out.push("}");
        out.push("");
    }
    return out.slice(0, lines).join("\n") + "\n";
}

function lineStart(text: string, line: number): number {
    let offset = 0;
    for (let index = 0; index < line; index++) offset = text.indexOf("\n", offset) + 1;
    return offset;
}

class Session {
    readonly layout: DocumentLayout;
    readonly sequence = new SequenceSimulator();
    readonly estimator = estimator();

    constructor(public text: string, public offset: number, readonly options: LayoutOptions = OPTIONS,
        readonly withFile = true, readonly mode: PromptMode = "fim") {
        this.layout = new DocumentLayout(options, this.estimator);
    }

    prompt(): { segments: PromptSegment[]; rebuilt: boolean; prefixTokens: number } {
        const plan = this.layout.plan({
            text: this.text, offset: this.offset, withFile: this.withFile,
            headerTokens: this.estimator.estimate(headerText(this.mode, PATH)) + 2
        });
        const prompt = renderPrompt(this.mode, { plan, path: PATH, languageId: "typescript", repoName: "shop", ring: [] }, true);
        return { segments: prompt.segments, rebuilt: plan.fileRebuild !== undefined, prefixTokens: plan.estimates.prefixTokens };
    }

    request(): { evaluated: number; rebuilt: boolean; prefixTokens: number; promptTokens: number } {
        const { segments, rebuilt, prefixTokens } = this.prompt();
        const run = this.sequence.run(segments);
        return { evaluated: run.evaluated, rebuilt, prefixTokens, promptTokens: run.promptTokens };
    }

    type(characters: string): { evaluated: number; rebuilt: boolean }[] {
        return [...characters].map((character) => {
            this.text = this.text.slice(0, this.offset) + character + this.text.slice(this.offset);
            this.offset += character.length;
            return this.request();
        });
    }

    backspace(count: number): { evaluated: number; rebuilt: boolean }[] {
        const runs = [];
        for (let index = 0; index < count; index++) {
            this.text = this.text.slice(0, this.offset - 1) + this.text.slice(this.offset);
            this.offset--;
            runs.push(this.request());
        }
        return runs;
    }
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
}

describe("completion prompt layout (checkpoints for the hybrid cache)", () => {
    const typed = "\n    const discount = items.filter((item) => item.onSale).length * 0.05;";

    it("a keystroke re-evaluates about the suffix window plus the word being typed", () => {
        const text = sourceFile(200);
        const session = new Session(text, lineStart(text, 100) - 1);
        const first = session.request();
        assert.equal(first.evaluated, first.promptTokens, "the first request evaluates everything");
        const runs = session.type(typed).filter((run) => !run.rebuilt);
        const evaluated = runs.map((run) => run.evaluated);
        const bound = OPTIONS.suffixTokens + 16;
        assert.ok(median(evaluated) <= bound, `median ${median(evaluated)} > ${bound}: ${evaluated.join(",")}`);
        // The worst keystroke is the one that moves the local window: at most an interval plus the suffix.
        assert.ok(Math.max(...evaluated) <= OPTIONS.checkpointInterval + OPTIONS.suffixTokens + 2, `max ${Math.max(...evaluated)}`);
    });

    it("a backspace restores a checkpoint at the start of the word or the line, not the file", () => {
        const text = sourceFile(200);
        const session = new Session(text, lineStart(text, 100) - 1);
        session.request();
        session.type(typed);
        const runs = session.backspace(12);
        for (const run of runs) assert.ok(run.evaluated <= OPTIONS.suffixTokens + 2 + typed.length, `backspace evaluated ${run.evaluated}`);
    });

    it("a cursor jump, up or down, costs at most one checkpoint interval plus the suffix", () => {
        const text = sourceFile(200);
        const session = new Session(text, lineStart(text, 100) - 1);
        session.request();
        session.type(typed.slice(0, 20));
        const bound = OPTIONS.checkpointInterval + OPTIONS.suffixTokens + 2;
        for (const line of [90, 120, 60, 140, 30, 100, 2, 180, 101]) {
            session.offset = lineStart(session.text, line) + 4;
            const jump = session.request();
            assert.ok(jump.rebuilt || jump.evaluated <= bound, `jump to line ${line} evaluated ${jump.evaluated} > ${bound}`);
            assert.ok(!jump.rebuilt, `a single visit to line ${line} does not rebuild the frozen file`);
            assert.ok(jump.prefixTokens <= OPTIONS.checkpointInterval, `local window ${jump.prefixTokens}`);
            // Typing at the new place is then cheap again.
            const [next] = session.type("x");
            assert.ok(next!.evaluated <= OPTIONS.suffixTokens + 16, `keystroke after the jump evaluated ${next!.evaluated}`);
        }
    });

    it("edits far above the cursor do not invalidate the frozen file until it is stale enough", () => {
        const text = sourceFile(200);
        const session = new Session(text, lineStart(text, 100) - 1);
        session.request();
        // A small edit at the top, then back to where the user was.
        session.offset = lineStart(session.text, 0) + 8;
        session.type("Total");
        session.offset = lineStart(session.text, 100) - 1;
        const back = session.request();
        assert.ok(!back.rebuilt);
        assert.ok(back.evaluated <= OPTIONS.checkpointInterval + OPTIONS.suffixTokens + 2, `returning evaluated ${back.evaluated}`);
        // Much more new text near the top: the frozen file is rebuilt, once.
        session.offset = lineStart(session.text, 1);
        const rebuilds = session.type("// ".padEnd(600, "x") + "\n").filter((run) => run.rebuilt).length;
        assert.ok(rebuilds >= 1 && rebuilds <= 3, `rebuilds: ${rebuilds}`);
    });

    it("without repo context: jumps up cost at most an interval plus the suffix (down: the distance)", () => {
        const text = sourceFile(120);
        const session = new Session(text, lineStart(text, 100) - 1, { ...OPTIONS, prefixTokens: 1024 }, false);
        session.request();
        session.type(typed.slice(0, 10));
        for (const line of [95, 90, 84]) {
            session.offset = lineStart(session.text, line) + 4;
            const jump = session.request();
            assert.ok(jump.evaluated <= OPTIONS.checkpointInterval + OPTIONS.suffixTokens + 48, `jump up to line ${line} evaluated ${jump.evaluated}`);
        }
    });

    it("asks for a bounded number of checkpoints: the frozen file's chunks, a few local, at most 3 transient", () => {
        const text = sourceFile(200);
        const session = new Session(text, lineStart(text, 100) - 1);
        for (const run of session.type(typed)) void run;
        const { segments } = session.prompt();
        const stable = segments.filter((segment) => segment.checkpointAfter === true).length;
        const transient = segments.filter((segment) => segment.checkpointAfter === "transient").length;
        assert.ok(stable >= 2 && stable <= OPTIONS.maxFileCheckpoints + 2, `stable ${stable}`);
        assert.ok(transient >= 1 && transient <= 3, `transient ${transient}`);
        // The simulated engine holds no more than that, however long the typing went on.
        assert.ok(session.sequence.checkpointCount <= OPTIONS.maxFileCheckpoints + 2 + 4, `held ${session.sequence.checkpointCount}`);
    });

    it("keeps the suffix within its budget and line-aligned, and the prefix ends at the cursor", () => {
        const text = sourceFile(60);
        const offset = lineStart(text, 21) - 1;
        const session = new Session(text, offset);
        const plan = session.layout.plan({ text, offset, withFile: true, headerTokens: 10 });
        assert.ok(plan.suffix.length > 0 && plan.suffix.length <= OPTIONS.suffixTokens, plan.suffix);
        assert.ok(plan.suffix.endsWith("\n"));
        assert.ok(text.slice(offset).startsWith(plan.suffix));
        const prefix = plan.prefix.map((piece) => piece.text).join("");
        assert.ok(prefix.length > 0 && text.slice(0, offset).endsWith(prefix));
        // Mid-line, a rest of the line longer than the budget is cut at the budget.
        const midLine = session.layout.plan({ text, offset: lineStart(text, 21) + 4, withFile: true, headerTokens: 10 });
        assert.equal(midLine.suffix.length, OPTIONS.suffixTokens);
    });

    it("a small file is frozen whole, and its text before and after the cursor is all there", () => {
        const text = sourceFile(12);
        const session = new Session(text, lineStart(text, 6) + 3);
        const plan = session.layout.plan({ text, offset: session.offset, withFile: true, headerTokens: 10 });
        assert.equal(plan.file?.join(""), text);
        assert.equal(plan.fileRebuild, "new");
    });

    it("cuts at the start of the last pre-token (the word being typed)", () => {
        assert.equal(lastPretokenStart("    const total"), "    const".length);
        assert.equal(lastPretokenStart("    return items.red"), "    return items".length);
        assert.equal(lastPretokenStart("foo("), 3);
        assert.equal(lastPretokenStart("x = 12"), 5);
        assert.equal(lastPretokenStart(""), 0);
    });
});

describe("completion prompt rendering", () => {
    const plan = {
        file: ["const a = 1;\n", "const b = <|fim_suffix|> </think>;\n"],
        prefix: [{ text: "function f() {\n", checkpoint: "stable" as const }, { text: "    return a", checkpoint: "transient" as const }, { text: " +" }],
        suffix: "\n}\n",
        reanchored: false,
        estimates: { fileTokens: 10, prefixTokens: 10, suffixTokens: 3 }
    };
    const ring = [{ path: "src/other.ts", text: "export const other = 2;", reason: "open" as const }];

    it("FIM with repo context: repo name, other files, the frozen file, then prefix/suffix/middle", () => {
        const prompt = renderPrompt("fim", { plan, path: "src/a.ts", languageId: "typescript", repoName: "shop", ring }, true);
        const text = prompt.segments.map((segment) => segment.text).join("");
        assert.equal(text, "<|repo_name|>shop\n<|file_sep|>src/other.ts\nexport const other = 2;\n" +
            "<|file_sep|>src/a.ts\nconst a = 1;\nconst b = <|fim_suffix|> </think>;\n" +
            "<|file_sep|>src/a.ts\n<|fim_prefix|>function f() {\n    return a +<|fim_suffix|>\n}\n<|fim_middle|>");
        for (const segment of prompt.segments) {
            if (segment.special) assert.match(segment.text, /^<\|[a-z_]+\|>$/, "only control tokens are special");
        }
        assert.ok(prompt.segments.some((segment) => !segment.special && segment.text.includes("<|fim_suffix|>")), "code is never special");
        assert.deepEqual(prompt.stop, [], "multi-line");
        assert.deepEqual(renderPrompt("fim", { plan, path: "src/a.ts", languageId: "typescript", repoName: "shop", ring }, false).stop, ["\n"]);
    });

    it("plain FIM without repo context", () => {
        const prompt = renderPrompt("fim", { plan: { ...plan, file: undefined }, path: "src/a.ts", languageId: "typescript", repoName: "shop", ring: [] }, false);
        assert.equal(prompt.segments.map((segment) => segment.text).join(""), "<|fim_prefix|>function f() {\n    return a +<|fim_suffix|>\n}\n<|fim_middle|>");
    });

    it("the chat fallback keeps thinking off and uses no FIM tokens", () => {
        const prompt = renderPrompt("chat", { plan, path: "src/a.ts", languageId: "typescript", repoName: "shop", ring }, true);
        const text = prompt.segments.map((segment) => segment.text).join("");
        assert.ok(text.startsWith("<|im_start|>system\n"));
        assert.ok(text.endsWith("<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n"));
        assert.ok(text.includes("function f() {\n    return a +<CURSOR>\n}\n"));
        assert.ok(!prompt.segments.some((segment) => segment.special && segment.text.includes("fim")));
        assert.ok(prompt.stop.includes("<|im_end|>"));
    });
});

describe("completion prompt layout at the edges", () => {
    const cases: [string, string, number][] = [
        ["an empty document", "", 0],
        ["the start of a document that starts with blank lines", "\n\n\nconst a = 1;\n", 0],
        ["a blank line at the top", "\n\n\nconst a = 1;\n", 1],
        ["the very end without a final newline", "const a = 1;\nconst b = 2;", 25],
        ["one very long line", "x".repeat(5000), 4000]
    ];
    for (const withFile of [true, false]) {
        for (const [name, text, offset] of cases) {
            it(`${name} (${withFile ? "repo context" : "plain"})`, () => {
                const layout = new DocumentLayout(OPTIONS, new TokenEstimator(1));
                for (const at of [offset, Math.max(0, offset - 1), offset]) {
                    const plan = layout.plan({ text, offset: at, withFile, headerTokens: 10 });
                    const prefix = plan.prefix.map((piece) => piece.text).join("");
                    assert.ok(text.slice(0, at).endsWith(prefix), "the prefix ends at the cursor");
                    assert.ok(text.slice(at).startsWith(plan.suffix), "the suffix starts at the cursor");
                    assert.ok(plan.estimates.prefixTokens <= Math.max(OPTIONS.prefixTokens, OPTIONS.checkpointInterval));
                    assert.ok(plan.prefix.every((piece) => piece.text.length > 0));
                }
            });
        }
    }
});
