/**
 * The agent's file changes through the real VS Code: a symbolic link deleted and moved as itself by a WorkspaceEdit
 * (what it points to untouched), new files in new folders, and a folder swapped for a link into .git or outside
 * between the proposal and the apply is refused before VS Code writes anything.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as vscode from "vscode";
import { EditSession } from "../../../src/core/agent/editSession";
import { WorkspacePaths } from "../../../src/core/agent/paths";
import { VscodeWorkspaceFs } from "../../../src/vscode/agent/vscodeWorkspaceFs";

describe("the agent's file changes in VS Code", function () {
    this.timeout(60_000);
    let base: string;
    let folder: string;
    let outside: string;
    let paths: WorkspacePaths;
    let edits: EditSession;
    let vscodeFs: VscodeWorkspaceFs;

    beforeEach(() => {
        const workspace = vscode.workspace.workspaceFolders?.[0];
        assert.ok(workspace, "the integration tests run in a workspace folder");
        folder = fs.realpathSync(workspace.uri.fsPath);
        base = fs.mkdtempSync(path.join(folder, "agent-fs-"));
        outside = fs.mkdtempSync(path.join(os.tmpdir(), "agent-fs-outside-"));
        fs.writeFileSync(path.join(base, "target.txt"), "kept\n");
        vscodeFs = new VscodeWorkspaceFs(vscode.workspace.workspaceFolders ?? []);
        paths = new WorkspacePaths(vscodeFs);
        edits = new EditSession(vscodeFs, paths);
    });

    afterEach(() => {
        fs.rmSync(base, { recursive: true, force: true });
        fs.rmSync(outside, { recursive: true, force: true });
    });

    const relative = (name: string) => path.relative(folder, path.join(base, name)).split(path.sep).join("/");

    it("deletes and moves a symbolic link itself, never what it points to", async () => {
        fs.symlinkSync("target.txt", path.join(base, "to-delete"));
        fs.symlinkSync("target.txt", path.join(base, "to-move"));
        await edits.proposeDelete(await paths.resolve(relative("to-delete"), { purpose: "write", entry: true }));
        await edits.proposeRename(
            await paths.resolve(relative("to-move"), { purpose: "write", entry: true }),
            await paths.resolve(relative("moved"), { purpose: "write" })
        );
        const outcome = await edits.accept("all");
        assert.deepEqual(outcome.conflicts, []);
        assert.equal(fs.existsSync(path.join(base, "to-delete")), false);
        assert.equal(fs.readlinkSync(path.join(base, "moved")), "target.txt");
        assert.equal(fs.readFileSync(path.join(base, "target.txt"), "utf8"), "kept\n");
    });

    it("creates a file in new folders, and refuses one whose folder became a link outside before VS Code writes", async () => {
        await edits.proposeCreate(await paths.resolve(relative("new/deep/a.txt"), { purpose: "write" }), "a\n");
        await edits.accept("all");
        assert.equal(fs.readFileSync(path.join(base, "new/deep/a.txt"), "utf8"), "a\n");

        fs.mkdirSync(path.join(base, "pkg"));
        await edits.proposeCreate(await paths.resolve(relative("pkg/evil.txt"), { purpose: "write" }), "evil\n");
        // Swapped after the proposal: the re-check at accept or the one right before the WorkspaceEdit refuses it.
        fs.rmdirSync(path.join(base, "pkg"));
        fs.symlinkSync(outside, path.join(base, "pkg"));
        const outcome = await edits.accept("all");
        assert.equal(outcome.applied.length, 0);
        assert.match(outcome.conflicts[0]!.message, /outside the workspace/);
        // The same swap after that check, right before the WorkspaceEdit: VscodeWorkspaceFs refuses it itself.
        fs.mkdirSync(path.join(base, "lib"));
        const checked = path.join(fs.realpathSync(path.join(base, "lib")), "evil.txt");
        fs.rmdirSync(path.join(base, "lib"));
        fs.symlinkSync(outside, path.join(base, "lib"));
        await assert.rejects(vscodeFs.applyChanges([{ kind: "create", path: checked, text: "evil\n" }], "test"), /now leads to/);
        assert.deepEqual(fs.readdirSync(outside), []);
    });
});
