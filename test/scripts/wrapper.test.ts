import * as assert from "assert";
import * as crypto from "crypto";

import { preflightScript } from "../../components/steps/prepare";
import { remoteCommand, script, writeFileAtomic } from "../../components/steps/shell";
import { bytesOf, disposeSandboxes, Run, sandbox, statOf, succeeded } from "./sandbox";
import { cniDirCommand } from "./steps";

/** Contents that trip naive quoting and here-documents. */
const AWKWARD = [
    "plain\n",
    "it's \"quoted\" $HOME `id` $(id) \\ \\\\ %s\n",
    "unbalanced ( ) ) (\n",
    "PULUMI_K3S_STEP is only bad alone on a line\n",
    "no trailing newline",
    "\n\nleading and trailing blank lines\n\n",
    "EOF\n'\n\"\n",
];

function writeCommand(content: string, sudo: boolean, user = "root"): string {
    return remoteCommand(script("awkward", writeFileAtomic("/data/out", content, "0644")),
        { sudo, user });
}

const USERS = "useradd -M -s /bin/sh alice\nuseradd -M -s /bin/sh bob\n" +
    "echo 'alice ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/alice\n" +
    "chmod 0440 /etc/sudoers.d/alice\n";

describe("the remote command wrapper, executed", () => {
    afterEach(disposeSandboxes);

    it("runs the step script through sh -c from a bash or dash login shell, bytes intact",
        () => {
            for (const shell of ["bash", "dash"] as const) {
                const runs: Run[] = AWKWARD.map((content) => ({
                    command: writeCommand(content, false), shell,
                    before: "rm -f /data/out",
                }));
                const check: Run = { command: remoteCommand("echo \"shell=$0\"\n",
                    { sudo: false, user: "root" }), shell };
                const result = sandbox({ runs: [...runs, check], inspect: "cat /data/out" });
                result.runs.forEach((run) => succeeded(run));
                assert.strictEqual(result.runs[AWKWARD.length].stdout, "shell=sh\n");
                assert.strictEqual(result.inspect, AWKWARD[AWKWARD.length - 1], shell);
                for (let i = 0; i < AWKWARD.length; i++) {
                    const sha = crypto.createHash("sha256").update(AWKWARD[i]).digest("hex");
                    assert.ok(result.runs[i].listing.includes(`${sha}  /data/out\n`),
                        `${shell}: wrong bytes for ${JSON.stringify(AWKWARD[i])}`);
                }
            }
        });

    it("writes each awkward content byte for byte", () => {
        for (const content of AWKWARD) {
            const result = sandbox({ runs: [{ command: writeCommand(content, false) }] });
            succeeded(result.runs[0]);
            assert.strictEqual(bytesOf(result, "/data/out").toString(), content);
        }
    });

    it("runs the step as root through sudo -n for a login user with NOPASSWD sudo, " +
        "keeping data/cni 0755 under the login's umask 077 (c03)", () => {
        const command = remoteCommand(preflightScript().replace(/\nif \[ -d[\s\S]*?\nfi\n/,
            "\ninit=test\n"), { sudo: true, user: "alice" });
        const result = sandbox({
            setup: USERS,
            runs: [{ command, user: "alice", umask: "077" },
                { command: remoteCommand(cniDirScriptBody(), { sudo: true, user: "alice" }),
                    user: "alice", umask: "077" }],
        });
        const run = succeeded(result.runs[0]);
        assert.match(run.stdout, /^init=test$/m);
        // sudo keeps the stricter umask of the login, so the steps must set their own (c03).
        assert.match(run.stdout, /^umask=0077$/m);
        succeeded(result.runs[1]);
        const dir = statOf(result, "/var/lib/rancher/k3s/data/cni");
        assert.deepStrictEqual([dir.mode, dir.uid, dir.gid], [0o755, 0, 0]);
    });

    it("fails at once with a message naming sudo when sudo would ask for a password (c12)",
        () => {
            const started = Date.now();
            const result = sandbox({
                setup: USERS,
                runs: [{ command: remoteCommand(cniDirScriptBody(), { sudo: true, user: "bob" }),
                    user: "bob" }],
            });
            const run = result.runs[0];
            assert.strictEqual(run.code, 1);
            assert.strictEqual(run.stderr, "pulumi-k3s: sudo for user bob asks for a password " +
                "or is not allowed; this component needs passwordless sudo (NOPASSWD) for " +
                "that user, or connect as root\n");
            assert.doesNotMatch(run.listing, /data\/cni/);
            assert.ok(Date.now() - started < 20_000);
        });

    it("names sudo when a sudo on PATH says a password is required, never running the " +
        "step (c12)", () => {
            const fakeSudo = "#!/bin/sh\necho \"$*\" >> /pk3s-io/sudo-calls\n" +
                "echo 'sudo: a password is required' >&2\nexit 1\n";
            const result = sandbox({
                fakes: { sudo: fakeSudo },
                runs: [{ command: remoteCommand(cniDirScriptBody(), { sudo: true,
                    user: "carol" }) }],
                inspect: "cat /pk3s-io/sudo-calls",
            });
            assert.strictEqual(result.runs[0].code, 1);
            assert.match(result.runs[0].stderr,
                /^pulumi-k3s: sudo for user carol asks for a password/);
            assert.doesNotMatch(result.runs[0].stderr, /a password is required/);
            assert.strictEqual(result.inspect, "-n true\n");
        });

    it("passes stdin through sudo to the step", () => {
        const command = remoteCommand(script("stdin", ["cat > /data/in"]),
            { sudo: true, user: "alice" });
        const result = sandbox({
            setup: USERS,
            runs: [{ command, user: "alice", stdin: "secret'\"$x\n" }],
        });
        succeeded(result.runs[0]);
        assert.strictEqual(bytesOf(result, "/data/in").toString(), "secret'\"$x\n");
    });

    it("refuses a script that contains its own here-document delimiter line", () => {
        assert.throws(() => remoteCommand("echo\nPULUMI_K3S_STEP\n", { sudo: false,
            user: "root" }), /contains the line PULUMI_K3S_STEP/);
    });
});

function cniDirScriptBody(): string {
    const command = cniDirCommand();
    return command.slice(command.indexOf("\n") + 1, command.lastIndexOf("PULUMI_K3S_STEP"));
}
