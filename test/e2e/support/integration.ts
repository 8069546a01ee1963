/**
 * Runs the mocha suites of test/e2e/integration/ inside the real extension host: bundles them, starts code-server
 * with the smoke-test driver (the only way its workbench honours `?payload=`), opens the workbench with
 * extensionDevelopmentPath = the folder the .vsix was installed to and extensionTestsPath = the bundle, and waits for
 * the workbench to call codeAutomationExit with the tests' outcome.
 */
import path from "node:path";
import { format } from "node:util";
import * as esbuild from "esbuild";
import { startCodeServer } from "./codeServer";
import { integrationBundle, repoRoot, sampleWorkspace } from "./paths";
import type { Provisioned } from "./provision";
import { Workbench } from "./workbench";

/** Bundles test/e2e/integration/index.ts (mocha included; `vscode` comes from the extension host). */
export async function bundleIntegrationTests(): Promise<string> {
    await esbuild.build({
        entryPoints: [path.join(repoRoot, "test", "e2e", "integration", "index.ts")],
        outfile: integrationBundle,
        bundle: true,
        platform: "node",
        format: "cjs",
        target: "node20",
        external: ["vscode"],
        sourcemap: "inline",
        logLevel: "error"
    });
    return integrationBundle;
}

export interface IntegrationOptions {
    vsix: string;
    extensionId: string;
    /** Environment of the extension host under test. */
    env?: Record<string, string>;
    settings?: Record<string, unknown>;
    timeoutMs?: number;
    /** Prints every workbench log line, not only the extension host's console. */
    verbose?: boolean;
}

/** Returns the number of the tests' exit code (0: all passed). */
export async function runIntegrationTests(tools: Provisioned, options: IntegrationOptions): Promise<number> {
    const bundle = await bundleIntegrationTests();
    const server = await startCodeServer(tools, { name: "integration", smokeTestDriver: true, vsix: options.vsix, settings: options.settings });
    let workbench: Workbench | undefined;
    try {
        const extensionDir = server.installedExtensionDir(options.extensionId);
        const payload: [string, string][] = [
            ["extensionDevelopmentPath", server.remoteUri(extensionDir)],
            ["extensionTestsPath", server.remoteUri(bundle)]
        ];
        if (options.env) payload.push(["extensionEnvironment", JSON.stringify(options.env)]);
        let finish: (code: number) => void = () => undefined;
        const exited = new Promise<number>((resolve) => (finish = resolve));
        workbench = await Workbench.open(server.workbenchUrl(sampleWorkspace, payload), {
            beforeNavigate: async (page) => {
                // The workbench forwards its log — including the extension host's console — here.
                await page.exposeFunction("codeAutomationLog", (_type: string, args: unknown) => {
                    const line = format(...(Array.isArray(args) ? args : [args]));
                    if (options.verbose || isTestOutput(line)) process.stdout.write(`${line}\n`);
                });
                await page.exposeFunction("codeAutomationExit", (code: number) => finish(code));
            }
        });
        const timeoutMs = options.timeoutMs ?? 180_000;
        const timer = setTimeout(() => finish(124), timeoutMs);
        const code = await exited;
        clearTimeout(timer);
        if (code === 124) process.stderr.write(`integration tests timed out after ${timeoutMs / 1000} s (server log: ${server.logFile})\n`);
        if (code !== 0) await workbench.screenshot("integration-failed", 0).catch(() => undefined);
        return code;
    } finally {
        await workbench?.close();
        await server.stop();
    }
}

/** Workbench chatter that is not the tests' report (offline gallery, policy gate). */
const noise = [
    /additional builtin extensions/, /AccountPolicyGate/, /open-vsx/, /authentication provider/, /AgentHost/,
    /connection token/, /Creating a socket/, /reconnection-grace-time/, /\[Service Worker\]/
];

function isTestOutput(line: string): boolean {
    return !noise.some((pattern) => pattern.test(line));
}
