import * as assert from "assert";

import { K3sNode } from "../../components";
import { recordResources, settle, valueOf } from "../support/mocks";

describe("K3sNode (smoke)", () => {
    it("registers the steps of a custom-CNI server in order", async () => {
        const registered = await recordResources();
        const node = new K3sNode("n1", {
            connection: { host: "10.0.0.1", privateKey: "KEY" },
            role: "server", version: "v1.31.7+k3s1", cni: { mode: "custom" },
        });
        assert.strictEqual(await valueOf(node.cniBinDir), "/var/lib/rancher/k3s/data/cni");
        await settle();
        const names = registered.map((r) => r.name);
        assert.deepStrictEqual(names.filter((n) => n.startsWith("n1-")), [
            "n1-preflight", "n1-cni-dir", "n1-containerd-template", "n1-config", "n1-install",
            "n1-restart", "n1-verify", "n1-credentials",
        ]);
    });
});
