/**
 * Three servers (the first starts embedded etcd, the others join one at a time) and two
 * agents (joining in parallel). In your own project, import from "pulumi-k3s".
 */
import * as pulumi from "@pulumi/pulumi";

import { K3sCluster } from "../../components";

const config = new pulumi.Config();
const hosts = config.requireObject<{ servers: string[]; agents: string[] }>("hosts");
const hostKeys = config.getObject<Record<string, string>>("hostKeys") ?? {};

const node = (prefix: string) => (host: string, i: number) => ({
    name: `${prefix}-${i + 1}`,
    connection: { host, hostKey: hostKeys[host] },
});

const apiServerAddress = config.get("apiServerAddress");

const cluster = new K3sCluster("ha", {
    connection: { user: "root", privateKey: config.requireSecret("privateKey") },
    version: "v1.33.5+k3s1",
    token: config.requireSecret("token"),
    apiServerAddress,
    servers: hosts.servers.map(node("server")).map((server) => ({
        ...server, tlsSans: apiServerAddress ? [apiServerAddress] : undefined,
    })),
    agents: hosts.agents.map(node("agent")),
});

export const kubeconfig = cluster.kubeconfig;
export const cniDirs = cluster.cniDirs;
