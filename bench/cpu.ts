/**
 * CPU time the whole machine spent, from /proc/stat: every process counts, the test nodes'
 * sshd and shells included, which is where most of a provisioning run's work happens.
 */
import * as fs from "fs";

/** Seconds of CPU (user, nice, system, irq, softirq) spent so far on all CPUs. */
export function machineCpuSeconds(): number {
    const line = fs.readFileSync("/proc/stat", "utf8").split("\n")[0];
    const [user, nice, system, , , irq, softirq] = line.trim().split(/\s+/).slice(1).map(Number);
    // USER_HZ is 100 on every Linux architecture this runs on.
    return (user + nice + system + irq + softirq) / 100;
}

/** How busy the machine was over the next `ms`, in percent of all its CPUs. */
export async function machineBusyPercent(ms: number, cpus: number): Promise<number> {
    const before = machineCpuSeconds();
    await new Promise((resolve) => setTimeout(resolve, ms));
    return (machineCpuSeconds() - before) * 100 / (ms / 1000) / cpus;
}
