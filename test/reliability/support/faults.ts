/**
 * Faults made on a live test node while a step runs: a step held at one of its commands, the
 * SSH connection under it cut, its processes killed, a folder whose file system is full.
 * Everything stays inside the node's own mount namespace and ends by itself: a held command
 * waits 30 s at most.
 */
import { shellQuote } from "../../../components/steps/shell";
import { onNode } from "../../e2e/support/cluster";
import { SshNode } from "../../support/nodes";
import { commOf, killAll, lineage, nodeProcessesWith, waitUntil } from "./procs";

const HOLD_DIR = "/run/pk3s-hold";
/** Polls of 50 ms: a held command goes on by itself after 30 s. */
const HOLD_POLLS = 600;

/** A step stopped at one of its commands until `release`. */
export interface Hold {
    /**
     * Resolves with the pid of the held command once the step reaches it; rejects at once when
     * `ended` says the operation is over without having reached it.
     */
    reached(ended: () => boolean): Promise<number>;
    /** Lets the held command go on (into the real command). */
    release(): Promise<void>;
    /** Removes the stand-in, so later runs use the real command at once. */
    remove(): Promise<void>;
}

/**
 * Puts a stand-in for `command` first on the node's PATH (/usr/local/bin, a tmpfs of the
 * node) that stops the first call made by the step titled `title` (the `# pulumi-k3s: <title>`
 * line of its script), and passes every other call straight to the real command.
 */
export async function holdStep(node: SshNode, title: string, command: string): Promise<Hold> {
    const real = (await onNode(node,
        `PATH=/usr/sbin:/usr/bin:/sbin:/bin command -v ${shellQuote(command)}`)).trim();
    const mark = `# pulumi-k3s: ${title}`;
    const standIn = [
        "#!/bin/sh",
        `# A test stand-in for ${command}: holds the step "${title}" once.`,
        `d=${HOLD_DIR}`,
        'if [ ! -e "$d/held" ] && read -r parent < /proc/$PPID/comm && [ "$parent" = sh ] &&',
        `  tr '\\0' '\\n' < /proc/$PPID/cmdline | grep -qxF ${shellQuote(mark)}`,
        "then",
        '  echo $$ > "$d/held"',
        "  i=0",
        `  while [ ! -e "$d/release" ] && [ $i -lt ${HOLD_POLLS} ]; do`,
        "    sleep 0.05; i=$((i + 1))",
        "  done",
        "fi",
        `exec ${shellQuote(real)} "$@"`,
        "",
    ].join("\n");
    const path = `/usr/local/bin/${command}`;
    await onNode(node, `mkdir -p ${HOLD_DIR} && rm -f ${HOLD_DIR}/* && ` +
        `printf '%s' ${shellQuote(standIn)} > ${path} && chmod 0755 ${path}`);
    return {
        reached: async (ended) => {
            let pid = 0;
            await waitUntil(async () => {
                if (ended()) {
                    throw new Error(`the operation ended before the step "${title}" ran ` +
                        command);
                }
                pid = Number((await onNode(node, `cat ${HOLD_DIR}/held 2>/dev/null || true`))
                    .trim());
                return pid > 0;
            }, 120_000, `the step "${title}" did not reach ${command}`);
            return pid;
        },
        release: async () => { await onNode(node, `touch ${HOLD_DIR}/release`); },
        remove: async () => { await onNode(node, `rm -f ${path}; rm -rf ${HOLD_DIR}`); },
    };
}

/**
 * Cuts the SSH connection a step runs over: kills the node's per-connection sshd processes
 * above `pid` (never the listening sshd). The step's shell is left running, as after a
 * network cut.
 */
export function cutConnection(node: SshNode, pid: number): number[] {
    const sessions = lineage(pid, node.sshdPid).filter((p) => commOf(p) === "sshd");
    if (sessions.length === 0) {
        throw new Error(`no sshd process above ${pid} on ${node.name}`);
    }
    killAll(sessions);
    return sessions;
}

/** Kills the step's own processes (its shell and what it runs) with SIGKILL, not sshd. */
export function killStep(node: SshNode, pid: number): number[] {
    const own = lineage(pid, node.sshdPid).filter((p) => commOf(p) !== "sshd");
    killAll(own);
    return own;
}

/** Waits until no step script runs on the node any more (30 s at most). */
export async function stepsEnded(node: SshNode): Promise<void> {
    await waitUntil(() => nodeProcessesWith(node.sshdPid, "# pulumi-k3s: ").length === 0,
        30_000, `step scripts still run on ${node.name}`);
}

/**
 * Mounts a tmpfs of `kib` KiB over `folder` on the node, keeping what the folder held, and
 * fills it up: the next write there fails with ENOSPC.
 */
export async function fillFolder(node: SshNode, folder: string, kib = 256): Promise<void> {
    const dir = shellQuote(folder);
    await onNode(node, [
        "set -eu",
        `mkdir -p ${dir}`,
        "keep=$(mktemp -d /run/pk3s-keep.XXXXXX)",
        `cp -a ${dir}/. "$keep"/`,
        `mount -t tmpfs -o size=${kib}k,mode=0755 pk3s-full ${dir}`,
        `cp -a "$keep"/. ${dir}/`,
        'rm -rf "$keep"',
        `dd if=/dev/zero of=${dir}/.pk3s-filler bs=4k 2>/dev/null || true`,
        `[ "$(df -k --output=avail ${dir} | tail -n 1 | tr -d ' ')" = 0 ]`,
    ].join("\n"));
}

/** Frees the space `fillFolder` took; the small tmpfs stays. */
export async function freeFolder(node: SshNode, folder: string): Promise<void> {
    await onNode(node, `rm -f ${shellQuote(`${folder}/.pk3s-filler`)}`);
}
