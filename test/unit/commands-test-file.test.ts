import assert from "node:assert/strict";
import { chooseTestFile, detectFramework, isTestFile, TEST_FILE_EXCLUDE, TEST_FILE_GLOB } from "../../src/core/commands/testFile";
import type { TestLayoutInput } from "../../src/core/commands/testFile";

/** chooseTestFile for a source, with the language taken from its extension unless given. */
function choose(sourcePath: string, testFiles: readonly string[], extra: Partial<TestLayoutInput> = {}) {
    const ext = sourcePath.slice(sourcePath.lastIndexOf(".") + 1);
    const languages: Record<string, string> = {
        ts: "typescript", tsx: "typescriptreact", js: "javascript", jsx: "javascriptreact", mjs: "javascript", vue: "vue",
        py: "python", go: "go", rs: "rust", java: "java", kt: "kotlin", cs: "csharp", rb: "ruby", php: "php"
    };
    return chooseTestFile({ sourcePath, languageId: languages[ext] ?? ext, testFiles, ...extra });
}

/** The path only: most conventions are about where the file goes. */
function pathFor(sourcePath: string, testFiles: readonly string[], extra: Partial<TestLayoutInput> = {}): string {
    return choose(sourcePath, testFiles, extra).path;
}

/** A minimal VS Code-style glob matcher: {a,b} alternatives, `**` (any folders, including none) and `*`. */
function globMatches(glob: string, path: string): boolean {
    const alternatives = glob.startsWith("{") && glob.endsWith("}") ? glob.slice(1, -1).split(",") : [glob];
    return alternatives.some((pattern) => {
        let source = "";
        for (let index = 0; index < pattern.length; index++) {
            const char = pattern[index]!;
            if (pattern.startsWith("**/", index)) { source += "(?:.*/)?"; index += 2; }
            else if (pattern.startsWith("**", index)) { source += ".*"; index += 1; }
            else if (char === "*") source += "[^/]*";
            else if (char === "?") source += "[^/]";
            else source += char.replace(/[.+^${}()|[\]\\]/g, "\\$&");
        }
        return new RegExp(`^${source}$`).test(path);
    });
}

/** This repository's own layout: sources under src/, flat unit tests in test/unit, model and e2e suites beside. */
const THIS_REPO = [
    "test/unit/agent-loop.test.ts", "test/unit/chat-fuzzy.test.ts", "test/unit/completion-postprocess.test.ts",
    "test/unit/gguf.test.ts", "test/unit/settings.test.ts", "test/unit/layering.test.ts",
    "test/model/chat.test.ts", "test/model/engine.test.ts",
    "test/e2e/integration/activation.test.ts", "test/e2e/ui/chat.test.ts", "test/e2e/ui/commands.test.ts"
];

describe("generate tests: the test file", () => {
    describe("isTestFile", () => {
        it("recognises the common test names of each language", () => {
            for (const path of [
                "src/util/price.test.ts", "src/util/price.spec.tsx", "lib/price.test.mjs", "src/util/__tests__/price.ts",
                "tests/test_price.py", "pkg/price_test.py", "app/tests.py", "internal/price/price_test.go",
                "src/test/java/a/b/PriceTest.java", "src/test/java/a/b/PriceTests.java", "src/test/java/a/b/PriceIT.java",
                "src/test/kotlin/a/PriceTest.kt", "tests/MyApp.Tests/PriceTests.cs", "tests/PriceTest.cs",
                "spec/models/price_spec.rb", "test/models/price_test.rb", "tests/Unit/PriceTest.php", "tests/price.rs",
                "crates/shop/tests/price.rs", "test/price_test.dart", "C:\\repo\\src\\price.test.ts"
            ]) assert.equal(isTestFile(path), true, path);
        });

        it("rejects sources, snapshots, fixtures and helpers that merely sit near tests", () => {
            for (const path of [
                "src/util/price.ts", "src/latest.ts", "src/Contest.java", "src/AUDIT.java", "src/Test.java",
                "src/__tests__/__snapshots__/price.test.ts.snap", "src/__tests__/fixtures/data.json",
                "tests/conftest.py", "tests/__init__.py", "tests/common/mod.rs", "tests/common/helpers/db.rs",
                "test/support/engine.ts", "test/fixtures/sample-workspace/src/main.ts", "price.test", "README.md"
            ]) assert.equal(isTestFile(path), false, path);
        });
    });

    describe("the find globs", () => {
        it("TEST_FILE_GLOB finds every kind of file isTestFile accepts", () => {
            for (const path of [
                "src/util/price.test.ts", "price.spec.js", "src/util/__tests__/price.ts", "tests/test_price.py",
                "app/tests.py", "pkg/price_test.py", "price/price_test.go", "src/test/java/a/PriceTest.java",
                "src/test/java/a/PriceIT.java", "src/test/kotlin/a/PriceIT.kt", "tests/App.Tests/PriceTests.cs",
                "spec/price_spec.rb", "tests/Unit/PriceTest.php", "tests/price.rs", "crates/a/tests/price.rs"
            ]) {
                assert.equal(isTestFile(path), true, path);
                assert.equal(globMatches(TEST_FILE_GLOB, path), true, path);
            }
            assert.equal(globMatches(TEST_FILE_GLOB, "src/util/price.ts"), false);
            assert.equal(globMatches(TEST_FILE_GLOB, "src/lib.rs"), false);
        });

        it("TEST_FILE_EXCLUDE skips dependencies, build outputs and virtual environments at any depth", () => {
            for (const path of [
                "node_modules/zod/index.test.ts", "packages/a/node_modules/x/a.spec.js", "out/test/unit/gguf.test.js",
                "dist/a.test.js", ".venv/lib/site-packages/x/test_x.py", "target/debug/tests/a.rs", "vendor/x/a_test.go",
                "src/__pycache__/test_x.py", "App.Tests/bin/Debug/PriceTests.cs", ".git/x_test.go"
            ]) assert.equal(globMatches(TEST_FILE_EXCLUDE, path), true, path);
            assert.equal(globMatches(TEST_FILE_EXCLUDE, "test/unit/gguf.test.ts"), false);
            assert.equal(globMatches(TEST_FILE_EXCLUDE, "src/builder/price.test.ts"), false);
        });
    });

    describe("a test file as the source", () => {
        it("adds to that same file, with no example", () => {
            const choice = choose("test/unit/gguf.test.ts", THIS_REPO, { dependencies: ["mocha", "tsx"] });
            assert.deepEqual(choice, { path: "test/unit/gguf.test.ts", exists: true, framework: "mocha" });
            assert.deepEqual(choose("tests/test_price.py", []), { path: "tests/test_price.py", exists: true, framework: "pytest" });
            assert.equal(choose("spec/models/price_spec.rb", []).framework, "rspec");
            assert.equal(choose("app/models/price.rb", ["spec/models/price_spec.rb"]).framework, "rspec");
        });
    });

    describe("an existing test of the same module", () => {
        it("finds it beside the source, in __tests__ or in a test tree, whatever the JS/TS extension", () => {
            assert.deepEqual(choose("src/util/price.ts", ["src/util/price.test.ts", "src/util/cart.test.ts"]),
                { path: "src/util/price.test.ts", exists: true });
            assert.equal(pathFor("src/util/price.ts", ["src/util/price.spec.ts"]), "src/util/price.spec.ts");
            assert.equal(pathFor("src/ui/Price.tsx", ["src/ui/Price.test.tsx"]), "src/ui/Price.test.tsx");
            assert.equal(pathFor("src/util/price.ts", ["src/util/__tests__/price.ts"]), "src/util/__tests__/price.ts");
            assert.equal(pathFor("src/util/price.ts", ["src/util/__tests__/price.test.ts"]), "src/util/__tests__/price.test.ts");
            assert.equal(pathFor("lib/price.js", ["test/price.test.ts"]), "test/price.test.ts");
            assert.equal(pathFor("src/price.ts", ["test/price.spec.js"]), "test/price.spec.js");
            assert.equal(pathFor("src/price.mts", ["test/price.test.cjs"]), "test/price.test.cjs");
            assert.equal(pathFor("src/core/util/price.ts", [...THIS_REPO, "test/unit/price.test.ts"]), "test/unit/price.test.ts");
        });

        it("prefers the match whose folder is nearest the source, then the shortest path", () => {
            const tests = ["test/price.test.ts", "src/util/price.test.ts", "src/util/deep/price.test.ts"];
            assert.equal(pathFor("src/util/price.ts", tests), "src/util/price.test.ts");
            assert.equal(pathFor("src/util/price.ts", ["test/unit/util/price.test.ts", "test/util/price.test.ts"]), "test/util/price.test.ts");
        });

        it("does not take another package's or another folder's module of the same name", () => {
            assert.equal(choose("packages/a/src/utils.ts", ["packages/b/src/utils.test.ts", "packages/b/test/utils.test.ts"]).exists, false);
            assert.equal(choose("src/a/index.ts", ["src/b/index.test.ts"]).path, "src/a/index.test.ts");
            assert.equal(pathFor("packages/a/src/utils.ts", ["packages/b/test/utils.test.ts", "packages/a/test/utils.test.ts"]),
                "packages/a/test/utils.test.ts");
        });

        it("does not take a test of the same name in another language", () => {
            const choice = choose("src/price.ts", ["src/price_test.py", "tests/test_price.py"]);
            assert.deepEqual(choice, { path: "src/price.test.ts", exists: false });
        });

        it("finds the tests of Python, Go, Java, Kotlin, C#, Ruby, PHP and Rust modules by their conventions", () => {
            assert.equal(pathFor("src/shop/price.py", ["tests/test_price.py", "tests/test_cart.py"]), "tests/test_price.py");
            assert.equal(pathFor("shop/price.py", ["shop/price_test.py"]), "shop/price_test.py");
            assert.equal(pathFor("shop/__init__.py", ["tests/test_shop.py"]), "tests/test_shop.py");
            assert.equal(pathFor("internal/price/price.go", ["internal/price/price_test.go"]), "internal/price/price_test.go");
            assert.equal(pathFor("src/main/java/a/b/Price.java", ["src/test/java/a/b/PriceTest.java"]), "src/test/java/a/b/PriceTest.java");
            assert.equal(pathFor("src/main/java/a/b/Price.java", ["src/test/java/a/b/PriceTests.java"]), "src/test/java/a/b/PriceTests.java");
            assert.equal(pathFor("app/src/main/kotlin/a/Price.kt", ["app/src/test/kotlin/a/PriceTest.kt"]), "app/src/test/kotlin/a/PriceTest.kt");
            assert.equal(pathFor("src/Shop/Services/Price.cs", ["tests/Shop.Tests/Services/PriceTests.cs"]), "tests/Shop.Tests/Services/PriceTests.cs");
            assert.equal(pathFor("src/Shop/Price.cs", ["Shop.Tests/PriceTest.cs"]), "Shop.Tests/PriceTest.cs");
            assert.equal(pathFor("app/models/price.rb", ["spec/models/price_spec.rb"]), "spec/models/price_spec.rb");
            assert.equal(pathFor("lib/shop/price.rb", ["test/shop/price_test.rb"]), "test/shop/price_test.rb");
            assert.equal(pathFor("src/Shop/Price.php", ["tests/Unit/Shop/PriceTest.php"]), "tests/Unit/Shop/PriceTest.php");
            assert.equal(pathFor("src/price.rs", ["tests/price.rs", "tests/cart.rs"]), "tests/price.rs");
        });

        it("takes a Go test only from the source's own package folder", () => {
            assert.equal(pathFor("internal/price/price.go", ["cmd/price/price_test.go"]), "internal/price/price_test.go");
        });
    });

    describe("a new test file in JavaScript and TypeScript", () => {
        it("goes beside the source when the project has no tests, keeping the source's extension", () => {
            assert.deepEqual(choose("src/util/price.ts", []), { path: "src/util/price.test.ts", exists: false });
            assert.equal(pathFor("src/ui/Price.tsx", []), "src/ui/Price.test.tsx");
            assert.equal(pathFor("lib/price.mjs", []), "lib/price.test.mjs");
            assert.equal(pathFor("price.js", []), "price.test.js");
        });

        it("follows this repository's flat test/unit layout", () => {
            const choice = choose("src/core/commands/price.ts", THIS_REPO, { dependencies: ["mocha", "tsx", "typescript"] });
            assert.equal(choice.path, "test/unit/price.test.ts");
            assert.equal(choice.exists, false);
            assert.equal(choice.framework, "mocha");
            assert.ok(choice.examplePath?.startsWith("test/unit/"), choice.examplePath);
            assert.equal(pathFor("src/cli.ts", THIS_REPO), "test/unit/cli.test.ts");
        });

        it("mirrors the source under test/unit/ without src/ when the unit tests are nested", () => {
            const tests = ["test/unit/util/cart.test.ts", "test/unit/api/client.test.ts", "test/unit/index.test.ts", "test/e2e/app.test.ts"];
            assert.equal(pathFor("src/util/price.ts", tests), "test/unit/util/price.test.ts");
            assert.equal(pathFor("src/core/money/price.ts", tests), "test/unit/core/money/price.test.ts");
            assert.equal(pathFor("lib/util/price.js", ["test/util/cart.test.js", "test/api/client.test.js"]), "test/util/price.test.js");
        });

        it("mirrors when the tests already have the source's folder, even if most lie flat", () => {
            const tests = ["tests/a.test.ts", "tests/b.test.ts", "tests/c.test.ts", "tests/util/cart.test.ts"];
            assert.equal(pathFor("src/util/price.ts", tests), "tests/util/price.test.ts");
            assert.equal(pathFor("src/money/price.ts", tests), "tests/price.test.ts");
        });

        it("uses __tests__ folders next to the sources when the project does", () => {
            const tests = ["src/api/__tests__/client.test.ts", "src/ui/__tests__/Button.test.tsx"];
            assert.equal(pathFor("src/util/price.ts", tests), "src/util/__tests__/price.test.ts");
            assert.equal(pathFor("src/util/price.ts", ["src/api/__tests__/client.ts", "src/ui/__tests__/Button.tsx"]), "src/util/__tests__/price.ts");
        });

        it("uses .spec. or .test. as most of the tests do", () => {
            const tests = ["src/a/cart.spec.ts", "src/b/user.spec.ts", "src/c/order.test.ts"];
            assert.equal(pathFor("src/util/price.ts", tests), "src/util/price.spec.ts");
            assert.equal(pathFor("src/util/price.ts", ["test/a.test.ts", "test/b.test.ts", "test/c.spec.ts"]), "test/price.test.ts");
        });

        it("keeps tests beside the sources when most of them are", () => {
            const tests = ["src/a/cart.test.ts", "src/b/user.test.ts", "src/c/order.test.ts", "test/smoke.test.ts"];
            assert.equal(pathFor("src/util/price.ts", tests), "src/util/price.test.ts");
        });

        it("in a monorepo, follows the source's own package", () => {
            const tests = [
                "packages/a/test/cart.test.ts", "packages/a/test/user.test.ts",
                "packages/b/src/x.spec.ts", "packages/b/src/y.spec.ts", "packages/b/src/z.spec.ts"
            ];
            assert.equal(pathFor("packages/a/src/util/price.ts", tests), "packages/a/test/price.test.ts");
            assert.equal(pathFor("packages/b/src/util/price.ts", tests), "packages/b/src/util/price.spec.ts");
            assert.equal(pathFor("packages/c/src/price.ts", ["packages/a/test/cart.test.ts"]), "packages/c/test/price.test.ts");
            assert.equal(pathFor("packages/a/src/price.ts", ["test/unit/cart.test.ts", "packages/a/test/user.test.ts"]),
                "packages/a/test/price.test.ts");
        });

        it("ignores end-to-end suites when learning where unit tests go", () => {
            assert.equal(pathFor("src/util/price.ts", ["e2e/login.spec.ts", "e2e/cart.spec.ts", "cypress/e2e/a.test.ts"]), "src/util/price.test.ts");
            const choice = choose("src/util/price.ts", ["test/e2e/ui/chat.test.ts"]);
            assert.equal(choice.path, "src/util/price.test.ts");
            assert.equal(choice.examplePath, undefined);
        });

        it("tests a Vue component from a script file in the tests' own extension", () => {
            assert.equal(pathFor("src/components/Price.vue", ["src/components/Cart.spec.js"]), "src/components/Price.spec.js");
            assert.equal(pathFor("src/components/Price.vue", []), "src/components/Price.test.ts");
        });
    });

    describe("a new test file in other languages", () => {
        it("Python: test_<module>.py in the tests tree, else beside the source", () => {
            assert.equal(pathFor("src/shop/price.py", ["tests/test_cart.py", "tests/test_user.py"]), "tests/test_price.py");
            assert.equal(pathFor("shop/price.py", ["tests/unit/test_cart.py", "tests/integration/test_api.py"]), "tests/unit/test_price.py");
            assert.equal(pathFor("shop/price.py", []), "shop/test_price.py");
            assert.equal(pathFor("price.py", []), "test_price.py");
            assert.equal(pathFor("shop/price.py", ["tests/conftest.py"]), "shop/test_price.py");
        });

        it("Python: mirrors subpackages only when the existing tests do", () => {
            const nested = ["tests/billing/test_invoice.py", "tests/orders/test_order.py"];
            assert.equal(pathFor("src/shop/billing/price.py", nested), "tests/billing/test_price.py");
            assert.equal(pathFor("shop/billing/price.py", ["tests/shop/billing/test_invoice.py"]), "tests/shop/billing/test_price.py");
            assert.equal(pathFor("src/shop/billing/price.py", ["tests/test_invoice.py", "tests/test_order.py"]), "tests/test_price.py");
            assert.equal(pathFor("shop/billing/price.py", ["shop/tests/test_order.py", "shop/tests/orders/test_x.py"]), "shop/tests/billing/test_price.py");
        });

        it("Python: <module>_test.py only when that is most tests' style", () => {
            assert.equal(pathFor("shop/price.py", ["shop/cart_test.py", "shop/user_test.py", "shop/test_order.py"]), "shop/price_test.py");
            assert.equal(pathFor("shop/price.py", ["tests/cart_test.py", "tests/test_order.py"]), "tests/test_price.py");
        });

        it("Go: always <module>_test.go beside the source", () => {
            assert.deepEqual(choose("internal/price/price.go", ["tests/price_test.go", "cmd/x/x_test.go"], { dependencies: [] }),
                { path: "internal/price/price_test.go", exists: false, examplePath: "cmd/x/x_test.go", framework: "go" });
        });

        it("Java and Kotlin: src/main/<lang>/ mirrored under src/test/<lang>/, in the project's Test/Tests style", () => {
            assert.deepEqual(choose("src/main/java/a/b/Price.java", []), { path: "src/test/java/a/b/PriceTest.java", exists: false, framework: "junit" });
            assert.equal(pathFor("src/main/java/a/b/Price.java", ["src/test/java/a/CartTests.java", "src/test/java/a/UserTests.java"]),
                "src/test/java/a/b/PriceTests.java");
            assert.equal(pathFor("app/src/main/kotlin/a/Price.kt", []), "app/src/test/kotlin/a/PriceTest.kt");
            assert.equal(pathFor("shared/src/commonMain/kotlin/a/Price.kt", []), "shared/src/commonTest/kotlin/a/PriceTest.kt");
            assert.equal(pathFor("Price.java", []), "PriceTest.java");
        });

        it("Rust: tests/<module>.rs when the crate has a tests/ folder, else the source itself", () => {
            assert.deepEqual(choose("src/price.rs", ["tests/cart.rs"]),
                { path: "tests/price.rs", exists: false, examplePath: "tests/cart.rs", framework: "rust" });
            assert.deepEqual(choose("src/price.rs", []), { path: "src/price.rs", exists: true, framework: "rust" });
            assert.equal(pathFor("crates/shop/src/money/price.rs", ["crates/shop/tests/cart.rs"]), "crates/shop/tests/price.rs");
            assert.equal(pathFor("crates/shop/src/price.rs", ["crates/other/tests/cart.rs"]), "crates/shop/src/price.rs");
            assert.equal(pathFor("src/money/mod.rs", ["tests/cart.rs"]), "tests/money.rs");
            assert.equal(pathFor("src/lib.rs", ["tests/cart.rs"]), "src/lib.rs");
            assert.equal(pathFor("src/bin/tool.rs", ["tests/cart.rs"]), "src/bin/tool.rs");
        });

        it("C#: <Type>Tests.cs in the test project named after the source's project, else beside", () => {
            const tests = ["tests/Shop.Tests/Services/CartTests.cs", "tests/Shop.Core.Tests/UserTests.cs", "tests/Shop.IntegrationTests/ApiTests.cs"];
            assert.equal(pathFor("src/Shop/Services/Price.cs", tests), "tests/Shop.Tests/Services/PriceTests.cs");
            assert.equal(pathFor("src/Shop.Core/Price.cs", tests), "tests/Shop.Core.Tests/PriceTests.cs");
            assert.equal(pathFor("src/Other/Price.cs", ["UnitTests/CartTest.cs", "UnitTests/UserTest.cs"]), "UnitTests/PriceTest.cs");
            assert.equal(pathFor("src/Shop/Price.cs", []), "src/Shop/PriceTests.cs");
        });

        it("Ruby: spec/ when there is one, else test/, mirroring app/ and lib/", () => {
            assert.deepEqual(choose("app/models/price.rb", ["spec/models/cart_spec.rb"]),
                { path: "spec/models/price_spec.rb", exists: false, examplePath: "spec/models/cart_spec.rb", framework: "rspec" });
            assert.deepEqual(choose("app/models/price.rb", ["test/models/cart_test.rb", "test/controllers/x_test.rb"]),
                { path: "test/models/price_test.rb", exists: false, examplePath: "test/models/cart_test.rb", framework: "minitest" });
            assert.equal(pathFor("lib/shop/price.rb", []), "test/shop/price_test.rb");
            assert.equal(choose("lib/shop/price.rb", [], { dependencies: ["rspec"] }).path, "spec/shop/price_spec.rb");
        });

        it("PHP: <Class>Test.php in tests/, in its Unit/ folder when there is one", () => {
            assert.equal(pathFor("src/Shop/Price.php", []), "tests/Shop/PriceTest.php");
            assert.equal(pathFor("app/Models/Price.php", ["tests/Unit/Models/CartTest.php", "tests/Feature/ApiTest.php"]), "tests/Unit/Models/PriceTest.php");
            assert.equal(choose("src/Price.php", []).framework, "phpunit");
        });

        it("other languages: the naming and placement of the tests with the same extension", () => {
            assert.equal(pathFor("lib/price.dart", ["test/cart_test.dart", "test/user_test.dart"]), "test/price_test.dart");
            assert.equal(pathFor("src/price.c", ["tests/test_cart.c"]), "tests/test_price.c");
            assert.equal(pathFor("src/price.zig", []), "src/price_test.zig");
        });
    });

    describe("the example test file", () => {
        it("is the existing test nearest the new file, same extension preferred", () => {
            const tests = ["src/a/cart.test.ts", "src/util/money.test.js", "src/util/tax.test.ts", "src/util/deep/x.test.ts"];
            assert.equal(choose("src/util/price.ts", tests).examplePath, "src/util/tax.test.ts");
            assert.equal(choose("src/util/price.js", tests).examplePath, "src/util/money.test.js");
        });

        it("is of the source's language family only", () => {
            const choice = choose("src/util/price.ts", ["tests/test_cart.py", "src/x_test.go"]);
            assert.equal(choice.examplePath, undefined);
            assert.equal(choose("src/util/price.js", ["test/cart.test.ts"]).examplePath, "test/cart.test.ts");
        });

        it("is absent when the chosen file exists", () => {
            assert.equal(choose("src/util/price.ts", ["src/util/price.test.ts", "src/util/cart.test.ts"]).examplePath, undefined);
        });
    });

    describe("detectFramework", () => {
        it("JavaScript and TypeScript: vitest, jest, mocha, jasmine from the dependencies, in that order", () => {
            assert.equal(detectFramework("typescript", ["jest", "vitest"]), "vitest");
            assert.equal(detectFramework("typescript", ["ts-jest"]), "jest");
            assert.equal(detectFramework("javascript", ["@jest/globals"]), "jest");
            assert.equal(detectFramework("typescriptreact", ["mocha", "jasmine"]), "mocha");
            assert.equal(detectFramework("javascript", ["jasmine-core"]), "jasmine");
            assert.equal(detectFramework("typescript", ["react", "zod"]), undefined);
        });

        it("JavaScript and TypeScript: else from what the example imports", () => {
            assert.equal(detectFramework("typescript", [], `import { describe, it, expect } from "vitest";`), "vitest");
            assert.equal(detectFramework("typescript", [], `import { jest } from '@jest/globals';`), "jest");
            assert.equal(detectFramework("javascript", [], `const x = jest.fn();\ntest("a", () => {});`), "jest");
            assert.equal(detectFramework("typescript", [], `import { test } from "node:test";\nimport assert from "node:assert/strict";`), "node:test");
            assert.equal(detectFramework("typescript", [], `import { describe, it } from "node:test";\nimport assert from "node:assert";\ndescribe("a", () => { it("b", () => {}); });`), "node:test");
            assert.equal(detectFramework("typescript", [], `import assert from "node:assert/strict";\ndescribe("a", () => {\n    it("b", () => {});\n});`), "mocha");
            assert.equal(detectFramework("javascript", [], `const assert = require("assert");\ndescribe("a", function () { it("b", function () {}); });`), "mocha");
            assert.equal(detectFramework("javascript", [], `const { expect } = require("chai");`), "mocha");
            assert.equal(detectFramework("javascript", [], `const spy = jasmine.createSpy("x");`), "jasmine");
            assert.equal(detectFramework("typescript", [], `describe("a", () => { it("b", () => { expect(1).toBe(1); }); });`), undefined);
        });

        it("Python: pytest unless the project uses unittest", () => {
            assert.equal(detectFramework("python", ["pytest>=7.0"], "import unittest\nclass T(unittest.TestCase): pass"), "pytest");
            assert.equal(detectFramework("python", ["pytest-cov"]), "pytest");
            assert.equal(detectFramework("python", [], "import pytest\n"), "pytest");
            assert.equal(detectFramework("python", [], "import unittest\n\nclass PriceTest(unittest.TestCase):\n    pass\n"), "unittest");
            assert.equal(detectFramework("python", [], "from unittest import TestCase\n"), "unittest");
            assert.equal(detectFramework("python", [], "from unittest.mock import patch\n\ndef test_x():\n    pass\n"), "pytest");
            assert.equal(detectFramework("python", []), "pytest");
        });

        it("C#: xunit, nunit or mstest from the packages, else from the attributes", () => {
            assert.equal(detectFramework("csharp", ["xunit", "Moq"]), "xunit");
            assert.equal(detectFramework("csharp", ["NUnit", "NUnit3TestAdapter"]), "nunit");
            assert.equal(detectFramework("csharp", ["MSTest.TestFramework"]), "mstest");
            assert.equal(detectFramework("csharp", [], "public class PriceTests {\n    [Fact]\n    public void Adds() {}\n}"), "xunit");
            assert.equal(detectFramework("csharp", [], "[TestFixture]\npublic class PriceTests {\n    [Test]\n    public void Adds() {}\n}"), "nunit");
            assert.equal(detectFramework("csharp", [], "[TestClass]\npublic class PriceTests {\n    [TestMethod]\n    public void Adds() {}\n}"), "mstest");
            assert.equal(detectFramework("csharp", []), undefined);
        });

        it("Ruby: rspec from the gem or an RSpec example, else minitest", () => {
            assert.equal(detectFramework("ruby", ["rspec-rails"]), "rspec");
            assert.equal(detectFramework("ruby", [], `require "rails_helper"\n\nRSpec.describe Price do\nend\n`), "rspec");
            assert.equal(detectFramework("ruby", [], `class PriceTest < Minitest::Test\nend\n`), "minitest");
            assert.equal(detectFramework("ruby", []), "minitest");
        });

        it("one framework per language elsewhere, none for unknown languages", () => {
            assert.equal(detectFramework("go", []), "go");
            assert.equal(detectFramework("java", []), "junit");
            assert.equal(detectFramework("kotlin", []), "junit");
            assert.equal(detectFramework("rust", []), "rust");
            assert.equal(detectFramework("php", []), "phpunit");
            assert.equal(detectFramework("plaintext", ["jest"]), undefined);
        });

        it("chooseTestFile reports the framework of the dependencies", () => {
            assert.equal(choose("src/price.ts", [], { dependencies: ["vitest"] }).framework, "vitest");
            assert.equal(choose("src/price.ts", []).framework, undefined);
            assert.equal(choose("shop/price.py", []).framework, "pytest");
            assert.equal(choose("src/Shop/Price.cs", [], { dependencies: ["NUnit"] }).framework, "nunit");
        });
    });
});
