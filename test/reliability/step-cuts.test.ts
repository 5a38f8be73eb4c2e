/**
 * The SSH connection cut in the middle of each step of a node. The step is held at one of its
 * own commands, the node's sshd processes serving that connection are killed, and the held
 * command then goes on as an orphan would. The `up` must fail naming the step, leaving each
 * file absent or whole and no temp file, and a second `up` of the same program must converge:
 * every file as planned, K3s active, nothing left to change.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { existsOnNode, fileBytes, tidyAfterSuite } from "../e2e/support/cluster";
import { SshNode, startNodes, stopNodes } from "../support/nodes";
import { cutConnection, holdStep, stepsEnded } from "./support/faults";
import { assertConverged, liveNode, plannedFiles, tempFiles } from "./support/live";
import { countSurvived } from "./support/tally";

/** Each step, and a command its script runs in the middle (the title names its script). */
const CUTS = [
    { step: "preflight", title: "preflight", command: "uname" },
    { step: "cni-dir", title: "CNI data dir", command: "chown" },
    { step: "containerd-template", title: "containerd template", command: "mv" },
    { step: "config", title: "config.yaml and token", command: "mv" },
    { step: "install", title: "install K3s v1.31.7+k3s1 (server)", command: "sha256sum" },
    { step: "restart", title: "restart k3s and wait until ready", command: "date" },
    { step: "verify", title: "read the generated containerd config", command: "cat" },
    { step: "credentials", title: "read the server token and kubeconfig", command: "cat" },
];

describe("the SSH connection cut in the middle of a step", function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pk3s-rel-cuts-"));
    const nodes: SshNode[] = [];

    tidyAfterSuite({ dir: () => dir, keeps: "engine logs per step", stop: () => stopNodes(nodes) });

    for (const cut of CUTS) {
        it(`fails the ${cut.step} step when its connection is cut at \`${cut.command}\`, ` +
            "leaving no partial or temp file, and a second up converges with no change left",
        async () => {
            const name = `cut-${cut.step}`;
            const [node] = await startNodes({ dir: path.join(dir, name, "nodes"), count: 1,
                names: [name] });
            nodes.push(node);
            const live = await liveNode(path.join(dir, name), "c", node,
                { cni: { mode: "custom" } });
            const hold = await holdStep(node, cut.title, cut.command);
            let ended = false;
            const up = live.stack.up(live.log.operation()).then(() => undefined,
                (e: Error) => e).finally(() => { ended = true; });
            const pid = await hold.reached(() => ended);
            const killed = cutConnection(node, pid);
            await hold.release();
            const error = await up;
            assert.ok(error, "up succeeded although its connection was cut");
            assert.ok(killed.length > 0);
            assert.deepStrictEqual(live.log.failedSteps(), [`c-${cut.step}`]);
            assert.match(error.message, new RegExp(`c-${cut.step}`));
            assert.match(error.message, /command failed on 127\.0\.0\.1:\d+/);
            await stepsEnded(node);
            await hold.remove();
            for (const [file, [bytes]] of await plannedFiles(live)) {
                assert.ok(!(await existsOnNode(node, file)) ||
                    (await fileBytes(node, file)).toString() === bytes, `${file} is partial`);
            }
            assert.strictEqual(await tempFiles(node), "", "temp files left by the cut step");

            const again = await live.stack.up(live.log.operation());
            assert.strictEqual(again.summary.result, "succeeded");
            await assertConverged(live);
            countSurvived(`connection cut in ${cut.step}`);
        });
    }
});
