/**
 * Approval rules for run_command (`qwenLocal.agent.commandRules`): allow, ask or deny a command by an exact command,
 * a prefix or a regular expression, checked against every sub-command of a pipeline or a `&&` / `||` / `;` chain.
 *
 * A rule is one string: `"allow npm test"` (a prefix: `npm test`, `npm test -- --watch`), `"allow =git status"`
 * (exactly that), `"deny /git\s+push\b.*(--force|-f)\b/"` (a regular expression, run by RE2 so no pattern can hang).
 *
 * The decision: deny when any rule denies the whole command or any sub-command (a deny rule's regex also sees the
 * whole line, so `curl … | sh` is caught across the pipe); allow without asking only when every sub-command is
 * allowed and the line holds nothing a rule cannot see through — command substitution (`$(…)`, backticks, `<(…)`),
 * subshells, redirections, variables or escapes the parser could not read; ask otherwise (also when an ask rule
 * matches). Restricted Mode runs nothing, whatever the rules say (the policy refuses before the rules are read).
 */
import { parse, type ParseEntry } from "shell-quote";
import { re2 } from "./re2";

export type RuleAction = "allow" | "ask" | "deny";

export interface CommandRule {
    action: RuleAction;
    kind: "exact" | "prefix" | "regex";
    pattern: string;
    /** The rule as written, for messages. */
    text: string;
    test(command: string): boolean;
}

/** The built-in rules, after the user's: never `rm -rf` a root or home, pipe a download into a shell, or force-push. */
export const DEFAULT_COMMAND_RULES: readonly string[] = [
    "deny /(^|[\\s;&|])rm\\s+(-\\S+\\s+)*-[A-Za-z]*[rR][A-Za-z]*\\s+(-\\S+\\s+)*(\\/|~|\\$HOME|\\/\\*|~\\/\\*?|\\*|\\.\\.?\\/?)(\\s|$)/",
    "deny /\\b(curl|wget|fetch)\\b[^|]*\\|\\s*(sudo\\s+)?(env\\s+)?(ba|z|k|da|fi)?sh\\b/",
    "deny /\\b(curl|wget)\\b[^|]*\\|\\s*(sudo\\s+)?(python3?|perl|ruby|node)\\b/",
    "deny /\\bgit\\s+push\\b.*(\\s--force\\b|\\s--force-with-lease\\b|\\s-[A-Za-z]*f[A-Za-z]*\\b|\\s\\+\\S)/",
    "deny /\\bmkfs(\\.\\w+)?\\b|\\bdd\\s+.*\\bof=\\/dev\\//",
    "deny /:\\(\\)\\s*\\{\\s*:\\|:&\\s*\\}\\s*;\\s*:/"
];

export interface ParsedRules {
    rules: CommandRule[];
    /** Rules that could not be read, each with why (shown to the user; the rule is ignored). */
    problems: string[];
}

/** Reads rules as written in the setting; the built-in ones follow the user's. */
export function parseCommandRules(texts: readonly unknown[], withDefaults = true): ParsedRules {
    const rules: CommandRule[] = [];
    const problems: string[] = [];
    for (const value of [...texts, ...(withDefaults ? DEFAULT_COMMAND_RULES : [])]) {
        if (typeof value !== "string") {
            problems.push(`${JSON.stringify(value)} is not a rule: write "allow npm test", "ask =make", or "deny /regex/".`);
            continue;
        }
        const match = /^\s*(allow|ask|deny)\s+(.+?)\s*$/is.exec(value);
        if (!match) {
            problems.push(`"${value}" is not a rule: start it with allow, ask or deny, then the command ("allow npm test"), "=command" for exactly that one, or /regex/.`);
            continue;
        }
        const action = match[1]!.toLowerCase() as RuleAction;
        const body = match[2]!;
        if (body.length > 2 && body.startsWith("/") && body.lastIndexOf("/") > 0) {
            const last = body.lastIndexOf("/");
            const source = body.slice(1, last);
            const flags = body.slice(last + 1);
            if (!/^i?$/.test(flags)) {
                problems.push(`"${value}": only the i flag is supported.`);
                continue;
            }
            try {
                const RE2 = re2();
                const compiled = RE2.compile(RE2.translateRegExp(source), flags === "i" ? RE2.CASE_INSENSITIVE : 0);
                rules.push({ action, kind: "regex", pattern: source, text: value, test: (command) => compiled.test(command) });
            } catch (error) {
                problems.push(`"${value}": the regular expression cannot be used (${error instanceof Error ? error.message : String(error)}).`);
            }
            continue;
        }
        if (body.startsWith("=")) {
            const exact = normalize(body.slice(1));
            rules.push({ action, kind: "exact", pattern: exact, text: value, test: (command) => normalize(command) === exact });
            continue;
        }
        const prefix = normalize(body);
        rules.push({
            action, kind: "prefix", pattern: prefix, text: value,
            // A prefix ends at a word boundary: "npm test" allows "npm test -- -u", not "npm testify".
            test: (command) => {
                const normalized = normalize(command);
                return normalized === prefix || normalized.startsWith(`${prefix} `);
            }
        });
    }
    return { rules, problems };
}

export interface CommandDecision {
    decision: RuleAction;
    /** The rule that decided (deny, ask), or why it must be asked. */
    reason: string;
    /** The sub-commands as they were checked. */
    parts: string[];
}

/** The decision for one command line. */
export function decideCommand(command: string, rules: readonly CommandRule[]): CommandDecision {
    const { parts, opaque } = splitCommand(command);
    const checked = [command, ...parts];
    for (const rule of rules) {
        if (rule.action !== "deny") continue;
        const hit = rule.kind === "regex" ? checked.find((part) => rule.test(part)) : parts.find((part) => rule.test(part));
        if (hit !== undefined) return { decision: "deny", reason: `denied by the rule “${rule.text}”${hit !== command ? ` (for \`${hit}\`)` : ""}`, parts };
    }
    for (const rule of rules) {
        if (rule.action !== "ask") continue;
        if (parts.some((part) => rule.test(part))) return { decision: "ask", reason: `the rule “${rule.text}” asks`, parts };
    }
    if (opaque !== undefined) return { decision: "ask", reason: opaque, parts };
    const unallowed = parts.filter((part) => !rules.some((rule) => rule.action === "allow" && rule.test(part)));
    if (parts.length > 0 && unallowed.length === 0) {
        return { decision: "allow", reason: `allowed by ${parts.length === 1 ? "the rule" : "the rules"} ${[...new Set(parts.map((part) => rules.find((rule) => rule.action === "allow" && rule.test(part))!.text))].map((text) => `“${text}”`).join(", ")}`, parts };
    }
    return { decision: "ask", reason: unallowed.length > 0 ? `no rule allows \`${unallowed[0]}\`` : "an empty command", parts };
}

const SEPARATORS = new Set(["&&", "||", ";", "|", "|&", "&", ";;"]);

/**
 * The sub-commands of a line (the words of each, requoted where needed), and — when the line holds something the
 * words do not show — why it can never be allowed without asking.
 */
export function splitCommand(command: string): { parts: string[]; opaque?: string } {
    let opaque: string | undefined;
    if (/\$\(|`|<\(|>\(/.test(command)) opaque = "it runs a command substitution, which rules cannot see into";
    else if (/\$\{|\$[A-Za-z_]/.test(command)) opaque = "it expands variables, which rules cannot see through";
    else if (/[\r\n]/.test(command)) opaque = "it has several lines";
    let entries: ParseEntry[];
    try {
        // Variables are kept as written (the environment is not consulted), so "$HOME" stays "$HOME".
        entries = parse(command, (name) => `$${name}`);
    } catch {
        return { parts: [command.trim()], opaque: opaque ?? "the shell syntax could not be read" };
    }
    const parts: string[] = [];
    let words: string[] = [];
    const flush = () => {
        if (words.length > 0) parts.push(words.join(" "));
        words = [];
    };
    for (const entry of entries) {
        if (typeof entry === "string") {
            words.push(/^[\w@%+=:,./-]+$/.test(entry) ? entry : `'${entry.replace(/'/g, `'\\''`)}'`);
        } else if ("op" in entry) {
            if (entry.op === "glob") {
                words.push((entry as { pattern: string }).pattern);
            } else if (SEPARATORS.has(entry.op)) {
                flush();
            } else {
                opaque ??= entry.op === "(" || entry.op === ")" ? "it runs a subshell" : `it redirects (${entry.op}), which can write anywhere`;
                flush();
            }
        } else if ("comment" in entry) {
            break;
        }
    }
    flush();
    return { parts, ...(opaque !== undefined ? { opaque } : {}) };
}

function normalize(command: string): string {
    return splitCommand(command).parts.join(" ; ") || command.trim().replace(/\s+/g, " ");
}
