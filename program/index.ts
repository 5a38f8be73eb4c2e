/**
 * The root Pulumi program: a K3s cluster declared from stack config.
 *
 * Config (namespace `pulumi-k3s-demo`):
 *   nodes        list of { name, role: server|agent, host, port?, user?, hostKey?, sudo?,
 *                cniMode?: flannel|custom, dataDir? }
 *   privateKey   (secret) the SSH key every node accepts, or
 *   privateKeys  (secret) one key per node name
 *   token        (secret, optional) the cluster token; by default the first server makes one
 *   version      the K3s release, e.g. v1.31.7+k3s1
 *   airgap       optional { k3sBinary, installScript, images? }: local files instead of a
 *                download
 */
import * as pulumi from "@pulumi/pulumi";

import { K3sCluster, K3sClusterNodeArgs } from "../components";

/** One node as the stack config declares it. */
interface NodeConfig {
    name: string;
    role: "server" | "agent";
    host: string;
    port?: number;
    user?: string;
    hostKey?: string;
    sudo?: boolean;
    cniMode?: "flannel" | "custom";
    dataDir?: string;
}

/** Declares the cluster and returns the stack outputs. */
function k3sFromConfig(): Record<string, pulumi.Input<unknown>> {
    const config = new pulumi.Config();
    const nodes = config.requireObject<NodeConfig[]>("nodes");
    const airgap = config.getObject<{ k3sBinary: string; installScript: string; images?: string }>(
        "airgap");
    const keys = config.getSecretObject<Record<string, string>>("privateKeys");
    const sharedKey = keys ? undefined : config.requireSecret("privateKey");
    const toClusterNode = (node: NodeConfig): K3sClusterNodeArgs => ({
        name: node.name,
        connection: {
            host: node.host, port: node.port, user: node.user, hostKey: node.hostKey,
            sudo: node.sudo, privateKey: sharedKey ?? keys!.apply((k) => k[node.name] ?? ""),
        },
        cni: node.cniMode ? { mode: node.cniMode } : undefined,
        dataDir: node.dataDir,
    });
    const cluster = new K3sCluster("k3s", {
        version: config.require("version"),
        token: config.getSecret("token"),
        servers: nodes.filter((n) => n.role === "server").map(toClusterNode),
        agents: nodes.filter((n) => n.role === "agent").map(toClusterNode),
        defaults: airgap ? { install: { airgap } } : undefined,
    });
    const perNode = Object.fromEntries(Object.entries(cluster.nodes).map(([name, node]) => [
        name, {
            role: node.plan.role,
            cniBinDir: node.cniBinDir,
            cniBinDirs: node.cniBinDirs,
            cniConfDir: node.cniConfDir,
            containerdConfigVersion: node.containerdConfigVersion,
            templatePath: node.templatePath,
            k3sVersion: node.k3sVersion,
        },
    ]));
    return { nodes: perNode, kubeconfig: cluster.kubeconfig };
}

export = k3sFromConfig;
