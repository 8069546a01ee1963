import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { samplingFor } from "../../src/core/qwen35/sampling";
import { contributedProperties, DEFAULT_MODEL, readSettings, SETTINGS, thinkingFor } from "../../src/core/settings";

const packageJson = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../package.json"), "utf8"));

describe("settings", () => {
    it("package.json's contributes.configuration mirrors the settings table exactly", () => {
        assert.deepEqual(packageJson.contributes.configuration.properties, contributedProperties());
    });

    it("the default model is the recommended Qwen3.5-35B-A3B quant", () => {
        assert.equal(SETTINGS.model.default, DEFAULT_MODEL);
        assert.equal(DEFAULT_MODEL, "hf:unsloth/Qwen3.5-35B-A3B-GGUF:UD-Q4_K_XL");
    });

    it("reads values, falling back to defaults for missing, mistyped or out-of-range ones", () => {
        const values: Record<string, unknown> = { model: "/m.gguf", contextSize: 10, gpu: "cuda-please", idleUnloadMinutes: "5", threads: 4 };
        const settings = readSettings((key) => values[key]);
        assert.equal(settings.model, "/m.gguf");
        assert.equal(settings.contextSize, SETTINGS.contextSize.default, "below the minimum");
        assert.equal(settings.gpu, "auto", "not one of the enum values");
        assert.equal(settings.idleUnloadMinutes, 15, "wrong type");
        assert.equal(settings.threads, 4);
        assert.equal(settings["inlineSuggestions.enabled"], true);
    });

    it("sampling overrides apply per mode on top of the model card's presets", () => {
        const settings = readSettings((key) => ({ "sampling.thinking": { temperature: 0.3, topK: -4 } } as Record<string, unknown>)[key]);
        assert.deepEqual(samplingFor(true, { thinking: settings["sampling.thinking"], nonThinking: settings["sampling.nonThinking"] }),
            { temperature: 0.3, topP: 0.95, topK: 20, minP: 0, presencePenalty: 0 }, "an invalid topK is ignored");
        assert.deepEqual(samplingFor(false, { thinking: settings["sampling.thinking"], nonThinking: settings["sampling.nonThinking"] }),
            { temperature: 0.7, topP: 0.8, topK: 20, minP: 0, presencePenalty: 1.5 });
        assert.deepEqual(readSettings((key) => (key === "sampling.nonThinking" ? [1, 2] : undefined))["sampling.nonThinking"], {});
    });

    it("thinking per task: defaults on for explain, fix, tests, chat and agent, off for the quick rewrites", () => {
        const settings = readSettings(() => undefined);
        assert.deepEqual(settings.thinking, {
            chat: "on", agent: "on", explain: "on", fix: "on", tests: "on", edit: "off", document: "off", simplify: "off", types: "off"
        });
        assert.equal("completion" in settings.thinking, false, "inline completion never thinks and is not configurable");
        assert.deepEqual(thinkingFor(settings, "fix"), { thinking: true, thoughtBudgetTokens: 4096 });
        assert.deepEqual(thinkingFor(settings, "document"), { thinking: false, thoughtBudgetTokens: undefined });
        assert.deepEqual(thinkingFor(settings, "fix", false), { thinking: false, thoughtBudgetTokens: undefined }, "the one-off opposite");
        assert.deepEqual(thinkingFor(settings, "document", true), { thinking: true, thoughtBudgetTokens: 2048 });
    });

    it("a partial or partly invalid thinking map keeps the defaults of the other entries", () => {
        const values: Record<string, unknown> = {
            thinking: { fix: "off", document: "on", explain: "maybe", extra: "on" },
            thoughtBudgetTokens: { fix: 0, tests: -5, chat: "lots" }
        };
        const settings = readSettings((key) => values[key]);
        assert.equal(settings.thinking.fix, "off");
        assert.equal(settings.thinking.document, "on");
        assert.equal(settings.thinking.explain, "on", "an invalid value keeps the default");
        assert.equal("extra" in settings.thinking, false);
        assert.deepEqual(thinkingFor(settings, "document"), { thinking: true, thoughtBudgetTokens: 2048 });
        assert.equal(settings.thoughtBudgetTokens.tests, 4096, "below the minimum");
        assert.equal(settings.thoughtBudgetTokens.chat, 8192);
        assert.deepEqual(thinkingFor(settings, "fix", true), { thinking: true, thoughtBudgetTokens: undefined }, "a budget of 0 is no limit");
        assert.deepEqual(readSettings((key) => (key === "thinking" ? "on" : undefined)).thinking, SETTINGS.thinking.default);
    });

    it("every command in package.json is in the Qwen Local category with the qwenLocal prefix", () => {
        for (const command of packageJson.contributes.commands) {
            assert.match(command.command, /^qwenLocal\./);
            assert.equal(command.category, "Qwen Local");
        }
    });
});
