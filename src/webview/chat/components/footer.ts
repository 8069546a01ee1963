/** The footer (`#chat-footer`): the last answer's speed, time to first token and prompt tokens; hidden before any. */
import type { ExchangeView } from "../../../core/chat/protocol";
import { append, formatDuration, h } from "../dom";

export interface Footer {
    readonly element: HTMLElement;
    render(exchanges: readonly ExchangeView[]): void;
}

export function createFooter(): Footer {
    const element = h("footer", { className: "footer", id: "chat-footer", "aria-label": "Speed of the last answer" });
    return {
        element,
        render(exchanges) {
            element.replaceChildren();
            const stats = [...exchanges].reverse().find((exchange) => exchange.answer?.stats && exchange.answer.stats.generatedTokens > 0)?.answer?.stats;
            if (!stats) {
                element.hidden = true;
                return;
            }
            element.hidden = false;
            append(element,
                h("span", { id: "footer-speed" }, `${stats.tokensPerSecond.toFixed(1)} tok/s`),
                h("span", { id: "footer-ttft" }, `first token ${formatDuration(stats.timeToFirstTokenMs)}`),
                h("span", { id: "footer-prompt", title: "Tokens of the last prompt, and how many the engine evaluated (the rest came from its cache)" },
                    `prompt ${stats.promptTokens} (${stats.evaluatedTokens} evaluated)`));
        }
    };
}
