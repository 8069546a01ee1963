/**
 * The review bar under the agent's steps: how many of the agent's proposals wait for review, their files, and
 * Accept All, Reject All and Review (the multi-file diff). Hidden while nothing is pending.
 */
import type { ProposalSummary } from "../../../core/agent/events";
import type { FromWebview } from "../../../core/chat/protocol";
import { append, h, icon } from "../dom";

export interface ReviewBar {
    /** `#agent-review`, which goes at the end of the agent view. */
    readonly element: HTMLElement;
    /** Shows these pending proposals (none: hides the bar). */
    render(pending: ProposalSummary[]): void;
}

export function createReviewBar(post: (message: FromWebview) => void): ReviewBar {
    const element = h("div", { className: "agent-review", id: "agent-review", role: "region", "aria-label": "Changes to review" });
    element.hidden = true;

    function render(pending: ProposalSummary[]): void {
        element.replaceChildren();
        element.hidden = pending.length === 0;
        if (pending.length === 0) return;
        const count = `${pending.length} change${pending.length === 1 ? "" : "s"} to review`;
        append(element,
            h("div", { className: "agent-review-title" }, icon("git-compare"), h("strong", {}, count)),
            h("ul", { className: "agent-review-files" }, ...pending.map((p) => h("li", {}, `${proposalLabel(p)} (+${p.added} −${p.removed})`))),
            h("div", { className: "agent-review-actions" },
                h("button", { type: "button", className: "primary", id: "agent-accept-all", onclick: () => post({ type: "agentReview", action: "accept", ids: "all" }) },
                    icon("check-all"), h("span", {}, "Accept All")),
                h("button", { type: "button", className: "toggle", id: "agent-reject-all", onclick: () => post({ type: "agentReview", action: "reject", ids: "all" }) },
                    icon("close-all"), h("span", {}, "Reject All")),
                h("button", { type: "button", className: "toggle", id: "agent-open-review", onclick: () => post({ type: "agentReview", action: "open", ids: "all" }) },
                    icon("diff-multiple"), h("span", {}, "Review"))));
    }

    return { element, render };
}

/** A proposal as one line: its path and kind, or where a renamed file went. */
export function proposalLabel(proposal: ProposalSummary): string {
    const kind = proposal.kind === "modify" ? "" : ` (${proposal.kind})`;
    return proposal.kind === "rename" && proposal.from ? `${proposal.from} → ${proposal.path}` : `${proposal.path}${kind}`;
}
