/**
 * Small composable checks for data that crosses a trust boundary (webview messages, stored conversations):
 * each returns whether a value has the expected shape, so a message is checked once, where it arrives.
 */
import { isObject } from "../util/isObject";
export type Check = (value: unknown) => boolean;

export const isString: Check = (value) => typeof value === "string";
export const isNumber: Check = (value) => typeof value === "number" && Number.isFinite(value);
export const isBoolean: Check = (value) => typeof value === "boolean";

export { isObject };

/** A string of at most `max` characters (a message from the webview cannot make the host hold gigabytes). */
export const stringUpTo = (max: number): Check => (value) => typeof value === "string" && value.length <= max;

/** An identifier: letters, digits, `-`, `_`, `.`, `:`, at most 200 characters. */
export const isId: Check = (value) => typeof value === "string" && /^[\w.:-]{1,200}$/.test(value);

export const optional = (check: Check): Check => (value) => value === undefined || check(value);

export const oneOf = (...values: readonly string[]): Check => (value) => typeof value === "string" && values.includes(value);

export const arrayOf = (check: Check): Check => (value) => Array.isArray(value) && value.every(check);

/** An object whose listed fields pass their checks (other fields are allowed and ignored). */
export const shape = (fields: Record<string, Check>): Check => (value) =>
    isObject(value) && Object.entries(fields).every(([key, check]) => check(value[key]));

/**
 * A discriminated union keyed by `type`: the variant's check for its `type`, false for an unknown `type`.
 * The field lists exclude `type` itself.
 */
export function union(variants: Record<string, Record<string, Check>>): Check {
    const checks = new Map(Object.entries(variants).map(([type, fields]) => [type, shape(fields)]));
    return (value) => isObject(value) && typeof value.type === "string" && (checks.get(value.type)?.(value) ?? false);
}
