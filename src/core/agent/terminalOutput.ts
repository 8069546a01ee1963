/** What a terminal's output needs before it goes to the model: escapes removed, a bounded size, a prompt noticed. */

/** The last line looks like a prompt for input: a question, a colon, a [y/N], a "password". */
export function looksLikeAQuestion(tail: string): boolean {
    const last = tail.replace(/\s+$/, " ").split(/\r?\n/).pop() ?? "";
    return /(\?|:|>|\]|\)) ?$/.test(last) || /\b(password|passphrase|continue|y\/n|yes\/no)\b/i.test(last);
}

/** A command's output kept within a size: its start and its end, with how much was left out between. */
export class BoundedOutput {
    private head = "";
    private tailText = "";
    private dropped = 0;

    constructor(private readonly max: number) {}

    push(data: string): void {
        if (this.head.length < this.max / 2) {
            const room = Math.floor(this.max / 2) - this.head.length;
            this.head += data.slice(0, room);
            data = data.slice(room);
        }
        this.tailText += data;
        const keep = Math.ceil(this.max / 2);
        if (this.tailText.length > keep) {
            this.dropped += this.tailText.length - keep;
            this.tailText = this.tailText.slice(this.tailText.length - keep);
        }
    }

    tail(): string {
        return (this.head + this.tailText).slice(-400);
    }

    text(): { value: string; truncated: boolean } {
        if (this.dropped === 0) return { value: this.head + this.tailText, truncated: false };
        return { value: `${this.head}\n… [${this.dropped} characters left out] …\n${this.tailText}`, truncated: true };
    }
}

export function stripAnsi(text: string): string {
    return text.replace(/\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g, "").replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, "").replace(/\x1b[@-Z\\-_]/g, "").replace(/\r(?!\n)/g, "");
}

