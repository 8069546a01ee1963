import fs from "node:fs";
import path from "node:path";
import type { Logger } from "../../src/core/log";

/** The bundled worker; `npm run build` makes it. */
export const workerPath = path.resolve(__dirname, "../../dist/worker.js");
if (!fs.existsSync(workerPath)) throw new Error(`${workerPath} is missing: run "npm run build" first.`);

/** A logger that keeps lines for assertions (and prints them with QWEN_LOCAL_TEST_LOG=1). */
export function captureLogger(): { logger: Logger; lines: string[] } {
    const lines: string[] = [];
    const write = (level: string) => (message: string) => {
        lines.push(`${level} ${message}`);
        if (process.env.QWEN_LOCAL_TEST_LOG) process.stderr.write(`${level} ${message}\n`);
    };
    return {
        lines,
        logger: { trace: write("trace"), debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") }
    };
}
