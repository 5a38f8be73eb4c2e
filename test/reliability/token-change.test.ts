/**
 * A token change on a server that has already bootstrapped its cluster. K3s cannot take one in
 * place: restarted with it, a server fails with "bootstrap data already found and encrypted
 * with different token". The config step must refuse the change before anything is written or
 * restarted, whether the old token was given or the server made its own.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { existsOnNode, fileBytes, onNode, tidyAfterSuite, uniqueToken }
    from "../e2e/support/cluster";
import { SshNode, startNodes, stopNodes } from "../support/nodes";
import { assertConverged, failedUp, LiveNode, liveNode } from "./support/live";
import { countLeaks, countRejected } from "./support/tally";

const CONFIG = "/etc/rancher/k3s/config.yaml";
const JOIN_TOKEN = "/var/lib/rancher/k3s/pulumi-k3s/join-token";
const REFUSAL = /t-config[\s\S]*this server already bootstrapped its cluster with another token/;

/** How often the node's systemctl has started K3s, and whether it runs now. */
async function k3sRuns(live: LiveNode): Promise<string> {
    return (await onNode(live.node, "echo $(cat /run/k3s-double/k3s.service.starts) " +
        "$(systemctl is-active k3s)")).trim();
}

describe("a token change on a bootstrapped server", function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pk3s-rel-token-"));
    const nodes: SshNode[] = [];

    tidyAfterSuite({ dir: () => dir, keeps: "engine logs per test", stop: () => stopNodes(nodes) });

    async function fresh(name: string, token: string | undefined): Promise<LiveNode> {
        const [node] = await startNodes({ dir: path.join(dir, name, "nodes"), count: 1,
            names: [name] });
        nodes.push(node);
        return liveNode(path.join(dir, name), "t", node, { token });
    }

    it("refuses another token for a server started with one: the token file, config.yaml " +
        "and the running K3s stay as they were, and the old token converges", async () => {
        const live = await fresh("given", uniqueToken("old"));
        const old = live.args.token as string;
        await live.stack.up(live.log.operation());
        const [config, running] = [await fileBytes(live.node, CONFIG), await k3sRuns(live)];
        assert.strictEqual(running, "1 active");

        const other = uniqueToken("new");
        live.args = { ...live.args, token: other };
        const error = await failedUp(live);
        assert.deepStrictEqual(live.log.failedSteps(), ["t-config"]);
        assert.match(error.message, REFUSAL);
        assert.match(error.message, /k3s token rotate/);
        assert.deepStrictEqual(countLeaks([old, other].filter((t) => error.message.includes(t))
            .map(() => "a token in the refusal")), []);
        assert.strictEqual((await fileBytes(live.node, JOIN_TOKEN)).toString(), old);
        assert.ok((await fileBytes(live.node, CONFIG)).equals(config), "config.yaml changed");
        assert.strictEqual(await k3sRuns(live), running, "K3s was restarted or stopped");
        countRejected("a new token for a server that bootstrapped with another");

        live.args = { ...live.args, token: old };
        await live.stack.up(live.log.operation());
        await assertConverged(live);
    });

    it("refuses a token set later on a server that made its own, and takes the token it " +
        "made, read from the node's `token` output", async () => {
        const live = await fresh("made", undefined);
        const up = await live.stack.up(live.log.operation());
        const made = String(up.outputs.token.value);
        assert.match(made, /^K10[0-9a-f]{64}::server:[0-9a-f]+$/);
        const [config, running] = [await fileBytes(live.node, CONFIG), await k3sRuns(live)];

        live.args = { ...live.args, token: uniqueToken("later") };
        const error = await failedUp(live);
        assert.deepStrictEqual(live.log.failedSteps(), ["t-config"]);
        assert.match(error.message, REFUSAL);
        assert.ok(!(await existsOnNode(live.node, JOIN_TOKEN)), "the token file was written");
        assert.ok((await fileBytes(live.node, CONFIG)).equals(config), "config.yaml changed");
        assert.strictEqual(await k3sRuns(live), running, "K3s was restarted or stopped");
        countRejected("a token set later on a server that made its own");

        live.args = { ...live.args, token: made };
        await live.stack.up(live.log.operation());
        await assertConverged(live);
        assert.strictEqual(await k3sRuns(live), "2 active");
    });
});
