/**
 * Records every module the extension host resolves from the moment this file loads (index.ts imports it first):
 * `require()` and `import()` alike, through Node's in-thread module hooks (module.registerHooks, Node ≥ 22.15 / 23.5;
 * the extension host of code-server 4.139 runs Node 24).
 */
import Module from "node:module";

const resolved: string[] = [];
let installed = false;

type ResolveHook = (specifier: string, context: unknown, next: (specifier: string, context?: unknown) => { url: string }) => { url: string };
const registerHooks = (Module as unknown as { registerHooks?: (hooks: { resolve: ResolveHook }) => unknown }).registerHooks;
if (typeof registerHooks === "function") {
    registerHooks({
        resolve(specifier, context, next) {
            const result = next(specifier, context);
            resolved.push(`${specifier} -> ${result.url}`);
            return result;
        }
    });
    installed = true;
}

/** Whether the hooks are in place (else nothing can be said about what was loaded). */
export function traceInstalled(): boolean {
    return installed;
}

/** Everything resolved so far, as "specifier -> url". */
export function resolvedModules(): readonly string[] {
    return resolved;
}
