/**
 * A failure the model can act on: its message goes back to the model as the tool's response, so it says what was
 * wrong and what to do instead. Anything else a tool throws is a bug, reported to the model more tersely.
 */
export class ToolError extends Error {
    override name = "ToolError";
}

/** True for the engine's cancelled outcome (EngineClient's CancelledError) without importing the client. */
export function isCancellation(error: unknown): boolean {
    return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "cancelled";
}
