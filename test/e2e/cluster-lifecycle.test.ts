/**
 * One K3sCluster of three local SSH nodes through the real engine, from the first `up` to
 * `destroy`: a root server, a root agent with its own CNI conf dir, and an agent that logs in
 * as a user with passwordless sudo. Every node runs custom CNI (flannel off): the mode must be
 * the same on every node, since agents take the flannel backend from their server.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import * as TOML from "@iarna/toml";
import { Stack } from "@pulumi/pulumi/automation";

import { K3sCluster } from "../../components";
import { engineStack } from "../support/engine";
import { SshNode, startNodes, stopNodes } from "../support/nodes";
import {
    K3S_VERSION, READY_TIMEOUT_SECONDS, airgap, clusterNode, existsOnNode, fileBytes, onNode,
    ownerAndMode, sessionCounts, tidyAfterSuite, uniqueToken,
} from "./support/cluster";
import { EngineLog } from "./support/engine-log";

const DATA_DIR = "/var/lib/rancher/k3s";
const TEMPLATE = `${DATA_DIR}/agent/etc/containerd/config-v3.toml.tmpl`;
const GENERATED = `${DATA_DIR}/agent/etc/containerd/config.toml`;
const CNI_TABLE = ["plugins", "io.containerd.cri.v1.runtime", "cni"];

/** The template the custom-CNI agent must hold, byte for byte. */
function expectedTemplate(confDir: string): string {
    return [
        "# Written by pulumi-k3s: the containerd CNI section.",
        '{{ template "base" . }}',
        "",
        '[plugins."io.containerd.cri.v1.runtime".cni]',
        `bin_dir = "${DATA_DIR}/data/cni"`,
        `conf_dir = "${confDir}"`,
        "",
    ].join("\n");
}

/** The CNI table of the containerd config K3s generated on the node. */
async function generatedCniTable(node: SshNode): Promise<Record<string, unknown>> {
    const doc = TOML.parse((await fileBytes(node, GENERATED)).toString("utf8")) as
        Record<string, unknown>;
    const table = CNI_TABLE.reduce<unknown>((t, key) =>
        (t as Record<string, unknown> | undefined)?.[key], doc);
    assert.ok(table, `${node.name}: no ${CNI_TABLE.join(".")} table in ${GENERATED}`);
    return table as Record<string, unknown>;
}

describe("K3sCluster of three nodes through the real engine", function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pk3s-e2e-cluster-"));
    const log = new EngineLog(path.join(dir, "engine-log"));
    const desired = { agentConfDir: "/etc/cni/net.d" };
    let nodes: SshNode[] = [];
    let stack: Stack;

    const byName = (name: string) => nodes.find((n) => n.name === name)!;

    before(async function () {
        this.timeout(60_000);
        nodes = await startNodes({
            dir: path.join(dir, "nodes"), count: 3, names: ["server", "agent-root", "agent-sudo"],
            sudoUserIndexes: [2],
        });
        const token = uniqueToken("e2e-cluster");
        stack = await engineStack({
            dir: path.join(dir, "engine"),
            program: async () => {
                const cluster = new K3sCluster("e2e", {
                    version: K3S_VERSION, token,
                    servers: [clusterNode(byName("server"))],
                    agents: [
                        clusterNode(byName("agent-root"),
                            { cni: { mode: "custom", confDir: desired.agentConfDir } }),
                        clusterNode(byName("agent-sudo")),
                    ],
                    defaults: { install: { airgap }, cni: { mode: "custom" },
                        readyTimeoutSeconds: READY_TIMEOUT_SECONDS },
                });
                return { kubeconfig: cluster.kubeconfig, token: cluster.token,
                    cniDirs: cluster.cniDirs };
            },
        });
    });

    tidyAfterSuite({ dir: () => dir, keeps: "engine output and events under engine-log/",
        stop: () => stopNodes(nodes) });

    it("c01: up installs every node with data/cni root:root 0755, 0600 config and token, " +
        "and the config-v3 template's CNI table where containerd reads it", async () => {
        const up = await stack.up(log.operation());
        assert.strictEqual(up.summary.result, "succeeded");
        assert.strictEqual(up.outputs.kubeconfig.secret, true, "kubeconfig output is secret");
        assert.strictEqual(up.outputs.token.secret, true, "token output is secret");
        assert.match(String(up.outputs.kubeconfig.value), /server: https:\/\/127\.0\.0\.1:6443/);
        const cniDirs = up.outputs.cniDirs.value as Record<string, { binDir: string;
            confDir: string }>;
        assert.deepStrictEqual(Object.keys(cniDirs).sort(), ["agent-root", "agent-sudo",
            "server"]);
        for (const node of nodes) {
            assert.strictEqual(await ownerAndMode(node, `${DATA_DIR}/data/cni`), "root:root 755",
                `${node.name}: data/cni`);
            assert.strictEqual(await ownerAndMode(node, "/etc/rancher/k3s/config.yaml"),
                "root:root 600", `${node.name}: config.yaml`);
            assert.strictEqual(await ownerAndMode(node, `${DATA_DIR}/pulumi-k3s/join-token`),
                "root:root 600", `${node.name}: token file`);
            const unit = node.name === "server" ? "k3s.service" : "k3s-agent.service";
            assert.ok(await existsOnNode(node, `/etc/systemd/system/${unit}`), unit);
            const table = await generatedCniTable(node);
            assert.strictEqual(table.bin_dir, cniDirs[node.name].binDir,
                `${node.name}: generated bin_dir vs the exported cniBinDir`);
            assert.strictEqual(table.bin_dir, `${DATA_DIR}/data/cni`);
        }
        const agent = byName("agent-root");
        assert.strictEqual((await fileBytes(agent, TEMPLATE)).toString("utf8"),
            expectedTemplate("/etc/cni/net.d"));
        assert.strictEqual((await generatedCniTable(agent)).conf_dir, "/etc/cni/net.d");
        assert.strictEqual((await generatedCniTable(byName("server"))).conf_dir,
            `${DATA_DIR}/agent/etc/cni/net.d`);
    });

    it("c14: a second preview and a second up report only `same` and open no SSH session",
        async () => {
            const before = sessionCounts(nodes);
            const preview = await stack.preview(log.operation());
            assert.deepStrictEqual(Object.keys(preview.changeSummary), ["same"]);
            assert.deepStrictEqual([...log.changedSteps().keys()], []);
            const up = await stack.up(log.operation());
            assert.deepStrictEqual(Object.keys(up.summary.resourceChanges ?? {}), ["same"]);
            assert.strictEqual(up.summary.resourceChanges?.same, preview.changeSummary.same);
            assert.deepStrictEqual(sessionCounts(nodes), before);
        });

    it("a new cni.confDir on one agent previews as its template update and restart and " +
        "verify replacements only, and up rewrites that node alone", async () => {
        desired.agentConfDir = "/etc/cni/e2e.d";
        const before = sessionCounts(nodes);
        const preview = await stack.preview(log.operation());
        const changed = log.changedSteps();
        assert.deepStrictEqual([...changed.keys()].sort(), ["e2e-agent-root-containerd-template",
            "e2e-agent-root-restart", "e2e-agent-root-verify"]);
        assert.deepStrictEqual(changed.get("e2e-agent-root-containerd-template"), ["update"]);
        // deleteBeforeReplace: the old step goes first, then its replacement is created.
        for (const step of ["e2e-agent-root-restart", "e2e-agent-root-verify"]) {
            assert.deepStrictEqual([...changed.get(step)!].sort(),
                ["create-replacement", "delete-replaced", "replace"], step);
        }
        assert.strictEqual(preview.changeSummary.update, 1);
        assert.strictEqual(preview.changeSummary.replace, 2);
        assert.deepStrictEqual(sessionCounts(nodes), before, "preview opened an SSH session");

        const up = await stack.up(log.operation());
        const agent = byName("agent-root");
        assert.strictEqual((await fileBytes(agent, TEMPLATE)).toString("utf8"),
            expectedTemplate("/etc/cni/e2e.d"));
        assert.strictEqual((await generatedCniTable(agent)).conf_dir, "/etc/cni/e2e.d");
        const cniDirs = up.outputs.cniDirs.value as Record<string, { confDir: string }>;
        assert.strictEqual(cniDirs["agent-root"].confDir, "/etc/cni/e2e.d");
        const after = sessionCounts(nodes);
        assert.ok(after["agent-root"] > before["agent-root"], "agent-root got no session");
        assert.strictEqual(after.server, before.server, "the server was contacted");
        assert.strictEqual(after["agent-sudo"], before["agent-sudo"], "agent-sudo was contacted");
    });

    it("destroy uninstalls K3s from every node and leaves no config, data or unit behind",
        async () => {
            await stack.destroy(log.operation());
            for (const node of nodes) {
                for (const gone of ["/etc/rancher/k3s", DATA_DIR, "/usr/local/bin/k3s"]) {
                    assert.ok(!(await existsOnNode(node, gone)), `${node.name}: ${gone} left`);
                }
                assert.strictEqual(await onNode(node, "find /etc/systemd/system -name '*k3s*'"),
                    "", `${node.name}: K3s units or links left`);
                assert.strictEqual(await onNode(node, "ls -A /usr/local/bin"),
                    "journalctl\nsystemctl\n", `${node.name}: /usr/local/bin`);
            }
        });
});
