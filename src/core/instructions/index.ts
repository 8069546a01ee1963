/**
 * Project instructions: the files projects already keep for coding agents, read at the start of every turn and put
 * into the system prompt of the agent, the chat and the editor commands (never into inline suggestions).
 *
 * Sources, in this fixed order (each can be turned off):
 *   1. `AGENTS.md` at the root of each workspace folder;
 *   2. `.github/copilot-instructions.md`;
 *   3. `CLAUDE.md`;
 *   4. the nearest `AGENTS.md` above each file the turn works on (below the root);
 *   5. `.qwen-local/rules/*.md`, by name; one with an `applyTo` glob in its front matter only when the turn works on
 *      a matching file.
 * Files are read through the workspace's real-path jail (a link leading outside is not followed), as UTF-8 text,
 * each cut at a size cap with a notice. The same files render to the same text, so the prompt's prefix — and the
 * engine's cache of it — survives between turns.
 */
import { parse as parseYaml } from "yaml";
import { compileGlob } from "../agent/glob";
import type { WorkspacePaths } from "../agent/paths";
import { decodeText } from "../agent/text";
import type { WorkspaceFs } from "../agent/workspaceFs";
import type { ChatMessage } from "../qwen35/types";

export type InstructionSource = "agentsMd" | "copilotInstructions" | "claudeMd" | "nestedAgentsMd" | "rules";

export interface InstructionSettings {
    agentsMd: boolean;
    copilotInstructions: boolean;
    claudeMd: boolean;
    rules: boolean;
    /** Most characters of one file; a longer one is cut with a notice. */
    maxFileChars: number;
}

export const DEFAULT_INSTRUCTION_SETTINGS: InstructionSettings = {
    agentsMd: true, copilotInstructions: true, claudeMd: true, rules: true, maxFileChars: 16_000
};

export interface InstructionFile {
    source: InstructionSource;
    /** As the user sees it: relative to its workspace folder ("folder/…" in a multi-root workspace). */
    path: string;
    /** Canonical absolute path (to open it). */
    absPath: string;
    /** The text that goes into the prompt (front matter removed, cut at the cap). */
    text: string;
    /** The file was longer than the cap: `text` is its start. */
    truncated: boolean;
    /** Characters of the whole file (front matter removed). */
    chars: number;
    /** A rule's applyTo glob(s). */
    applyTo?: string[];
}

/** Never read more of an instruction file than this, whatever the cap says. */
const MAX_READ_BYTES = 1024 * 1024;

/**
 * The instruction files for a turn that works on `touched` (paths as the tools show them: relative to the folder,
 * "/"-separated; in a multi-root workspace starting with the folder's name).
 */
export async function discoverInstructions(fs: WorkspaceFs, paths: WorkspacePaths, touched: readonly string[],
    settings: InstructionSettings = DEFAULT_INSTRUCTION_SETTINGS): Promise<InstructionFile[]> {
    const multiRoot = fs.roots.length > 1;
    const prefixOf = (rootName: string) => (multiRoot ? `${rootName}/` : "");
    const found: InstructionFile[] = [];
    const seen = new Set<string>();
    const add = async (source: InstructionSource, display: string, transform?: (text: string) => { text: string; applyTo?: string[] } | undefined) => {
        const file = await readInstruction(fs, paths, display, settings.maxFileChars, transform);
        if (!file || seen.has(file.absPath)) return;
        seen.add(file.absPath);
        found.push({ ...file, source });
    };
    for (const root of fs.roots) {
        const at = prefixOf(root.name);
        if (settings.agentsMd) await add("agentsMd", `${at}AGENTS.md`);
        if (settings.copilotInstructions) await add("copilotInstructions", `${at}.github/copilot-instructions.md`);
        if (settings.claudeMd) await add("claudeMd", `${at}CLAUDE.md`);
    }
    if (settings.agentsMd) {
        // The nearest AGENTS.md above each touched file, below the folder's own (already read).
        const folders = new Set<string>();
        for (const file of touched) {
            const segments = file.split("/").filter((segment) => segment !== "" && segment !== ".");
            const skip = multiRoot ? 1 : 0;
            for (let depth = segments.length - 1; depth > skip; depth--) {
                const folder = segments.slice(0, depth).join("/");
                if (await exists(paths, `${folder}/AGENTS.md`)) {
                    folders.add(folder);
                    break;
                }
            }
        }
        for (const folder of [...folders].sort()) await add("nestedAgentsMd", `${folder}/AGENTS.md`);
    }
    if (settings.rules) {
        for (const root of fs.roots) {
            const dir = `${prefixOf(root.name)}.qwen-local/rules`;
            for (const name of await listMarkdown(fs, paths, dir)) {
                await add("rules", `${dir}/${name}`, (text) => {
                    const { body, applyTo } = splitFrontMatter(text);
                    if (applyTo === undefined) return { text: body };
                    const matches = applyTo.some((glob) => {
                        try {
                            const test = compileGlob(glob);
                            return touched.some((file) => test(multiRoot ? file.split("/").slice(1).join("/") : file));
                        } catch {
                            return false;
                        }
                    });
                    return matches ? { text: body, applyTo } : undefined;
                });
            }
        }
    }
    return found;
}

/**
 * The block for the system prompt: each file under its path, in discovery order; a cut file says so. Empty when
 * there are none.
 */
export function renderInstructions(files: readonly InstructionFile[]): string {
    if (files.length === 0) return "";
    const parts = ["# Project instructions",
        "The workspace's own instruction files follow. Follow them where they apply; the user's request comes first when they conflict."];
    for (const file of files) {
        const applies = file.applyTo ? ` (applies to ${file.applyTo.join(", ")})` : "";
        const cut = file.truncated ? `\n[Cut here: ${file.path} has ${file.chars} characters; only the first ${file.text.length} are included.]` : "";
        parts.push(`## ${file.path}${applies}\n${file.text.trim()}${cut}`);
    }
    return parts.join("\n\n");
}

/** Appends the instructions block to a system prompt (unchanged without instructions). */
export function withInstructions(system: string, files: readonly InstructionFile[]): string {
    const block = renderInstructions(files);
    return block === "" ? system : `${system}\n\n${block}`;
}

/** The front matter's `applyTo` (a glob, a comma-separated list, or a list) and the body after it. */
export function splitFrontMatter(text: string): { body: string; applyTo?: string[] } {
    const match = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(text);
    if (!match) return { body: text };
    const body = text.slice(match[0].length);
    let data: unknown;
    try {
        data = parseYaml(match[1]!);
    } catch {
        return { body };
    }
    const value = typeof data === "object" && data !== null ? (data as Record<string, unknown>).applyTo : undefined;
    const globs = typeof value === "string" ? value.split(",") : Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
    const applyTo = globs.map((glob) => glob.trim()).filter((glob) => glob !== "");
    return applyTo.length > 0 && !applyTo.includes("**") && !applyTo.includes("**/*") ? { body, applyTo } : { body };
}

async function readInstruction(fs: WorkspaceFs, paths: WorkspacePaths, display: string, maxChars: number,
    transform?: (text: string) => { text: string; applyTo?: string[] } | undefined): Promise<Omit<InstructionFile, "source"> | undefined> {
    let resolved;
    try {
        resolved = await paths.resolve(display, { purpose: "read" });
    } catch {
        return undefined;
    }
    if (resolved.kind !== "file") return undefined;
    let bytes: Uint8Array;
    try {
        bytes = await fs.readFile(resolved.abs, MAX_READ_BYTES);
    } catch {
        return undefined;
    }
    const decoded = decodeText(bytes);
    if (!decoded.ok) return undefined;
    const shaped = transform ? transform(decoded.text) : { text: decoded.text };
    if (!shaped) return undefined;
    const whole = shaped.text.replace(/^\uFEFF/, "");
    if (whole.trim() === "") return undefined;
    const truncated = whole.length > maxChars;
    return {
        path: resolved.display,
        absPath: resolved.abs,
        text: truncated ? whole.slice(0, maxChars) : whole,
        truncated,
        chars: whole.length,
        ...(shaped.applyTo ? { applyTo: shaped.applyTo } : {})
    };
}

async function exists(paths: WorkspacePaths, display: string): Promise<boolean> {
    try {
        return (await paths.resolve(display, { purpose: "read" })).kind === "file";
    } catch {
        return false;
    }
}

async function listMarkdown(fs: WorkspaceFs, paths: WorkspacePaths, display: string): Promise<string[]> {
    try {
        const dir = await paths.resolve(display, { purpose: "read" });
        if (dir.kind !== "directory") return [];
        const entries = await fs.readDirectory(dir.abs);
        return entries.map((entry) => entry.name).filter((name) => name.toLowerCase().endsWith(".md")).sort().slice(0, 100);
    } catch {
        return [];
    }
}

/** A request whose system message also carries the instructions (the editor commands'); unchanged without any. */
export function requestWithInstructions<R extends { messages: ChatMessage[] }>(request: R, files: readonly InstructionFile[]): R {
    const block = renderInstructions(files);
    const first = request.messages[0];
    if (block === "" || !first || first.role !== "system" || typeof first.content !== "string") return request;
    return { ...request, messages: [{ role: "system", content: `${first.content}\n\n${block}` }, ...request.messages.slice(1)] };
}
