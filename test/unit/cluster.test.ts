import * as assert from "assert";

import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";

import { K3sArgsError } from "../../components/args/errors";
import { K3sClusterArgs } from "../../components/args/cluster";
import { K3sCluster, rewriteKubeconfigServer } from "../../components/cluster";
import { isSecret, plain, recordResources, Registered, settle, valueOf } from "../support/mocks";
import { find, PRIVATE_KEY, scriptOf, thrown, writtenContent } from "./fixtures";

function haArgs(over: Partial<K3sClusterArgs> = {}): K3sClusterArgs {
    return {
        connection: { privateKey: PRIVATE_KEY },
        version: "v1.31.7+k3s1",
        servers: [
            { name: "s1", connection: { host: "10.0.0.1" } },
            { name: "s2", connection: { host: "10.0.0.2" } },
            { name: "s3", connection: { host: "10.0.0.3" } },
        ],
        agents: [
            { name: "a1", connection: { host: "10.0.0.21" } },
            { name: "a2", connection: { host: "10.0.0.22" } },
        ],
        ...over,
    };
}

async function registerCluster(args: K3sClusterArgs):
    Promise<{ cluster: K3sCluster; registered: Registered[] }> {
    const registered = await recordResources();
    const cluster = new K3sCluster("c", args);
    await settle();
    return { cluster, registered };
}

function configYaml(registered: Registered[], node: string): string {
    return writtenContent(scriptOf(registered, `${node}-config`), "/etc/rancher/k3s/config.yaml");
}

describe("K3sCluster", () => {
    it("starts an HA cluster with cluster-init on the first server only", async () => {
        const { registered } = await registerCluster(haArgs());
        assert.match(configYaml(registered, "c-s1"), /^cluster-init: true$/m);
        assert.doesNotMatch(configYaml(registered, "c-s1"), /^server:/m);
        for (const joiner of ["c-s2", "c-s3", "c-a1", "c-a2"]) {
            const yaml = configYaml(registered, joiner);
            assert.doesNotMatch(yaml, /cluster-init/, joiner);
            assert.match(yaml, /^server: https:\/\/10\.0\.0\.1:6443$/m, joiner);
        }
    });

    it("writes no cluster-init for a single server", async () => {
        const { registered } = await registerCluster(haArgs({
            servers: [{ name: "s1", connection: { host: "10.0.0.1" } }],
        }));
        assert.doesNotMatch(configYaml(registered, "c-s1"), /cluster-init/);
    });

    it("joins servers one at a time: each starts K3s once the previous server is ready",
        async () => {
            const { registered } = await registerCluster(haArgs());
            const deps = (name: string) => find(registered, name).dependencies;
            assert.ok(deps("c-s2-restart").includes(find(registered, "c-s1-restart").urn));
            assert.ok(deps("c-s3-restart").includes(find(registered, "c-s2-restart").urn));
            assert.ok(!registered.some((r) => r.name.startsWith("c-s2-") &&
                r.dependencies.some((urn) => urn.includes("c-s3-"))));
        });

    it("joins agents in parallel: only their K3s start waits, for the first server's ready",
        async () => {
            const { registered } = await registerCluster(haArgs({ token: "K10abc::server:pw" }));
            for (const agent of ["c-a1", "c-a2"]) {
                const steps = registered.filter((r) => r.name.startsWith(`${agent}-`));
                const waits = steps.filter((r) => r.dependencies.some((urn) => /c-s1-/.test(urn)));
                assert.deepStrictEqual(waits.map((r) => r.name), [`${agent}-restart`], agent);
                assert.ok(find(registered, `${agent}-restart`).dependencies
                    .includes(find(registered, "c-s1-restart").urn), agent);
                assert.ok(!steps.some((r) => r.dependencies.some((urn) =>
                    /c-(s2|s3|a1|a2)-/.test(urn) && !urn.includes(`${agent}-`))), agent);
                assert.deepStrictEqual(find(registered, agent).dependencies, [], agent);
            }
        });

    it("parents every node to the cluster and every step to its node", async () => {
        const { registered } = await registerCluster(haArgs());
        const cluster = find(registered, "c");
        assert.strictEqual(cluster.type, "k3s:index:K3sCluster");
        for (const node of ["s1", "s2", "s3", "a1", "a2"]) {
            const resource = find(registered, `c-${node}`);
            assert.strictEqual(resource.parent, cluster.urn, node);
            const steps = registered.filter((r) => r.name.startsWith(`c-${node}-`));
            assert.ok(steps.length >= 6);
            steps.forEach((step) => assert.strictEqual(step.parent, resource.urn, step.name));
        }
    });

    it("sends joiners the first server's token, read back as a secret, on stdin", async () => {
        const { registered, cluster } = await registerCluster(haArgs());
        assert.strictEqual(find(registered, "c-s1-config").inputs.stdin, undefined);
        const stdin = find(registered, "c-a1-config").inputs.stdin;
        assert.ok(isSecret(stdin));
        assert.strictEqual(plain(stdin), "K10abc::server:secret");
        assert.strictEqual(await pulumi.isSecret(cluster.token), true);
    });

    it("sends every node the given token, the first server included", async () => {
        const { registered } = await registerCluster(haArgs({ token: "given-token" }));
        for (const node of ["s1", "s2", "a1"]) {
            assert.strictEqual(plain(find(registered, `c-${node}-config`).inputs.stdin),
                "given-token", node);
        }
    });

    it("points joiners and the kubeconfig at apiServerAddress", async () => {
        const { registered, cluster } = await registerCluster(haArgs({
            apiServerAddress: "k3s.example", apiServerPort: 7443,
        }));
        assert.match(configYaml(registered, "c-s2"), /^server: https:\/\/k3s\.example:7443$/m);
        const kubeconfig = await valueOf(cluster.kubeconfig);
        assert.match(kubeconfig, /server: https:\/\/k3s\.example:7443/);
        assert.doesNotMatch(kubeconfig, /127\.0\.0\.1/);
        assert.strictEqual(await pulumi.isSecret(cluster.kubeconfig), true);
    });

    it("reports the CNI bin and conf dir of every node by name", async () => {
        const { cluster } = await registerCluster(haArgs());
        const dirs = await valueOf(cluster.cniDirs);
        assert.deepStrictEqual(Object.keys(dirs), ["s1", "s2", "s3", "a1", "a2"]);
        assert.deepStrictEqual(dirs.a2, {
            binDir: "/var/lib/rancher/k3s/data/cni",
            confDir: "/var/lib/rancher/k3s/agent/etc/cni/net.d",
        });
    });

    it("writes flannel-backend: none on custom-CNI servers only; agents take it from them",
        async () => {
            const { registered } = await registerCluster(haArgs({
                defaults: { cni: { mode: "custom" } },
            }));
            assert.match(configYaml(registered, "c-s2"), /^flannel-backend: none$/m);
            assert.match(configYaml(registered, "c-s2"), /^disable-network-policy: true$/m);
            assert.doesNotMatch(configYaml(registered, "c-a1"), /flannel|network-policy/);
            assert.ok(find(registered, "c-a1-containerd-template"));
        });

    it("lets a node's version override the cluster's channel", async () => {
        const { registered } = await registerCluster(haArgs({
            version: undefined, channel: "stable",
            agents: [{ name: "a1", connection: { host: "h" }, version: "v1.30.6+k3s1" }],
        }));
        assert.match(scriptOf(registered, "c-a1-install"), /INSTALL_K3S_VERSION=v1\.30\.6/);
        assert.match(scriptOf(registered, "c-s1-install"), /INSTALL_K3S_CHANNEL=stable/);
    });
});

describe("K3sCluster bad input", () => {
    const cases: [string, Partial<K3sClusterArgs>, string][] = [
        ["no servers", { servers: [] }, "servers"],
        ["a node name used twice", { agents: [{ name: "s1", connection: { host: "h" } }] },
            "nodes[3].name"],
        ["an upper-case node name", { agents: [{ name: "A1", connection: { host: "h" } }] },
            "nodes[3].name"],
        ["version and channel", { channel: "stable" }, "version"],
        ["an agent with a bad label (c20)", { agents: [{ name: "a1",
            connection: { host: "h" }, nodeLabels: { team: 'a b"c' } }] }, "a1.nodeLabels"],
        ["a joining server with a bad data dir", { servers: [
            { name: "s1", connection: { host: "h1" } },
            { name: "s2", connection: { host: "h2" }, dataDir: "data" }] }, "s2.dataDir"],
        ["an agent whose CNI mode differs from its servers'", { agents: [{ name: "a1",
            connection: { host: "h" }, cni: { mode: "custom" } }] }, "cni.mode"],
    ];
    for (const [what, over, property] of cases) {
        it(`refuses ${what}, naming \`${property}\`, before any registration`, async () => {
            const registered = await recordResources();
            const err = thrown(() => new K3sCluster("c", haArgs(over)));
            await settle();
            assert.ok(err instanceof K3sArgsError, err.message);
            assert.ok(err.problems.some((p) => p.property === property),
                err.problems.map((p) => p.property).join(", "));
            assert.deepStrictEqual(registered.map((r) => r.name), []);
            const node = /^(s\d|a\d)\./.exec(property);
            if (node) {
                assert.match(err.message, new RegExp(`node \`${node[1]}\``));
            }
        });
    }
});

describe("rewriteKubeconfigServer", () => {
    const kubeconfig = [
        "apiVersion: v1",
        "clusters:",
        "- cluster:",
        "    certificate-authority-data: QUJD",
        "    server: https://127.0.0.1:6443",
        "  name: default",
        "users:",
        "- name: admin@127.0.0.1",
        "  user:",
        "    token: abc",
        "",
    ].join("\n");

    it("rewrites every cluster's server and keeps 127.0.0.1 in a user name", () => {
        const out = YAML.parse(rewriteKubeconfigServer(kubeconfig, "https://10.0.0.1:6443"));
        assert.strictEqual(out.clusters[0].cluster.server, "https://10.0.0.1:6443");
        assert.strictEqual(out.clusters[0].cluster["certificate-authority-data"], "QUJD");
        assert.strictEqual(out.users[0].name, "admin@127.0.0.1");
    });

    it("refuses a kubeconfig without a clusters list", () => {
        assert.throws(() => rewriteKubeconfigServer("apiVersion: v1\n", "https://h:6443"),
            /no clusters list/);
    });
});
