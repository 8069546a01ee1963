import { strict as assert } from "assert";
import {
    buildModelChoices, canonicalHfUri, DEFAULT_RAM_ASSUMPTIONS, describeDownloadConsent, describeModelSource,
    estimateRamBytes, findCatalogModel, formatDuration, formatProgress, formatSpeed, InvalidModelUriError,
    MODEL_CATALOG, parseHfUri, RAM_OVERHEAD_BYTES
} from "../../src/core/models/catalog";
import { DEFAULT_MODEL } from "../../src/core/settings";
import { formatBytes } from "../../src/core/util/bytes";

const GIB = 1024 ** 3;

describe("models catalog", () => {
    describe("parseHfUri", () => {
        it("reads user, repository and quantization, upper-casing the quantization like node-llama-cpp", () => {
            assert.deepEqual(parseHfUri("hf:unsloth/Qwen3.5-35B-A3B-GGUF:UD-Q4_K_XL"), {
                kind: "quant", user: "unsloth", repo: "Qwen3.5-35B-A3B-GGUF", quant: "UD-Q4_K_XL",
                uri: "hf:unsloth/Qwen3.5-35B-A3B-GGUF:UD-Q4_K_XL"
            });
            assert.equal(parseHfUri("  hf://unsloth/Qwen3.5-9B-GGUF:ud-q4_k_xl ").uri, "hf:unsloth/Qwen3.5-9B-GGUF:UD-Q4_K_XL");
            assert.equal(parseHfUri("huggingface:unsloth/Qwen3.5-9B-GGUF:Q8_0").uri, "hf:unsloth/Qwen3.5-9B-GGUF:Q8_0");
        });

        it("accepts a repository without a quantization (its default file); `latest` means the same", () => {
            assert.deepEqual(parseHfUri("hf:unsloth/Qwen3.5-4B-GGUF"),
                { kind: "quant", user: "unsloth", repo: "Qwen3.5-4B-GGUF", quant: undefined, uri: "hf:unsloth/Qwen3.5-4B-GGUF" });
            assert.equal(parseHfUri("hf:unsloth/Qwen3.5-4B-GGUF:latest").uri, "hf:unsloth/Qwen3.5-4B-GGUF");
        });

        it("reads a file path with an optional branch", () => {
            assert.deepEqual(parseHfUri("hf:unsloth/Qwen3.5-4B-GGUF/Qwen3.5-4B-UD-Q4_K_XL.gguf"), {
                kind: "file", user: "unsloth", repo: "Qwen3.5-4B-GGUF", file: "Qwen3.5-4B-UD-Q4_K_XL.gguf", branch: "main",
                uri: "hf:unsloth/Qwen3.5-4B-GGUF/Qwen3.5-4B-UD-Q4_K_XL.gguf"
            });
            const split = parseHfUri("hf:u/r/BF16/model-00001-of-00002.gguf#dev");
            assert.equal(split.kind, "file");
            assert.deepEqual(split.kind === "file" && [split.file, split.branch, split.uri],
                ["BF16/model-00001-of-00002.gguf", "dev", "hf:u/r/BF16/model-00001-of-00002.gguf#dev"]);
            assert.equal(parseHfUri("hf:u/r/m.gguf#").uri, "hf:u/r/m.gguf");
        });

        it("says what is wrong with a malformed URI", () => {
            const cases: [string, RegExp][] = [
                ["unsloth/Qwen3.5-9B-GGUF:Q4_K_M", /is not an hf: URI/],
                ["hf:", /names no repository/],
                ["hf:unsloth", /"" is not a valid repository name/],
                ["hf:unsloth/", /"" is not a valid repository name/],
                ["hf:/Qwen3.5-9B-GGUF", /"" is not a valid Hugging Face user name/],
                ["hf:unsloth/Qwen 9B", /contains spaces/],
                ["hf:unsloth/Qwen3.5-9B-GGUF:", /"" is not a valid quantization tag/],
                ["hf:unsloth/Qwen3.5-9B-GGUF:Q4:K", /"Q4:K" is not a valid quantization tag/],
                ["hf:unsloth/-bad:Q4_K_M", /"-bad" is not a valid repository name/],
                ["hf:unsloth/repo/README.md", /is not a \.gguf file/],
                ["hf:unsloth/repo/../x.gguf", /is not a valid file path/],
                ["hf:unsloth/repo/a//x.gguf", /is not a valid file path/]
            ];
            for (const [uri, message] of cases) {
                assert.throws(() => parseHfUri(uri), (error: Error) => {
                    assert.ok(error instanceof InvalidModelUriError, uri);
                    assert.equal((error as InvalidModelUriError).code, "invalidUri");
                    assert.match(error.message, message, uri);
                    return true;
                }, uri);
            }
            assert.equal(canonicalHfUri("hf:bad uri"), undefined);
            assert.equal(canonicalHfUri("hf:a/b:q8_0"), "hf:a/b:Q8_0");
        });
    });

    describe("the catalog", () => {
        it("lists 35B-A3B (the default) first, then 27B, 9B and 4B, all unsloth UD-Q4_K_XL", () => {
            assert.deepEqual(MODEL_CATALOG.map((model) => model.uri), [
                "hf:unsloth/Qwen3.5-35B-A3B-GGUF:UD-Q4_K_XL",
                "hf:unsloth/Qwen3.5-27B-GGUF:UD-Q4_K_XL",
                "hf:unsloth/Qwen3.5-9B-GGUF:UD-Q4_K_XL",
                "hf:unsloth/Qwen3.5-4B-GGUF:UD-Q4_K_XL"
            ]);
            assert.equal(MODEL_CATALOG[0]!.uri, DEFAULT_MODEL);
            assert.deepEqual(MODEL_CATALOG.map((model) => model.isDefault), [true, false, false, false]);
            for (const model of MODEL_CATALOG) {
                assert.equal(parseHfUri(model.uri).uri, model.uri, "catalog URIs are canonical");
                assert.ok(model.description.length > 20 && !model.description.includes("\n"), model.id);
            }
        });

        it("has the file sizes of FACTS.md (20.7, 16.4, 5.55 and 2.70 GiB; 35B-A3B ≈ 22.2 GB)", () => {
            assert.deepEqual(MODEL_CATALOG.map((model) => Math.round((model.fileSizeBytes / GIB) * 100) / 100), [20.7, 16.4, 5.55, 2.7]);
            assert.equal(formatBytes(MODEL_CATALOG[0]!.fileSizeBytes), "22.2 GB");
        });

        it("estimates RAM as file + 2 × (32k tokens × KV per token + recurrent state) + 1 GiB", () => {
            const shape = { kvBytesPerToken: 20 * 1024, recurrentStateBytes: 66e6 };
            assert.equal(estimateRamBytes(1e9, shape), 1e9 + 2 * (32768 * 20 * 1024 + 66e6) + RAM_OVERHEAD_BYTES);
            assert.equal(estimateRamBytes(1e9, shape, { contextTokens: 0, sequences: 1 }), 1e9 + 66e6 + RAM_OVERHEAD_BYTES);
            assert.deepEqual(DEFAULT_RAM_ASSUMPTIONS, { contextTokens: 32768, sequences: 2 });
            const [big, dense, nine, four] = MODEL_CATALOG;
            assert.equal(big!.ramBytes, estimateRamBytes(big!.fileSizeBytes, shape));
            assert.equal(formatBytes(big!.ramBytes), "24.8 GB");
            for (const model of [dense, nine, four]) assert.ok(model!.ramBytes > model!.fileSizeBytes + RAM_OVERHEAD_BYTES);
            assert.ok(big!.ramBytes > nine!.ramBytes && nine!.ramBytes > four!.ramBytes);
        });

        it("finds a model by any spelling of its URI", () => {
            assert.equal(findCatalogModel("hf://unsloth/Qwen3.5-9B-GGUF:ud-q4_k_xl")?.id, "qwen3.5-9b");
            assert.equal(findCatalogModel("hf:unsloth/Qwen3.5-9B-GGUF:Q8_0"), undefined);
            assert.equal(findCatalogModel("/models/x.gguf"), undefined);
        });
    });

    describe("describeModelSource", () => {
        it("tells hf: URIs (with their catalog entry) from local paths", () => {
            const hf = describeModelSource(DEFAULT_MODEL);
            assert.equal(hf.kind, "hf");
            assert.ok(hf.kind === "hf" && hf.uri === DEFAULT_MODEL && hf.catalog?.id === "qwen3.5-35b-a3b");
            const other = describeModelSource("hf:someone/Other-GGUF:q8_0");
            assert.ok(other.kind === "hf" && other.uri === "hf:someone/Other-GGUF:Q8_0" && other.catalog === undefined);
            assert.deepEqual(describeModelSource("/models/qwen.gguf"), { kind: "local", path: "/models/qwen.gguf" });
            assert.deepEqual(describeModelSource("C:\\models\\qwen.gguf"), { kind: "local", path: "C:\\models\\qwen.gguf" });
            assert.deepEqual(describeModelSource("qwen.gguf"), { kind: "local", path: "qwen.gguf" });
        });

        it("expands ~ when given the home folder", () => {
            assert.deepEqual(describeModelSource("~/models/q.gguf", { homeDir: "/home/me/" }), { kind: "local", path: "/home/me/models/q.gguf" });
            assert.deepEqual(describeModelSource("~\\m\\q.gguf", { homeDir: "C:\\Users\\me" }), { kind: "local", path: "C:\\Users\\me\\m\\q.gguf" });
            assert.deepEqual(describeModelSource("~/q.gguf"), { kind: "local", path: "~/q.gguf" });
            assert.deepEqual(describeModelSource("~other/q.gguf", { homeDir: "/home/me" }), { kind: "local", path: "~other/q.gguf" });
        });

        it("turns a Hugging Face file URL into its hf: URI", () => {
            const source = describeModelSource("https://huggingface.co/unsloth/Qwen3.5-4B-GGUF/resolve/main/Qwen3.5-4B-UD-Q4_K_XL.gguf?download=true");
            assert.ok(source.kind === "hf" && source.uri === "hf:unsloth/Qwen3.5-4B-GGUF/Qwen3.5-4B-UD-Q4_K_XL.gguf");
            const blob = describeModelSource("https://hf.co/u/r/blob/dev/sub/m.gguf");
            assert.ok(blob.kind === "hf" && blob.uri === "hf:u/r/sub/m.gguf#dev");
        });

        it("explains what is wrong with an unusable setting", () => {
            const cases: [string, RegExp][] = [
                ["", /No model is set/],
                ["   ", /No model is set/],
                ["hf:unsloth", /not a valid repository name/],
                ["https://example.com/model.gguf", /is a URL; the model must be a local \.gguf path or an hf: URI/],
                ["unsloth/Qwen3.5-9B-GGUF:UD-Q4_K_XL", /did you mean "hf:unsloth\/Qwen3.5-9B-GGUF:UD-Q4_K_XL"\?/]
            ];
            for (const [setting, message] of cases) {
                const source = describeModelSource(setting);
                assert.equal(source.kind, "invalid", setting);
                assert.ok(source.kind === "invalid" && message.test(source.message), `${setting}: ${JSON.stringify(source)}`);
            }
        });
    });

    describe("buildModelChoices", () => {
        it("lists downloaded models, browse, enter a URI, then the catalog models not downloaded, marking the current one", () => {
            const choices = buildModelChoices([
                { path: "/m/hf_unsloth_Qwen3.5-9B.UD-Q4_K_XL.gguf", sizeBytes: 5.96e9, uri: "hf:unsloth/Qwen3.5-9B-GGUF:UD-Q4_K_XL" },
                { path: "/m/custom.gguf", sizeBytes: 1.2e6 }
            ], "hf:unsloth/Qwen3.5-9B-GGUF:ud-q4_k_xl");
            assert.deepEqual(choices.map((choice) => [choice.kind, choice.label]), [
                ["downloaded", "Qwen3.5-9B UD-Q4_K_XL"],
                ["downloaded", "custom.gguf"],
                ["browse", "Browse for a .gguf file…"],
                ["enterUri", "Enter an hf: URI…"],
                ["catalog", "Qwen3.5-35B-A3B UD-Q4_K_XL (default)"],
                ["catalog", "Qwen3.5-27B UD-Q4_K_XL"],
                ["catalog", "Qwen3.5-4B UD-Q4_K_XL"]
            ]);
            const [nine, custom] = choices;
            assert.ok(nine!.kind === "downloaded" && nine.current && nine.setting === "hf:unsloth/Qwen3.5-9B-GGUF:UD-Q4_K_XL");
            assert.match(nine!.detail, /^Downloaded · 6\.0 GB · needs about 9\.3 GB of memory · \/m\//);
            assert.ok(custom!.kind === "downloaded" && !custom.current && custom.setting === "/m/custom.gguf");
            const big = choices[4]!;
            assert.ok(big.kind === "catalog" && !big.current && big.setting === DEFAULT_MODEL);
            assert.match(big.detail, /^Download 22\.2 GB · needs about 24\.8 GB of memory · Recommended/);
        });

        it("marks a local file as current by its path", () => {
            const choices = buildModelChoices([{ path: "/m/custom.gguf", sizeBytes: 10 }], "/m/custom.gguf");
            assert.equal(choices[0]!.kind === "downloaded" && choices[0].current, true);
        });
    });

    describe("consent and progress text", () => {
        it("says size, place and memory for a catalog model", () => {
            const model = MODEL_CATALOG[0]!;
            const text = describeDownloadConsent({
                uri: model.uri, sizeBytes: model.fileSizeBytes, ramBytes: model.ramBytes, directory: "/storage/models",
                description: model.description
            });
            assert.equal(text.message, `Download the model ${model.uri} (about 22.2 GB)?`);
            assert.match(text.detail, /saved in \/storage\/models\. Running it needs about 24\.8 GB of memory/);
            assert.match(text.detail, /resumes where it stopped/);
        });

        it("says the size comes later for an unknown model", () => {
            const text = describeDownloadConsent({ uri: "hf:a/b:Q8_0", directory: "/d", description: "Unknown." });
            assert.equal(text.message, "Download the model hf:a/b:Q8_0 (a size shown when the download starts)?");
        });

        it("writes progress as bytes, percent, speed and time left", () => {
            assert.equal(formatProgress({ downloadedBytes: 11.1e9, totalBytes: 22.2e9, percent: 50, bytesPerSecond: 48.1e6, etaSeconds: 230 }),
                "11.1 GB of 22.2 GB (50%) · 48.1 MB/s · 3 min 50 s left");
            assert.equal(formatProgress({ downloadedBytes: 0, totalBytes: 22.2e9, percent: 0, bytesPerSecond: 0, etaSeconds: undefined }),
                "0 B of 22.2 GB (0%)");
            assert.equal(formatProgress({ downloadedBytes: 999, totalBytes: 1000, percent: 99.9, bytesPerSecond: 1, etaSeconds: 1 }),
                "999 B of 1.0 KB (99%) · 1 B/s · 1 s left");
        });
    });

    describe("units", () => {
        it("formats bytes in decimal units", () => {
            const cases: [number, string][] = [
                [0, "0 B"], [999, "999 B"], [999.5, "1.0 KB"], [1000, "1.0 KB"], [1536, "1.5 KB"], [999_499, "999 KB"], [999_500, "1.0 MB"], [99_949, "99.9 KB"], [99_950, "100 KB"],
                [5.55 * GIB, "6.0 GB"], [22_226_455_757, "22.2 GB"], [150e9, "150 GB"], [2.5e12, "2.5 TB"],
                [-1, "unknown size"], [Number.NaN, "unknown size"], [Infinity, "unknown size"]
            ];
            for (const [bytes, text] of cases) assert.equal(formatBytes(bytes), text, String(bytes));
            assert.equal(formatSpeed(12.34e6), "12.3 MB/s");
        });

        it("formats durations for an ETA", () => {
            const cases: [number | undefined, string][] = [
                [0, "0 s"], [0.4, "0 s"], [44.6, "45 s"], [60, "1 min"], [192, "3 min 12 s"], [599, "9 min 59 s"],
                [600, "10 min"], [629, "10 min"], [3599, "1 h"], [3900, "1 h 5 min"], [7200, "2 h"], [90_000, "1 d 1 h"],
                [172_800, "2 d"], [undefined, "unknown"], [Infinity, "unknown"], [Number.NaN, "unknown"], [-5, "unknown"]
            ];
            for (const [seconds, text] of cases) assert.equal(formatDuration(seconds), text, String(seconds));
        });
    });
});
