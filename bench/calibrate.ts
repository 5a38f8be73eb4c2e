/**
 * What one SSH login costs on this machine, measured on a test node: wall time and the CPU
 * the node spends on it (sshd's own processes and the login shell), for `ssh node true`.
 * Every remote step is one login, so this bounds how fast many steps can run at all.
 */
import * as fs from "fs";

import { SshNode } from "../test/support/nodes";
import { ssh } from "./sequential";

const LOGINS = 20;

/** CPU seconds of a process and its reaped descendants, from /proc/<pid>/stat. */
function treeCpuSeconds(pid: number): number {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ").map(Number);
    // utime, stime, cutime, cstime, in USER_HZ (100 per second).
    return (fields[11] + fields[12] + fields[13] + fields[14]) / 100;
}

export interface LoginCost {
    wallMs: number;
    nodeCpuMs: number;
}

export async function sshLoginCost(node: SshNode): Promise<LoginCost> {
    await ssh(node, "true", "");
    const cpu = treeCpuSeconds(node.sshdPid);
    const start = performance.now();
    for (let i = 0; i < LOGINS; i++) {
        await ssh(node, "true", "");
    }
    return {
        wallMs: (performance.now() - start) / LOGINS,
        nodeCpuMs: (treeCpuSeconds(node.sshdPid) - cpu) * 1000 / LOGINS,
    };
}
