import assert from "node:assert/strict";
import path from "node:path";
import { ESLint } from "eslint";
import { lintErrors } from "../support/lint";

const root = path.resolve(__dirname, "../..");

/** The lint rule that keeps src/core free of the engine's implementation: core talks to its own port, src/core/engine.ts. */
describe("core layering lint rule", function () {
    this.timeout(60_000);
    const eslint = new ESLint({ cwd: root });

    const lint = lintErrors();
    const errors = (code: string, file = "src/core/chat/probe.ts") => lint(code, file);

    it("rejects src/engine from src/core, a type-only import included", async () => {
        const imports = [
            `import type { GenerateParams } from "../../engine/protocol";\nexport type X = GenerateParams;\n`,
            `import { type GenerateParams } from "../../engine/protocol";\nexport type X = GenerateParams;\n`,
            `import { EngineClient } from "../../engine/client";\nexport const x = EngineClient;\n`,
            `export type { ModelInfo } from "../../engine/protocol";\n`
        ];
        for (const code of imports) {
            assert.deepEqual(await errors(code), ["@typescript-eslint/no-restricted-imports"], code);
        }
        assert.deepEqual(await errors(`import type { LoadParams } from "../engine/protocol";\nexport type X = LoadParams;\n`, "src/core/probe.ts"),
            ["@typescript-eslint/no-restricted-imports"]);
    });

    it("allows core's own port, from any depth", async () => {
        assert.deepEqual(await errors(`import type { Engine } from "../engine";\nexport type X = Engine;\n`), []);
        assert.deepEqual(await errors(`import type { Engine } from "./engine";\nexport type X = Engine;\n`, "src/core/probe.ts"), []);
    });

    it("passes on every file of src/core as it is", async () => {
        const results = await eslint.lintFiles(["src/core/**/*.ts"]);
        assert.ok(results.length > 50, `linted ${results.length} files`);
        const problems = results.flatMap((result) => result.messages.filter((message) => message.severity === 2)
            .map((message) => `${path.relative(root, result.filePath)}:${message.line} ${message.ruleId}: ${message.message}`));
        assert.deepEqual(problems, []);
    });
});
