/**
 * What the end-to-end c10 test does not cover: the admin kubeconfig. A cluster of a server and
 * an agent logging in through sudo is brought up, changed with a `preview --diff` first, and
 * changed, while every command line on the machine (the nodes' included) is sampled. The
 * kubeconfig's client key, the token and the login keys must then be absent from the samples,
 * from what the engine printed and emitted, from the diff text and from the state files; the
 * kubeconfig on the server must be root's alone.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { Stack } from "@pulumi/pulumi/automation";
import * as YAML from "yaml";

import { K3sCluster } from "../../components";
import { ArgvSampler, startArgvSampler } from "../e2e/support/argv-sampler";
import {
    airgap, clusterNode, fileBytes, K3S_VERSION, ownerAndMode, tidyAfterSuite, uniqueToken,
} from "../e2e/support/cluster";
import { EngineLog } from "../e2e/support/engine-log";
import { filesUnder, findNeedles, keyNeedles, Needle, tokenNeedles } from "../e2e/support/scan";
import { engineStack } from "../support/engine";
import { SshNode, startNodes, stopNodes } from "../support/nodes";
import { READY_TIMEOUT_SECONDS } from "./support/live";
import { countLeaks } from "./support/tally";

const KUBECONFIG = "/etc/rancher/k3s/k3s.yaml";

/** Needles for a kubeconfig's client key: its base64 form and the key's PEM body lines. */
function kubeconfigNeedles(kubeconfig: string): Needle[] {
    const user = YAML.parse(kubeconfig).users[0].user;
    const keyData = String(user["client-key-data"]);
    const pem = Buffer.from(keyData, "base64").toString("utf8");
    const body = pem.split("\n").filter((line) => /^[A-Za-z0-9+/=]{40,}$/.test(line));
    assert.ok(body.length > 0, "the kubeconfig's client key has no PEM body");
    return [{ label: "the kubeconfig's client-key-data", bytes: Buffer.from(keyData) },
        ...body.map((line, i) => ({ label: `the kubeconfig's client key (line ${i + 1})`,
            bytes: Buffer.from(line) }))];
}

describe("secrets: the kubeconfig, preview diffs, argv, logs and state", function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pk3s-rel-secrets-"));
    const log = new EngineLog(path.join(dir, "engine-log"));
    const samplesFile = path.join(dir, "argv-samples");
    const plainPart = uniqueToken("rel-secrets");
    const token = `${plainPart} '$(id)' "\\x"`;
    const desired = { serverLabels: {} as Record<string, string> };
    let nodes: SshNode[] = [];
    let stack: Stack;
    let sampler: ArgvSampler | undefined;
    let diffText = "";
    let needles: Needle[] = [];

    before(async function () {
        this.timeout(60_000);
        nodes = await startNodes({ dir: path.join(dir, "nodes"), count: 2,
            names: ["server", "agent"], sudoUserIndexes: [1] });
        stack = await engineStack({ dir: path.join(dir, "engine"), program: async () => {
            const cluster = new K3sCluster("sec", {
                version: K3S_VERSION, token,
                servers: [clusterNode(nodes[0], { nodeLabels: desired.serverLabels })],
                agents: [clusterNode(nodes[1])],
                defaults: { install: { airgap }, readyTimeoutSeconds: READY_TIMEOUT_SECONDS },
            });
            return { kubeconfig: cluster.kubeconfig };
        } });
        sampler = await startArgvSampler(samplesFile);
    });

    tidyAfterSuite({ dir: () => dir, keeps: "argv-samples, engine-log/, engine/backend",
        stop: () => Promise.resolve(sampler?.stop()).then(() => stopNodes(nodes)) });

    it("up writes the kubeconfig 0600 root:root and exports it as a secret; a preview diff " +
        "of a change that reads it again shows it as [secret]", async () => {
        const up = await stack.up(log.operation());
        assert.strictEqual(up.outputs.kubeconfig.secret, true);
        const kubeconfig = (await fileBytes(nodes[0], KUBECONFIG)).toString("utf8");
        assert.strictEqual(await ownerAndMode(nodes[0], KUBECONFIG), "root:root 600");
        needles = [...kubeconfigNeedles(kubeconfig), ...tokenNeedles("the token", token,
            plainPart), ...nodes.flatMap((n) => keyNeedles(`${n.name}'s login key`,
            n.privateKey))];
        assert.ok(String(up.outputs.kubeconfig.value).includes(
            needles[0].bytes.toString()), "the output is not the node's kubeconfig");

        desired.serverLabels = { tier: "secrets" };
        const callbacks = log.operation();
        await stack.preview({ diff: true, ...callbacks,
            onOutput: (out) => { diffText += out; callbacks.onOutput(out); } });
        assert.ok(log.changedSteps().has("sec-server-credentials"),
            `the credentials step does not run again: ${[...log.changedSteps().keys()]}`);
        assert.match(diffText, /sec-server-credentials/);
        assert.match(diffText, /\[secret\]/);
        fs.writeFileSync(path.join(dir, "preview-diff.txt"), diffText);
        await stack.up(log.operation());
        await sampler!.stop();
        sampler = undefined;
    });

    it("no sampled command line, engine output or event, preview diff or state file holds " +
        "the kubeconfig's key, the token or a login key", () => {
        assert.ok(needles.length > 0, "the run did not finish");
        const samples = fs.readFileSync(samplesFile, "latin1");
        assert.match(samples, /pulumi-k3s: read the server token and kubeconfig/,
            "the sampler never saw the credentials step");
        const files = [samplesFile, path.join(dir, "preview-diff.txt"), ...log.files(),
            ...filesUnder(path.join(dir, "engine", "backend"))];
        assert.deepStrictEqual(countLeaks(findNeedles(files, needles)), []);
    });
});
