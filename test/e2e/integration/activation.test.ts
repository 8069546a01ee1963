/**
 * The installed extension, in a real VS Code: it activates without loading a model, registers every contributed
 * command and presents every contributed setting with its default.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import * as vscode from "vscode";
import type { QwenLocalApi } from "../../../src/extension";
import { theExtension } from "./extension";

interface Manifest {
    activationEvents?: string[];
    contributes?: {
        commands?: { command: string; title: string }[];
        configuration?: ConfigurationSection | ConfigurationSection[];
    };
}

interface ConfigurationSection {
    properties?: Record<string, { default?: unknown }>;
}

function manifest(): Manifest {
    return theExtension().packageJSON as Manifest;
}

/** Processes whose parent is this extension host and whose command line runs our worker (Linux /proc). */
function workerProcesses(): { pid: number; cmdline: string }[] {
    if (process.platform !== "linux") return [];
    const found: { pid: number; cmdline: string }[] = [];
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
            // Field 4 is the parent pid; the command name (field 2) may contain spaces, so split after its ")".
            const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
            if (parent !== process.pid) continue;
            const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ");
            if (/worker\.js/.test(cmdline)) found.push({ pid: Number(entry), cmdline });
        } catch {
            // the process ended while we looked
        }
    }
    return found;
}

describe("Qwen Local in a real VS Code", () => {
    before(async function () {
        this.timeout(60_000);
        const extension = theExtension();
        if (!extension.isActive) await extension.activate();
    });

    it("runs in the remote Node extension host of a web VS Code", () => {
        assert.equal(vscode.env.uiKind, vscode.UIKind.Web);
        assert.ok(vscode.env.remoteName, "expected a remote extension host");
        assert.ok(Number(process.versions.node.split(".")[0]) >= 20, `Node ${process.versions.node}`);
    });

    it("is active and activates on startup, not on '*'", () => {
        assert.equal(theExtension().isActive, true);
        const events = manifest().activationEvents ?? [];
        assert.ok(!events.includes("*"), "activating on '*' slows every VS Code start");
    });

    it("does not start the engine worker (nor load a model) on activation", async () => {
        // Give a lazily started worker the chance to show up before declaring it absent.
        await new Promise((resolve) => setTimeout(resolve, 1500));
        assert.deepEqual(workerProcesses(), [], "a worker process runs right after activation");
        const api = theExtension().exports as QwenLocalApi;
        assert.ok(api?.engine, "activate() returns no test API ({ engine, activationMs })");
        assert.equal(api.engine.state.engine.kind, "stopped");
        assert.equal(api.engine.client.workerPid, undefined);
        assert.ok(api.activationMs < 500, `activation took ${api.activationMs} ms`);
    });

    it("registers every contributed command", async () => {
        const contributed = (manifest().contributes?.commands ?? []).map((command) => command.command);
        assert.ok(contributed.length > 0, "package.json contributes no commands");
        const registered = new Set(await vscode.commands.getCommands(true));
        const missing = contributed.filter((command) => !registered.has(command));
        assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(", ")}`);
        for (const command of contributed) assert.match(command, /^qwenLocal\./);
    });

    it("presents every contributed setting with its default", () => {
        const configuration = manifest().contributes?.configuration;
        const sections = Array.isArray(configuration) ? configuration : configuration ? [configuration] : [];
        const properties = Object.assign({}, ...sections.map((section) => section.properties ?? {})) as Record<string, { default?: unknown }>;
        const keys = Object.keys(properties);
        assert.ok(keys.length > 0, "package.json contributes no settings");
        const config = vscode.workspace.getConfiguration();
        for (const key of keys) {
            assert.match(key, /^qwenLocal\./);
            const inspected = config.inspect(key);
            assert.ok(inspected, `${key} is unknown to VS Code`);
            assert.deepEqual(inspected.defaultValue, properties[key].default, `${key}: default`);
            // Nothing in this test's user or workspace settings overrides them, so the effective value is the default.
            assert.deepEqual(config.get(key), properties[key].default, `${key}: effective value`);
        }
    });

    it("opened the sample workspace", () => {
        const folders = vscode.workspace.workspaceFolders ?? [];
        assert.equal(folders.length, 1);
        assert.equal(path.basename(folders[0].uri.fsPath), "sample-workspace");
    });
});
