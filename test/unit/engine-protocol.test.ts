import assert from "node:assert/strict";
import { isClientMessage, isWorkerMessage } from "../../src/engine/protocol";

describe("worker protocol validation", () => {
    it("accepts well-formed client messages", () => {
        assert.ok(isClientMessage({ type: "request", id: 1, method: "generate", params: {} }));
        assert.ok(isClientMessage({ type: "cancel", id: 3 }));
        assert.ok(isClientMessage({ type: "shutdown" }));
    });

    it("rejects malformed client messages", () => {
        for (const bad of [
            null, 42, "request", [], {},
            { type: "request", id: 1, method: "rm -rf", params: {} },
            { type: "request", id: -1, method: "load", params: {} },
            { type: "request", id: 1.5, method: "load", params: {} },
            { type: "request", id: 1, method: "load", params: null },
            { type: "request", id: 1, method: "load", params: [] },
            { type: "cancel" },
            { type: "cancel", id: "1" },
            { type: "bogus", id: 1 }
        ]) {
            assert.equal(isClientMessage(bad), false, JSON.stringify(bad));
        }
    });

    it("accepts well-formed worker messages and rejects malformed ones", () => {
        assert.ok(isWorkerMessage({ type: "ready", pid: 12, scripted: false }));
        assert.ok(isWorkerMessage({ type: "chunk", id: 1, data: { text: "a" } }));
        assert.ok(isWorkerMessage({ type: "result", id: 1, result: null }));
        assert.ok(isWorkerMessage({ type: "error", id: 1, error: { code: "cancelled", message: "Cancelled." } }));
        assert.ok(isWorkerMessage({ type: "log", level: "warn", message: "x" }));
        for (const bad of [
            { type: "ready", pid: "12", scripted: false },
            { type: "chunk", id: 1 },
            { type: "result", id: 1 },
            { type: "error", id: 1, error: "boom" },
            { type: "error", id: 1, error: { code: 1, message: "x" } },
            { type: "log", level: "loud", message: "x" },
            { type: "log", level: "info" },
            undefined
        ]) {
            assert.equal(isWorkerMessage(bad), false, JSON.stringify(bad));
        }
    });
});
