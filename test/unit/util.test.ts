import assert from "node:assert/strict";
import { linkAbort, raceAbort } from "../../src/core/util/abort";
import { formatBytes } from "../../src/core/util/bytes";
import { DisposableStore } from "../../src/core/util/disposables";
import { isObject } from "../../src/core/util/isObject";

/** How many abort listeners a signal holds (Node keeps them on the EventTarget's symbol-keyed map). */
function listeners(signal: AbortSignal): number {
    const key = Object.getOwnPropertySymbols(signal).find((symbol) => symbol.description === "kEvents");
    const events = key ? (signal as unknown as Record<symbol, Map<string, { size: number }>>)[key] : undefined;
    return events?.get("abort")?.size ?? 0;
}

describe("core helpers", () => {
    describe("raceAbort", () => {
        it("gives the promise's outcome, and removes its listener", async () => {
            const controller = new AbortController();
            assert.equal(await raceAbort(Promise.resolve(1), controller.signal, () => 0), 1);
            await assert.rejects(raceAbort(Promise.reject(new Error("boom")), controller.signal, () => 0), /boom/);
            assert.equal(listeners(controller.signal), 0);
        });

        it("stops waiting when the signal aborts, with a value or a rejection, before or during the wait", async () => {
            const never = new Promise<number>(() => undefined);
            const controller = new AbortController();
            const waiting = raceAbort(never, controller.signal, () => -1);
            controller.abort();
            assert.equal(await waiting, -1);
            await assert.rejects(raceAbort(never, controller.signal, () => { throw new Error("cancelled"); }), /cancelled/);
            const later = new AbortController();
            const rejecting = raceAbort(never, later.signal, () => { throw new Error("stopped"); });
            later.abort();
            await assert.rejects(rejecting, /stopped/);
        });

        it("without a signal is the promise itself", () => {
            const promise = Promise.resolve(3);
            assert.equal(raceAbort(promise, undefined, () => 0), promise);
        });
    });

    describe("linkAbort", () => {
        it("aborts the inner controller with the outer signal, at once when it already has, and unlinks", () => {
            const outer = new AbortController();
            const inner = new AbortController();
            const unlink = linkAbort(outer.signal, inner);
            assert.equal(listeners(outer.signal), 1);
            outer.abort();
            assert.equal(inner.signal.aborted, true);
            const late = new AbortController();
            linkAbort(outer.signal, late);
            assert.equal(late.signal.aborted, true, "an outer signal that already aborted");
            unlink();
            const kept = new AbortController();
            const other = new AbortController();
            linkAbort(kept.signal, other)();
            kept.abort();
            assert.equal(other.signal.aborted, false, "unlinked: the outer abort no longer reaches it");
            assert.equal(listeners(kept.signal), 0);
        });
    });

    describe("DisposableStore", () => {
        it("disposes newest first, once, past a disposer that throws, and rethrows the first error", () => {
            const order: string[] = [];
            const store = new DisposableStore();
            store.add({ dispose: () => order.push("a") });
            store.push({ dispose: () => { order.push("b"); throw new Error("b failed"); } }, { dispose: () => order.push("c") });
            assert.throws(() => store.dispose(), /b failed/);
            assert.deepEqual(order, ["c", "b", "a"]);
            store.dispose();
            assert.deepEqual(order, ["c", "b", "a"], "a second dispose does nothing");
            store.add({ dispose: () => order.push("late") });
            assert.deepEqual(order, ["c", "b", "a", "late"], "added after disposal: disposed at once");
            assert.equal(store.isDisposed, true);
        });
    });

    describe("formatBytes and isObject", () => {
        it("formats in decimal units everywhere", () => {
            assert.equal(formatBytes(512), "512 B");
            assert.equal(formatBytes(4 * 1024 * 1024), "4.2 MB");
            assert.equal(formatBytes(999_999), "1.0 MB");
            assert.equal(formatBytes(-1), "unknown size");
        });

        it("isObject accepts plain objects only", () => {
            assert.deepEqual([{}, [], null, "x", 1, undefined].map(isObject), [true, false, false, false, false, false]);
        });
    });
});
