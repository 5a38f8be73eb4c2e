/**
 * K3s with flannel off (`flannel-backend: none`). The node writes the containerd template that
 * points containerd at `<data-dir>/data/cni` and `<data-dir>/agent/etc/cni/net.d`, reads back
 * what containerd really uses, and exports it ready for a CNI chart's values. In your own
 * project, import from "pulumi-k3s".
 */
import * as pulumi from "@pulumi/pulumi";

import { K3sCluster } from "../../components";

const config = new pulumi.Config();

const cluster = new K3sCluster("lab", {
    connection: {
        privateKey: config.requireSecret("privateKey"),
        user: config.get("user") ?? "root",
        sudo: config.getBoolean("sudo") ?? false,
    },
    version: "v1.32.9+k3s1",
    servers: [{ name: "server", connection: { host: config.require("serverHost") } }],
    agents: [{ name: "agent", connection: { host: config.require("agentHost") } }],
    defaults: {
        cni: { mode: "custom", migratePlugins: config.getObject<string[]>("plugins") ?? [] },
        config: { "disable-kube-proxy": true },
    },
});

const server = cluster.nodes["server"];

/** Values for Cilium's chart: where the agent installs its plugin and writes its config. */
export const ciliumValues = pulumi.all([server.cniBinDir, server.cniConfDir])
    .apply(([binPath, confPath]) => ({ cni: { binPath, confPath }, kubeProxyReplacement: true }));
export const cniDirs = cluster.cniDirs;
export const kubeconfig = cluster.kubeconfig;
