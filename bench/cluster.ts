/**
 * The clusters the benchmark provisions: one server and N-1 agents on local SSH nodes, custom
 * CNI, installed airgap from the K3s doubles as the end-to-end tests do. Every remote step the
 * components register is recorded with its resolved inputs, so the sequential baseline can
 * replay exactly those scripts over OpenSSH.
 */
import * as pulumi from "@pulumi/pulumi";

import { K3sCluster, SshConnectionArgs } from "../components";
import { SshNode } from "../test/support/nodes";
import { K3S_VERSION, READY_TIMEOUT_SECONDS, airgap } from "../test/e2e/support/cluster";

/** One remote step of one node, as registered: a command, or a file copy. */
export interface RecordedStep {
    /** The resource name, e.g. `bench-node-3-install`. */
    name: string;
    kind: "command" | "copy";
    /** Commands: the script the login shell runs. */
    create?: string;
    /** Commands: what the step feeds on stdin (the join token), if anything. */
    stdin?: string;
    /** Copies: the local file and where it lands. */
    localPath?: string;
    remotePath?: string;
}

/** The recorded steps of every node, by the node's name, in registration order. */
export type StepRecord = Map<string, RecordedStep[]>;

const COMMAND = "command:remote:Command";
const COPY = "command:remote:CopyToRemote";

/** How every benchmark node is reached: root, its own key, its host key pinned. */
export function connectionTo(node: SshNode): SshConnectionArgs {
    return {
        host: node.host, port: node.port, user: node.user, privateKey: node.privateKey,
        hostKey: node.hostKey, dialErrorLimit: 3,
    };
}

/**
 * The program of an N-node cluster. When `record` is given, every remote step's inputs are
 * written into it as they resolve (the program's own view: secrets in plain text, never
 * printed).
 */
export function clusterProgram(
    nodes: SshNode[], token: string, record?: StepRecord,
): () => Promise<Record<string, unknown>> {
    return async () => {
        const [server, ...agents] = nodes;
        const entry = (node: SshNode) => ({ name: node.name, connection: connectionTo(node) });
        const cluster = new K3sCluster("bench", {
            version: K3S_VERSION, token,
            servers: [entry(server)],
            agents: agents.map(entry),
            defaults: { install: { airgap }, cni: { mode: "custom" },
                readyTimeoutSeconds: READY_TIMEOUT_SECONDS },
        }, { transformations: record ? [recorder(nodes, record)] : [] });
        return { cniDirs: cluster.cniDirs };
    };
}

function recorder(nodes: SshNode[], record: StepRecord): pulumi.ResourceTransformation {
    const nodeOf = (name: string) => nodes.find((n) => name.startsWith(`bench-${n.name}-`));
    return ({ type, name, props }) => {
        const node = nodeOf(name);
        if (!node || (type !== COMMAND && type !== COPY)) {
            return undefined;
        }
        // A later run of the same program (the no-op `up`) records over the first one.
        const steps = (record.get(node.name) ?? []).filter((s) => s.name !== name);
        const step: RecordedStep = { name, kind: type === COMMAND ? "command" : "copy" };
        record.set(node.name, [...steps, step]);
        if (type === COMMAND) {
            pulumi.output(props.create).apply((text) => { step.create = text; });
            pulumi.output(props.stdin).apply((text) => { step.stdin = text; });
        } else {
            pulumi.output(props.remotePath).apply((p) => { step.remotePath = p; });
            pulumi.output((props.source as pulumi.asset.FileAsset).path)
                .apply((p) => { step.localPath = p; });
        }
        return undefined;
    };
}
