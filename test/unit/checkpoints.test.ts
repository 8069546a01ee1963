/** The checkpoint store on a real folder: recording, content addressing, restore plans, pruning, reload, corruption. */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CheckpointStore, effects } from "../../src/core/checkpoints/checkpoints";
import { FsCheckpointStorage, sha256 } from "../../src/node/checkpoints/fsStorage";

describe("checkpoints", () => {
    let dir: string;
    let files: Map<string, string>;
    const read = async (file: string) => files.get(file);
    let clock: number;
    const open = (limits?: { maxAgeMs: number; maxBytes: number }, warnings: string[] = []) =>
        new CheckpointStore(new FsCheckpointStorage(dir), sha256, { now: () => clock, ...(limits ? { limits } : {}), warn: (message) => warnings.push(message) });

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "qwen-checkpoints-"));
        files = new Map([["/w/a.ts", "a1"], ["/w/b.ts", "b1"]]);
        clock = 1_000_000;
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("records each file's first state and last result in its checkpoint, content-addressed", async () => {
        const store = open();
        const id = await store.begin("Rename formatPrice", { kind: "agent", session: 1, turn: 1 });
        await store.record([{ kind: "modify", path: "/w/a.ts", before: "a1", after: "a2" }, { kind: "create", path: "/w/c.ts", text: "c1" }], id);
        await store.record([{ kind: "modify", path: "/w/a.ts", before: "a2", after: "a3" }], id);
        const [checkpoint] = await store.list();
        assert.deepEqual(checkpoint!.files, [
            { path: "/w/a.ts", before: sha256("a1"), after: sha256("a3") },
            { path: "/w/c.ts", before: null, after: sha256("c1") }
        ]);
        // a2 was only an intermediate result: no checkpoint refers to it, so it is not kept.
        assert.deepEqual(fs.readdirSync(path.join(dir, "blobs")).sort(), [sha256("a1"), sha256("a3"), sha256("c1")].sort());
        assert.equal(fs.readFileSync(path.join(dir, "blobs", sha256("a1")), "utf8"), "a1");
    });

    it("plans a restore across later checkpoints: ours restored, a file edited since offered for review, a new file deleted", async () => {
        const store = open();
        const first = await store.begin("first");
        await store.record([{ kind: "modify", path: "/w/a.ts", before: "a1", after: "a2" }, { kind: "create", path: "/w/c.ts", text: "c1" }]);
        const second = await store.begin("second");
        await store.record([{ kind: "modify", path: "/w/a.ts", before: "a2", after: "a3" }, { kind: "modify", path: "/w/b.ts", before: "b1", after: "b2" }], second);
        files.set("/w/a.ts", "a3");
        files.set("/w/c.ts", "c1");
        files.set("/w/b.ts", "b2 edited by the user");
        const plan = await store.plan(first, read);
        const byPath = Object.fromEntries(plan.files.map((step) => [step.path, step]));
        assert.deepEqual(byPath["/w/a.ts"], { path: "/w/a.ts", action: "restore", content: "a1", current: "a3" });
        assert.deepEqual(byPath["/w/c.ts"], { path: "/w/c.ts", action: "restore", content: null, current: "c1" });
        assert.deepEqual(byPath["/w/b.ts"], { path: "/w/b.ts", action: "review", content: "b1", current: "b2 edited by the user" });
        // Restoring to the second only touches what it changed.
        const later = await store.plan(second, read);
        assert.deepEqual(later.files.map((step) => [step.path, step.action]).sort(), [["/w/a.ts", "restore"], ["/w/b.ts", "review"]]);
        // A file already as it was needs nothing.
        files.set("/w/a.ts", "a1");
        assert.equal((await store.plan(first, read)).files.find((step) => step.path === "/w/a.ts")!.action, "unchanged");
    });

    it("survives a reload; dropping from a checkpoint removes it, later ones and their unused blobs", async () => {
        const store = open();
        const first = await store.begin("first");
        await store.record([{ kind: "modify", path: "/w/a.ts", before: "a1", after: "a2" }]);
        await store.begin("second");
        await store.record([{ kind: "modify", path: "/w/b.ts", before: "b1", after: "b2" }]);
        const reloaded = open();
        assert.deepEqual((await reloaded.list()).map((checkpoint) => checkpoint.label), ["first", "second"]);
        await reloaded.dropFrom(first);
        assert.deepEqual(await reloaded.list(), []);
        assert.deepEqual(fs.readdirSync(path.join(dir, "blobs")), []);
    });

    it("prunes by age and by size, oldest first", async () => {
        const aged = open({ maxAgeMs: 1000, maxBytes: 1e9 });
        await aged.begin("old");
        await aged.record([{ kind: "modify", path: "/w/a.ts", before: "a1", after: "a2" }]);
        clock += 5000;
        await aged.begin("new");
        await aged.record([{ kind: "modify", path: "/w/b.ts", before: "b1", after: "b2" }]);
        assert.deepEqual((await aged.list()).map((checkpoint) => checkpoint.label), ["new"]);
        assert.equal(fs.existsSync(path.join(dir, "blobs", sha256("a1"))), false);

        const sized = open({ maxAgeMs: 1e12, maxBytes: 2500 });
        for (const label of ["one", "two", "three"]) {
            await sized.begin(label);
            await sized.record([{ kind: "modify", path: `/w/${label}.ts`, before: `${label}:${"x".repeat(600)}`, after: `${label}:${"y".repeat(600)}` }]);
        }
        assert.deepEqual((await sized.list()).map((checkpoint) => checkpoint.label), ["two", "three"]);
    });

    it("starts with no checkpoints, with a warning, when the manifest is corrupt; a changed blob counts as missing", async () => {
        const store = open();
        const id = await store.begin("first");
        await store.record([{ kind: "modify", path: "/w/a.ts", before: "a1", after: "a2" }], id);
        fs.writeFileSync(path.join(dir, "blobs", sha256("a1")), "tampered");
        files.set("/w/a.ts", "a2");
        await assert.rejects(open().plan(id, read), /The saved content of \/w\/a\.ts is missing/);
        fs.writeFileSync(path.join(dir, "manifest.json"), "{ not json");
        const warnings: string[] = [];
        assert.deepEqual(await open(undefined, warnings).list(), []);
        assert.match(warnings[0]!, /^The checkpoints could not be read/);
    });

    it("reads what each change does to each file, renames and replaced ranges included", () => {
        assert.deepEqual(effects([
            { kind: "rename", from: "/w/a.ts", to: "/w/b.ts", before: "x", after: "y" },
            { kind: "replace", document: "file:///w/c.ts", path: "/w/c.ts", start: 2, end: 4, before: "abcdef", text: "ZZ" },
            { kind: "delete", path: "/w/link", before: "", link: "target" }
        ]), [
            { path: "/w/a.ts", before: "x", after: null },
            { path: "/w/b.ts", before: null, after: "y" },
            { path: "/w/c.ts", before: "abcdef", after: "abZZef" }
        ]);
    });
});
