/**
 * One measured `pulumi up` of an N-node cluster on fresh nodes, then a second `up` with no
 * change: wall time, SSH logins per node, peak memory.
 */
import * as crypto from "crypto";

import { engineStack } from "../test/support/engine";
import { SshNode } from "../test/support/nodes";
import { clusterProgram, StepRecord } from "./cluster";
import { machineCpuSeconds } from "./cpu";
import { MemoryPeak, sampleMemory } from "./memory";
import { timeline } from "./timeline";

export interface UpRun {
    ms: number;
    /** CPU seconds the whole machine spent during the first `up`. */
    cpuSeconds: number;
    /** SSH logins the server accepted during the first `up`. */
    serverSessions: number;
    /** The same for agents: one number, or the range when they differ ("-" without agents). */
    agentSessions: string;
    /** SSH logins on all nodes during the first `up`. */
    totalSessions: number;
    /** SSH logins on all nodes during the second `up`. */
    noopSessions: number;
    memory: MemoryPeak;
}

function spread(values: number[]): string {
    if (values.length === 0) {
        return "-";
    }
    const [low, high] = [Math.min(...values), Math.max(...values)];
    return low === high ? String(low) : `${low}-${high}`;
}

export async function upCluster(dir: string, nodes: SshNode[], opts: {
    parallel?: number; record?: StepRecord;
}): Promise<UpRun> {
    // The K3s double's join registry is shared on the machine: a token of its own.
    const token = `bench-${crypto.randomBytes(12).toString("hex")}`;
    const stack = await engineStack({
        dir, program: clusterProgram(nodes, token, opts.record),
        stackName: `up${nodes.length}`, projectName: "pulumi-k3s-bench",
    });
    const sessions = () => nodes.map((node) => node.sshSessions());
    const before = sessions();
    const events = process.env.BENCH_TIMELINE ? timeline() : undefined;
    // Earlier runs' garbage is not this run's memory (`npm run bench` exposes gc).
    (globalThis as { gc?: () => void }).gc?.();
    const memory = sampleMemory();
    const cpuBefore = machineCpuSeconds();
    const start = performance.now();
    const up = await stack.up({ parallel: opts.parallel, onEvent: events?.onEvent })
        .finally(() => memory.stop());
    const ms = performance.now() - start;
    const peak = memory.stop();
    const cpuSeconds = machineCpuSeconds() - cpuBefore;
    events?.print();
    if (up.summary.result !== "succeeded") {
        throw new Error(`up of ${nodes.length} nodes: ${up.summary.result}`);
    }
    const created = sessions().map((count, i) => count - before[i]);
    const settled = sessions();
    const again = await stack.up({ parallel: opts.parallel });
    const changes = Object.keys(again.summary.resourceChanges ?? {}).filter((op) => op !== "same");
    if (changes.length > 0) {
        throw new Error(`the second up of ${nodes.length} nodes changed: ${changes.join(", ")}`);
    }
    const noopSessions = sessions().reduce((sum, count, i) => sum + count - settled[i], 0);
    return {
        ms, cpuSeconds, serverSessions: created[0], agentSessions: spread(created.slice(1)),
        totalSessions: created.reduce((sum, count) => sum + count, 0), noopSessions, memory: peak,
    };
}
