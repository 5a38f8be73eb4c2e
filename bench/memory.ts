/**
 * Peak resident memory of the engine and the program: this Node process (the inline program
 * and the Automation API) plus every `pulumi` CLI it started and their descendants (the
 * command plugin). The test nodes, also children of this process, are left out. Sampled from
 * /proc at a fixed interval while an operation runs.
 */
import * as fs from "fs";

function read(file: string): string | undefined {
    try {
        return fs.readFileSync(file, "utf8");
    } catch {
        return undefined;
    }
}

/** Resident set size of a process in KiB, or 0 once it is gone. */
function rssKiB(pid: number): number {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(read(`/proc/${pid}/status`) ?? "");
    return match ? Number(match[1]) : 0;
}

function command(pid: number): string {
    return (read(`/proc/${pid}/comm`) ?? "").trim();
}

/** Direct children of a process, from the `children` file of each of its threads. */
function children(pid: number): number[] {
    let tasks: string[];
    try {
        tasks = fs.readdirSync(`/proc/${pid}/task`);
    } catch {
        return [];
    }
    return tasks.flatMap((task) => (read(`/proc/${pid}/task/${task}/children`) ?? "")
        .split(" ").filter((word) => /^\d+$/.test(word)).map(Number));
}

/** This process and the engine processes under it (not the test nodes, also children). */
function measuredPids(): number[] {
    const found = [process.pid];
    const queue = children(process.pid).filter((pid) => command(pid) === "pulumi");
    while (queue.length > 0) {
        const pid = queue.shift()!;
        found.push(pid);
        queue.push(...children(pid));
    }
    return found;
}

export interface MemoryPeak {
    /** The largest sum of RSS over the measured processes seen in one sample, MiB. */
    totalMiB: number;
    /** Of which the engine (CLI and plugins) at that sample, MiB. */
    engineMiB: number;
    /** Of which this process at that sample, MiB. */
    programMiB: number;
    samples: number;
}

/** Samples until `stop()` is called; `stop()` (again) returns the peak. */
export function sampleMemory(intervalMs = 100): { stop: () => MemoryPeak } {
    const peak: MemoryPeak = { totalMiB: 0, engineMiB: 0, programMiB: 0, samples: 0 };
    const take = () => {
        const pids = measuredPids();
        const program = rssKiB(process.pid) / 1024;
        const engine = pids.slice(1).reduce((sum, pid) => sum + rssKiB(pid), 0) / 1024;
        peak.samples++;
        if (program + engine > peak.totalMiB) {
            Object.assign(peak, { totalMiB: program + engine, engineMiB: engine,
                programMiB: program });
        }
    };
    const timer = setInterval(take, intervalMs);
    let stopped = false;
    take();
    return {
        stop: () => {
            if (!stopped) {
                stopped = true;
                clearInterval(timer);
                take();
            }
            return peak;
        },
    };
}
