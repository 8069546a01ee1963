import assert from "node:assert/strict";
import { StopStringMatcher } from "../../src/core/stopStrings";

function run(stops: string[], pieces: string[]): { emitted: string; stop?: string; full: string } {
    const matcher = new StopStringMatcher(stops);
    let emitted = "";
    for (const piece of pieces) {
        const { emit, stop } = matcher.push(piece);
        emitted += emit;
        if (stop !== undefined) return { emitted, stop, full: matcher.fullText };
    }
    emitted += matcher.flush();
    return { emitted, full: matcher.fullText };
}

describe("StopStringMatcher", () => {
    it("passes text through when there are no stop strings", () => {
        assert.deepEqual(run([], ["ab", "c"]), { emitted: "abc", full: "abc" });
    });

    it("stops at a stop string inside one piece, keeping only the text before it", () => {
        assert.deepEqual(run(["<|im_end|>"], ["hello<|im_end|>tail"]), { emitted: "hello", stop: "<|im_end|>", full: "hello" });
    });

    it("finds a stop string split across pieces and never emits its start", () => {
        const matcher = new StopStringMatcher(["</tool_call>"]);
        assert.equal(matcher.push("done </to").emit, "done ");
        assert.equal(matcher.push("ol_").emit, "");
        const last = matcher.push("call> more");
        assert.equal(last.stop, "</tool_call>");
        assert.equal(last.emit, "");
        assert.equal(matcher.fullText, "done ");
    });

    it("releases held-back text when it turns out not to be a stop string", () => {
        const matcher = new StopStringMatcher(["\n\n"]);
        assert.equal(matcher.push("line\n").emit, "line");
        assert.equal(matcher.push("next").emit, "\nnext");
        assert.equal(matcher.flush(), "");
    });

    it("stops at the earliest of several stop strings", () => {
        assert.equal(run(["b", "a"], ["xxab"]).stop, "a");
        assert.equal(run(["b", "a"], ["xxab"]).emitted, "xx");
    });

    it("flushes held text at the end of generation", () => {
        assert.deepEqual(run(["STOP"], ["abc", "ST"]), { emitted: "abcST", full: "abcST" });
    });

    it("streams a 2 MB answer token by token, with stop-string starts all along it, and finds the stop at its end", () => {
        // Before: every push searched the whole answer (a 192 KB answer took 37 s); now each push looks at a bounded window.
        const matcher = new StopStringMatcher(["<|im_end|>", "</tool_call>", "\n\n\n"]);
        const unit = "text <|im_en</tool_cal\n\n";
        let emitted = "";
        const total = 2 * 1024 * 1024;
        for (let sent = 0; sent < total; sent += unit.length) {
            for (const piece of unit.match(/.{1,3}/gs)!) {
                const { emit, stop } = matcher.push(piece);
                assert.equal(stop, undefined);
                emitted += emit;
            }
        }
        const last = matcher.push("end<|im_end|>ignored");
        emitted += last.emit;
        assert.equal(last.stop, "<|im_end|>");
        assert.equal(emitted, matcher.fullText);
        assert.ok(emitted.endsWith("\n\nend") && emitted.length >= total);
    });
});
