/**
 * The main job: a real `pulumi up` of the root project (Pulumi.yaml, program/) on three local
 * SSH nodes with a local file backend: 1 server and 2 agents with a custom CNI (flannel off,
 * a cluster-wide setting), one agent logging in through sudo with its data dir at /data/k3s.
 * Then a check of what landed on each node, and a second preview that must report no change.
 *
 *   npm run demo         up, verify, preview again; the nodes keep running
 *   npm run demo:down    destroy the stack and stop the nodes
 */
import * as fs from "fs";
import * as path from "path";

import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";

import { toolsEnv } from "../test/support/engine";
import { attachNodes, doubles, NodeRecord, nodeRecords, SshNode, startNodes,
    stopNodes } from "../test/support/nodes";

const REPO = path.resolve(__dirname, "..");
const STATE = path.join(REPO, ".state", "demo");
const NODES_FILE = path.join(STATE, "nodes", "nodes.json");
const VERSION = "v1.31.7+k3s1";
const LAYOUT = [
    { name: "server-1", role: "server", cniMode: "custom" },
    { name: "agent-1", role: "agent", cniMode: "custom" },
    { name: "agent-2", role: "agent", cniMode: "custom", sudo: true, dataDir: "/data/k3s" },
] as const;

function say(message: string): void {
    console.log(`demo: ${message}`);
}

async function demoStack(): Promise<Stack> {
    const env = toolsEnv();
    const backend = path.join(STATE, "backend");
    fs.mkdirSync(backend, { recursive: true });
    const pulumiCommand = await PulumiCommand.get({ root: env.PULUMI_K3S_PULUMI_ROOT });
    return LocalWorkspace.createOrSelectStack({
        stackName: "demo",
        projectName: "pulumi-k3s-demo",
        program: async () => require("../program")(),
    }, {
        workDir: REPO,
        pulumiCommand,
        pulumiHome: env.PULUMI_HOME,
        envVars: {
            PULUMI_BACKEND_URL: `file://${backend}`,
            PULUMI_CONFIG_PASSPHRASE: env.PULUMI_CONFIG_PASSPHRASE ?? "pulumi-k3s-local",
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        },
    });
}

async function configure(stack: Stack, nodes: SshNode[]): Promise<void> {
    const declared = LAYOUT.map((layout, i) => ({
        ...layout, host: nodes[i].host, port: nodes[i].port, user: nodes[i].user,
        hostKey: nodes[i].hostKey,
    }));
    const keys = Object.fromEntries(LAYOUT.map((layout, i) => [layout.name, nodes[i].privateKey]));
    await stack.setAllConfig({
        "nodes": { value: JSON.stringify(declared) },
        "privateKeys": { value: JSON.stringify(keys), secret: true },
        "version": { value: VERSION },
        "airgap": { value: JSON.stringify({
            k3sBinary: doubles.k3s, installScript: doubles.installScript }) },
    });
}

async function up(): Promise<void> {
    if (fs.existsSync(NODES_FILE)) {
        say("a previous demo is still up; taking it down first");
        await down();
    }
    say(`starting ${LAYOUT.length} SSH nodes on 127.0.0.1`);
    const nodes = await startNodes({
        dir: path.dirname(NODES_FILE), count: LAYOUT.length, names: LAYOUT.map((l) => l.name),
        sudoUserIndexes: [2],
    });
    fs.writeFileSync(NODES_FILE, JSON.stringify(nodeRecords(nodes), null, 2), { mode: 0o600 });
    const stack = await demoStack();
    await configure(stack, nodes);
    say("pulumi up");
    const result = await stack.up({ onOutput: (out) => process.stdout.write(out) });
    const outputs = result.outputs.nodes.value as Record<string, { cniBinDir: string }>;
    let verified = 0;
    for (const [i, layout] of LAYOUT.entries()) {
        const dataDir = "dataDir" in layout ? layout.dataDir : "/var/lib/rancher/k3s";
        verified += await report(nodes[i], layout.name, dataDir, outputs[layout.name].cniBinDir);
    }
    await previewNoChange(stack, nodes);
    say(`${verified} nodes verified`);
    if (verified !== LAYOUT.length) {
        process.exitCode = 1;
    }
}

/** Prints a node's exported CNI bin dir beside the bin_dir line containerd reads. */
async function report(
    node: SshNode, name: string, dataDir: string, exported: string,
): Promise<number> {
    const config = `${dataDir}/agent/etc/containerd/config.toml`;
    const line = (await node.exec(`grep -E '^\\s*bin_dirs? *=' ${config}`)).stdout.trim();
    const matches = line.includes(`"${exported}"`);
    say(`${name}: exported cniBinDir=${exported}; config.toml: ${line || "(no bin_dir)"} ` +
        `${matches ? "(match)" : "(MISMATCH)"}`);
    return matches ? 1 : 0;
}

async function previewNoChange(stack: Stack, nodes: SshNode[]): Promise<void> {
    const before = nodes.map((n) => n.sshSessions());
    const preview = await stack.preview();
    const changes = Object.entries(preview.changeSummary).filter(([op, n]) => op !== "same" && n);
    const sessions = nodes.reduce((sum, n, i) => sum + n.sshSessions() - before[i], 0);
    say(`second preview: ${preview.changeSummary.same ?? 0} unchanged, ` +
        `${changes.length ? JSON.stringify(Object.fromEntries(changes)) : "no changes"}; ` +
        `${sessions} SSH sessions opened`);
    if (changes.length > 0 || sessions > 0) {
        process.exitCode = 1;
    }
}

async function down(): Promise<void> {
    const records = fs.existsSync(NODES_FILE)
        ? JSON.parse(fs.readFileSync(NODES_FILE, "utf8")) as NodeRecord[] : [];
    const stack = await demoStack();
    say("pulumi destroy");
    try {
        await stack.destroy({ onOutput: (out) => process.stdout.write(out) });
    } catch (err) {
        say(`destroy failed (${(err as Error).message.split("\n")[0]}); removing the stack`);
    }
    await stack.workspace.removeStack("demo", { force: true });
    await stopNodes(attachNodes(records));
    fs.rmSync(NODES_FILE, { force: true });
    say(`stopped ${records.length} nodes`);
}

const command = process.argv[2] ?? "up";
(command === "down" ? down() : up()).catch((err) => {
    console.error(`demo: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
});
