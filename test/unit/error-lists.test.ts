import * as assert from "assert";

import { K3sArgsError } from "../../components/args/errors";
import { K3sCluster } from "../../components/cluster";
import { K3sNode } from "../../components/node";
import { recordResources, settle } from "../support/mocks";
import { PRIVATE_KEY, serverArgs, thrown } from "./fixtures";

describe("bad input is reported in one list, each problem once", () => {
    it("lists a CNI mode mismatch, naming the node, beside the other nodes' problems",
        async () => {
        const registered = await recordResources();
        const err = thrown(() => new K3sCluster("c", {
            connection: { privateKey: PRIVATE_KEY },
            version: "v1.31.7+k3s1",
            servers: [{ name: "s1", connection: { host: "h1" }, dataDir: "data/k3s" }],
            agents: [{ name: "a1", connection: { host: "h2" }, cni: { mode: "custom" } }],
        }));
        await settle();
        assert.ok(err instanceof K3sArgsError, err.message);
        assert.deepStrictEqual(err.problems.map((p) => p.property).sort(),
            ["cni.mode", "s1.dataDir"]);
        assert.match(err.message, /`a1` differ from the first server `s1` \(flannel\)/);
        assert.deepStrictEqual(registered, []);
    });

    it("reports a malformed version once, not again as a custom-CNI channel problem", async () => {
        await recordResources();
        const err = thrown(() => new K3sNode("n", serverArgs({
            version: "1.31.7", cni: { mode: "custom" } })));
        assert.ok(err instanceof K3sArgsError, err.message);
        assert.deepStrictEqual(err.problems.map((p) => p.property), ["version"]);
        assert.doesNotMatch(err.message, /channel/);
    });
});
