/**
 * Where "Generate Tests" writes: the existing test of the selected module when there is one, else a new file
 * placed and named the way the project's own tests are (learned from the test files the caller listed), and
 * which test framework the project uses. Pure: it works on workspace-relative posix paths and never touches
 * the disk, so the caller lists the files (TEST_FILE_GLOB, TEST_FILE_EXCLUDE) and reads the example.
 */

export interface TestFileChoice {
    /** Workspace-relative posix path of the test file to write. */
    path: string;
    /** The file exists already (the tests are added to it). */
    exists: boolean;
    /** An existing test file to show the model as an example of the project's conventions (absent when none). */
    examplePath?: string;
    /**
     * The test framework, when known: "vitest", "jest", "mocha", "node:test", "jasmine", "pytest", "unittest",
     * "go", "junit", "rust", "xunit", "nunit", "mstest", "rspec", "minitest", "phpunit".
     */
    framework?: string;
}

export interface TestLayoutInput {
    /** Workspace-relative posix path of the source, e.g. "src/util/price.ts". */
    sourcePath: string;
    /** VS Code language id of the source (typescript, typescriptreact, javascript, python, go, rust, java, csharp, ruby, php, kotlin, …). */
    languageId: string;
    /** Workspace-relative paths of existing files that look like tests (listed by the caller with TEST_FILE_GLOB, capped at a few hundred). */
    testFiles: readonly string[];
    /** Names of the project's dependencies and devDependencies (from package.json, requirements, pyproject, …) when known. */
    dependencies?: readonly string[];
}

/**
 * A glob (for VS Code's findFiles) matching test-like files in common layouts and languages. It is wider than
 * isTestFile (snapshots, fixtures in __tests__, `latest.js` on case-insensitive file systems): chooseTestFile
 * filters what it gets with isTestFile, so the glob only has to miss nothing.
 */
export const TEST_FILE_GLOB = "{" + [
    "**/*.test.*", "**/*.spec.*", "**/__tests__/**",
    "**/test_*.*", "**/*_test.*", "**/*_spec.*", "**/tests.py",
    "**/*Test.*", "**/*Tests.*", "**/*Spec.*", "**/*IT.java", "**/*IT.kt",
    "**/tests/*.rs"
].join(",") + "}";

/** Folders never searched (dependencies, build outputs, virtual environments) as a findFiles exclude glob. */
export const TEST_FILE_EXCLUDE = "{" + [
    "node_modules", ".git", "dist", "out", "build", "target", "vendor", ".venv", "venv", "__pycache__",
    ".tox", ".gradle", "bin", "obj", "coverage", ".next"
].map((folder) => `**/${folder}/**`).join(",") + "}";

type Family = "js" | "python" | "go" | "rust" | "jvm" | "csharp" | "ruby" | "php" | "other";

const JS_EXTENSIONS = new Set(["ts", "tsx", "js", "jsx", "mts", "cts", "mjs", "cjs"]);
const JVM_EXTENSIONS = new Set(["java", "kt", "kts", "scala", "groovy"]);

/** Data and markup next to tests (snapshots, fixtures) that a test-like name does not make a test. */
const NON_CODE_EXTENSIONS = new Set([
    "json", "snap", "md", "txt", "html", "css", "scss", "less", "yml", "yaml", "xml", "csv", "png", "jpg", "svg",
    "lock", "map", "log", "toml", "ini", "cfg", "env", "sql", "gif", "pdf", "zip"
]);

const LANGUAGE_FAMILIES: Readonly<Record<string, Family>> = {
    typescript: "js", typescriptreact: "js", javascript: "js", javascriptreact: "js", vue: "js", svelte: "js",
    python: "python", go: "go", rust: "rust",
    java: "jvm", kotlin: "jvm", scala: "jvm", groovy: "jvm",
    csharp: "csharp", ruby: "ruby", php: "php"
};

/** Folder names that start a separate test tree. */
const TREE_ROOTS = new Set(["test", "tests", "spec", "specs"]);
/** Folders inside a test tree that group tests by kind rather than mirror the sources. */
const CATEGORIES = new Set(["unit", "units", "integration", "functional", "feature", "suite", "suites"]);
/** End-to-end tests are a different kind of test: neither a convention nor an example for unit tests. */
const E2E_FOLDERS = new Set(["e2e", "cypress", "playwright"]);
/** Folder names that say nothing about which module a test is for, when relating a test's folder to a source's. */
const NEUTRAL_FOLDERS = new Set([
    "src", "lib", "test", "tests", "spec", "specs", "__tests__", "main", "java", "kotlin", "scala", "groovy",
    ...CATEGORIES
]);

interface ParsedPath {
    path: string;
    dir: string[];
    name: string;
    /** The name without its last extension. */
    stem: string;
    /** The last extension, lower case, without the dot. */
    ext: string;
}

/** How a test file is named: decides the name of a new one. */
type Style = "infix-test" | "infix-spec" | "prefix" | "suffix_test" | "suffix_spec" | "Test" | "Tests" | "Spec" | "IT" | "folder";

interface TestedModule {
    module: string;
    style: Style;
}

interface TestEntry extends ParsedPath {
    tested: TestedModule | undefined;
    /** Nearer tests say more about the source's part of the project: 2^(shared leading folders). */
    weight: number;
    e2e: boolean;
}

/** True when a path looks like a test file (so "Generate Tests" on a test file adds to that same file). */
export function isTestFile(path: string): boolean {
    const parsed = parse(path);
    if (parsed.ext === "" || NON_CODE_EXTENSIONS.has(parsed.ext)) return false;
    return parsed.name === "tests.py" || testedModule(parsed) !== undefined;
}

export function chooseTestFile(input: TestLayoutInput): TestFileChoice {
    const source = parse(input.sourcePath);
    const family = LANGUAGE_FAMILIES[input.languageId] ?? familyOfExtension(source.ext);
    const dependencies = input.dependencies ?? [];
    // The name of a Ruby test already says which framework the project uses.
    const frameworkFor = (path: string) => family === "ruby" && /_(spec|test)\.rb$/.test(path)
        ? (path.endsWith("_spec.rb") ? "rspec" : "minitest")
        : detectFramework(input.languageId, dependencies);
    if (isTestFile(source.path)) return withFramework({ path: source.path, exists: true }, frameworkFor(source.path));

    const tests = collectTests(input.testFiles, source, family);
    const existing = findExistingTest(source, family, tests);
    if (existing) return withFramework({ path: existing.path, exists: true }, frameworkFor(existing.path));

    const path = newTestPath(source, family, tests, dependencies);
    const exists = path === source.path || tests.some((test) => test.path === path);
    const choice: TestFileChoice = { path, exists };
    const example = exists ? undefined : nearestExample(path, tests);
    if (example) choice.examplePath = example;
    return withFramework(choice, frameworkFor(path));
}

export function detectFramework(languageId: string, dependencies: readonly string[], exampleText?: string): string | undefined {
    const deps = new Set(dependencies.map(dependencyName));
    const has = (...names: string[]) => names.some((name) => deps.has(name));
    const text = exampleText ?? "";
    switch (languageId) {
        case "typescript": case "typescriptreact": case "javascript": case "javascriptreact": case "vue": case "svelte":
            return javaScriptFramework(has, text);
        case "python":
            if (has("pytest") || [...deps].some((name) => name.startsWith("pytest-"))) return "pytest";
            if (/^\s*(import pytest\b|from pytest\b)/m.test(text)) return "pytest";
            if (/\bunittest\.TestCase\b|from unittest import[^\n]*\bTestCase\b|^\s*import unittest\s*$/m.test(text)) return "unittest";
            return "pytest";
        case "go": return "go";
        case "java": case "kotlin": return "junit";
        case "rust": return "rust";
        case "csharp":
            if (has("xunit", "xunit.core", "xunit.assert")) return "xunit";
            if (has("nunit", "nunit3testadapter")) return "nunit";
            if (has("mstest", "mstest.testframework")) return "mstest";
            if (/\[(Fact|Theory)\b/.test(text)) return "xunit";
            if (/\[(TestMethod|TestClass)\b/.test(text)) return "mstest";
            if (/\[(Test|TestCase|TestFixture)\b/.test(text)) return "nunit";
            return undefined;
        case "ruby":
            if (has("rspec", "rspec-core", "rspec-rails")) return "rspec";
            if (/\bRSpec\.|require ["'](spec|rails)_helper["']|^\s*describe\b.*\bdo\s*$/m.test(text)) return "rspec";
            return "minitest";
        case "php": return "phpunit";
        default: return undefined;
    }
}

/** Dependency lists first (vitest over jest: projects migrating keep both), then what the example imports. */
function javaScriptFramework(has: (...names: string[]) => boolean, text: string): string | undefined {
    if (has("vitest")) return "vitest";
    if (has("jest", "ts-jest", "@jest/globals", "babel-jest", "@types/jest")) return "jest";
    if (has("mocha", "@types/mocha")) return "mocha";
    if (has("jasmine", "jasmine-core", "karma-jasmine", "@types/jasmine")) return "jasmine";
    if (/["']vitest["']/.test(text)) return "vitest";
    if (/["']@jest\/globals["']|\bjest\.(fn|mock|spyOn)\(/.test(text)) return "jest";
    if (/["']node:test["']/.test(text)) return "node:test";
    if (/\bjasmine\.\w/.test(text)) return "jasmine";
    if (/["'](mocha|chai)["']/.test(text)) return "mocha";
    const suite = /\bdescribe\(/.test(text) && /\bit\(/.test(text);
    if (suite && /["'](node:)?assert(\/strict)?["']/.test(text)) return "mocha";
    return undefined;
}

/** "pytest>=7.0" and "NUnit" name the same packages as "pytest" and "nunit". */
function dependencyName(dependency: string): string {
    const trimmed = dependency.trim().toLowerCase();
    return /^(@[a-z0-9._-]+\/)?[a-z0-9._-]+/.exec(trimmed)?.[0] ?? trimmed;
}

function withFramework(choice: TestFileChoice, framework: string | undefined): TestFileChoice {
    if (framework) choice.framework = framework;
    return choice;
}

function normalize(path: string): string {
    return path.replace(/\\/g, "/").replace(/\/{2,}/g, "/").replace(/^(\.\/)+/, "").replace(/^\/+/, "");
}

function parse(path: string): ParsedPath {
    const clean = normalize(path);
    const dir = clean.split("/");
    const name = dir.pop() ?? "";
    const dot = name.lastIndexOf(".");
    const stem = dot > 0 ? name.slice(0, dot) : name;
    const ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
    return { path: clean, dir: dir.filter((segment) => segment.length > 0), name, stem, ext };
}

function join(dir: readonly string[], name: string): string {
    return [...dir, name].join("/");
}

function familyOfExtension(ext: string): Family {
    if (JS_EXTENSIONS.has(ext)) return "js";
    if (JVM_EXTENSIONS.has(ext)) return "jvm";
    switch (ext) {
        case "py": return "python";
        case "go": return "go";
        case "rs": return "rust";
        case "cs": return "csharp";
        case "rb": return "ruby";
        case "php": return "php";
        default: return "other";
    }
}

/** The module a test file is for, read from its name by its language's conventions; undefined for a non-test. */
function testedModule(path: ParsedPath): TestedModule | undefined {
    const infix = /^(.+)\.(test|spec)$/.exec(path.stem);
    if (infix) return { module: infix[1]!, style: infix[2] === "test" ? "infix-test" : "infix-spec" };
    let match: RegExpExecArray | null;
    switch (familyOfExtension(path.ext)) {
        case "js":
            return path.dir.includes("__tests__") ? { module: path.stem, style: "folder" } : undefined;
        case "python":
            if ((match = /^test_(.+)$/.exec(path.stem))) return { module: match[1]!, style: "prefix" };
            if ((match = /^(.+)_test$/.exec(path.stem))) return { module: match[1]!, style: "suffix_test" };
            return undefined;
        case "go":
            return (match = /^(.+)_test$/.exec(path.stem)) ? { module: match[1]!, style: "suffix_test" } : undefined;
        case "rust":
            // Cargo builds each file directly in tests/ as a test crate; tests/common/mod.rs and the like are helpers.
            return path.dir[path.dir.length - 1] === "tests" && path.stem !== "mod" ? { module: path.stem, style: "folder" } : undefined;
        case "jvm":
            if ((match = /^(.*[a-z0-9])IT$/.exec(path.stem))) return { module: match[1]!, style: "IT" };
            return capitalSuffix(path.stem, /^(.+?)(Tests|Test|Spec)$/);
        case "csharp":
            return capitalSuffix(path.stem, /^(.+?)(Tests|Test)$/);
        case "ruby":
            return (match = /^(.+)_(spec|test)$/.exec(path.stem))
                ? { module: match[1]!, style: match[2] === "spec" ? "suffix_spec" : "suffix_test" } : undefined;
        case "php":
            return capitalSuffix(path.stem, /^(.+?)(Test)$/);
        default:
            if ((match = /^(.+)_(spec|test)$/.exec(path.stem))) {
                return { module: match[1]!, style: match[2] === "spec" ? "suffix_spec" : "suffix_test" };
            }
            if ((match = /^test_(.+)$/.exec(path.stem))) return { module: match[1]!, style: "prefix" };
            return capitalSuffix(path.stem, /^(.+?)(Tests|Test|Spec)$/);
    }
}

function capitalSuffix(stem: string, pattern: RegExp): TestedModule | undefined {
    const match = pattern.exec(stem);
    return match ? { module: match[1]!, style: match[2] as Style } : undefined;
}

/** The module name tests are named after: a package's or Rust module folder's name for its __init__.py / mod.rs. */
function moduleName(source: ParsedPath, family: Family): string {
    const folder = source.dir[source.dir.length - 1];
    if (folder && ((family === "python" && source.stem === "__init__") || (family === "rust" && source.stem === "mod"))) return folder;
    return source.stem;
}

function sameFamily(test: ParsedPath, source: ParsedPath, family: Family): boolean {
    return family === "other" ? test.ext === source.ext : familyOfExtension(test.ext) === family;
}

function collectTests(testFiles: readonly string[], source: ParsedPath, family: Family): TestEntry[] {
    const seen = new Set<string>();
    const tests: TestEntry[] = [];
    for (const file of testFiles) {
        const parsed = parse(file);
        if (seen.has(parsed.path) || parsed.path === source.path) continue;
        seen.add(parsed.path);
        if (!isTestFile(parsed.path) || !sameFamily(parsed, source, family)) continue;
        tests.push({
            ...parsed,
            tested: testedModule(parsed),
            weight: 2 ** Math.min(20, commonPrefixLength(parsed.dir, source.dir)),
            e2e: parsed.dir.some((segment) => E2E_FOLDERS.has(segment.toLowerCase()))
        });
    }
    return tests;
}

function commonPrefixLength(a: readonly string[], b: readonly string[]): number {
    let length = 0;
    while (length < a.length && length < b.length && a[length] === b[length]) length++;
    return length;
}

function isPrefix(prefix: readonly string[], of: readonly string[]): boolean {
    return prefix.length <= of.length && commonPrefixLength(prefix, of) === prefix.length;
}

function findExistingTest(source: ParsedPath, family: Family, tests: readonly TestEntry[]): TestEntry | undefined {
    const module = moduleName(source, family);
    const matches = tests.filter((test) => test.tested?.module === module
        && (family === "go" ? test.dir.join("/") === source.dir.join("/") : relatedFolders(test.dir, source.dir)));
    return matches.sort((a, b) => commonPrefixLength(b.dir, source.dir) - commonPrefixLength(a.dir, source.dir)
        || a.path.length - b.path.length || compare(a.path, b.path))[0];
}

/**
 * A same-named test elsewhere is only this module's test when its folders could mirror the source's: with the
 * folders that say nothing (src, test, unit, main, java, …) left out, one list is a subsequence of the other.
 * Keeps `packages/b/test/utils.test.ts` from passing for the test of `packages/a/src/utils.ts`.
 */
function relatedFolders(testDir: readonly string[], sourceDir: readonly string[]): boolean {
    const a = meaningfulFolders(testDir);
    const b = meaningfulFolders(sourceDir);
    return isSubsequence(a, b) || isSubsequence(b, a);
}

function meaningfulFolders(dir: readonly string[]): string[] {
    return dir.map((segment) => {
        const lower = segment.toLowerCase();
        if (NEUTRAL_FOLDERS.has(lower)) return "";
        // MyApp.Tests ↔ MyApp, src/jvmTest ↔ src/jvmMain.
        return lower.replace(/[._-]?(unit|integration)?(tests?|main)$/, "");
    }).filter((segment) => segment.length > 0);
}

function isSubsequence(short: readonly string[], long: readonly string[]): boolean {
    let index = 0;
    for (const item of long) if (index < short.length && short[index] === item) index++;
    return index === short.length;
}

function compare(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

function newTestPath(source: ParsedPath, family: Family, allTests: readonly TestEntry[], dependencies: readonly string[]): string {
    const tests = allTests.filter((test) => !test.e2e);
    const module = moduleName(source, family);
    switch (family) {
        case "js": return javaScriptTestPath(source, module, tests);
        case "python": {
            const style = majority(tests, ["prefix", "suffix_test"], "prefix");
            const name = style === "suffix_test" ? `${module}_test.py` : `test_${module}.py`;
            const dir = placeInTree(source, tests, { roots: new Set(["tests", "test"]), drop: new Set(["src", "lib"]), dropTopPackage: true });
            return join(dir ?? source.dir, name);
        }
        case "go": return join(source.dir, `${module}_test.go`);
        case "rust": return rustTestPath(source, module, tests);
        case "jvm": return jvmTestPath(source, module, tests);
        case "csharp": return cSharpTestPath(source, module, tests);
        case "ruby": return rubyTestPath(source, module, tests, dependencies);
        case "php": {
            const drop = new Set(["src", "app", "lib"]);
            const dir = placeInTree(source, tests, { roots: new Set(["tests", "test"]), drop }) ?? defaultTree(source, "tests", drop);
            return join(dir, `${module}Test.php`);
        }
        default: {
            const style = majority(tests, ["suffix_test", "infix-test", "infix-spec", "prefix", "suffix_spec", "Test", "Tests", "Spec"], "suffix_test");
            const name = styledName(style, module, source.ext);
            const tree = layoutVote(tests) === "tree" ? placeInTree(source, tests, { roots: TREE_ROOTS, drop: new Set(["src", "lib"]) }) : undefined;
            return join(tree ?? source.dir, name);
        }
    }
}

/** Beside the source, in a __tests__ folder next to it, or in a test tree: whichever the nearer tests do most. */
function javaScriptTestPath(source: ParsedPath, module: string, tests: readonly TestEntry[]): string {
    // A .vue or .svelte component is tested from a script file.
    const ext = JS_EXTENSIONS.has(source.ext) ? source.ext : commonestExtension(tests) ?? "ts";
    const layout = layoutVote(tests);
    if (layout === "folder") {
        const inFolder = tests.filter((test) => test.dir.includes("__tests__"));
        const plain = inFolder.filter((test) => test.tested?.style === "folder").length;
        const infix = majority(inFolder, ["infix-test", "infix-spec"], "infix-test");
        const name = plain > inFolder.length - plain ? `${module}.${ext}` : styledName(infix, module, ext);
        return join([...source.dir, "__tests__"], name);
    }
    const name = styledName(majority(tests, ["infix-test", "infix-spec"], "infix-test"), module, ext);
    if (layout === "tree") {
        const dir = placeInTree(source, tests.filter((test) => !test.dir.includes("__tests__")), { roots: TREE_ROOTS, drop: new Set(["src", "lib"]) });
        if (dir) return join(dir, name);
    }
    return join(source.dir, name);
}

/** Rust unit tests live in the source file itself; a crate with a tests/ folder gets an integration test there. */
function rustTestPath(source: ParsedPath, module: string, tests: readonly TestEntry[]): string {
    const srcIndex = source.dir.lastIndexOf("src");
    const binary = source.dir[srcIndex + 1] === "bin" || module === "main";
    if (srcIndex < 0 || binary || module === "lib") return source.path;
    const testsDir = [...source.dir.slice(0, srcIndex), "tests"];
    const hasTestsFolder = tests.some((test) => test.dir.join("/") === testsDir.join("/"));
    return hasTestsFolder ? join(testsDir, `${module}.rs`) : source.path;
}

/** Maven and Gradle mirror src/main/<lang>/ (or src/<target>Main/) under src/test/ (src/<target>Test/). */
function jvmTestPath(source: ParsedPath, module: string, tests: readonly TestEntry[]): string {
    const name = `${module}${majority(tests, ["Test", "Tests", "Spec"], "Test")}.${source.ext}`;
    const mainIndex = source.dir.findIndex((segment, index) => index > 0 && source.dir[index - 1] === "src" && /main$/i.test(segment));
    if (mainIndex >= 0) {
        const dir = [...source.dir];
        dir[mainIndex] = dir[mainIndex]!.replace(/main$/, "test").replace(/Main$/, "Test");
        return join(dir, name);
    }
    const tree = placeInTree(source, tests, { roots: new Set(["test", "tests"]), drop: new Set(["src", "lib"]) });
    return join(tree ?? source.dir, name);
}

/** A test project (MyApp.Tests) holds the tests: the one named after a folder of the source, else the busiest. */
function cSharpTestPath(source: ParsedPath, module: string, tests: readonly TestEntry[]): string {
    const name = `${module}${majority(tests, ["Tests", "Test"], "Tests")}.cs`;
    interface Project { dir: string[]; weight: number; nested: boolean; matchIndex: number; base: string }
    const projects = new Map<string, Project>();
    for (const test of tests) {
        let index = lastIndex(test.dir, (segment) => /Tests$/.test(segment));
        if (index < 0) index = lastIndex(test.dir, (segment) => /^tests?$/i.test(segment));
        if (index < 0) continue;
        const dir = test.dir.slice(0, index + 1);
        const key = dir.join("/");
        let project = projects.get(key);
        if (!project) {
            const base = dir[index]!.replace(/[._-]?(Unit|Integration|Functional)?Tests?$/i, "").toLowerCase();
            const matchIndex = base ? source.dir.findIndex((segment) => segment.toLowerCase() === base) : -1;
            project = { dir, weight: 0, nested: false, matchIndex, base };
            projects.set(key, project);
        }
        project.weight += test.weight;
        project.nested ||= test.dir.length > dir.length;
    }
    const best = [...projects.values()].sort((a, b) => Number(b.matchIndex >= 0) - Number(a.matchIndex >= 0)
        || (b.matchIndex >= 0 ? b.base.length - a.base.length : 0)
        || Number(/integration/i.test(a.dir.join("/"))) - Number(/integration/i.test(b.dir.join("/")))
        || b.weight - a.weight || compare(a.dir.join("/"), b.dir.join("/")))[0];
    if (!best) return join(source.dir, name);
    const mirror = best.matchIndex >= 0 && best.nested ? source.dir.slice(best.matchIndex + 1) : [];
    return join([...best.dir, ...mirror], name);
}

/** RSpec's spec/ when the project has one (or depends on rspec), else Minitest's test/; both mirror app/ and lib/. */
function rubyTestPath(source: ParsedPath, module: string, tests: readonly TestEntry[], dependencies: readonly string[]): string {
    const drop = new Set(["app", "lib"]);
    for (const root of ["spec", "test"]) {
        const roots = new Set([root]);
        const inTree = tests.filter((test) => treeRootIndex(test.dir, roots) >= 0);
        const dir = placeInTree(source, inTree, { roots, drop });
        if (dir) return join(dir, `${module}_${root}.rb`);
    }
    const rspec = dependencies.some((dependency) => dependencyName(dependency).startsWith("rspec"));
    return join(defaultTree(source, rspec ? "spec" : "test", drop), `${module}_${rspec ? "spec" : "test"}.rb`);
}

type Layout = "beside" | "folder" | "tree";

function layoutVote(tests: readonly TestEntry[]): Layout {
    const votes: Record<Layout, number> = { beside: 0, folder: 0, tree: 0 };
    for (const test of tests) {
        const layout: Layout = test.dir.includes("__tests__") ? "folder" : treeRootIndex(test.dir, TREE_ROOTS) >= 0 ? "tree" : "beside";
        votes[layout] += test.weight;
    }
    if (votes.tree > votes.beside && votes.tree > votes.folder) return "tree";
    return votes.folder > votes.beside ? "folder" : "beside";
}

/** The weighted commonest of some naming styles among the tests; `fallback` when none uses any of them. */
function majority<T extends Style>(tests: readonly TestEntry[], styles: readonly T[], fallback: T): T {
    const counts = new Map<Style, number>();
    for (const test of tests) {
        const style = test.tested?.style;
        if (style && (styles as readonly Style[]).includes(style)) counts.set(style, (counts.get(style) ?? 0) + test.weight);
    }
    let best = fallback;
    for (const style of styles) if ((counts.get(style) ?? 0) > (counts.get(best) ?? 0)) best = style;
    return best;
}

function commonestExtension(tests: readonly TestEntry[]): string | undefined {
    const counts = new Map<string, number>();
    for (const test of tests) counts.set(test.ext, (counts.get(test.ext) ?? 0) + test.weight);
    return [...counts.entries()].sort((a, b) => b[1] - a[1] || compare(a[0], b[0]))[0]?.[0];
}

function styledName(style: Style, module: string, ext: string): string {
    switch (style) {
        case "infix-test": return `${module}.test.${ext}`;
        case "infix-spec": return `${module}.spec.${ext}`;
        case "prefix": return `test_${module}.${ext}`;
        case "suffix_spec": return `${module}_spec.${ext}`;
        case "Test": case "Tests": case "Spec": case "IT": return `${module}${style}.${ext}`;
        default: return `${module}_test.${ext}`;
    }
}

function treeRootIndex(dir: readonly string[], roots: ReadonlySet<string>): number {
    return dir.findIndex((segment) => roots.has(segment.toLowerCase()));
}

function lastIndex(items: readonly string[], predicate: (item: string) => boolean): number {
    for (let index = items.length - 1; index >= 0; index--) if (predicate(items[index]!)) return index;
    return -1;
}

interface TreeOptions {
    /** Folder names that start the test tree. */
    roots: ReadonlySet<string>;
    /** A leading source folder the mirrored path leaves out (src/util/price.ts → test/util/…). */
    drop: ReadonlySet<string>;
    /** Python: tests/ mirrors the subpackages, not the top-level package, unless the existing tests do. */
    dropTopPackage?: boolean;
}

/**
 * The folder for a new test in the test tree the existing tests use, undefined when none is in a tree. The tree
 * is the one nearest the source (a package's own test/ in a monorepo); a tree of another package is copied into
 * the source's package. Inside it: the category folder the tests use (test/unit/), then the source's folders
 * mirrored when the existing tests are nested, or nothing when they lie flat.
 */
function placeInTree(source: ParsedPath, tests: readonly TestEntry[], options: TreeOptions): string[] | undefined {
    interface Tree { root: string[]; key: string; tests: TestEntry[]; weight: number; valid: boolean }
    const trees = new Map<string, Tree>();
    for (const test of tests) {
        const index = treeRootIndex(test.dir, options.roots);
        if (index < 0) continue;
        const root = test.dir.slice(0, index + 1);
        const key = root.join("/");
        let tree = trees.get(key);
        if (!tree) {
            tree = { root, key, tests: [], weight: 0, valid: isPrefix(root.slice(0, -1), source.dir) };
            trees.set(key, tree);
        }
        tree.tests.push(test);
        tree.weight += test.weight;
    }
    const best = [...trees.values()].sort((a, b) => Number(b.valid) - Number(a.valid)
        || (a.valid ? b.root.length - a.root.length : 0) || b.weight - a.weight || compare(a.key, b.key))[0];
    if (!best) return undefined;

    const parent = best.root.slice(0, -1);
    const newParent = best.valid ? parent : rebase(parent, source.dir);
    const relatives = best.tests.map((test) => test.dir.slice(best.root.length));
    const category = chooseCategory(relatives);
    const inScope = relatives
        .filter((relative) => category === undefined ? !isCategory(relative[0]) : relative[0] === category)
        .map((relative) => category === undefined ? relative : relative.slice(1));
    const mirror = mirrorFolders(source.dir.slice(newParent.length), newParent.length === 0, options, inScope);
    const nested = inScope.filter((relative) => relative.length > 0).length;
    const mirrored = mirror.length > 0 && (inScope.some((relative) => relative[0] === mirror[0]) || (nested > 0 && nested >= inScope.length - nested));
    return [...newParent, best.root[best.root.length - 1]!, ...(category === undefined ? [] : [category]), ...(mirrored ? mirror : [])];
}

/** The folder at the same depth above the source as another package's tree parent: packages/b → packages/a. */
function rebase(parent: readonly string[], sourceDir: readonly string[]): string[] {
    return sourceDir.slice(0, Math.min(sourceDir.length, parent.length));
}

function isCategory(folder: string | undefined): boolean {
    return folder !== undefined && CATEGORIES.has(folder.toLowerCase());
}

/** unit/ when the tree has one (generated tests are unit tests), else the commonest category if most tests are in one. */
function chooseCategory(relatives: readonly string[][]): string | undefined {
    const counts = new Map<string, number>();
    let plain = 0;
    for (const relative of relatives) {
        if (isCategory(relative[0])) counts.set(relative[0]!, (counts.get(relative[0]!) ?? 0) + 1);
        else plain++;
    }
    const unit = [...counts.keys()].find((folder) => /^units?$/i.test(folder));
    if (unit) return unit;
    const [folder, count] = [...counts.entries()].sort((a, b) => b[1] - a[1] || compare(a[0], b[0]))[0] ?? [undefined, 0];
    return count > plain ? folder : undefined;
}

function mirrorFolders(relative: readonly string[], atTop: boolean, options: TreeOptions, inScope: readonly string[][]): string[] {
    let folders = [...relative];
    if (folders.length > 0 && options.drop.has(folders[0]!.toLowerCase())) {
        folders = folders.slice(1);
        atTop = true;
    }
    if (options.dropTopPackage && atTop && folders.length > 0 && !inScope.some((test) => test[0] === folders[0])) folders = folders.slice(1);
    return folders;
}

/** No tests yet: <package>/<root>/ mirroring the source below its leading src/, app/ or lib/ folder. */
function defaultTree(source: ParsedPath, root: string, drop: ReadonlySet<string>): string[] {
    const index = source.dir.findIndex((segment) => drop.has(segment.toLowerCase()));
    if (index < 0) return [root, ...source.dir];
    return [...source.dir.slice(0, index), root, ...source.dir.slice(index + 1)];
}

/** The existing test nearest the new one: same folder first, then the same extension, then the shortest path. */
function nearestExample(path: string, tests: readonly TestEntry[]): string | undefined {
    const target = parse(path);
    return tests.filter((test) => !test.e2e && test.path !== target.path)
        .sort((a, b) => commonPrefixLength(b.dir, target.dir) - commonPrefixLength(a.dir, target.dir)
            || Number(b.ext === target.ext) - Number(a.ext === target.ext)
            || a.path.length - b.path.length || compare(a.path, b.path))[0]?.path;
}
