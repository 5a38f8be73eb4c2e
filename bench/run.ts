/**
 * `npm run bench` (as root): provisioning many nodes, no-op runs and previews, against a
 * sequential baseline, with the real engine on local SSH nodes. Prints a table and, last:
 *
 *   bench: up16/up1=X noop_sessions=N preview/floor=Y vs_sequential=Z
 *
 * BENCH_PARALLEL sets the engine's --parallel (default: PARALLEL); BENCH_TIMELINE=1 prints
 * when each step of each `up` started and ended.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { toolsEnv } from "../test/support/engine";
import { SshNode, startNodes, stopNodes } from "../test/support/nodes";
import { LoginCost, sshLoginCost } from "./calibrate";
import { StepRecord } from "./cluster";
import { machineBusyPercent } from "./cpu";
import { upFloor } from "./floor";
import { PreviewFigures, previews } from "./preview";
import { runSequential } from "./sequential";
import { UpRun, upCluster } from "./up";

const SIZES = [1, 4, 16];
/** Each size is provisioned this many times on fresh nodes; the median run is reported. */
const UP_ROUNDS = 3;
/** The engine's --parallel; undefined leaves the CLI's default (4 per CPU). */
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? "0") || undefined;

const say = (message: string) => console.log(`bench: ${message}`);
const seconds = (ms: number) => (ms / 1000).toFixed(2);

function machine(): string {
    const cpu = os.cpus()[0]?.model.trim() ?? "unknown CPU";
    const memory = (os.totalmem() / 2 ** 30).toFixed(0);
    const load = os.loadavg().map((l) => l.toFixed(2)).join(" ");
    return `${os.cpus().length} x ${cpu}, ${memory} GiB RAM, load average ${load}`;
}

async function withNodes<T>(dir: string, count: number, body: (nodes: SshNode[]) => Promise<T>):
    Promise<T> {
    const nodes = await startNodes({ dir, count });
    try {
        return await body(nodes);
    } finally {
        await stopNodes(nodes);
    }
}

interface Figures {
    login: LoginCost;
    ups: Map<number, UpRun>;
    /** Median wall time of the floor's `up`, ms, by node count (1 and 16). */
    floor: Map<number, number>;
    preview: PreviewFigures;
    sequentialMs: number;
}

/** The floor's `up` on 1 and 16 fresh nodes, with the step counts the library's run had. */
async function floorUps(dir: string, record: StepRecord): Promise<Map<number, number>> {
    const steps = [...record.values()].map((nodeSteps) => nodeSteps.length);
    const floor = new Map<number, number>();
    for (const n of [1, 16]) {
        const times: number[] = [];
        for (let round = 0; round < UP_ROUNDS; round++) {
            const where = path.join(dir, `floor-${n}-${round}`);
            times.push(await withNodes(path.join(where, "nodes"), n, (nodes) =>
                upFloor(where, nodes, steps.slice(0, n), PARALLEL)));
        }
        floor.set(n, [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]);
        say(`up floor (bare commands) on ${n} node(s): ${times.map(seconds).join(", ")} s`);
    }
    return floor;
}

/**
 * The run of median wall time, with the worst no-op session count and the highest memory
 * peak of all runs.
 */
function medianRun(runs: UpRun[]): UpRun {
    const sorted = [...runs].sort((a, b) => a.ms - b.ms);
    const median = sorted[Math.floor(sorted.length / 2)];
    const memory = runs.map((run) => run.memory)
        .reduce((a, b) => (b.totalMiB > a.totalMiB ? b : a));
    return { ...median, noopSessions: Math.max(...runs.map((run) => run.noopSessions)), memory };
}

function row(measure: string, value: string): void {
    console.log(`| ${measure} | ${value} |`);
}

function report(f: Figures): void {
    const up = (n: number) => f.ups.get(n)!;
    const ratio = up(16).ms / up(1).ms;
    const previewRatio = f.preview.libraryMs / f.preview.floorMs;
    const vsSequential = up(16).ms / f.sequentialMs;
    const sshFloor = up(16).totalSessions * f.login.nodeCpuMs / os.cpus().length;
    console.log("\n| measure | value |\n| --- | --- |");
    for (const n of SIZES) {
        row(`\`pulumi up\`, ${n} node${n > 1 ? "s" : ""}`,
            `${seconds(up(n).ms)} s (machine CPU ${up(n).cpuSeconds.toFixed(1)} s), median of ` +
            `${UP_ROUNDS}`);
    }
    row("wall(16) / wall(1)", ratio.toFixed(2));
    const floor = (n: number) => f.floor.get(n)!;
    row("`up` floor (bare `true` commands), 1 / 16 nodes",
        `${seconds(floor(1))} s / ${seconds(floor(16))} s, ratio ` +
        `${(floor(16) / floor(1)).toFixed(2)}, median of ${UP_ROUNDS}`);
    row("SSH sessions per node on create", `server ${up(16).serverSessions}, ` +
        `agents ${up(16).agentSessions}`);
    row("SSH sessions, second `up` with no change, 16 nodes", String(up(16).noopSessions));
    row("one SSH login on a node (`ssh true`)", `${f.login.wallMs.toFixed(0)} ms wall, ` +
        `${f.login.nodeCpuMs.toFixed(0)} ms node CPU`);
    row(`node CPU of the 16-node up's ${up(16).totalSessions} logins / ${os.cpus().length} CPUs`,
        `${seconds(sshFloor)} s`);
    row(`\`pulumi preview\`, ${f.preview.nodes} nodes, fresh stack`,
        `${seconds(f.preview.libraryMs)} s`);
    row(`same with bare \`remote.Command\`s (${f.preview.steps} in all)`,
        `${seconds(f.preview.floorMs)} s`);
    row("preview / floor", previewRatio.toFixed(2));
    const memory = up(16).memory;
    row("peak RSS, engine + program, 16 nodes", `${memory.totalMiB.toFixed(0)} MiB ` +
        `(engine ${memory.engineMiB.toFixed(0)}, program ${memory.programMiB.toFixed(0)})`);
    row("sequential ssh baseline, 16 nodes", `${seconds(f.sequentialMs)} s`);
    row("`pulumi up` / sequential, 16 nodes", vsSequential.toFixed(2));
    console.log("");
    console.log(`bench: up16/up1=${ratio.toFixed(2)} noop_sessions=${up(16).noopSessions} ` +
        `preview/floor=${previewRatio.toFixed(2)} vs_sequential=${vsSequential.toFixed(2)}`);
}

async function main(): Promise<void> {
    toolsEnv();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pk3s-bench-"));
    const busy = await machineBusyPercent(5000, os.cpus().length);
    say(`machine: ${machine()}; ${busy.toFixed(0)}% busy over the last 5 s`);
    say(`engine --parallel: ${PARALLEL ?? `CLI default (${os.cpus().length * 4})`}`);
    try {
        const login = await withNodes(path.join(dir, "nodes-login"), 1, ([node]) =>
            sshLoginCost(node));
        say(`one SSH login: ${login.wallMs.toFixed(0)} ms wall, ` +
            `${login.nodeCpuMs.toFixed(0)} ms of node CPU`);
        const record: StepRecord = new Map();
        const ups = new Map<number, UpRun>();
        for (const n of SIZES) {
            const runs: UpRun[] = [];
            for (let round = 0; round < UP_ROUNDS; round++) {
                const where = path.join(dir, `up-${n}-${round}`);
                runs.push(await withNodes(path.join(where, "nodes"), n, (nodes) =>
                    upCluster(where, nodes, {
                        parallel: PARALLEL, record: n === 16 && round === 0 ? record : undefined,
                    })));
                const run = runs[runs.length - 1];
                say(`up of ${n} node(s): ${seconds(run.ms)} s, machine CPU ` +
                    `${run.cpuSeconds.toFixed(1)} s; SSH sessions: server ${run.serverSessions}, ` +
                    `agents ${run.agentSessions}; no-op up: ${run.noopSessions} sessions`);
            }
            ups.set(n, medianRun(runs));
        }
        const floor = await floorUps(dir, record);
        const token = `bench-seq-${crypto.randomBytes(12).toString("hex")}`;
        const sequentialMs = await withNodes(path.join(dir, "nodes-seq"), 16, (nodes) =>
            runSequential(nodes, record, token));
        say(`sequential baseline, 16 nodes: ${seconds(sequentialMs)} s`);
        const preview = await previews(dir, say);
        say(`machine after the run: ${machine()}`);
        report({ login, ups, floor, preview, sequentialMs });
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

main().catch((err) => {
    console.error(`bench: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
});
