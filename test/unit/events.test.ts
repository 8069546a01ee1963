import assert from "node:assert/strict";
import { Emitter } from "../../src/core/events";

describe("Emitter", () => {
    it("delivers to listeners until they are disposed, and survives a throwing listener", () => {
        const emitter = new Emitter<number>();
        const seen: number[] = [];
        emitter.event(() => { throw new Error("bad listener"); });
        const subscription = emitter.event((value) => seen.push(value));
        emitter.fire(1);
        subscription.dispose();
        emitter.fire(2);
        assert.deepEqual(seen, [1]);
    });
});
