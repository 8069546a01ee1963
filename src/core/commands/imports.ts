/**
 * How a generated test file imports the code it tests, and which libraries the project depends on (from its
 * manifests' text) — the parts of Generate Tests' planning that need no editor. The adapter reads the files.
 */

/** How a JS/TS test file imports its source: a relative path without the extension. Undefined for other languages. */
export function importPathFor(testPath: string, sourcePath: string, languageId: string): string | undefined {
    if (!/^(typescript|javascript)(react)?$/.test(languageId)) return undefined;
    const from = testPath.split("/").slice(0, -1);
    const to = sourcePath.replace(/\.(m|c)?[jt]sx?$/, "").split("/");
    let common = 0;
    while (common < from.length && common < to.length - 1 && from[common] === to[common]) common++;
    const up = from.length - common;
    const rest = to.slice(common).join("/");
    return up === 0 ? `./${rest}` : `${"../".repeat(up)}${rest}`;
}

/** The manifests read for dependency names, at the folder's root. */
export const DEPENDENCY_MANIFESTS = ["package.json", "requirements.txt", "requirements-dev.txt", "pyproject.toml", "Cargo.toml", "go.mod"] as const;

/** Larger manifests are not read (no real one comes close; a huge one would block while parsed). */
export const MANIFEST_MAX_BYTES = 1024 * 1024;

/**
 * The names of the project's dependencies, from the manifests' texts (by file name; absent ones left out):
 * package.json's dependencies, devDependencies and peerDependencies; in the others, names that start a line or a
 * quoted string (requirements, pyproject's lists, Cargo's entries), and go.mod's required module paths. Duplicates removed, first seen first.
 */
export function dependencyNames(manifests: Partial<Record<(typeof DEPENDENCY_MANIFESTS)[number], string>>): string[] {
    const names: string[] = [];
    const packageJson = manifests["package.json"];
    if (packageJson !== undefined) {
        try {
            const parsed = JSON.parse(packageJson) as unknown;
            if (typeof parsed === "object" && parsed !== null) {
                for (const field of ["dependencies", "devDependencies", "peerDependencies"]) {
                    const deps = (parsed as Record<string, unknown>)[field];
                    if (typeof deps === "object" && deps !== null && !Array.isArray(deps)) names.push(...Object.keys(deps));
                }
            }
        } catch {
            // not JSON: no names from it
        }
    }
    for (const file of DEPENDENCY_MANIFESTS) {
        if (file === "package.json") continue;
        const text = manifests[file];
        if (text === undefined) continue;
        for (const match of text.match(/^[A-Za-z][\w.-]*/gm) ?? []) names.push(match);
        for (const match of text.match(/["']([A-Za-z][\w.-]*)/g) ?? []) names.push(match.slice(1));
        // go.mod's requirements are module paths with a version, alone or after `require`.
        if (file === "go.mod") for (const match of text.matchAll(/^\s*(?:require\s+)?([\w.-]+\.[a-z]{2,}\/[\w./-]+)\s+v\d/gm)) names.push(match[1]!);
    }
    return [...new Set(names)];
}
