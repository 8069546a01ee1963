/** The one logging interface of the core; the extension backs it with a LogOutputChannel, the CLI with stderr. */
export interface Logger {
    trace(message: string): void;
    debug(message: string): void;
    info(message: string): void;
    warn(message: string): void;
    error(message: string): void;
}

export const silentLogger: Logger = {
    trace: () => undefined,
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined
};

export function errorMessage(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}
