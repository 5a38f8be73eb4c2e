import * as assert from "assert";

import { K3sArgsError } from "../../components/args/errors";
import { K3sNodeArgs } from "../../components/args/node";
import { K3sNode } from "../../components/node";
import { recordResources, settle } from "../support/mocks";
import { agentArgs, serverArgs, thrown } from "./fixtures";

interface BadInput {
    what: string;
    args: K3sNodeArgs;
    property: string;
    /** Key words the message must carry: the value and the fix. */
    says: RegExp;
}

const AIRGAP = { k3sBinary: "/nonexistent/k3s", installScript: "/nonexistent/install.sh" };

const BAD_INPUTS: BadInput[] = [
    { what: "a relative dataDir", args: serverArgs({ dataDir: "var/lib/k3s" }),
        property: "dataDir", says: /`dataDir` must be an absolute path; got `var\/lib\/k3s`/ },
    { what: "a non-normalised dataDir", args: serverArgs({ dataDir: "/data//k3s/" }),
        property: "dataDir", says: /normalised path.*write `\/data\/k3s`/ },
    { what: "a relative cni.binDir", args: serverArgs({
        cni: { mode: "custom", binDir: "opt/cni/bin" } }),
    property: "cni.binDir", says: /`cni.binDir` must be an absolute path; got `opt\/cni\/bin`/ },
    { what: "a non-normalised cni.migrateFrom", args: serverArgs({
        cni: { migrateFrom: ["/opt/cni/../cni/bin"] } }),
    property: "cni.migrateFrom[0]", says: /normalised.*write `\/opt\/cni\/bin`/ },
    { what: "an unknown role", args: serverArgs({ role: "master" as never }),
        property: "role", says: /"server" or "agent"; got `master`/ },
    { what: "an agent without serverUrl", args: agentArgs({ serverUrl: undefined }),
        property: "serverUrl", says: /agent needs `serverUrl`.*https:\/\/host:6443/ },
    { what: "clusterInit with serverUrl", args: serverArgs({
        clusterInit: true, serverUrl: "https://10.0.0.1:6443", token: "t" }),
    property: "clusterInit", says: /conflicts with `serverUrl`.*keep one/ },
    { what: "the label team=a b\"c (c20)", args: serverArgs({ nodeLabels: { team: 'a b"c' } }),
        property: "nodeLabels",
        says: /label `team=a b"c` that K3s refuses: a value is empty or at most 63 characters/ },
    { what: "a taint with an unknown effect", args: serverArgs({
        nodeTaints: [{ key: "gpu", value: "true", effect: "NoRun" }] }),
    property: "nodeTaints", says: /`gpu=true:NoRun`.*NoSchedule, PreferNoSchedule, NoExecute/ },
    { what: "the version 1.31.7 without v and build", args: serverArgs({ version: "1.31.7" }),
        property: "version", says: /`1\.31\.7` is not a K3s release.*e\.g\. v1\.31\.7\+k3s1/ },
    { what: "the version v1.31, a channel", args: serverArgs({ version: "v1.31" }),
        property: "version", says: /`v1\.31` is not a K3s release.*such as v1\.31\.7\+k3s1/ },
    { what: "a version older than v1.24", args: serverArgs({ version: "v1.23.17+k3s1" }),
        property: "version", says: /older than the oldest supported line v1\.24/ },
    { what: "an unknown channel", args: serverArgs({ version: undefined, channel: "beta" }),
        property: "channel", says: /stable, latest, testing or v1\.NN; got `beta`/ },
    { what: "version and channel together", args: serverArgs({ channel: "stable" }),
        property: "version", says: /`version` and `channel` conflict; give one/ },
    { what: "neither version nor channel", args: serverArgs({ version: undefined }),
        property: "version", says: /give `version`.*or `channel`/ },
    { what: "flannel with a cni.binDir of its own (c06)", args: serverArgs({
        cni: { binDir: "/opt/cni/bin" } }),
    property: "cni.binDir",
    says: /`cni.binDir` cannot be `\/opt\/cni\/bin` while flannel is on.*duplicated.*"custom"/ },
    { what: "custom CNI from a channel", args: serverArgs({
        version: undefined, channel: "stable", cni: { mode: "custom" } }),
    property: "version", says: /exact K3s release.*"custom".*channel/ },
    { what: "custom CNI on a release without the base template", args: serverArgs({
        version: "v1.28.0+k3s1", cni: { mode: "custom" } }),
    property: "version", says: /predates K3s's base template.*later release/ },
    { what: "containerdConfigVersion 3 on v1.30.6", args: serverArgs({
        version: "v1.30.6+k3s1", cni: { mode: "custom" }, containerdConfigVersion: 3 }),
    property: "containerdConfigVersion", says: /3 needs containerd 2.*Leave it unset or set 2/ },
    { what: "a non-root user without sudo", args: serverArgs({
        connection: { host: "h", privateKey: "k", user: "ubuntu" } }),
    property: "connection.sudo", says: /`ubuntu`, not root: set `connection.sudo: true`/ },
    { what: "a pass-through key the component manages", args: serverArgs({
        config: { "data-dir": "/x" } }),
    property: "config.data-dir", says: /set by this component; use `dataDir` instead/ },
    { what: "a pass-through tls-san, which tlsSans would silently replace", args: serverArgs({
        config: { "tls-san": ["k3s.example"] } }),
    property: "config.tls-san", says: /set by this component; use `tlsSans` instead/ },
    { what: "a pass-through key that is no K3s flag", args: serverArgs({
        config: { "Disable": "traefik" } }),
    property: "config.Disable", says: /not a K3s flag name/ },
    { what: "a plugin name with a slash", args: serverArgs({
        cni: { migratePlugins: ["../sbin/evil"] } }),
    property: "cni.migratePlugins[0]", says: /plugin file name.*got `\.\.\/sbin\/evil`/ },
    { what: "an unknown migrateMode", args: serverArgs({
        cni: { migratePlugins: ["multus"], migrateMode: "hardlink" as never } }),
    property: "cni.migrateMode", says: /"copy" or "link"; got `hardlink`/ },
    { what: "an unknown cni.mode", args: serverArgs({ cni: { mode: "cilium" as never } }),
        property: "cni.mode", says: /"flannel" or "custom"; got `cilium`/ },
    { what: "a missing airgap file", args: serverArgs({ install: { airgap: AIRGAP } }),
        property: "install.airgap.k3sBinary",
        says: /`install.airgap.k3sBinary` must be a local file; `\/nonexistent\/k3s` does not/ },
    { what: "scriptUrl with airgap", args: serverArgs({
        install: { scriptUrl: "https://mirror.example/install.sh", airgap: AIRGAP } }),
    property: "install", says: /`install.scriptUrl` and `install.airgap` conflict/ },
    { what: "a scriptUrl that is no URL", args: serverArgs({
        install: { scriptUrl: "get.k3s.io" } }),
    property: "install.scriptUrl", says: /http\(s\) URL; got `get\.k3s\.io`/ },
    { what: "a zero readyTimeoutSeconds", args: serverArgs({ readyTimeoutSeconds: 0 }),
        property: "readyTimeoutSeconds", says: /positive whole number; got 0/ },
    { what: "a fractional readyTimeoutSeconds", args: serverArgs({ readyTimeoutSeconds: 2.5 }),
        property: "readyTimeoutSeconds", says: /positive whole number; got 2\.5/ },
    { what: "a port out of range", args: serverArgs({
        connection: { host: "h", privateKey: "k", port: 70000 } }),
    property: "connection.port", says: /1-65535; got 70000/ },
    { what: "a connection without privateKey", args: serverArgs({
        connection: { host: "h" } as never }),
    property: "connection", says: /needs `host` and `privateKey`/ },
    { what: "a serverUrl over http", args: agentArgs({ serverUrl: "http://10.0.0.1:6443" }),
        property: "serverUrl", says: /https:\/\/host:6443; got `http:\/\/10\.0\.0\.1:6443`/ },
    { what: "a join without token", args: agentArgs({ token: undefined }),
        property: "token", says: /joining `serverUrl` needs `token`/ },
    { what: "tlsSans on an agent", args: agentArgs({ tlsSans: ["k3s.example"] }),
        property: "tlsSans", says: /agents have none/ },
    { what: "an upper-case nodeName", args: serverArgs({ nodeName: "Node1" }),
        property: "nodeName", says: /lower-case DNS name; got `Node1`/ },
    { what: "install with the container flavour", args: serverArgs({
        flavour: "container", install: { scriptUrl: "https://get.k3s.io" } }),
    property: "install", says: /does not apply to `flavour: "container"`/ },
];

describe("K3sNode bad input", () => {
    it(`refuses at least 20 kinds of bad input (${BAD_INPUTS.length} listed)`, () => {
        assert.ok(BAD_INPUTS.length >= 20);
    });

    for (const bad of BAD_INPUTS) {
        it(`refuses ${bad.what}, naming \`${bad.property}\`, before any registration`,
            async () => {
                const registered = await recordResources();
                const err = thrown(() => new K3sNode("n1", bad.args));
                await settle();
                assert.ok(err instanceof K3sArgsError, `${err.name}: ${err.message}`);
                const properties = err.problems.map((p) => p.property);
                assert.ok(properties.includes(bad.property),
                    `expected ${bad.property} among ${properties.join(", ")}`);
                assert.match(err.message, bad.says);
                assert.match(err.message, /^n1: bad arguments?:\n/);
                assert.deepStrictEqual(registered.map((r) => r.name), []);
            });
    }

    it("lists every problem of one node in one error", () => {
        const err = thrown(() => new K3sNode("n1", serverArgs({
            dataDir: "rel", readyTimeoutSeconds: -1, nodeLabels: { "-x": "y" },
        })));
        assert.ok(err instanceof K3sArgsError);
        assert.deepStrictEqual(err.problems.map((p) => p.property).sort(),
            ["dataDir", "nodeLabels", "readyTimeoutSeconds"]);
        assert.match(err.message, /^n1: bad arguments:\n {2}- /);
    });
});
