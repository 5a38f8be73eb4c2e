/**
 * Takes a test node's sshd down and brings it back, keeping the node: a bounded `sleep` holds
 * the node's mount namespace (its tmpfs folders) while no sshd runs in it, and the new sshd
 * starts there with the node's own config, host key and log.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";

import { attachNodes, SshNode } from "../../support/nodes";
import { onNode } from "../../e2e/support/cluster";
import { isRunning } from "../../support/nodes-process";
import { killAll, waitUntil } from "./procs";

/** A node whose sshd is down; `start` brings it back as a new SshNode (another sshd pid). */
export interface DownNode {
    start(): Promise<SshNode>;
    /** Ends the namespace holder; for clean-up when the node is never started again. */
    abandon(): void;
}

/** Stops the node's listening sshd; connections to its port are refused from then on. */
export async function stopSshd(node: SshNode): Promise<DownNode> {
    const holder = Number((await onNode(node,
        "sleep 300 </dev/null >/dev/null 2>&1 & echo $!")).trim());
    process.kill(node.sshdPid, "SIGTERM");
    await waitUntil(async () => !isRunning(node.sshdPid) && !(await accepts(node.port)), 10_000,
        `the sshd of ${node.name} did not stop`);
    return {
        start: async () => {
            const log = fs.openSync(node.logFile, "a");
            const child = spawn("nsenter", ["-t", String(holder), "-m", "--",
                "/usr/sbin/sshd", "-D", "-e", "-f", node.sshdConfig],
            { detached: true, stdio: ["ignore", log, log], cwd: "/" });
            fs.closeSync(log);
            child.unref();
            await waitUntil(() => accepts(node.port), 10_000,
                `the sshd of ${node.name} did not come back`);
            killAll([holder]);
            return attachNodes([{ ...node, sshdPid: child.pid! }])[0];
        },
        abandon: () => killAll([holder]),
    };
}

function accepts(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect(port, "127.0.0.1");
        socket.once("connect", () => { socket.destroy(); resolve(true); });
        socket.once("error", () => resolve(false));
    });
}
