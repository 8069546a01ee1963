import path from "node:path";
import { ESLint } from "eslint";

export const repoRoot = path.resolve(__dirname, "../..");

/** ESLint with the project's own config: the rule ids of the errors it reports for `code` placed at `file`. */
export function lintErrors(): (code: string, file: string) => Promise<string[]> {
    const eslint = new ESLint({ cwd: repoRoot });
    return async (code, file) => {
        const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, file) });
        return result!.messages.filter((message) => message.severity === 2).map((message) => message.ruleId ?? message.message);
    };
}
