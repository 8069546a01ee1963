// Lint: typescript-eslint's recommended rules, plus the layering rules of docs/architecture.md:
// nothing under src/core may import `vscode` or `node-llama-cpp` at runtime (type-only imports are fine), nor src/engine at all.
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["dist/**", "out/**", "media/**", "node_modules/**", ".cache/**", ".artifacts/**"] },
    ...tseslint.configs.recommended,
    {
        files: ["**/*.ts"],
        rules: {
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
            "@typescript-eslint/consistent-type-imports": ["error", { disallowTypeAnnotations: false }],
            "no-restricted-syntax": ["error", {
                selector: "CallExpression[callee.object.name='console'][callee.property.name='log']",
                message: "Use the logger, not console.log (the CLI writes to process.stdout)."
            }]
        }
    },
    {
        files: ["src/core/**/*.ts"],
        rules: {
            "@typescript-eslint/no-restricted-imports": ["error", {
                paths: [
                    { name: "vscode", message: "src/core is editor-independent: go through an interface.", allowTypeImports: true },
                    { name: "node-llama-cpp", message: "src/core never loads the engine: use the Engine interface.", allowTypeImports: true }
                ],
                patterns: [
                    { group: ["**/vscode/**"], message: "src/core must not depend on adapters.", allowTypeImports: true },
                    // Not even types: core's vocabulary is src/core/engine.ts, which src/engine implements.
                    { group: ["**/engine/**"], message: "src/core never imports src/engine, not even its types: use core's port, src/core/engine.ts." }
                ]
            }]
        }
    },
    {
        // The chat webview runs in a browser sandbox: no editor API, no Node, no engine.
        files: ["src/webview/**/*.ts"],
        rules: {
            "@typescript-eslint/no-restricted-imports": ["error", {
                paths: [
                    { name: "vscode", message: "The webview talks to the extension through src/core/chat/protocol.ts." },
                    { name: "node-llama-cpp", message: "The webview never loads the engine." }
                ],
                patterns: [
                    { group: ["node:*", "**/vscode/**", "**/engine/**"], message: "Browser code: only src/core/chat, src/webview and browser libraries.", allowTypeImports: true }
                ]
            }]
        }
    },
    {
        files: ["test/**/*.ts", "bench/**/*.ts"],
        rules: { "no-restricted-syntax": "off", "@typescript-eslint/no-non-null-assertion": "off" }
    }
);
