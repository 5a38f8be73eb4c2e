import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fc from "fast-check";

import { shellQuote } from "../../components/steps/shell";

/** What `shell -c "printf '%s' <word>"` prints; no file is touched. */
function printed(shell: string, word: string): string {
    const done = spawnSync(shell, ["-c", `printf '%s' ${word}`], { encoding: "utf8" });
    assert.strictEqual(done.status, 0, done.stderr);
    return done.stdout;
}

describe("shellQuote, executed", () => {
    it("makes one word that sh, dash and bash print back unchanged, for any text without NUL",
        () => {
            const text = fc.string({ unit: "binary", maxLength: 40 })
                .filter((s) => !s.includes("\0"));
            fc.assert(fc.property(text, (value) => {
                for (const shell of ["dash", "bash"]) {
                    assert.strictEqual(printed(shell, shellQuote(value)), value, shell);
                }
            }), { numRuns: 150 });
        });

    it("keeps the words of K3s flags and paths readable, unquoted", () => {
        for (const word of ["/var/lib/rancher/k3s", "v1.31.7+k3s1", "https://h:6443",
            "key=value,other"]) {
            assert.strictEqual(shellQuote(word), word);
        }
        assert.strictEqual(shellQuote(""), "''");
        assert.strictEqual(shellQuote("it's"), "'it'\\''s'");
        assert.throws(() => shellQuote("a\0b"), /NUL byte cannot be passed to a shell/);
    });
});
