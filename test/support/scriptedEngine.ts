import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { EngineScript } from "../../src/engine/scriptedBackend";

export { SCRIPTED_ENGINE_ENV } from "../../src/engine/worker";

/** Writes a scripted-engine script to a temporary file; `update` rewrites it (the worker rereads it per request). */
export function writeEngineScript(script: EngineScript): { path: string; update(next: EngineScript): void; remove(): void } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qwen-local-script-"));
    const file = path.join(dir, "script.json");
    fs.writeFileSync(file, JSON.stringify(script));
    return {
        path: file,
        update: (next) => fs.writeFileSync(file, JSON.stringify(next)),
        remove: () => fs.rmSync(dir, { recursive: true, force: true })
    };
}
