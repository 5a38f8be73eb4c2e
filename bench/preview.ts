/**
 * Preview of a 100-node program on a fresh stack, against the same program written as bare
 * `remote.Command` resources: the SDK's floor for that many steps.
 *
 * Nothing is dialled: a preview runs no remote command. Every host is 127.0.0.1 on a port
 * no process listens on (checked in /proc/net/tcp before use), so even a mistaken dial would
 * be refused by the kernel at once.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { EngineEvent, PreviewResult, Stack } from "@pulumi/pulumi/automation";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

import { K3sCluster } from "../components";
import { engineStack } from "../test/support/engine";
import { K3S_VERSION, airgap } from "../test/e2e/support/cluster";

/** Ports with a listening socket, from /proc/net/tcp and tcp6 (state 0A). */
function listeningPorts(): Set<number> {
    const ports = new Set<number>();
    for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
        const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
        for (const line of text.split("\n").slice(1)) {
            const fields = line.trim().split(/\s+/);
            if (fields[3] === "0A") {
                ports.add(parseInt(fields[1].split(":").pop()!, 16));
            }
        }
    }
    return ports;
}

/** `count` ports below 1024 that no process listens on. */
export function deadPorts(count: number): number[] {
    const taken = listeningPorts();
    const ports: number[] = [];
    for (let port = 600; port < 1024 && ports.length < count; port++) {
        if (!taken.has(port)) {
            ports.push(port);
        }
    }
    if (ports.length < count) {
        throw new Error(`fewer than ${count} unused ports below 1024`);
    }
    return ports;
}

export interface PreviewSetup {
    nodes: number;
    ports: number[];
    privateKey: string;
    hostKey: string;
}

/** The library's program: one server and `nodes - 1` agents, as the benchmark's `up`. */
export function libraryProgram(setup: PreviewSetup): () => Promise<void> {
    return async () => {
        const entry = (i: number) => ({
            name: `node-${i}`,
            connection: { host: "127.0.0.1", port: setup.ports[i], hostKey: setup.hostKey },
        });
        const names = [...Array(setup.nodes).keys()];
        new K3sCluster("preview", {
            version: K3S_VERSION, token: "preview-token",
            connection: { privateKey: setup.privateKey },
            servers: [entry(0)],
            agents: names.slice(1).map(entry),
            defaults: { install: { airgap }, cni: { mode: "custom" } },
        });
    };
}

/**
 * The floor: as many bare commands as the library's program has steps (`steps` in all,
 * spread over the nodes as evenly as they go), trivial create strings, no components.
 */
export function floorProgram(setup: PreviewSetup, steps: number): () => Promise<void> {
    return async () => {
        for (let i = 0; i < setup.nodes; i++) {
            const connection = {
                host: "127.0.0.1", port: setup.ports[i], user: "root",
                privateKey: pulumi.secret(setup.privateKey), hostKey: setup.hostKey,
            };
            const count = Math.floor(steps / setup.nodes) + (i < steps % setup.nodes ? 1 : 0);
            let previous: command.remote.Command | undefined;
            for (let s = 0; s < count; s++) {
                previous = new command.remote.Command(`floor-${i}-${s}`, {
                    connection, create: `echo step ${s}`,
                }, { dependsOn: previous ? [previous] : [] });
            }
        }
    };
}

/** Times `rounds` previews of a fresh stack: ms each, and the remote steps it would create. */
export async function timePreviews(stack: Stack, rounds: number): Promise<{
    ms: number[]; steps: number; result: PreviewResult;
}> {
    const ms: number[] = [];
    let result: PreviewResult | undefined;
    let steps = 0;
    for (let i = 0; i < rounds; i++) {
        steps = 0;
        const onEvent = (event: EngineEvent) => {
            const meta = event.resourcePreEvent?.metadata;
            steps += meta && meta.type.startsWith("command:remote:") ? 1 : 0;
        };
        const start = performance.now();
        result = await stack.preview({ onEvent });
        ms.push(performance.now() - start);
    }
    return { ms, steps, result: result! };
}

async function previewStack(dir: string, name: string, program: () => Promise<void>):
    Promise<Stack> {
    return engineStack({ dir: path.join(dir, name), program, stackName: name,
        projectName: `pulumi-k3s-bench-${name}` });
}

export interface PreviewFigures {
    nodes: number;
    /** Remote steps in the program (commands and copies). */
    steps: number;
    /** Median wall time of the library's program and of the floor, ms. */
    libraryMs: number;
    floorMs: number;
}

const PREVIEW_NODES = 100;
const ROUNDS = 3;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * One untimed preview of each program first (plugin and stack warm-up), then ROUNDS of each
 * in turn; the medians are compared.
 */
export async function previews(dir: string, say: (message: string) => void):
    Promise<PreviewFigures> {
    const keyFile = path.join(dir, "preview-key");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", keyFile]);
    const setup = {
        nodes: PREVIEW_NODES, ports: deadPorts(PREVIEW_NODES),
        privateKey: fs.readFileSync(keyFile, "utf8"),
        hostKey: fs.readFileSync(`${keyFile}.pub`, "utf8").trim(),
    };
    const library = await previewStack(dir, "library", libraryProgram(setup));
    const { steps } = await timePreviews(library, 1);
    const floor = await previewStack(dir, "floor", floorProgram(setup, steps));
    const floorSteps = (await timePreviews(floor, 1)).steps;
    if (floorSteps !== steps) {
        throw new Error(`the floor program has ${floorSteps} steps, the library's ${steps}`);
    }
    const ours: number[] = [];
    const bare: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
        ours.push(...(await timePreviews(library, 1)).ms);
        bare.push(...(await timePreviews(floor, 1)).ms);
    }
    const list = (xs: number[]) => xs.map((ms) => (ms / 1000).toFixed(2)).join(", ");
    say(`preview of ${PREVIEW_NODES} nodes, ${steps} steps: library ${list(ours)} s; ` +
        `bare commands ${list(bare)} s`);
    return { nodes: PREVIEW_NODES, steps, libraryMs: median(ours), floorMs: median(bare) };
}
