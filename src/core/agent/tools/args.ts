/** Reading a call's arguments: the parser has typed them by the schema; these helpers say clearly what is missing. */
import { ToolError } from "../errors";

export function requiredString(args: Record<string, unknown>, name: string): string {
    const value = args[name];
    if (typeof value !== "string") throw new ToolError(`The "${name}" parameter is required (a string).`);
    return value;
}

export function optionalString(args: Record<string, unknown>, name: string): string | undefined {
    const value = args[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") throw new ToolError(`The "${name}" parameter must be a string.`);
    return value;
}

export function optionalBoolean(args: Record<string, unknown>, name: string, fallback: boolean): boolean {
    const value = args[name];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== "boolean") throw new ToolError(`The "${name}" parameter must be true or false.`);
    return value;
}

export function optionalInteger(args: Record<string, unknown>, name: string, options: { min: number; max?: number }): number | undefined {
    const value = args[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "number" || !Number.isInteger(value) || value < options.min) {
        throw new ToolError(`The "${name}" parameter must be a whole number of at least ${options.min}.`);
    }
    return options.max !== undefined ? Math.min(value, options.max) : value;
}

/** The argument, shortened for one-line summaries. */
export function brief(value: unknown, max = 60): string {
    const text = typeof value === "string" ? value : JSON.stringify(value) ?? "";
    const oneLine = text.replace(/\s+/g, " ").trim();
    return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}
