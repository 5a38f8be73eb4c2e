/**
 * The sequential baseline: the scripts the components registered, replayed the way a
 * single-host tool runs them, host after host (the server first), one OpenSSH `ssh` per step.
 * File copies stream the local file into `cat` on the node, also one `ssh` each.
 */
import { spawn } from "child_process";
import * as fs from "fs";

import { SshNode } from "../test/support/nodes";
import { RecordedStep, StepRecord } from "./cluster";

function sshArgs(node: SshNode, remote: string): string[] {
    return [
        "-i", node.privateKeyFile, "-p", String(node.port),
        "-o", `UserKnownHostsFile=${node.knownHostsFile}`, "-o", "StrictHostKeyChecking=yes",
        "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-F", "/dev/null",
        `${node.user}@${node.host}`, "--", remote,
    ];
}

/** Runs one command over ssh with `input` on stdin; rejects with stderr on failure. */
export function ssh(node: SshNode, remote: string, input: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
        const child = spawn("ssh", sshArgs(node, remote), {
            stdio: ["pipe", "ignore", "pipe"], env: { ...process.env, SSH_AUTH_SOCK: "" },
        });
        const stderr: Buffer[] = [];
        child.stderr.on("data", (b: Buffer) => stderr.push(b));
        child.on("error", reject);
        child.on("close", (code) => code === 0 ? resolve() : reject(new Error(
            `ssh to ${node.name} exited ${code}: ${Buffer.concat(stderr).toString().trim()}`)));
        child.stdin.on("error", () => undefined);
        child.stdin.end(input);
    });
}

function copyCommand(remotePath: string): string {
    const quoted = `'${remotePath.replace(/'/g, `'\\''`)}'`;
    return `umask 022 && mkdir -p "$(dirname ${quoted})" && cat > ${quoted}`;
}

async function runStep(node: SshNode, step: RecordedStep, token: string): Promise<void> {
    if (step.kind === "copy") {
        await ssh(node, copyCommand(step.remotePath!), fs.readFileSync(step.localPath!));
        return;
    }
    // The recorded token belongs to the cluster the engine built; this one gets its own.
    await ssh(node, step.create!, step.stdin === undefined ? "" : token);
}

/**
 * Replays the recorded steps of each node, in the order the nodes were recorded (the server
 * first), on fresh `nodes`, host after host. Returns the wall time in ms.
 */
export async function runSequential(nodes: SshNode[], record: StepRecord, token: string):
    Promise<number> {
    const recorded = [...record.keys()];
    if (recorded.length !== nodes.length) {
        throw new Error(`${recorded.length} nodes recorded for ${nodes.length} fresh ones`);
    }
    const start = performance.now();
    for (const [i, node] of nodes.entries()) {
        const steps = record.get(recorded[i])!;
        if (steps.some((s) => s.kind === "command" ? !s.create : !s.localPath)) {
            throw new Error(`no complete step record for ${recorded[i]}`);
        }
        for (const step of steps) {
            await runStep(node, step, token);
        }
    }
    return performance.now() - start;
}
