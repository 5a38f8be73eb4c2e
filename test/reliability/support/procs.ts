/**
 * The processes of one step on a test node, as the kernel shows them: a step is `sh -c
 * '<script>'` under the login shell, under the node's per-connection sshd processes. Test
 * nodes share this machine's PID namespace, so /proc shows them all.
 */
import * as fs from "fs";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function read(file: string): string | undefined {
    try {
        return fs.readFileSync(file, "utf8");
    } catch {
        return undefined;
    }
}

/** The parent of `pid`, or undefined when it is gone. */
export function parentOf(pid: number): number | undefined {
    const stat = read(`/proc/${pid}/stat`);
    return stat === undefined ? undefined
        : Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

/** The executable name of `pid` (`sshd`, `sh`, `bash`...). */
export function commOf(pid: number): string {
    return (read(`/proc/${pid}/comm`) ?? "").trim();
}

/** `pid` and its ancestors, nearest first, up to but without `stopAt`. */
export function lineage(pid: number, stopAt: number): number[] {
    const chain: number[] = [];
    for (let p: number | undefined = pid; p !== undefined && p > 1 && p !== stopAt;
        p = parentOf(p)) {
        chain.push(p);
    }
    return chain;
}

function mountNamespace(pid: number): string | undefined {
    try {
        return fs.readlinkSync(`/proc/${pid}/ns/mnt`);
    } catch {
        return undefined;
    }
}

/** Processes in the mount namespace of `sshdPid` (the node) whose argv holds `text`. */
export function nodeProcessesWith(sshdPid: number, text: string): number[] {
    const namespace = mountNamespace(sshdPid);
    if (namespace === undefined) {
        return [];
    }
    return fs.readdirSync("/proc").filter((n) => /^\d+$/.test(n)).map(Number)
        .filter((pid) => mountNamespace(pid) === namespace &&
            (read(`/proc/${pid}/cmdline`) ?? "").includes(text));
}

/** Sends SIGKILL to each pid still there. */
export function killAll(pids: number[]): void {
    for (const pid of pids) {
        try {
            process.kill(pid, "SIGKILL");
        } catch {
            // Already gone.
        }
    }
}

/** Polls `done` every 50 ms for at most `ms`; throws `what` when it never holds. */
export async function waitUntil(done: () => boolean | Promise<boolean>, ms: number,
    what: string): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await done())) {
        if (Date.now() > deadline) {
            throw new Error(`${what} within ${ms} ms`);
        }
        await sleep(50);
    }
}
