/**
 * The MCP servers line above the input: each server the agent may use, with its state and tool count ("files · 3
 * tools", "tickets · failed"), a button that starts, stops or restarts it, and the log for a failed one. In
 * Restricted Mode the line says no server starts. Hidden when no server is configured.
 */
import type { FromWebview, McpServerView, McpServersView } from "../../../core/chat/protocol";
import { append, h, icon } from "../dom";

export interface McpLine {
    readonly element: HTMLElement;
    render(view: McpServersView): void;
}

const STATE_ICON: Record<McpServerView["state"], string> = {
    running: "pass-filled",
    starting: "loading codicon-modifier-spin",
    stopped: "circle-large-outline",
    failed: "error",
    declined: "circle-slash"
};

function describe(server: McpServerView): string {
    switch (server.state) {
        case "running":
            return `${server.toolCount} tool${server.toolCount === 1 ? "" : "s"}`;
        case "starting":
            return "starting…";
        case "stopped":
            return "starts when the agent needs it";
        case "failed":
            return "failed";
        case "declined":
            return "not started (you declined)";
    }
}

export function createMcpLine(post: (message: FromWebview) => void): McpLine {
    const element = h("div", { className: "mcp-line instructions-line", id: "mcp-servers", role: "group", "aria-label": "MCP servers" });
    element.hidden = true;
    return {
        element,
        render(view) {
            element.replaceChildren();
            element.hidden = view.servers.length === 0;
            if (view.servers.length === 0) return;
            append(element, icon("plug"), h("span", { className: "instructions-label" }, view.restricted ? "MCP servers (not started in Restricted Mode):" : "MCP:"));
            for (const server of view.servers) {
                const title = `${server.name} (${server.source === "workspace" ? ".vscode/mcp.json" : "settings"}): ${describe(server)}${server.error ? ` — ${server.error}` : ""}`;
                const item = h("span", { className: `mcp-server mcp-${server.state}`, "data-server": server.name, title },
                    icon(STATE_ICON[server.state]), h("span", { className: "mcp-name" }, server.name), h("span", { className: "mcp-detail" }, ` · ${describe(server)}`));
                if (!view.restricted) {
                    const action = server.state === "running" ? "stop" : server.state === "failed" ? "restart" : server.state === "starting" ? undefined : "start";
                    if (action) {
                        append(item, h("button", {
                            type: "button", className: "link-button mcp-action", title: `${action[0]!.toUpperCase()}${action.slice(1)} ${server.name}`,
                            onclick: () => post({ type: "mcpServer", name: server.name, action })
                        }, action));
                    }
                }
                if (server.state === "failed") {
                    append(item, h("button", { type: "button", className: "link-button mcp-log", title: "Show the log (the server's errors)", onclick: () => post({ type: "showLog" }) }, "log"));
                }
                append(element, item);
            }
        }
    };
}
