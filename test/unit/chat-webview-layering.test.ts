import assert from "node:assert/strict";
import { lintErrors } from "../support/lint";

/** The lint rule that keeps the chat webview's browser code away from the editor API, Node and the engine. */
describe("webview layering lint rule", function () {
    this.timeout(60_000);

    const lint = lintErrors();
    const errors = (code: string, file = "src/webview/chat/probe.ts") => lint(code, file);

    it("rejects vscode, Node built-ins, node-llama-cpp and the adapters", async () => {
        for (const source of ["vscode", "node:fs", "node-llama-cpp", "../../engine/client", "../../vscode/chatView"]) {
            assert.deepEqual(await errors(`import * as x from "${source}";\nexport const y = x;\n`), ["@typescript-eslint/no-restricted-imports"], source);
        }
    });

    it("holds for the panel's components too", async () => {
        for (const source of ["vscode", "node:path", "../../../engine/client", "../../../vscode/chatView"]) {
            assert.deepEqual(await errors(`import * as x from "${source}";\nexport const y = x;\n`, "src/webview/chat/components/probe.ts"),
                ["@typescript-eslint/no-restricted-imports"], source);
        }
        assert.deepEqual(await errors(`import { h } from "../dom";\nimport { isToWebview } from "../../../core/chat/protocol";\nexport const x = [h, isToWebview];\n`,
            "src/webview/chat/components/probe.ts"), []);
    });

    it("allows the chat core and browser libraries", async () => {
        assert.deepEqual(await errors(`import { isToWebview } from "../../core/chat/protocol";\nimport DOMPurify from "dompurify";\nexport const x = [isToWebview, DOMPurify];\n`), []);
    });
});
