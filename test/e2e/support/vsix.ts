/**
 * The .vsix under test. test/e2e/run.mjs packages once and passes the path in QWEN_E2E_VSIX; a suite started on its
 * own (mocha test/e2e/ui/x.test.ts) packages here instead — quick when nothing changed (scripts/package.mjs reuses
 * an up-to-date .vsix).
 */
import path from "node:path";
import { run } from "./processes";
import { repoRoot } from "./paths";

let packaged: Promise<string> | undefined;

export function vsixUnderTest(): Promise<string> {
    const given = process.env.QWEN_E2E_VSIX;
    if (given) return Promise.resolve(given);
    packaged ??= run(process.execPath, [path.join(repoRoot, "scripts", "package.mjs")], { cwd: repoRoot, quiet: true })
        .then((output) => output.trim().split("\n").pop() ?? "");
    return packaged;
}
