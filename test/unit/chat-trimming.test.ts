import assert from "node:assert/strict";
import { answerReserve, planTrim, TRIM_TARGET } from "../../src/core/chat/trimming";

describe("chat context trimming rule", () => {
    it("keeps everything while the prompt fits", () => {
        assert.deepEqual(planTrim({ exchangeTokens: [100, 100, 100], fixedTokens: 50, budget: 350, start: 0 }), { start: 0, promptTokens: 350, fits: true });
    });

    it("drops the oldest exchanges first, down to the target share of the budget", () => {
        const plan = planTrim({ exchangeTokens: [100, 100, 100, 100, 100], fixedTokens: 50, budget: 500, start: 0 });
        // 550 > 500: drop until ≤ 375 (75 %): 450, 350 → two exchanges go.
        assert.equal(TRIM_TARGET, 0.75);
        assert.deepEqual(plan, { start: 2, promptTokens: 350, fits: true });
    });

    it("never moves the cut back, so the prompt's start stays stable between trims", () => {
        const plan = planTrim({ exchangeTokens: [10, 10, 10, 10], fixedTokens: 5, budget: 1000, start: 2 });
        assert.equal(plan.start, 2);
        assert.equal(plan.promptTokens, 25);
    });

    it("always keeps the newest exchange, and says when even that is too long", () => {
        const plan = planTrim({ exchangeTokens: [100, 100, 900], fixedTokens: 50, budget: 500, start: 0 });
        assert.deepEqual(plan, { start: 2, promptTokens: 950, fits: false });
        assert.deepEqual(planTrim({ exchangeTokens: [600], fixedTokens: 0, budget: 500, start: 0 }), { start: 0, promptTokens: 600, fits: false });
    });

    it("trims in steps that leave room for several more turns", () => {
        // Growing by 100 tokens a turn against a 1000-token budget: a trim happens rarely, not on every turn.
        const exchanges: number[] = [];
        let start = 0;
        let trims = 0;
        for (let turn = 0; turn < 40; turn++) {
            exchanges.push(100);
            const plan = planTrim({ exchangeTokens: exchanges, fixedTokens: 50, budget: 1000, start });
            assert.ok(plan.fits);
            assert.ok(plan.promptTokens <= 1000);
            if (plan.start !== start) trims++;
            start = plan.start;
        }
        assert.ok(trims <= 40 / 3, `${trims} trims in 40 turns`);
    });

    it("reserves room for the answer: the answer limit, at most a quarter of the context", () => {
        assert.equal(answerReserve(32768, 16384), 8192);
        assert.equal(answerReserve(32768, 1024), 1024);
        assert.equal(answerReserve(2048, 16384), 512);
    });
});
