/**
 * Faults while a node's files are written or its K3s starts: a full file system under the
 * containerd template or config.yaml, the config step killed between writing its temp file and
 * renaming it, sshd down when the first step dials, and K3s slower than `readyTimeoutSeconds`.
 * Each leaves the old file or none (never a partial one), fails with an error that names the
 * step and the cause, and a second `up` converges.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { fileBytes, existsOnNode, onNode, tidyAfterSuite } from "../e2e/support/cluster";
import { SshNode, startNodes, stopNodes } from "../support/nodes";
import { fillFolder, freeFolder, holdStep, killStep, stepsEnded } from "./support/faults";
import { assertConverged, failedUp, LiveNode, liveNode, tempFiles } from "./support/live";
import { stopSshd } from "./support/sshd";
import { countSurvived } from "./support/tally";

const CONFIG = "/etc/rancher/k3s/config.yaml";
const CONTAINERD = "/var/lib/rancher/k3s/agent/etc/containerd";
const TEMPLATE = `${CONTAINERD}/config-v3.toml.tmpl`;

describe("faults while writing files and starting K3s", function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pk3s-rel-writes-"));
    const nodes: SshNode[] = [];

    tidyAfterSuite({ dir: () => dir, keeps: "engine logs per test", stop: () => stopNodes(nodes) });

    /** A fresh node and a stack declaring a custom-CNI server on it. */
    async function fresh(name: string): Promise<LiveNode> {
        const [node] = await startNodes({ dir: path.join(dir, name, "nodes"), count: 1,
            names: [name] });
        nodes.push(node);
        return liveNode(path.join(dir, name), "w", node, { cni: { mode: "custom" } });
    }

    it("a full file system under the containerd template fails that step with ENOSPC, " +
        "writes no template, and a second up writes it once there is room", async () => {
        const live = await fresh("full-template");
        await fillFolder(live.node, CONTAINERD);
        const error = await failedUp(live);
        assert.deepStrictEqual(live.log.failedSteps(), ["w-containerd-template"]);
        assert.match(error.message, new RegExp("No space left on device\\s+pulumi-k3s: could " +
            `not write ${TEMPLATE.replace(/[.]/g, "\\.")}`));
        assert.ok(!(await existsOnNode(live.node, TEMPLATE)), "a template was left");
        assert.strictEqual(await tempFiles(live.node), "");

        await freeFolder(live.node, CONTAINERD);
        await live.stack.up(live.log.operation());
        await assertConverged(live);
        countSurvived("disk full under the containerd template");
    });

    it("a full file system under config.yaml fails the config step with ENOSPC and keeps " +
        "the old config.yaml byte for byte; a second up writes the new one", async () => {
        const live = await fresh("full-config");
        live.args = { ...live.args, nodeLabels: { tier: "old" } };
        await live.stack.up(live.log.operation());
        const old = await fileBytes(live.node, CONFIG);
        await fillFolder(live.node, "/etc/rancher/k3s");
        live.args = { ...live.args, nodeLabels: { tier: "new" } };
        const error = await failedUp(live);
        assert.deepStrictEqual(live.log.failedSteps(), ["w-config"]);
        assert.match(error.message, new RegExp("No space left on device\\s+pulumi-k3s: could " +
            `not write ${CONFIG.replace(/[.]/g, "\\.")}`));
        assert.ok((await fileBytes(live.node, CONFIG)).equals(old), "config.yaml changed");
        assert.strictEqual(await tempFiles(live.node), "");

        await freeFolder(live.node, "/etc/rancher/k3s");
        await live.stack.up(live.log.operation());
        assert.match((await fileBytes(live.node, CONFIG)).toString(), /tier=new/);
        await assertConverged(live);
        countSurvived("disk full under config.yaml");
    });

    it("the config step killed after filling its temp file keeps the old config.yaml, and " +
        "the next run removes the temp file and writes the new one", async () => {
        const live = await fresh("killed-writer");
        live.args = { ...live.args, nodeLabels: { tier: "old" } };
        await live.stack.up(live.log.operation());
        const old = await fileBytes(live.node, CONFIG);
        const hold = await holdStep(live.node, "config.yaml and token", "mv");
        live.args = { ...live.args, nodeLabels: { tier: "new" } };
        let ended = false;
        const up = live.stack.up(live.log.operation()).then(() => undefined,
            (e: Error) => e).finally(() => { ended = true; });
        const killed = killStep(live.node, await hold.reached(() => ended));
        const error = await up;
        assert.ok(error, "up succeeded although its step was killed");
        assert.ok(killed.length >= 2, "the step's shell was not among the killed processes");
        assert.deepStrictEqual(live.log.failedSteps(), ["w-config"]);
        await stepsEnded(live.node);
        await hold.remove();
        assert.ok((await fileBytes(live.node, CONFIG)).equals(old), "config.yaml changed");
        const left = (await tempFiles(live.node)).trim();
        assert.match(left, /^\/etc\/rancher\/k3s\/\.pulumi-k3s\.\S+$/, "no temp file was left");
        assert.match(await onNode(live.node, `cat '${left}'`), /tier=new/);

        await live.stack.up(live.log.operation());
        await assertConverged(live);
        countSurvived("config step killed during its write");
    });

    it("sshd down when the first step dials fails preflight in seconds naming the address, " +
        "writes nothing, and a second up converges once sshd is back", async () => {
        const live = await fresh("sshd-down");
        const down = await stopSshd(live.node);
        let error: Error;
        const started = Date.now();
        try {
            error = await failedUp(live);
        } catch (e) {
            down.abandon();
            throw e;
        }
        assert.ok(Date.now() - started < 60_000, "the failed dial took a minute or more");
        live.node = await down.start();
        nodes.push(live.node);
        assert.deepStrictEqual(live.log.failedSteps(), ["w-preflight"]);
        assert.match(error.message, new RegExp(`dial root@127\\.0\\.0\\.1:${live.node.port} ` +
            "failed after 2 attempt\\(s\\).*connection refused"));
        assert.strictEqual(live.node.sshSessions(), 0);
        assert.ok(!(await existsOnNode(live.node, "/etc/rancher/k3s")), "files were written");

        await live.stack.up(live.log.operation());
        await assertConverged(live);
        countSurvived("sshd down at create");
    });

    it("K3s not ready within readyTimeoutSeconds fails the restart step naming the bound, " +
        "and a second up starts it again and waits", async () => {
        const live = await fresh("never-ready");
        live.args = { ...live.args, readyTimeoutSeconds: 3 };
        await onNode(live.node, "mkdir -p /run/k3s-double && " +
            "echo K3S_DOUBLE_NEVER_READY=true > /run/k3s-double/env");
        const error = await failedUp(live);
        assert.deepStrictEqual(live.log.failedSteps(), ["w-restart"]);
        assert.match(error.message, /pulumi-k3s: k3s not ready after 3s/);

        await onNode(live.node, "rm /run/k3s-double/env");
        await live.stack.up(live.log.operation());
        await assertConverged(live);
        countSurvived("K3s not ready within the bound");
    });
});
