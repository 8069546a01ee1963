/**
 * Files that run code although nobody would think of running them: VS Code reads tasks and settings when a folder
 * opens, git runs hooks on commit and checkout, direnv runs `.envrc` on `cd`, package managers and dev containers run
 * what their configuration names. An agent edit there is flagged in the approval (with the real path it leads to) and
 * never approved by a setting or "for this session". Decided on the real path's segments below the workspace folder.
 */

interface Rule {
    matches(segments: readonly string[]): boolean;
    why: string;
}

const lower = (segments: readonly string[]) => segments.map((segment) => segment.toLowerCase());
const named = (...names: string[]) => (segments: readonly string[]) => names.includes(lower(segments).at(-1) ?? "");
const inFolder = (...folders: string[]) => (segments: readonly string[]) => lower(segments).slice(0, -1).some((segment) => folders.includes(segment));
const vscodeFile = (name: string) => (segments: readonly string[]) => {
    const parts = lower(segments);
    return parts.length >= 2 && parts.at(-1) === name && parts.at(-2) === ".vscode";
};

const RULES: readonly Rule[] = [
    { matches: vscodeFile("tasks.json"), why: "VS Code tasks run commands, some of them as soon as the folder opens (runOn: folderOpen)." },
    { matches: vscodeFile("settings.json"), why: "Workspace settings can name programs that VS Code and extensions run (interpreters, formatters, linters, shells)." },
    { matches: vscodeFile("launch.json"), why: "Launch configurations run programs and tasks when debugging starts." },
    { matches: (segments) => lower(segments).at(-1)?.endsWith(".code-workspace") ?? false, why: "A workspace file holds settings, tasks and launch configurations that run code." },
    { matches: inFolder(".git"), why: "Git runs hooks and the programs its config names on everyday git commands." },
    { matches: inFolder(".husky", ".githooks"), why: "These are git hooks: git runs them on commit, push and checkout." },
    { matches: named(".pre-commit-config.yaml", "lefthook.yml", ".lefthook.yml", "lefthook-local.yml", ".lefthook-local.yml"), why: "It names the commands git hooks run on commit and push." },
    { matches: named(".envrc"), why: "direnv runs .envrc as a shell script whenever a terminal enters the folder." },
    { matches: (segments) => inFolder(".devcontainer")(segments) || named(".devcontainer.json")(segments), why: "Dev container definitions run commands when the container is built or opened." },
    { matches: named(".npmrc", ".yarnrc", ".yarnrc.yml"), why: "Package manager configuration can name programs that run on every install or script (yarnPath, script-shell, node-options)." }
];

/** Why a write to this path (segments of its real path below the workspace folder) can run code; undefined when it cannot. */
export function runsCodeWarning(segments: readonly string[]): string | undefined {
    if (segments.length === 0) return undefined;
    return RULES.find((rule) => rule.matches(segments))?.why;
}
