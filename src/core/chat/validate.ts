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

/** The checks of one variant's fields, `type` excluded: one per field, optional fields included, no others. */
export type FieldChecks<V> = { readonly [K in Exclude<keyof V, "type">]-?: Check };

/**
 * The checks of a union discriminated by `type`, keyed by the type: a variant of `M` without its entry, an entry
 * for no variant, a field without its check or a check for no field does not compile.
 */
export type VariantChecks<M extends { type: string }> = { readonly [T in M["type"]]: FieldChecks<Extract<M, { type: T }>> };

/**
 * A discriminated union keyed by `type`: the variant's check for its `type`, false for an unknown `type` (the
 * object's own prototype keys included).
 */
export function union<M extends { type: string }>(variants: VariantChecks<M>): (value: unknown) => value is M {
    const table: Record<string, Record<string, Check>> = variants;
    const checks = new Map(Object.entries(table).map(([type, fields]) => [type, shape(fields)]));
    return (value): value is M => isObject(value) && typeof value.type === "string" && (checks.get(value.type)?.(value) ?? false);
}
