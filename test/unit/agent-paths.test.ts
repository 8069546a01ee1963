/**
 * The workspace boundary: every path the model writes is resolved inside the workspace folders or refused with a
 * message that says why. Real folders, real symbolic links, the Node WorkspaceFs.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { ToolError } from "../../src/core/agent/errors";
import { WorkspacePaths } from "../../src/core/agent/paths";
import type { WorkspaceFs } from "../../src/core/agent/workspaceFs";
import { NodeWorkspaceFs } from "../../src/node/agent/nodeWorkspaceFs";
import { tempWorkspace, type TempWorkspace } from "../support/agentWorkspace";

describe("agent paths: the workspace boundary", () => {
    let ws: TempWorkspace;
    let paths: WorkspacePaths;
    let socketServer: net.Server | undefined;

    before(async () => {
        ws = tempWorkspace({ "src/a.ts": "export const a = 1;\n", "README.md": "# hi\n", ".git/config": "[core]\n" });
        // Links that escape, in every shape.
        fs.symlinkSync(ws.outside, ws.file("out-dir"));
        fs.symlinkSync(path.join(ws.outside, "secret.txt"), ws.file("secret-link"));
        fs.symlinkSync("../../outside/secret.txt", ws.file("src/relative-link"));
        fs.symlinkSync("/etc/passwd", ws.file("passwd"));
        fs.symlinkSync("/", ws.file("rootfs"));
        fs.symlinkSync(path.join(ws.root, "does-not-exist"), ws.file("dangling"));
        fs.symlinkSync(path.dirname(ws.root), ws.file("parent"));
        fs.symlinkSync(ws.file("out-dir"), ws.file("src/chain"));
        fs.mkdirSync(ws.file("loop"));
        fs.symlinkSync(ws.file("loop/b"), ws.file("loop/a"));
        fs.symlinkSync(ws.file("loop/a"), ws.file("loop/b"));
        // Links that stay inside are fine.
        fs.symlinkSync(ws.file("src"), ws.file("src-link"));
        fs.symlinkSync("a.ts", ws.file("src/a-link.ts"));
        // A socket is not a file.
        socketServer = net.createServer();
        await new Promise<void>((resolve) => socketServer!.listen(ws.file("daemon.sock"), resolve));
        paths = new WorkspacePaths(ws.fs);
    });

    after(() => {
        socketServer?.close();
        ws.remove();
    });

    const escapes: [string, string | (() => string), "read" | "write", RegExp][] = [
        ["parent folder", "..", "read", /contains "\.\."/],
        ["climbing out", "../outside/secret.txt", "read", /contains "\.\."/],
        ["climbing out and back", "src/../../workspace/src/a.ts", "read", /contains "\.\."/],
        ["backslash climbing", "..\\outside\\secret.txt", "read", /contains "\.\."/],
        ["deep climbing", "src/x/../../../outside", "read", /contains "\.\."/],
        ["absolute outside", () => path.join(ws.outside, "secret.txt"), "read", /outside the workspace folders/],
        ["/etc/passwd", "/etc/passwd", "read", /outside the workspace folders/],
        ["the file system root", "/", "read", /outside the workspace folders/],
        ["the workspace's parent, absolute", () => path.dirname(ws.root), "read", /outside the workspace folders/],
        ["a sibling whose name extends the root's", () => `${ws.root}-evil/x`, "read", /outside the workspace folders/],
        ["home folder", "~/.ssh/id_rsa", "read", /home folder/],
        ["home folder alone", "~", "read", /home folder/],
        ["NUL byte", "src/a.ts\0.png", "read", /NUL byte/],
        ["control character", "src/a\n.ts", "read", /control characters/],
        ["file URI", "file:///etc/passwd", "read", /is a URI/],
        ["http URI", "http://example.com/x", "read", /is a URI/],
        ["UNC path", "\\\\server\\share\\x", "read", /network or device path/],
        ["device namespace", "//./PhysicalDrive0", "read", /network or device path/],
        ["Windows drive path", "C:\\Windows\\System32", "read", /outside the workspace folders/],
        ["Windows drive-relative", "C:secret.txt", "read", /relative to a drive/],
        ["link to a folder outside", "out-dir/secret.txt", "read", /symbolic link to .*outside the workspace/],
        ["link to a file outside", "secret-link", "read", /symbolic link to .*outside the workspace/],
        ["relative link climbing out", "src/relative-link", "read", /symbolic link to .*outside the workspace/],
        ["link to /etc/passwd", "passwd", "read", /symbolic link to .*outside the workspace/],
        ["link to /", "rootfs/etc/passwd", "read", /symbolic link to .*outside the workspace/],
        ["link to the parent", "parent/outside/secret.txt", "read", /symbolic link to .*outside the workspace/],
        ["chain of links", "src/chain/secret.txt", "read", /symbolic link to .*outside the workspace/],
        ["dangling link", "dangling", "write", /target does not exist/],
        ["link loop", "loop/a", "read", /target does not exist/],
        ["writing through a link outside", "out-dir/new.txt", "write", /symbolic link to .*outside the workspace/],
        ["a socket", "daemon.sock", "read", /not a regular file or folder/],
        ["a path through a file", "README.md/x", "read", /README\.md is a file, not a folder/],
        ["writing into .git", ".git/config", "write", /\.git folder/],
        ["writing into .git by case", "src/../.GIT/hooks/pre-commit", "write", /contains "\.\."/],
        ["writing a hook", ".Git/hooks/pre-commit", "write", /\.git folder/],
        ["empty", "  ", "read", /empty/],
        ["not a string", 42 as unknown as string, "read", /must be a string/],
        ["the root for an edit", ".", "write", /workspace folder itself/],
        ["overlong", "a/".repeat(3000), "read", /characters long/]
    ];

    for (const [name, input, purpose, expected] of escapes) {
        it(`refuses ${name}`, async () => {
            const text = typeof input === "function" ? input() : input;
            await assert.rejects(paths.resolve(text, { purpose }), (error: unknown) => {
                assert.ok(error instanceof ToolError, `a ToolError, not ${String(error)}`);
                assert.match(error.message, expected);
                return true;
            });
        });
    }

    it("has at least 25 escape attempts, symbolic links included", () => {
        assert.ok(escapes.length >= 25);
        assert.ok(escapes.filter(([, , , expected]) => /symbolic/.test(expected.source)).length >= 7);
    });

    it("resolves paths inside: relative, absolute, ./, backslashes, links that stay inside", async () => {
        const expectedReal = ws.file("src/a.ts");
        for (const input of ["src/a.ts", "./src/a.ts", "src//a.ts", "src\\a.ts", ws.file("src/a.ts"), " src/a.ts ", "src-link/a.ts", "src/./a.ts"]) {
            const resolved = await paths.resolve(input, { purpose: "read" });
            assert.equal(resolved.abs, expectedReal, input);
            assert.equal(resolved.kind, "file");
        }
        const viaLink = await paths.resolve("src/a-link.ts", { purpose: "read" });
        assert.equal(viaLink.abs, expectedReal);
        assert.equal(viaLink.display, "src/a-link.ts", "the model sees the path it wrote");
        const root = await paths.resolve(".", { purpose: "read", allowRoot: true });
        assert.equal(root.display, ".");
        assert.equal(root.kind, "directory");
    });

    it("resolves a new file under an existing folder (for create_file) without a kind", async () => {
        const resolved = await paths.resolve("src/new/deep/file.ts", { purpose: "write" });
        assert.equal(resolved.abs, ws.file("src/new/deep/file.ts"));
        assert.equal(resolved.kind, undefined);
        assert.equal(resolved.display, "src/new/deep/file.ts");
    });

    it("allows reading inside .git (only writing is refused)", async () => {
        const resolved = await paths.resolve(".git/config", { purpose: "read" });
        assert.equal(resolved.kind, "file");
    });

    it("in a multi-root workspace, picks the folder by name and shows it in paths", async () => {
        // Two folders: the workspace and, as a second root, the folder called "outside".
        const multi = new WorkspacePaths(new NodeWorkspaceFs([ws.root, ws.outside]));
        const secret = await multi.resolve("outside/secret.txt", { purpose: "read" });
        assert.equal(secret.abs, path.join(ws.outside, "secret.txt"));
        assert.equal(secret.display, "outside/secret.txt");
        const byAbsolute = await multi.resolve(path.join(ws.outside, "secret.txt"), { purpose: "read" });
        assert.equal(byAbsolute.display, "outside/secret.txt");
        const first = await multi.resolve("src/a.ts", { purpose: "read" });
        assert.equal(first.display, "workspace/src/a.ts", "a path without a folder name is in the first folder");
        // A link from one folder into another stays inside the workspace.
        assert.equal((await multi.resolve("secret-link", { purpose: "read" })).abs, path.join(ws.outside, "secret.txt"));
        await assert.rejects(multi.resolve(path.dirname(ws.root), { purpose: "read" }), /outside the workspace folders/);
    });

    it("applies Windows rules to Windows folders: device names, streams, trailing dots", async () => {
        const windowsFs: WorkspaceFs = {
            roots: [{ name: "proj", path: "C:\\proj" }],
            lstat: async (file) => (file.toLowerCase() === "c:\\proj" ? { kind: "directory", size: 0, mtimeMs: 0 } : undefined),
            realpath: async (file) => file,
            readlink: async () => { throw new Error("not a link"); },
            readFile: async () => new Uint8Array(),
            readDirectory: async () => [],
            applyChanges: async () => undefined
        };
        const windows = new WorkspacePaths(windowsFs);
        for (const [input, expected] of [
            ["CON", /Windows device/], ["src\\nul.txt", /Windows device/], ["COM1.log", /Windows device/],
            ["a.txt:secret", /character Windows does not allow/], ["dir.\\x", /end with a dot/],
            ["D:\\other\\x", /outside the workspace/], ["C:\\proj2\\x", /outside the workspace/], ["\\Windows\\x", /outside the workspace/]
        ] as const) {
            await assert.rejects(windows.resolve(input, { purpose: "read" }), expected, input);
        }
        // The 8.3 short name of .git, and .git in another case, are .git.
        await assert.rejects(windows.resolve("GIT~1\\config", { purpose: "write" }), /\.git folder/);
        await assert.rejects(windows.resolve(".GIT\\hooks\\pre-commit", { purpose: "write" }), /\.git folder/);
        const inside = await windows.resolve("c:\\PROJ\\src\\a.ts", { purpose: "write" });
        assert.equal(inside.display, "src/a.ts");
        const relative = await windows.resolve("src/a.ts", { purpose: "write" });
        assert.equal(relative.abs, "C:\\proj\\src\\a.ts");
    });
});
