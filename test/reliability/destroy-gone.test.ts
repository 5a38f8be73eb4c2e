/**
 * Destroy when a node is gone for good: its sshd stopped, its files with it. The steps that
 * have a delete command (the uninstall, the template removal) cannot dial, so `destroy` must
 * fail within the connection's small dial bounds, naming the step and the address, and the
 * README's way out must work: delete the node from the state, then destroy the rest.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { tidyAfterSuite } from "../e2e/support/cluster";
import { SshNode, startNodes, stopNodes } from "../support/nodes";
import { pulumiCli, urnsByName } from "./support/cli";
import { liveNode } from "./support/live";
import { countSurvived } from "./support/tally";

/** dialErrorLimit 2 and perDialTimeout 5 s allow about 10 s per step; a hang would not. */
const DESTROY_WITHIN_MS = 45_000;

describe("destroy when a node is gone", function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pk3s-rel-gone-"));
    let nodes: SshNode[] = [];

    tidyAfterSuite({ dir: () => dir, keeps: "engine logs", stop: () => stopNodes(nodes) });

    it("fails within its dial bounds naming the uninstall step and the address; deleting " +
        "the node from the state with its children lets destroy finish", async () => {
        nodes = await startNodes({ dir: path.join(dir, "nodes"), count: 1, names: ["gone"] });
        const live = await liveNode(dir, "g", nodes[0], { cni: { mode: "custom" } });
        await live.stack.up(live.log.operation());
        const port = nodes[0].port;
        await stopNodes(nodes);

        const started = Date.now();
        const error = await live.stack.destroy(live.log.operation())
            .then(() => undefined, (e: Error) => e);
        const elapsed = Date.now() - started;
        assert.ok(error, "destroy succeeded without the node");
        assert.ok(elapsed < DESTROY_WITHIN_MS, `destroy took ${elapsed} ms`);
        assert.deepStrictEqual(live.log.failedSteps(), ["g-install"]);
        assert.match(error.message, new RegExp("g-install[\\s\\S]*dial root@127\\.0\\.0\\.1:" +
            `${port} failed after 2 attempt\\(s\\).*connection refused`));
        const left = await urnsByName(live.stack);
        assert.ok(left.has("g-install") && left.has("g-config"), "the node's steps were dropped");

        const out = await pulumiCli(live.stack, ["state", "delete", left.get("g")!,
            "--target-dependents", "--yes"]);
        assert.match(out, /Resource deleted/);
        await live.stack.destroy(live.log.operation());
        assert.deepStrictEqual([...(await urnsByName(live.stack)).keys()], []);
        countSurvived("destroy of a node that is gone");
    });
});
