/**
 * The restart step's update, executed: it runs after a connection change, and also when an
 * earlier run of the step failed, which leaves K3s down, still starting, or running files older
 * than the ones on disk. It must start K3s again in those cases and leave it alone otherwise.
 */
import * as assert from "assert";

import { restartScript } from "../../components/steps/service";
import { disposeSandboxes, Run, sandbox, succeeded } from "../scripts/sandbox";
import { asRoot } from "../scripts/steps";

/** A systemctl that records its calls; `is-active` prints /data/state, `restart` sets it. */
const FAKE_SYSTEMCTL = [
    "#!/bin/sh",
    'echo "$*" >> /data/calls',
    'case "$1" in',
    "  is-active) cat /data/state ;;",
    "  restart) echo active > /data/state ;;",
    "esac",
    "",
].join("\n");

const create = asRoot(restartScript("server", 10));
const update = asRoot(restartScript("server", 10, { unlessCurrent: true }));
const calls = (before = "") => `${before}\n: > /data/calls`;

describe("the restart step's update, executed", () => {
    afterEach(disposeSandboxes);

    it("leaves an active K3s alone when its files are those the last start read", () => {
        const runs: Run[] = [{ command: create }, { command: update, before: calls() }];
        const result = sandbox({
            setup: "mkdir -p /run/systemd/system /etc/rancher/k3s\necho a > " +
                "/etc/rancher/k3s/config.yaml\necho inactive > /data/state",
            fakes: { systemctl: FAKE_SYSTEMCTL }, runs, inspect: "cat /data/calls",
        });
        assert.strictEqual(succeeded(result.runs[0]).stdout, "k3s is active\n");
        assert.match(succeeded(result.runs[1]).stdout, /not restarted/);
        assert.strictEqual(result.inspect, "is-active k3s\n");
    });

    it("starts K3s again when it is not active, or when a file it reads changed since", () => {
        const runs: Run[] = [
            { command: create },
            { command: update, before: calls("echo activating > /data/state") },
            { command: update, before: calls("echo b > /etc/rancher/k3s/config.yaml") },
            { command: update, before: calls("rm /var/lib/rancher/k3s/pulumi-k3s/started-k3s") },
        ];
        const result = sandbox({
            setup: "mkdir -p /run/systemd/system /etc/rancher/k3s\necho a > " +
                "/etc/rancher/k3s/config.yaml\necho inactive > /data/state",
            fakes: { systemctl: FAKE_SYSTEMCTL }, runs,
            inspect: "cat /data/calls; stat -c %a /var/lib/rancher/k3s/pulumi-k3s",
        });
        for (const run of result.runs.slice(1)) {
            assert.strictEqual(succeeded(run).stdout, "k3s is active\n");
        }
        assert.strictEqual(result.inspect, "is-active k3s\ndaemon-reload\n" +
            "restart --no-block k3s\nis-active k3s\n700\n");
    });
});
