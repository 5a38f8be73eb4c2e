/**
 * Finding and ending the processes of one test node: the sshd started for it, everything
 * it spawned, and anything else living in its private mount namespace (such as a service
 * start left running in the background).
 */
import * as fs from "fs";

function readProc(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

function mountNamespace(pid: number): string | undefined {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/mnt`);
  } catch {
    return undefined;
  }
}

function allPids(): number[] {
  return fs.readdirSync("/proc").filter((n) => /^\d+$/.test(n)).map(Number);
}

/** Whether pid is alive and not a zombie waiting to be reaped. */
export function isRunning(pid: number): boolean {
  const stat = readProc(`/proc/${pid}/stat`);
  if (stat === undefined) {
    return false;
  }
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state !== "Z" && state !== "X";
}

/**
 * Whether pid is the sshd started with this config file (guards against pid reuse). sshd
 * rewrites its command line into one title string, so the path is searched as a word.
 */
export function isNodeSshd(pid: number, sshdConfig: string): boolean {
  const words = readProc(`/proc/${pid}/cmdline`)?.split(/[\0 ]/) ?? [];
  return words.includes(sshdConfig);
}

/** The node's sshd, its descendants, and every process in the node's mount namespace. */
export function nodeProcesses(sshdPid: number): number[] {
  const namespace = mountNamespace(sshdPid);
  const parents = new Map<number, number>();
  const pids = allPids();
  for (const pid of pids) {
    const stat = readProc(`/proc/${pid}/stat`);
    if (stat !== undefined) {
      parents.set(pid, Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    }
  }
  const found = new Set<number>([sshdPid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, parent] of parents) {
      if (!found.has(pid) && found.has(parent)) {
        found.add(pid);
        grew = true;
      }
    }
  }
  if (namespace !== undefined && namespace !== mountNamespace(process.pid)) {
    pids.filter((pid) => mountNamespace(pid) === namespace).forEach((pid) => found.add(pid));
  }
  return [...found];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends SIGTERM, then SIGKILL to what is left after graceMs, and waits until all are gone. */
export async function endProcesses(pids: number[], graceMs = 2000): Promise<void> {
  const signal = (sig: NodeJS.Signals) => pids.filter(isRunning).forEach((pid) => {
    try {
      process.kill(pid, sig);
    } catch {
      // Already gone between the check and the signal.
    }
  });
  signal("SIGTERM");
  for (let waited = 0; waited < graceMs && pids.some(isRunning); waited += 20) {
    await sleep(20);
  }
  signal("SIGKILL");
  for (let waited = 0; waited < 5000 && pids.some(isRunning); waited += 20) {
    await sleep(20);
  }
  const left = pids.filter(isRunning);
  if (left.length > 0) {
    throw new Error(`processes still running after SIGKILL: ${left.join(", ")}`);
  }
}
