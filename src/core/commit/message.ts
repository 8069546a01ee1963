/**
 * "Write Commit Message": the prompt for a commit message from a diff, written the way the repository's recent
 * commits are, thinking off. A diff too large for the budget is cut with the most informative parts kept: every
 * file's name and line counts always; then the hunks of source files before tests, docs and configuration, smaller
 * files first; lockfiles, generated, minified and binary files by name only.
 */
import type { ChatRequest } from "../qwen35/types";

export interface FileDiff {
    path: string;
    /** The unified diff of this file, "diff --git" header included. */
    text: string;
    added: number;
    removed: number;
    binary: boolean;
    status: "added" | "deleted" | "renamed" | "modified";
}

/** Splits `git diff` output into its files. */
export function splitDiff(diff: string): FileDiff[] {
    const files: FileDiff[] = [];
    const chunks = diff.split(/^(?=diff --git )/m).filter((chunk) => chunk.startsWith("diff --git "));
    for (const text of chunks) {
        const header = /^diff --git a\/(.+?) b\/(.+)$/m.exec(text);
        const path = header ? header[2]! : text.split("\n", 1)[0]!.slice("diff --git ".length);
        let added = 0;
        let removed = 0;
        for (const line of text.split("\n")) {
            if (line.startsWith("+") && !line.startsWith("+++")) added++;
            else if (line.startsWith("-") && !line.startsWith("---")) removed++;
        }
        const status = /^new file mode/m.test(text) ? "added" : /^deleted file mode/m.test(text) ? "deleted"
            : /^rename from /m.test(text) ? "renamed" : "modified";
        files.push({ path, text, added, removed, binary: /^Binary files .* differ$/m.test(text) || /^GIT binary patch$/m.test(text), status });
    }
    return files;
}

const NAME_ONLY = [
    /(^|\/)(package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|bun\.lockb?|Cargo\.lock|Gemfile\.lock|poetry\.lock|uv\.lock|composer\.lock|go\.sum|Pipfile\.lock|flake\.lock|packages\.lock\.json)$/,
    /\.min\.(js|css)$/, /\.map$/, /(^|\/)(dist|build|out|vendor|node_modules|__snapshots__)\//, /\.snap$/, /\.lock$/, /(^|\/)generated\//, /\.pb\.go$/, /_pb2\.py$/
];
const LOW_PRIORITY = [/(^|\/)(test|tests|__tests__|spec)\//, /\.(test|spec)\.[a-z]+$/, /\.(md|txt|rst)$/i, /(^|\/)docs?\//, /\.(json|ya?ml|toml|ini|cfg)$/];

/** Whether only the file's name is worth sending (lockfiles, generated, minified, binary). */
export function nameOnly(file: FileDiff): boolean {
    return file.binary || NAME_ONLY.some((pattern) => pattern.test(file.path));
}

/**
 * The diff for the prompt within `maxChars`: a summary line per file, then whole file diffs by priority (source
 * before tests, docs and configuration; smaller first), each that does not fit cut to its first hunks, the rest
 * named as left out.
 */
export function budgetDiff(files: readonly FileDiff[], maxChars: number): { text: string; cut: boolean } {
    const summary = files.map((file) => `${file.status} ${file.path} (+${file.added} −${file.removed}${file.binary ? ", binary" : ""})`).join("\n");
    let room = maxChars - summary.length - 200;
    const rank = (file: FileDiff) => (LOW_PRIORITY.some((pattern) => pattern.test(file.path)) ? 1 : 0);
    const candidates = files.filter((file) => !nameOnly(file)).sort((a, b) => rank(a) - rank(b) || a.text.length - b.text.length);
    const shown = new Map<string, string>();
    let cut = false;
    for (const file of candidates) {
        if (room <= 200) {
            cut = true;
            break;
        }
        if (file.text.length <= room) {
            shown.set(file.path, file.text);
            room -= file.text.length;
            continue;
        }
        // Its first hunks, whole lines, up to the room left.
        const lines = file.text.split("\n");
        let text = "";
        for (const line of lines) {
            if (text.length + line.length + 1 > room - 60) break;
            text += `${line}\n`;
        }
        shown.set(file.path, `${text}[… the rest of ${file.path}'s diff is left out]\n`);
        room -= text.length + 60;
        cut = true;
    }
    if (candidates.some((file) => !shown.has(file.path))) cut = true;
    const bodies = files.filter((file) => shown.has(file.path)).map((file) => shown.get(file.path)!.trimEnd());
    const named = files.filter((file) => !shown.has(file.path)).map((file) => file.path);
    const parts = [`Files changed:\n${summary}`];
    if (bodies.length > 0) parts.push(bodies.join("\n"));
    if (named.length > 0) parts.push(`[Diffs not shown (lockfiles, generated or binary files, or past the budget): ${named.join(", ")}]`);
    return { text: parts.join("\n\n"), cut };
}

export interface CommitPromptInput {
    diff: string;
    /** Subjects (first lines) of the repository's recent commits, newest first. */
    recentSubjects: readonly string[];
    /** True when the diff is the staged changes; false: all changes (nothing was staged). */
    staged: boolean;
    /** Most characters of the diff in the prompt. */
    maxDiffChars: number;
}

const SYSTEM = [
    "You write git commit messages.",
    "Write one commit message for the changes the user shows you: a subject line of at most 72 characters in the imperative "
    + "mood, then, when the change needs it, a blank line and a short body that says what changed and why (wrap at 72).",
    "Follow the style of the repository's recent commits (their prefixes such as `feat:` or `fix(scope):`, capitalisation and length) when examples are given.",
    "Answer with the commit message only: no quotes, no code fence, no explanation."
].join("\n");

/** The request (thinking off); `cut` tells whether the diff had to be shortened. */
export function buildCommitRequest(input: CommitPromptInput): { request: ChatRequest; cut: boolean } {
    const { text, cut } = budgetDiff(splitDiff(input.diff), input.maxDiffChars);
    const parts: string[] = [];
    const examples = input.recentSubjects.filter((subject) => subject.trim() !== "").slice(0, 10);
    if (examples.length > 0) parts.push(`Recent commit subjects in this repository (newest first):\n${examples.map((subject) => `- ${subject}`).join("\n")}`);
    parts.push(`The ${input.staged ? "staged changes" : "changes (nothing is staged, so all of them)"}:\n\n${text}`);
    parts.push("Write the commit message.");
    return { request: { messages: [{ role: "system", content: SYSTEM }, { role: "user", content: parts.join("\n\n") }], enable_thinking: false }, cut };
}

/** The model's answer as a commit message: fences, quotes and a leading "Commit message:" removed, trimmed. */
export function cleanCommitMessage(answer: string): string {
    let text = answer.trim();
    const fenced = /^```[\w-]*\n([\s\S]*?)\n?```$/.exec(text);
    if (fenced) text = fenced[1]!.trim();
    text = text.replace(/^(commit message|message)\s*:\s*/i, "");
    if (/^"[^"]*"$/.test(text) || /^'[^']*'$/.test(text)) text = text.slice(1, -1);
    return text.replace(/[ \t]+$/gm, "").trim();
}
