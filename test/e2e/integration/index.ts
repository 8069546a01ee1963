/**
 * Entry of the integration tests that run INSIDE the real extension host (code-server's Node 24 process) with the
 * real `vscode` API. test/e2e/run.mjs bundles this file, mocha included, to out/e2e/integration/index.js and passes
 * it as `extensionTestsPath`; the extension host calls run() and reports its outcome through codeAutomationExit.
 */
// First: from here on every module the extension host resolves is recorded (the engine-boundary test reads it).
import "./moduleTrace";
import Mocha from "mocha";

export async function run(): Promise<void> {
    const mocha = new Mocha({ ui: "bdd", timeout: 60_000, color: false, reporter: "spec" });
    const grep = process.env.QWEN_E2E_GREP;
    if (grep) mocha.grep(grep);
    // Define describe/it on the global object, then load the (bundled) test modules that use them.
    mocha.suite.emit("pre-require", globalThis, "integration", mocha);
    await import("./activation.test.js");
    await import("./packaging.test.js");
    await import("./engine.test.js");
    await import("./chat.test.js");
    await import("./editorCommands.test.js");
    await import("./agentFs.test.js");
    await import("./engineBoundary.test.js");
    const failures = await new Promise<number>((resolve) => mocha.run(resolve));
    if (failures > 0) throw new Error(`${failures} integration test(s) failed`);
}
