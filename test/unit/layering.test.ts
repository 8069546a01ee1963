import assert from "node:assert/strict";
import path from "node:path";
import { ESLint } from "eslint";

const root = path.resolve(__dirname, "../..");

/** The lint rule that keeps src/core free of the editor and the engine at runtime (ARCHITECTURE.md). */
describe("layering lint rule", function () {
    this.timeout(60_000);
    const eslint = new ESLint({ cwd: root });

    async function errors(code: string, file: string): Promise<string[]> {
        const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
        return result!.messages.filter((message) => message.severity === 2).map((message) => message.ruleId ?? message.message);
    }

    it("rejects runtime imports of vscode and node-llama-cpp under src/core", async () => {
        assert.deepEqual(await errors(`import * as vscode from "vscode";\nexport const x = vscode.version;\n`, "src/core/probe.ts"),
            ["@typescript-eslint/no-restricted-imports"]);
        assert.deepEqual(await errors(`import { getLlama } from "node-llama-cpp";\nexport const x = getLlama;\n`, "src/core/probe.ts"),
            ["@typescript-eslint/no-restricted-imports"]);
        assert.deepEqual(await errors(`import { EngineClient } from "../engine/client";\nexport const x = EngineClient;\n`, "src/core/probe.ts"),
            ["@typescript-eslint/no-restricted-imports"]);
    });

    it("allows type-only imports in src/core, and runtime imports in the adapters", async () => {
        assert.deepEqual(await errors(`import type { Token } from "node-llama-cpp";\nexport type T = Token;\n`, "src/core/probe.ts"), []);
        assert.deepEqual(await errors(`import * as vscode from "vscode";\nexport const x = vscode.version;\n`, "src/vscode/probe.ts"), []);
    });
});
