/**
 * The `up` floor: on fresh nodes, as many bare `remote.Command`s per node as the library's
 * cluster has steps there, each `true`, one after the other on a node as the steps are. What
 * the SDK, the engine, the command provider and one SSH login per step cost on this machine,
 * before any K3s work.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

import { engineStack } from "../test/support/engine";
import { SshNode } from "../test/support/nodes";

function floorProgram(nodes: SshNode[], steps: number[]): () => Promise<void> {
    return async () => {
        for (const [i, node] of nodes.entries()) {
            const connection = {
                host: node.host, port: node.port, user: node.user,
                privateKey: pulumi.secret(node.privateKey), hostKey: node.hostKey,
            };
            let previous: command.remote.Command | undefined;
            for (let s = 0; s < steps[i]; s++) {
                previous = new command.remote.Command(`${node.name}-${s}`, {
                    connection, create: "true",
                }, { dependsOn: previous ? [previous] : [] });
            }
        }
    };
}

/** Wall time, ms, of an `up` of the floor program with `steps[i]` commands on node i. */
export async function upFloor(dir: string, nodes: SshNode[], steps: number[], parallel?: number):
    Promise<number> {
    const stack = await engineStack({
        dir, program: floorProgram(nodes, steps), stackName: `floor${nodes.length}`,
        projectName: "pulumi-k3s-bench-floor",
    });
    const start = performance.now();
    const up = await stack.up({ parallel });
    if (up.summary.result !== "succeeded") {
        throw new Error(`floor up of ${nodes.length} nodes: ${up.summary.result}`);
    }
    return performance.now() - start;
}
