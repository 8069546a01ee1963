import assert from "node:assert/strict";
import path from "node:path";
import * as esbuild from "esbuild";

const root = path.resolve(__dirname, "../..");

/**
 * The extension host's bundle, built as esbuild.mjs builds dist/extension.js: node-llama-cpp (and the modules that
 * use it) belong to the engine worker and the CLI only. Activation runs nothing but this bundle, so no import of
 * node-llama-cpp in it means activation cannot load it; test/e2e/integration/engineBoundary.test.ts watches the
 * running extension host through model selection, a download and a load.
 */
describe("the extension host's bundle", function () {
    this.timeout(60_000);

    async function build(entry: string): Promise<esbuild.Metafile> {
        const result = await esbuild.build({
            entryPoints: [path.join(root, entry)], bundle: true, platform: "node", format: "cjs", target: "node20",
            external: ["vscode", "node-llama-cpp"], write: false, metafile: true, logLevel: "silent", outdir: path.join(root, "out", "bundle-probe")
        });
        return result.metafile;
    }

    function externalImports(metafile: esbuild.Metafile): string[] {
        return Object.values(metafile.outputs).flatMap((output) => output.imports.filter((item) => item.external).map((item) => `${item.kind} ${item.path}`));
    }

    it("imports no node-llama-cpp and bundles none of the worker-side model code", async () => {
        const metafile = await build("src/extension.ts");
        assert.deepEqual(externalImports(metafile).filter((item) => /node-llama-cpp/.test(item)), []);
        const inputs = Object.keys(metafile.inputs);
        for (const module of ["src/engine/modelDownload.ts", "src/engine/llamaBackend.ts", "src/engine/modelInspect.ts", "src/engine/worker.ts"]) {
            assert.ok(!inputs.includes(module), `${module} is in the extension host's bundle`);
        }
        assert.ok(inputs.includes("src/engine/modelFiles.ts"), "the models index is read in the extension host");
    });

    it("sees node-llama-cpp where it is used: the worker's bundle imports it", async () => {
        const metafile = await build("src/engine/worker.ts");
        assert.ok(externalImports(metafile).some((item) => / node-llama-cpp$/.test(item)), externalImports(metafile).join(", "));
    });
});
