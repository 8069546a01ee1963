/**
 * Takes the code out of a model's answer to a refactor command. Models wrap code in Markdown fences, add a line
 * of prose before it, think aloud, or stop mid-block at the token limit; what replaces the user's text must be
 * the code alone. Fences are read as CommonMark reads them, so a longer fence can hold shorter ones.
 */

export interface ExtractedCode {
    /** The code, without fences; line endings "\n". */
    code: string;
    /** It came from a fenced block. */
    fenced: boolean;
    /** The answer ended inside an unclosed fence (cut at the token limit). */
    truncated: boolean;
}

export interface ExtractOptions {
    /** The document's language (a VS Code language id or a fence name): blocks in it are preferred. */
    language?: string;
}

/** The code of a whole answer; undefined when there is none (empty or whitespace only). */
export function extractCode(answer: string, options: ExtractOptions = {}): ExtractedCode | undefined {
    const text = cleanAnswer(answer, false);
    if (text.trim().length === 0) return undefined;
    const lines = text.split("\n");
    const blocks = fencedBlocks(lines);
    if (blocks.length > 0) {
        const block = chooseBlock(blocks, options.language);
        return { code: trimBlankLines(block.content), fenced: true, truncated: !block.closed };
    }
    const code = unfencedCode(lines, options.language);
    return code.trim().length === 0 ? undefined : { code, fenced: false, truncated: false };
}

/** The code so far of an answer still streaming, for a live preview (same rules; "" while undecided). */
export function extractPartialCode(answerSoFar: string, options: ExtractOptions = {}): string {
    const lines = cleanAnswer(answerSoFar, true).split("\n");
    const firstNonBlank = lines.findIndex((line) => line.trim().length > 0);
    if (firstNonBlank < 0) return "";
    const last = lines[lines.length - 1]!;
    // The unfinished last line may yet turn out to be a fence: nothing of it is shown until its newline.
    if (couldBecomeFence(last)) lines[lines.length - 1] = "";
    const blocks = fencedBlocks(lines);
    if (blocks.length > 0) return trimBlankLines(chooseBlock(blocks, options.language).content);
    if (firstNonBlank === lines.length - 1 && (startsLikeProse(last) || /^ {0,3}[`~]/.test(last))) return "";
    return unfencedCode(lines, options.language);
}

/** Names of one language, the first being the key; VS Code's ids and the usual fence names. */
const LANGUAGE_ALIASES: readonly (readonly string[])[] = [
    ["typescript", "ts", "tsx", "typescriptreact"],
    ["javascript", "js", "jsx", "javascriptreact", "node"],
    ["python", "py", "python3"],
    ["shellscript", "sh", "bash", "shell", "zsh"],
    ["csharp", "cs", "c#"],
    ["cpp", "c++"],
    ["golang", "go"],
    ["rust", "rs"],
    ["ruby", "rb"],
    ["kotlin", "kt"],
    ["markdown", "md"],
    ["yaml", "yml"],
    ["plaintext", "text", "txt"]
];

function languageKey(name: string): string {
    const lower = name.toLowerCase();
    return LANGUAGE_ALIASES.find((names) => names.includes(lower))?.[0] ?? lower;
}

/**
 * The answer without thinking and control tokens, line endings "\n". While streaming, an open `<think>` is
 * thinking still in progress (dropped from there on), and a tag being written at the very end is held back.
 */
function cleanAnswer(answer: string, streaming: boolean): string {
    let text = answer.replace(/\r\n?/g, "\n");
    const end = text.search(/<\|(?:im_end|endoftext)\|>/);
    if (end >= 0) text = text.slice(0, end);
    text = text.replace(/<think>[\s\S]*?<\/think>/g, "");
    // A stray close means the thinking began in the prompt's prefill: all before it is thought.
    const strayClose = text.lastIndexOf("</think>");
    if (strayClose >= 0) text = text.slice(strayClose + "</think>".length);
    if (streaming) {
        const open = text.indexOf("<think>");
        if (open >= 0) text = text.slice(0, open);
        text = text.replace(/<(?:\|[a-z_]*\|?|\/?(?:t(?:h(?:i(?:nk?)?)?)?)?)$/, "");
    } else {
        text = text.replace(/<think>/g, "");
    }
    return text.replace(/<\|[a-z_]+\|>/g, "");
}

interface FencedBlock {
    /** The info string, trimmed. */
    info: string;
    content: string[];
    closed: boolean;
}

const OPENER = /^( {0,3})(`{3,}|~{3,})(.*)$/;
const CLOSER = /^ {0,3}(`+|~+)[ \t]*$/;

/** The top-level fenced blocks, by CommonMark's rules: inside a block only its own closer ends it. */
function fencedBlocks(lines: readonly string[]): FencedBlock[] {
    const blocks: FencedBlock[] = [];
    let open: { indent: number; fence: string; block: FencedBlock } | undefined;
    for (const line of lines) {
        if (open) {
            const closer = CLOSER.exec(line);
            if (closer && closer[1]![0] === open.fence[0] && closer[1]!.length >= open.fence.length) {
                open.block.closed = true;
                blocks.push(open.block);
                open = undefined;
            } else {
                open.block.content.push(stripSpaces(line, open.indent));
            }
            continue;
        }
        const opener = OPENER.exec(line);
        if (!opener) continue;
        const fence = opener[2]!;
        const info = opener[3]!;
        // "```a```" on one line is inline code, not a fence.
        if (fence[0] === "`" && info.includes("`")) continue;
        open = { indent: opener[1]!.length, fence, block: { info: info.trim(), content: [], closed: false } };
    }
    if (open) blocks.push(open.block);
    return blocks;
}

/** Content lines lose up to the opener's indentation, as in CommonMark. */
function stripSpaces(line: string, count: number): string {
    let index = 0;
    while (index < count && line[index] === " ") index++;
    return line.slice(index);
}

/**
 * Blocks in the document's language first, never a diff when there is anything else; among those the longest,
 * since the answer to a refactor is the full code and other blocks are usually usage examples.
 */
function chooseBlock(blocks: readonly FencedBlock[], language: string | undefined): FencedBlock {
    const key = language ? languageKey(language) : undefined;
    const infoKey = (block: FencedBlock) => languageKey(block.info.split(/\s+/)[0]!.split(":")[0]!);
    let candidates = key === "diff" ? blocks : blocks.filter((block) => infoKey(block) !== "diff");
    if (candidates.length === 0) candidates = blocks;
    if (key !== undefined) {
        const matching = candidates.filter((block) => infoKey(block) === key);
        if (matching.length > 0) candidates = matching;
    }
    let best = candidates[0]!;
    for (const block of candidates) {
        if (length(block.content) > length(best.content)) best = block;
    }
    return best;
}

function length(lines: readonly string[]): number {
    return lines.reduce((sum, line) => sum + line.length + 1, 0);
}

const PROSE_WORDS = ["Here", "Sure", "Certainly", "Below", "Okay", "Ok", "OK", "The"];

/**
 * A line that introduces code rather than being code. Matched conservatively: the opening words models use,
 * and a sentence end. In prose documents (Markdown, plain text) a sentence is content, so only ":" counts there.
 */
function isProseIntro(line: string, language: string | undefined): boolean {
    const prose = language !== undefined && ["markdown", "plaintext"].includes(languageKey(language));
    const ending = prose ? /:\s*$/ : /[:!.]\s*$/;
    return /^\s*(?:(?:Here|Sure|Certainly|Below|Okay|Ok|OK)\b|The\s+(?:rewritten|updated|refactored|fixed|documented|simplified|corrected)\b)/.test(line)
        && ending.test(line);
}

/** An unfinished first line that may still become a prose intro ("Her", "Sure, h…"). */
function startsLikeProse(line: string): boolean {
    const text = line.trimStart();
    const word = /^[A-Za-z]*/.exec(text)![0];
    if (word.length === 0) return false;
    return word === text ? PROSE_WORDS.some((prose) => prose.startsWith(word)) : PROSE_WORDS.includes(word);
}

/** Could the unfinished line still become a fence opener or closer once more of it arrives? */
function couldBecomeFence(line: string): boolean {
    const match = /^ {0,3}(`+|~+)(.*)$/.exec(line);
    if (!match) return false;
    if (match[1]!.length < 3) return match[2]!.length === 0;
    return match[1]![0] === "~" || !match[2]!.includes("`");
}

/** An answer without fences: all of it but an introducing line or two; `a + b` alone is unwrapped. */
function unfencedCode(lines: readonly string[], language: string | undefined): string {
    let rest = lines.slice();
    for (let count = 0; count < 2; count++) {
        const first = rest.findIndex((line) => line.trim().length > 0);
        if (first < 0 || !isProseIntro(rest[first]!, language)) break;
        rest = rest.slice(first + 1);
    }
    const code = trimBlankLines(rest);
    const inline = /^\s*`([^`\n]+)`\s*$/.exec(code);
    return inline ? inline[1]! : code;
}

/** Without leading blank lines and trailing whitespace-only lines; the first line keeps its indentation. */
function trimBlankLines(lines: readonly string[]): string {
    let start = 0;
    let end = lines.length;
    while (start < end && lines[start]!.trim().length === 0) start++;
    while (end > start && lines[end - 1]!.trim().length === 0) end--;
    return lines.slice(start, end).join("\n");
}
