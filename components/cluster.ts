import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";

import { K3sClusterArgs, K3sClusterNodeArgs } from "./args/cluster";
import { K3sArgsError, ProblemList } from "./args/errors";
import { K3sNodeArgs } from "./args/node";
import { planNode } from "./args/plan";
import { K3sNode } from "./node";

/** The CNI dirs of one node, ready for a CNI chart's values. */
export interface NodeCniDirs {
    binDir: string;
    confDir: string;
}

/**
 * A K3s cluster: servers (the first starts it, the others join one at a time) and agents
 * (joining in parallel once the first server is ready), with shared connection defaults.
 */
export class K3sCluster extends pulumi.ComponentResource {
    /** Every node, servers first, by the name given. */
    public readonly nodes: Record<string, K3sNode>;
    /** The admin kubeconfig with the server address set to `apiServerAddress` (secret). */
    public readonly kubeconfig: pulumi.Output<string>;
    /** The cluster token (secret). */
    public readonly token: pulumi.Output<string>;
    /** The CNI bin and conf dir of each node, by name. */
    public readonly cniDirs: pulumi.Output<Record<string, NodeCniDirs>>;

    constructor(name: string, args: K3sClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        checkClusterArgs(name, args);
        super("k3s:index:K3sCluster", name, {}, opts);
        const [first, ...joiners] = args.servers;
        const ha = args.servers.length > 1;
        const port = args.apiServerPort ?? 6443;
        const firstServer = new K3sNode(`${name}-${first.name}`, {
            ...nodeArgsFor(args, first, "server"),
            clusterInit: ha || undefined,
            token: args.token,
        }, { parent: this });
        const token = args.token !== undefined ? pulumi.secret(args.token)
            : firstServer.token.apply((t) => t ?? "");
        const address = args.apiServerAddress ?? first.connection.host;
        const serverUrl = pulumi.interpolate`https://${address}:${port}`;
        const nodes: Record<string, K3sNode> = { [first.name]: firstServer };
        // Only K3s's start waits: each joining node's files and install go ahead at once.
        let previous = firstServer;
        for (const server of joiners) {
            previous = new K3sNode(`${name}-${server.name}`, {
                ...nodeArgsFor(args, server, "server"), serverUrl, token,
                startAfter: [previous.ready],
            }, { parent: this });
            nodes[server.name] = previous;
        }
        for (const agent of args.agents ?? []) {
            nodes[agent.name] = new K3sNode(`${name}-${agent.name}`, {
                ...nodeArgsFor(args, agent, "agent"), serverUrl, token,
                startAfter: [firstServer.ready],
            }, { parent: this });
        }
        this.nodes = nodes;
        this.token = pulumi.secret(token);
        this.kubeconfig = pulumi.secret(pulumi.all([firstServer.kubeconfig, serverUrl])
            .apply(([kubeconfig, url]) => rewriteKubeconfigServer(kubeconfig ?? "", url)));
        const dirs = Object.entries(nodes).map(([nodeName, node]) =>
            pulumi.all([node.cniBinDir, node.cniConfDir])
                .apply(([binDir, confDir]) => [nodeName, { binDir, confDir }] as const));
        this.cniDirs = pulumi.all(dirs).apply((entries) => Object.fromEntries(entries));
        this.registerOutputs({
            kubeconfig: this.kubeconfig, token: this.token, cniDirs: this.cniDirs,
        });
    }
}

function checkClusterArgs(name: string, args: K3sClusterArgs): void {
    const problems = new ProblemList();
    if (!Array.isArray(args?.servers) || args.servers.length === 0) {
        problems.add("servers", "`servers` needs at least one server");
    }
    const all = [...(args?.servers ?? []), ...(args?.agents ?? [])];
    const seen = new Set<string>();
    all.forEach((node, i) => {
        if (!node?.name || !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(node.name)) {
            problems.add(`nodes[${i}].name`, `node ${i}: \`name\` must be lower-case letters, ` +
                `digits and -; got \`${node?.name}\``);
        } else if (seen.has(node.name)) {
            problems.add(`nodes[${i}].name`, `node name \`${node.name}\` is used twice`);
        }
        seen.add(node?.name);
        if (node?.connection?.host === undefined) {
            problems.add(`${node?.name}.connection.host`, `node \`${node?.name}\` needs ` +
                "`connection.host`");
        }
    });
    checkCniModes(args, all, problems);
    if (args?.version !== undefined && args?.channel !== undefined) {
        problems.add("version", "`version` and `channel` conflict; give one of them");
    }
    if (args?.servers?.length > 0) {
        checkNodes(name, args, problems);
    }
    problems.throwIfAny(name);
}

/** Agents follow their server's flannel backend, so every node must have the first's mode. */
function checkCniModes(
    args: K3sClusterArgs, all: K3sClusterNodeArgs[], problems: ProblemList,
): void {
    const modeOf = (node: K3sClusterNodeArgs) =>
        node?.cni?.mode ?? args?.defaults?.cni?.mode ?? "flannel";
    const [first] = all;
    const others = all.filter((node) => modeOf(node) !== modeOf(first));
    if (first && others.length > 0) {
        const names = others.map((node) => `\`${node?.name}\``).join(", ");
        problems.add("cni.mode", `\`cni.mode\` must be the same on every node: ${names} ` +
            `differ from the first server \`${first.name}\` (${modeOf(first)}). Agents take ` +
            "the flannel backend from their server, so another mode gets a containerd " +
            `template for the wrong CNI; remove the node's own \`cni.mode\` and set it once ` +
            "in `defaults.cni.mode`");
    }
}

/**
 * Plans every node from its args before anything is registered, so one bad node refuses the
 * whole cluster instead of leaving the nodes before it half registered.
 */
function checkNodes(name: string, args: K3sClusterArgs, problems: ProblemList): void {
    // The real server URL and token are Outputs; stand-ins let the plan check the rest.
    const joining = { serverUrl: "https://first-server.invalid:6443", token: args.token ?? "-" };
    const ha = args.servers.length > 1;
    const nodes: [K3sClusterNodeArgs, K3sNodeArgs][] = [
        ...args.servers.map((server, i): [K3sClusterNodeArgs, K3sNodeArgs] => [server, {
            ...nodeArgsFor(args, server, "server"),
            ...(i === 0 ? { clusterInit: ha || undefined, token: args.token } : joining),
        }]),
        ...(args.agents ?? []).map((agent): [K3sClusterNodeArgs, K3sNodeArgs] =>
            [agent, { ...nodeArgsFor(args, agent, "agent"), ...joining }]),
    ];
    for (const [node, nodeArgs] of nodes) {
        try {
            planNode(`${name}-${node.name}`, nodeArgs);
        } catch (err) {
            if (!(err instanceof K3sArgsError)) {
                throw err;
            }
            err.problems.forEach((p) => problems.add(`${node.name}.${p.property}`,
                `node \`${node.name}\`: ${p.reason}`));
        }
    }
}

function nodeArgsFor(
    args: K3sClusterArgs, node: K3sClusterNodeArgs, role: "server" | "agent",
): K3sNodeArgs {
    const { name: _name, connection, ...own } = node;
    const versioned = own.version !== undefined || own.channel !== undefined ? {}
        : { version: args.version, channel: args.channel };
    return {
        ...args.defaults,
        ...versioned,
        ...own,
        role,
        connection: { ...args.connection, ...connection } as K3sNodeArgs["connection"],
    };
}

/**
 * Points every cluster of a kubeconfig at `serverUrl`, editing the parsed YAML rather than
 * the text, so names or certificates that contain the old address are left alone.
 */
export function rewriteKubeconfigServer(kubeconfig: string, serverUrl: string): string {
    if (!kubeconfig) {
        return "";
    }
    const doc = YAML.parseDocument(kubeconfig);
    const clusters = doc.get("clusters");
    if (!YAML.isSeq(clusters)) {
        throw new Error("the kubeconfig has no clusters list");
    }
    for (const item of clusters.items) {
        if (YAML.isMap(item) && YAML.isMap(item.get("cluster"))) {
            (item.get("cluster") as YAML.YAMLMap).set("server", serverUrl);
        }
    }
    return doc.toString();
}
