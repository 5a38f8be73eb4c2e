import * as assert from "assert";

import { planNode } from "../../components/args/plan";
import { TEMPLATE_MARKER } from "../../components/k3s/containerd";
import { bytesOf, disposeSandboxes, sandbox, statOf, succeeded } from "./sandbox";
import { removeTemplateScript } from "../../components/steps/prepare";
import { asRoot, cniDirCommand, serverArgs, templateCommand } from "./steps";

const CONTAINERD = "/var/lib/rancher/k3s/agent/etc/containerd";
const V2 = `${CONTAINERD}/config.toml.tmpl`;
const V3 = `${CONTAINERD}/config-v3.toml.tmpl`;
const OLD = `${TEMPLATE_MARKER}\n{{ template "base" . }}\n# the old template\n`;

function planned(version = "v1.31.7+k3s1"): string {
    return planNode("n1", serverArgs({ version, cni: { mode: "custom" } })).cni.template!.content;
}

describe("the containerd template step, executed", () => {
    afterEach(disposeSandboxes);

    it("writes the planned template 0644 in 0755 folders under umask 077, no temp file left",
        () => {
            const result = sandbox({ runs: [{ command: templateCommand(), umask: "077" }] });
            const run = succeeded(result.runs[0]);
            assert.strictEqual(bytesOf(result, V3).toString(), planned());
            assert.strictEqual(statOf(result, V3).mode, 0o644);
            for (const dir of [CONTAINERD, "/var/lib/rancher/k3s/agent/etc",
                "/var/lib/rancher/k3s/agent", "/var/lib/rancher/k3s"]) {
                assert.strictEqual(statOf(result, dir).mode, 0o755, dir);
            }
            assert.doesNotMatch(run.listing, /\.pulumi-k3s\./);
            assert.match(run.stdout, /wrote .*config-v3\.toml\.tmpl/);
        });

    it("replaces an old template of ours atomically with the new content", () => {
        const result = sandbox({
            setup: `mkdir -p ${CONTAINERD}\nprintf '%s' '${OLD}' > ${V3}`,
            runs: [{ command: templateCommand() }],
        });
        succeeded(result.runs[0]);
        assert.strictEqual(bytesOf(result, V3).toString(), planned());
    });

    it("removes our stale template of the other schema and keeps one a user wrote", () => {
        const user = "# my own containerd template\nversion = 2\n";
        const stale = sandbox({
            setup: `mkdir -p ${CONTAINERD}\nprintf '%s' '${OLD}' > ${V2}`,
            runs: [{ command: templateCommand() }],
        });
        succeeded(stale.runs[0]);
        assert.doesNotMatch(stale.runs[0].listing, /config\.toml\.tmpl /);
        const own = sandbox({
            setup: `mkdir -p ${CONTAINERD}\nprintf '%s' '${user}' > ${V2}`,
            runs: [{ command: templateCommand() }],
        });
        succeeded(own.runs[0]);
        assert.strictEqual(bytesOf(own, V2).toString(), user);
        assert.strictEqual(bytesOf(own, V3).toString(), planned());
    });

    it("keeps the old template and leaves no temp file when the disk is full", () => {
        const result = sandbox({
            setup: `mkdir -p ${CONTAINERD}\nmount -t tmpfs -o size=8k tmpfs ${CONTAINERD}\n` +
                `printf '%s' '${OLD}' > ${V3}\n` +
                `dd if=/dev/zero of=${CONTAINERD}/filler bs=1k 2>/dev/null || true`,
            runs: [{ command: templateCommand() }],
            inspect: `ls -a ${CONTAINERD}\ncat ${V3}`,
        });
        assert.notStrictEqual(result.runs[0].code, 0, result.runs[0].stdout);
        assert.match(result.runs[0].stderr,
            /No space left on device\npulumi-k3s: could not write .*\/config-v3\.toml\.tmpl/);
        assert.strictEqual(result.inspect, `.\n..\nconfig-v3.toml.tmpl\nfiller\n${OLD}`);
    });

    it("keeps the old template when the target is read-only", () => {
        const result = sandbox({
            setup: `mkdir -p ${CONTAINERD}\nmount -t tmpfs tmpfs ${CONTAINERD}\n` +
                `printf '%s' '${OLD}' > ${V3}\nmount -o remount,ro ${CONTAINERD}`,
            runs: [{ command: templateCommand() }],
            inspect: `ls -a ${CONTAINERD}\ncat ${V3}`,
        });
        assert.notStrictEqual(result.runs[0].code, 0);
        assert.match(result.runs[0].stderr, /Read-only file system/);
        assert.strictEqual(result.inspect, `.\n..\nconfig-v3.toml.tmpl\n${OLD}`);
    });

    it("keeps the old template when the writer is killed before the rename", () => {
        const result = sandbox({
            setup: `mkdir -p ${CONTAINERD}\nprintf '%s' '${OLD}' > ${V3}`,
            fakes: { mv: "#!/bin/sh\nkill -KILL $PPID\nexit 1\n" },
            runs: [{ command: templateCommand() }],
        });
        assert.strictEqual(result.runs[0].code, 137);
        assert.strictEqual(bytesOf(result, V3).toString(), OLD);
    });

    it("changes nothing on a second run: modes, owners, mtimes and bytes", () => {
        const command = templateCommand();
        const result = sandbox({ runs: [{ command }, { command, before: "sleep 0.05" }] });
        succeeded(result.runs[0]);
        succeeded(result.runs[1]);
        assert.strictEqual(result.runs[1].listing, result.runs[0].listing);
    });

    it("restores the template's mode on a second run when only the mode drifted", () => {
        const command = templateCommand();
        const result = sandbox({
            runs: [{ command }, { command, before: `chmod 0666 ${V3}` }],
        });
        succeeded(result.runs[1]);
        assert.strictEqual(statOf(result, V3).mode, 0o644);
    });

    it("removes only our own template when the step is deleted", () => {
        // The delete text of the template step, as K3sNode registers it.
        const result = sandbox({
            setup: `mkdir -p ${CONTAINERD}\nprintf '%s' '${OLD}' > ${V3}\n` +
                `echo '# mine' > ${V2}`,
            runs: [{ command: asRoot(removeTemplateScript(V3)) },
                { command: asRoot(removeTemplateScript(V2)) }],
        });
        succeeded(result.runs[0]);
        succeeded(result.runs[1]);
        assert.doesNotMatch(result.runs[1].listing, /config-v3\.toml\.tmpl/);
        assert.strictEqual(bytesOf(result, V2).toString(), "# mine\n");
    });
});

describe("switching a node from custom CNI to flannel, executed", () => {
    afterEach(disposeSandboxes);

    it("removes our custom template before K3s restarts, keeping a user's template", () => {
        // The template step is deleted only after the update, so the steps that run before
        // restart must remove it: base renders flannel's CNI table, ours would duplicate it.
        const user = "# my own containerd template\n";
        const result = sandbox({
            setup: `mkdir -p ${CONTAINERD}\nprintf '%s' '${OLD}' > ${V3}\n` +
                `printf '%s' '${user}' > ${V2}`,
            runs: [{ command: cniDirCommand() }],
        });
        succeeded(result.runs[0]);
        assert.doesNotMatch(result.runs[0].listing, /config-v3\.toml\.tmpl/);
        assert.strictEqual(bytesOf(result, V2).toString(), user);
    });
});
