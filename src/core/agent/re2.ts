/**
 * RE2JS, loaded on first use: its Unicode tables are a third of the extension's bundle and most of what loading it
 * costs, and only the agent's searches and globs need them — never activation.
 */
import type { RE2JS as RE2JSClass } from "re2js";

export type RE2JS = RE2JSClass;

let loaded: typeof RE2JSClass | undefined;

export function re2(): typeof RE2JSClass {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded ??= (require("re2js") as typeof import("re2js")).RE2JS;
    return loaded;
}
