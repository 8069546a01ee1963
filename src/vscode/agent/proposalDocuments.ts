/**
 * The two sides of a proposed change as read-only documents, so VS Code's own diff editors show it:
 * `qwen-local-agent-change:/<path>?<session>/<id>/original` and `…?<session>/<id>/proposed`. Both sides carry the file's
 * own path (the renamed-from path on the original side of a rename), so the diff has the file's name, language and
 * icon, and a plain edit does not look like a rename.
 */
import * as vscode from "vscode";
import type { ProposalSummary } from "../../core/agent/editSession";

export const PROPOSAL_SCHEME = "qwen-local-agent-change";

export type ProposalSide = "original" | "proposed";

export interface ProposalSource {
    /** A number that changes with every new agent session, so an old diff tab cannot show a new proposal. */
    readonly generation: number;
    contents(id: number): { original: string; proposed: string } | undefined;
}

export function proposalUri(generation: number, proposal: ProposalSummary, side: ProposalSide): vscode.Uri {
    const path = side === "original" && proposal.from ? proposal.from : proposal.path;
    return vscode.Uri.from({ scheme: PROPOSAL_SCHEME, path: `/${path}`, query: `${generation}/${proposal.id}/${side}` });
}

export function parseProposalUri(uri: vscode.Uri): { generation: number; id: number; side: ProposalSide } | undefined {
    if (uri.scheme !== PROPOSAL_SCHEME) return undefined;
    const match = /^(\d+)\/(\d+)\/(original|proposed)$/.exec(uri.query);
    return match ? { generation: Number(match[1]), id: Number(match[2]), side: match[3] as ProposalSide } : undefined;
}

export class ProposalDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
    private readonly changeEmitter = new vscode.EventEmitter<vscode.Uri>();
    readonly onDidChange = this.changeEmitter.event;
    private readonly registration: vscode.Disposable;

    constructor(private readonly source: () => ProposalSource | undefined) {
        this.registration = vscode.workspace.registerTextDocumentContentProvider(PROPOSAL_SCHEME, this);
    }

    provideTextDocumentContent(uri: vscode.Uri): string {
        const parsed = parseProposalUri(uri);
        const source = this.source();
        if (!parsed || !source || source.generation !== parsed.generation) return "";
        const contents = source.contents(parsed.id);
        // A proposal that was accepted or rejected meanwhile has nothing left to show.
        if (!contents) return "";
        return parsed.side === "original" ? contents.original : contents.proposed;
    }

    /** Open proposal documents re-read their content (after the model changed a proposal again). */
    refresh(): void {
        for (const document of vscode.workspace.textDocuments) {
            if (document.uri.scheme === PROPOSAL_SCHEME) this.changeEmitter.fire(document.uri);
        }
    }

    dispose(): void {
        this.registration.dispose();
        this.changeEmitter.dispose();
    }
}
