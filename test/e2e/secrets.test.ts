/**
 * c10: a join token holding `$`, both quotes, a backslash and a space goes from the program
 * to the nodes without ever showing in plain text: not in any process's argv, not in the
 * state backend, not in what the engine prints or the events it emits. Neither does an SSH
 * private key. A server and an agent that logs in through sudo run the whole lifecycle while
 * a child process samples every command line on the machine.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { Stack } from "@pulumi/pulumi/automation";
import { version as sdkVersion } from "@pulumi/pulumi/version";

import { K3sCluster } from "../../components";
import { engineStack } from "../support/engine";
import { SshNode, startNodes, stopNodes } from "../support/nodes";
import { ArgvSampler, SamplerStats, startArgvSampler } from "./support/argv-sampler";
import {
    K3S_VERSION, READY_TIMEOUT_SECONDS, airgap, clusterNode, fileBytes, tidyAfterSuite,
    uniqueToken,
} from "./support/cluster";
import { EngineLog } from "./support/engine-log";
import { filesUnder, findNeedles, keyNeedles, Needle, tokenNeedles } from "./support/scan";

const JOIN_TOKEN_FILE = "/var/lib/rancher/k3s/pulumi-k3s/join-token";
/** The marker Pulumi writes beside every secret value in a state file. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
/** SDK releases known to print RegisterResource responses, secrets included, at debug level. */
const SDK_TRACES_SECRETS = ["3.248.0"];

describe("c10: a token with $ ' \" \\ and a space through the real engine", function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pk3s-e2e-secrets-"));
    const log = new EngineLog(path.join(dir, "engine-log"));
    const samplesFile = path.join(dir, "argv-samples");
    const plainPart = uniqueToken("c10");
    const token = `${plainPart} $HOME'it''s' "q" a\\b`;
    const desired = { agentLabels: {} as Record<string, string> };
    let nodes: SshNode[] = [];
    let needles: Needle[] = [];
    let stack: Stack;
    let sampler: ArgvSampler | undefined;
    let stats: SamplerStats | undefined;

    before(async function () {
        this.timeout(60_000);
        nodes = await startNodes({ dir: path.join(dir, "nodes"), count: 2,
            names: ["server", "agent-sudo"], sudoUserIndexes: [1] });
        needles = [...tokenNeedles("the token", token, plainPart),
            ...nodes.flatMap((n) => keyNeedles(`${n.name}'s login key`, n.privateKey))];
        sampler = await startArgvSampler(samplesFile);
        const [server, agent] = nodes;
        stack = await engineStack({
            dir: path.join(dir, "engine"),
            program: async () => {
                const cluster = new K3sCluster("c10", {
                    version: K3S_VERSION, token,
                    servers: [clusterNode(server)],
                    agents: [clusterNode(agent, { nodeLabels: desired.agentLabels })],
                    defaults: { install: { airgap }, readyTimeoutSeconds: READY_TIMEOUT_SECONDS },
                });
                return { token: cluster.token, kubeconfig: cluster.kubeconfig };
            },
        });
    });

    tidyAfterSuite({ dir: () => dir, keeps: "argv-samples, engine-log/, engine/backend",
        stop: () => Promise.resolve(sampler?.stop()).then(() => stopNodes(nodes)) });

    it("c10: up, a diff preview of an agent label change, that up and destroy succeed, and " +
        "both nodes' token files hold the token byte for byte", async () => {
        const up = await stack.up(log.operation());
        assert.strictEqual(up.outputs.token.secret, true);
        assert.strictEqual(up.outputs.token.value, token);
        for (const node of nodes) {
            assert.ok((await fileBytes(node, JOIN_TOKEN_FILE)).equals(Buffer.from(token)),
                `${node.name}: the token file differs from the token`);
        }

        desired.agentLabels = { team: "c10" };
        await stack.preview({ diff: true, ...log.operation() });
        assert.deepStrictEqual(log.changedSteps().get("c10-agent-sudo-config"), ["update"],
            "the preview shows the step that carries the token on stdin");
        await stack.up(log.operation());
        await stack.destroy(log.operation());
        stats = await sampler!.stop();
        sampler = undefined;
    });

    it("c10: no command line sampled about every 50 ms during the run holds the token or a " +
        "private key", () => {
        assert.ok(stats, "the run did not finish");
        assert.ok(stats.samples >= stats.elapsedMs / 200,
            `only ${stats.samples} samples in ${stats.elapsedMs} ms`);
        const samples = fs.readFileSync(samplesFile, "latin1");
        assert.match(samples, /sshd: pk3s-sudo/, "the sampler saw no SSH session of the agent");
        assert.match(samples, /pulumi-k3s: config\.yaml and token/,
            "the sampler saw no config step (its script is in sh's argv)");
        assert.deepStrictEqual(findNeedles([samplesFile], needles), []);
    });

    it("c10: the state backend holds the token and the keys only encrypted", () => {
        const files = filesUnder(path.join(dir, "engine", "backend"));
        const state = Buffer.concat(files.map((f) => fs.readFileSync(f))).toString("utf8");
        assert.ok(state.includes(SECRET_SIG), "no secret in the state at all");
        assert.ok(state.includes("pulumi-k3s: config.yaml and token"),
            "the state files read hold no step script");
        assert.deepStrictEqual(findNeedles(files, needles), []);
    });

    it("c10: the engine's output and event log, the SDK's own RPC traces aside, never show " +
        "the token or a key", () => {
        const output = fs.readFileSync(log.files()[0], "utf8");
        assert.match(output, /c10-agent-sudo-config/);
        assert.match(output, /\[secret\]/, "the diff preview printed no secret placeholder");
        assert.ok(log.files().some((f) => f.endsWith(".jsonl")), "no event was recorded");
        assert.deepStrictEqual(findNeedles(log.files(), needles), []);
    });

    it("c10: the Pulumi SDK's debug traces of RPC responses hold no secret either (skipped on " +
        `SDK ${SDK_TRACES_SECRETS.join(", ")}, which prints every response there)`, function () {
        if (SDK_TRACES_SECRETS.includes(sdkVersion)) {
            this.skip();
        }
        const traces = fs.existsSync(log.sdkTraceFile) ? [log.sdkTraceFile] : [];
        assert.deepStrictEqual(findNeedles(traces, needles), []);
    });
});
