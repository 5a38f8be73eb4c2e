import * as assert from "assert";

import { planNode } from "../../components/args/plan";
import { configYamlFor } from "../../components/nodeConfig";
import { valueOf } from "../support/mocks";
import { bytesOf, disposeSandboxes, sandbox, statOf, succeeded } from "./sandbox";
import { configCommand, serverArgs } from "./steps";

const CONFIG = "/etc/rancher/k3s/config.yaml";
const TOKEN_DIR = "/var/lib/rancher/k3s/pulumi-k3s";
const TOKEN = `${TOKEN_DIR}/join-token`;
/** Quotes, command substitutions, backticks, backslashes, printf directives and a newline. */
const HOSTILE = `K10a'b"c$(touch /tmp/pwned)\`touch /tmp/pwned2\`\\n\\\\x %s %d\n` +
    "second line $HOME ${PATH}";

/** A fake mktemp that records every process's argv while the step runs, then does its job. */
const ARGV_SPY = "#!/bin/sh\nfor f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < $f; echo; done " +
    ">> /pk3s-io/argv 2>/dev/null\nexec /usr/bin/mktemp \"$@\"\n";

describe("the config step, executed", () => {
    afterEach(disposeSandboxes);

    it("writes config.yaml 0600 and the token from stdin 0600 in a 0700 folder, byte for " +
        "byte (c10)", async () => {
        for (const shell of ["bash", "dash"] as const) {
            const result = sandbox({
                setup: "mkdir -p /var/lib/rancher/k3s",
                runs: [{ command: await configCommand({ token: HOSTILE }), stdin: HOSTILE,
                    umask: "022", shell }],
                inspect: "ls /tmp/pwned /tmp/pwned2 2>&1 || true",
            });
            const run = succeeded(result.runs[0]);
            assert.match(run.stdout, /wrote \/etc\/rancher\/k3s\/config\.yaml and the token file/);
            assert.strictEqual(bytesOf(result, TOKEN).toString(), HOSTILE, shell);
            assert.deepStrictEqual([statOf(result, TOKEN).mode, statOf(result, TOKEN_DIR).mode,
                statOf(result, CONFIG).mode, statOf(result, "/etc/rancher/k3s").mode],
            [0o600, 0o700, 0o600, 0o755], shell);
            assert.doesNotMatch(result.inspect, /^\/tmp\/pwned/m);
            assert.doesNotMatch(run.stdout + run.stderr, /K10a/);
        }
    });

    it("writes exactly the planned config.yaml, token-file included", async () => {
        const args = serverArgs({ token: "t", nodeLabels: { team: "a" }, config: {
            "kube-apiserver-arg": ["audit-log-path=/var/log/it's here.log"] } });
        const yaml = await valueOf(configYamlFor(args, planNode("n1", args)));
        const result = sandbox({ runs: [{ command: await configCommand(args), stdin: "t" }] });
        succeeded(result.runs[0]);
        assert.strictEqual(bytesOf(result, CONFIG).toString(), yaml);
        assert.match(yaml, /^token-file: \/var\/lib\/rancher\/k3s\/pulumi-k3s\/join-token$/m);
        assert.match(yaml, /it's here\.log/);
    });

    it("never puts the token in a process's argv while writing it (c10)", async () => {
        const result = sandbox({
            fakes: { mktemp: ARGV_SPY },
            runs: [{ command: await configCommand({ token: HOSTILE }), stdin: HOSTILE }],
            inspect: "cat /pk3s-io/argv",
        });
        succeeded(result.runs[0]);
        assert.match(result.inspect, /sh -c/, "the spy saw the step's processes");
        assert.doesNotMatch(result.inspect, /K10a/);
    });

    it("refuses a new token on a server that bootstrapped with another, keeping the old one",
        async () => {
            const result = sandbox({
                setup: `mkdir -p ${TOKEN_DIR} /var/lib/rancher/k3s/server/cred\n` +
                    `printf old-token > ${TOKEN}\nchmod 0600 ${TOKEN}`,
                runs: [{ command: await configCommand({ token: "new-token" }),
                    stdin: "new-token" },
                { command: await configCommand({ token: "old-token" }), stdin: "old-token" }],
            });
            const refused = result.runs[0];
            assert.strictEqual(refused.code, 1);
            assert.match(refused.stderr, /already bootstrapped its cluster with another token/);
            assert.match(refused.stderr, /k3s token rotate/);
            assert.doesNotMatch(refused.stderr, /old-token|new-token/);
            succeeded(result.runs[1]);
            assert.strictEqual(bytesOf(result, TOKEN).toString(), "old-token");
        });

    it("lets an agent take a new token", async () => {
        const agent = { role: "agent" as const, serverUrl: "https://10.0.0.1:6443",
            token: "new-token" };
        const result = sandbox({
            setup: `mkdir -p ${TOKEN_DIR} /var/lib/rancher/k3s/server/cred\n` +
                `printf old-token > ${TOKEN}`,
            runs: [{ command: await configCommand(agent), stdin: "new-token" }],
        });
        succeeded(result.runs[0]);
        assert.strictEqual(bytesOf(result, TOKEN).toString(), "new-token");
    });

    it("changes nothing on a second run: modes, owners, mtimes and bytes", async () => {
        const command = await configCommand({ token: HOSTILE });
        const result = sandbox({
            setup: "mkdir -p /var/lib/rancher/k3s",
            runs: [{ command, stdin: HOSTILE }, { command, stdin: HOSTILE }],
        });
        succeeded(result.runs[1]);
        assert.strictEqual(result.runs[1].listing, result.runs[0].listing);
    });

    it("tightens an existing token folder to 0700", async () => {
        const result = sandbox({
            setup: `mkdir -p -m 0755 ${TOKEN_DIR}`,
            runs: [{ command: await configCommand({ token: "t" }), stdin: "t" }],
        });
        succeeded(result.runs[0]);
        assert.strictEqual(statOf(result, TOKEN_DIR).mode, 0o700);
    });

    it("drops only trailing newlines from the token, which K3s trims from a token file too",
        async () => {
            const result = sandbox({
                runs: [{ command: await configCommand({ token: "t" }), stdin: "a\nb\n\n" }],
            });
            succeeded(result.runs[0]);
            assert.strictEqual(bytesOf(result, TOKEN).toString(), "a\nb");
        });

    it("writes no token file when no token is given", async () => {
        const result = sandbox({ runs: [{ command: await configCommand() }] });
        succeeded(result.runs[0]);
        assert.doesNotMatch(result.runs[0].listing, /join-token/);
        assert.doesNotMatch(bytesOf(result, CONFIG).toString(), /token/);
    });
});
