/**
 * Bad input that the args alone show, through the real engine: each is refused by `preview`
 * and by `up` with an error naming the property (or node) and the fix, before any resource is
 * registered and before any SSH session: the program's connection points at a live node that
 * counts its logins.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import * as pulumi from "@pulumi/pulumi";
import { Stack } from "@pulumi/pulumi/automation";

import { K3sCluster, K3sClusterArgs, K3sNode, K3sNodeArgs } from "../../components";
import { airgap, connectionTo, K3S_VERSION, tidyAfterSuite } from "../e2e/support/cluster";
import { EngineLog } from "../e2e/support/engine-log";
import { engineStack } from "../support/engine";
import { SshNode, startNodes, stopNodes } from "../support/nodes";
import { countRejected } from "./support/tally";

/** The name of the stack's own resource, which the engine registers before the program. */
const STACK_RESOURCE = "pulumi-k3s-test-test";

interface BadInput {
    what: string;
    declare: () => void;
    /** The message: the value, the property or node, and the fix. */
    says: RegExp;
    /** Stack config the program reads. */
    config?: Record<string, string>;
}

describe("bad input refused by preview and up before any remote call", function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pk3s-rel-bad-input-"));
    const log = new EngineLog(path.join(dir, "engine-log"));
    let node: SshNode;
    let stack: Stack;
    let current: BadInput | undefined;

    const base = (): K3sNodeArgs => ({ connection: connectionTo(node), role: "server",
        version: K3S_VERSION, install: { airgap } });
    /** Args are built when the program runs: the node's connection is known only then. */
    type Lazy<T> = T | (() => T);
    const now = <T>(value: Lazy<T>): T => typeof value === "function" ? (value as () => T)()
        : value;
    const k3sNode = (over: Lazy<Partial<K3sNodeArgs>>) => () => {
        new K3sNode("bad", { ...base(), ...now(over) } as K3sNodeArgs);
    };
    const agent = (over: Partial<K3sNodeArgs>) => k3sNode({ role: "agent",
        serverUrl: "https://127.0.0.1:6443", token: "t", ...over });
    const cluster = (over: Lazy<Partial<K3sClusterArgs>>) => () => {
        new K3sCluster("bad", { version: K3S_VERSION, defaults: { install: { airgap } },
            servers: [{ name: "s1", connection: connectionTo(node) }], ...now(over) });
    };

    const BAD: BadInput[] = [
        { what: "a relative dataDir", declare: k3sNode({ dataDir: "var/lib/k3s" }),
            says: /`dataDir` must be an absolute path; got `var\/lib\/k3s`/ },
        { what: "a non-normalised dataDir", declare: k3sNode({ dataDir: "/data/../k3s/" }),
            says: /`dataDir` must be a normalised path; got `\/data\/\.\.\/k3s\/`, write `\/k3s`/ },
        { what: "a relative cni.confDir",
            declare: k3sNode({ cni: { mode: "custom", confDir: "etc/cni" } }),
            says: /`cni.confDir` must be an absolute path; got `etc\/cni`/ },
        { what: "a non-normalised cni.migrateFrom folder",
            declare: k3sNode({ cni: { migrateFrom: ["/opt//cni"] } }),
            says: /`cni.migrateFrom\[0\]` must be a normalised path.*write `\/opt\/cni`/ },
        { what: "an unknown role", declare: k3sNode({ role: "worker" as never }),
            says: /`role` must be "server" or "agent"; got `worker`/ },
        { what: "an agent without serverUrl", declare: agent({ serverUrl: undefined }),
            says: /an agent needs `serverUrl`, the server to join/ },
        { what: "clusterInit with a serverUrl",
            declare: k3sNode({ clusterInit: true, serverUrl: "https://10.0.0.1:6443", token: "t" }),
            says: /`clusterInit` starts a new cluster and conflicts with `serverUrl`.*keep one/ },
        { what: "the label team=a b\"c (c20)", declare: k3sNode({ nodeLabels: { team: 'a b"c' } }),
            says: /`nodeLabels` has the label `team=a b"c` that K3s refuses: a value is empty/ },
        { what: "a label in the kubelet's restricted namespace",
            declare: k3sNode({ nodeLabels: { "node-role.kubernetes.io/worker": "true" } }),
            says: /`node-role\.kubernetes\.io\/worker=true`.*through the Kubernetes API/ },
        { what: "a taint with an unknown effect",
            declare: k3sNode({ nodeTaints: [{ key: "gpu", effect: "NoRun" }] }),
            says: /`nodeTaints\[0\]` \(`gpu:NoRun`\).*one of NoSchedule/ },
        { what: "a version without v and build", declare: k3sNode({ version: "1.31.7" }),
            says: /`1\.31\.7` is not a K3s release version.*e\.g\. v1\.31\.7\+k3s1/ },
        { what: "a channel given as version", declare: k3sNode({ version: "v1.31" }),
            says: /`v1\.31` is not a K3s release version; write a release tag/ },
        { what: "a version older than v1.24", declare: k3sNode({ version: "v1.22.17+k3s1" }),
            says: /`v1\.22\.17\+k3s1` is older than the oldest supported line v1\.24/ },
        { what: "an unknown channel", declare: k3sNode({ version: undefined, channel: "lts" }),
            says: /`channel` must be stable, latest, testing or v1\.NN; got `lts`/ },
        { what: "version and channel together", declare: k3sNode({ channel: "stable" }),
            says: /`version` and `channel` conflict; give one of them/ },
        { what: "neither version nor channel", declare: k3sNode({ version: undefined }),
            says: /give `version` \(e\.g\. v1\.31\.7\+k3s1\) or `channel`/ },
        { what: "flannel with its own cni.binDir, a second CNI table after base (c06)",
            declare: k3sNode({ cni: { binDir: "/opt/cni/bin" } }),
            says: /`cni.binDir` cannot be `\/opt\/cni\/bin` while flannel is on.*"custom"/ },
        { what: "custom CNI from a channel",
            declare: k3sNode({ version: undefined, channel: "stable", cni: { mode: "custom" } }),
            says: /`version` must be an exact K3s release.*a channel does not say/ },
        { what: "custom CNI before the base template",
            declare: k3sNode({ version: "v1.27.4+k3s1", cni: { mode: "custom" } }),
            says: /`version` v1\.27\.4\+k3s1 predates K3s's base template.*use a later release/ },
        { what: "containerdConfigVersion 3 on containerd 1.7", declare: k3sNode({
            version: "v1.30.6+k3s1", cni: { mode: "custom" }, containerdConfigVersion: 3 }),
        says: /`containerdConfigVersion` 3 needs containerd 2.*Leave it unset or set 2/ },
        { what: "a non-root login without sudo",
            declare: k3sNode(() => ({ connection: { ...connectionTo(node), user: "ubuntu" } })),
            says: /`connection.user` is `ubuntu`, not root: set `connection.sudo: true`/ },
        { what: "a pass-through key the component sets",
            declare: k3sNode({ config: { "token-file": "/x" } }),
            says: /`config\["token-file"\]` is set by this component; use `token`/ },
        { what: "a pass-through key that is no K3s flag",
            declare: k3sNode({ config: { "--disable": "traefik" } }),
            says: /`config\["--disable"\]` is not a K3s flag name/ },
        { what: "a pass-through value that is an object",
            declare: k3sNode({ config: { "disable": { a: 1 } as never } }),
            says: /`config\["disable"\]` must be a string, number, boolean or list of strings/ },
        { what: "a plugin name with a path",
            declare: k3sNode({ cni: { migratePlugins: ["../../usr/bin/x"] } }),
            says: /`cni.migratePlugins\[0\]` must be a plugin file name/ },
        { what: "an unknown migrateMode",
            declare: k3sNode({ cni: { migratePlugins: ["multus"], migrateMode: "move" as never } }),
            says: /`cni.migrateMode` must be "copy" or "link"; got `move`/ },
        { what: "a missing airgap binary",
            declare: k3sNode({ install: { airgap: { ...airgap, k3sBinary: "/nonexistent/k3s" } } }),
            says: /`install.airgap.k3sBinary` must be a local file; `\/nonexistent\/k3s` does/ },
        { what: "an install script URL that is no URL",
            declare: k3sNode({ install: { scriptUrl: "ftp://get.k3s.io" } }),
            says: /`install.scriptUrl` must be an http\(s\) URL; got `ftp:\/\/get\.k3s\.io`/ },
        { what: "a negative readyTimeoutSeconds", declare: k3sNode({ readyTimeoutSeconds: -5 }),
            says: /`readyTimeoutSeconds` must be a positive whole number; got -5/ },
        { what: "port 0",
            declare: k3sNode(() => ({ connection: { ...connectionTo(node), port: 0 } })),
            says: /`connection.port` must be 1-65535; got 0/ },
        { what: "a serverUrl without https", declare: agent({ serverUrl: "10.0.0.1:6443" }),
            says: /`serverUrl` must look like https:\/\/host:6443; got `10\.0\.0\.1:6443`/ },
        { what: "an agent without token", declare: agent({ token: undefined }),
            says: /joining `serverUrl` needs `token`, the cluster's token/ },
        { what: "an empty token", declare: k3sNode({ token: " \n" }),
            says: /`token` is empty: give the cluster's token, or leave `token` out/ },
        { what: "a node name with upper case", declare: k3sNode({ nodeName: "Worker_1" }),
            says: /`nodeName` must be a lower-case DNS name; got `Worker_1`/ },
        { what: "a cluster with two nodes of one name",
            declare: cluster(() => ({ agents: [{ name: "s1", connection: connectionTo(node) }] })),
            says: /node name `s1` is used twice/ },
        { what: "a cluster node name with a command substitution",
            declare: cluster(() => ({
                servers: [{ name: "s$(id)", connection: connectionTo(node) }] })),
            says: /node 0: `name` must be lower-case letters, digits and -; got `s\$\(id\)`/ },
        { what: "a cluster whose agent has another CNI mode", declare: cluster(() => ({
            agents: [{ name: "a1", connection: connectionTo(node), cni: { mode: "custom" } }] })),
        says: /`cni.mode` must be the same on every node: `a1` differ from the first server/ },
        { what: "a cluster without servers", declare: cluster({ servers: [] }),
            says: /`servers` needs at least one server/ },
        { what: "a cluster node with a bad label, named by node", declare: cluster(() => ({
            agents: [{ name: "a1", connection: connectionTo(node), nodeLabels: { "a b": "c" } }],
        })),
        says: /node `a1`: `nodeLabels` has the label `a b=c`/ },
        { what: "a malformed version from stack config", config: { version: "1.31" },
            declare: () => {
                new K3sNode("bad", { ...base(), version: new pulumi.Config().require("version") });
            },
            says: /`1\.31` is not a K3s release version; write a release tag such as v1\.31\.7/ },
    ];

    before(async function () {
        this.timeout(60_000);
        [node] = await startNodes({ dir: path.join(dir, "nodes"), count: 1, names: ["bad"] });
        stack = await engineStack({ dir: path.join(dir, "engine"),
            program: async () => current?.declare() });
    });

    tidyAfterSuite({ dir: () => dir, keeps: "engine output and events under engine-log/",
        stop: () => stopNodes(node ? [node] : []) });

    for (const bad of BAD) {
        it(`refuses ${bad.what} in preview and up, naming it and the fix, with no resource ` +
            "and no SSH session", async () => {
            current = bad;
            for (const [key, value] of Object.entries(bad.config ?? {})) {
                await stack.setConfig(key, { value });
            }
            try {
                for (const operation of ["preview", "up"] as const) {
                    const run = operation === "preview" ? stack.preview(log.operation())
                        : stack.up(log.operation());
                    const error = await run.then(() => undefined, (e: Error) => e);
                    assert.ok(error, `${operation} succeeded`);
                    assert.match(error.message, /K3sArgsError: bad: bad arguments?:/);
                    assert.match(error.message, bad.says);
                    assert.deepStrictEqual([...log.changedSteps().keys()]
                        .filter((name) => name !== STACK_RESOURCE), [],
                    `${operation} registered resources`);
                }
            } finally {
                for (const key of Object.keys(bad.config ?? {})) {
                    await stack.removeConfig(key);
                }
            }
            const resources: { type: string }[] =
                (await stack.exportStack()).deployment.resources ?? [];
            assert.deepStrictEqual(resources.map((r) => r.type)
                .filter((type) => type !== "pulumi:pulumi:Stack"), [], "up created resources");
            assert.strictEqual(node.sshSessions(), 0);
            countRejected(bad.what);
        });
    }
});
