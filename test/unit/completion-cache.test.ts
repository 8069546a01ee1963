import assert from "node:assert/strict";
import { CompletionCache } from "../../src/core/completion/cache";
import { ContextRing } from "../../src/core/completion/contextRing";
import { AdaptiveDebounce } from "../../src/core/completion/debounce";
import { TokenEstimator } from "../../src/core/completion/tokenEstimate";

describe("completion cache (LRU)", () => {
    it("hits at the same place, and while the user types into the suggestion", () => {
        const cache = new CompletionCache();
        cache.set("let total = ", ";\n", "v", "items.length");
        assert.deepEqual(cache.get("let total = ", ";\n", "v"), { text: "items.length", typed: 0 });
        assert.deepEqual(cache.get("let total = ite", ";\n", "v"), { text: "ms.length", typed: 3 });
        assert.equal(cache.get("let total = itx", ";\n", "v"), undefined, "typed something else");
        assert.equal(cache.get("let total = items.length", ";\n", "v"), undefined, "typed all of it: nothing left");
        assert.equal(cache.get("let total = ", ";\n", "other"), undefined, "another variant");
        assert.equal(cache.get("let total = ", "\n", "v"), undefined, "another suffix");
    });

    it("remembers that there is nothing to suggest at a place", () => {
        const cache = new CompletionCache();
        cache.set("a", "b", "v", "");
        assert.deepEqual(cache.get("a", "b", "v"), { text: "", typed: 0 });
        assert.equal(cache.get("ax", "b", "v"), undefined);
    });

    it("evicts the least recently used entry", () => {
        const cache = new CompletionCache({ capacity: 2, prefixChars: 100, suffixChars: 100, maxTypedChars: 10 });
        cache.set("1", "", "v", "one");
        cache.set("2", "", "v", "two");
        cache.get("1", "", "v");
        cache.set("3", "", "v", "three");
        assert.equal(cache.size, 2);
        assert.ok(cache.get("1", "", "v"));
        assert.equal(cache.get("2", "", "v"), undefined);
    });

    it("keys on the text near the cursor only", () => {
        const cache = new CompletionCache({ capacity: 8, prefixChars: 4, suffixChars: 2, maxTypedChars: 4 });
        cache.set("far away text abcd", "xyz", "v", "s");
        assert.ok(cache.get("different abcd", "xy!", "v"));
    });
});

describe("adaptive debounce", () => {
    it("starts at its initial delay and follows a fraction of the measured response time, within bounds", () => {
        const debounce = new AdaptiveDebounce({ initialMs: 80, minMs: 15, maxMs: 350, factor: 0.4 });
        assert.equal(debounce.delayMs, 80);
        debounce.record(100);
        assert.equal(debounce.delayMs, 40);
        for (let index = 0; index < 20; index++) debounce.record(2000);
        assert.equal(debounce.delayMs, 350);
        for (let index = 0; index < 30; index++) debounce.record(5);
        assert.equal(debounce.delayMs, 15);
        debounce.record(Number.NaN);
        debounce.record(-1);
        assert.equal(debounce.delayMs, 15, "nonsense is ignored");
    });
});

describe("token estimate", () => {
    it("counts characters per token, calibrates, and moves only on a large drift", () => {
        const estimator = new TokenEstimator(4);
        assert.equal(estimator.estimate("12345678"), 2);
        assert.equal(estimator.estimate(""), 0);
        assert.equal(estimator.chars(10), 40);
        estimator.calibrate(1000, 900);
        assert.ok(Math.abs(estimator.charsPerToken - 1000 / 900) < 1e-9);
        assert.equal(estimator.observe(10_000, 8500), false, "within 25%: boundaries stay put");
        let changed = false;
        for (let index = 0; index < 10 && !changed; index++) changed = estimator.observe(20_000, 5000);
        assert.ok(changed && estimator.charsPerToken > 1.4, `${estimator.charsPerToken}`);
        assert.equal(new TokenEstimator(1000).charsPerToken, 8, "clamped");
    });
});

describe("context ring", () => {
    const estimator = new TokenEstimator(1);

    it("holds new chunks back until committed, then appends them, oldest first", () => {
        const ring = new ContextRing({ maxTokens: 1000, maxChunks: 4, chunkTokens: 200 }, estimator);
        ring.add({ path: "a.ts", text: "const a = 1;\n", reason: "open" }, 10);
        assert.equal(ring.chunks().length, 0);
        assert.equal(ring.pendingCount, 1);
        assert.equal(ring.pendingSince, 10);
        ring.add({ path: "b.ts", text: "const b = 2;\n", reason: "edit" }, 20);
        assert.equal(ring.commit(), true);
        assert.deepEqual(ring.chunks().map((chunk) => chunk.path), ["a.ts", "b.ts"]);
        assert.deepEqual(ring.chunks("a.ts").map((chunk) => chunk.path), ["b.ts"], "the current file is left out");
        assert.equal(ring.commit(), false, "nothing pending");
    });

    it("replaces a chunk of the same place, evicts the oldest beyond its budget, truncates long chunks", () => {
        const ring = new ContextRing({ maxTokens: 60, maxChunks: 3, chunkTokens: 30 }, estimator);
        ring.add({ path: "a.ts", text: "line one\nline two\nline three\n", reason: "open" }, 0);
        ring.commit();
        ring.add({ path: "a.ts", text: "line one\nline two\nline 3\n", reason: "edit" }, 1);
        ring.commit();
        assert.equal(ring.chunks().length, 1);
        assert.equal(ring.chunks()[0]!.reason, "edit");
        ring.add({ path: "b.ts", text: "b".repeat(20), reason: "open" }, 2);
        ring.add({ path: "c.ts", text: "c".repeat(20), reason: "open" }, 3);
        ring.commit();
        assert.deepEqual(ring.chunks().map((chunk) => chunk.path), ["b.ts", "c.ts"], "over 60 tokens: the oldest left");
        ring.add({ path: "d.ts", text: "x\n".repeat(40), reason: "copy" }, 4);
        ring.commit();
        assert.ok(ring.chunks().every((chunk) => chunk.text.length <= 30));
        ring.add({ path: "e.ts", text: "  \n", reason: "copy" }, 5);
        assert.equal(ring.pendingCount, 0, "blank chunks are ignored");
    });
});
