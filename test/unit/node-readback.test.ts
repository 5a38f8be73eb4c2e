import * as assert from "assert";

import { registerNode, serverArgs } from "./fixtures";
import { valueOf } from "../support/mocks";

const V2_CNI = '[plugins."io.containerd.grpc.v1.cri".cni]';

function rejection(output: unknown): Promise<Error> {
    const promise = (output as { promise(): Promise<unknown> }).promise();
    return promise.then(() => { throw new Error("expected a rejection"); },
        (err: Error) => err);
}

describe("K3sNode read-back of the generated containerd config", () => {
    it("reports /bin for a container-flavour node whose empty data volume hides data/cni " +
        "(c17)", async () => {
        const { node } = await registerNode("c1", serverArgs({ flavour: "container" }), {
            verify: `version = 3\n[plugins.'io.containerd.cri.v1.runtime'.cni]\n` +
                'bin_dir = "/bin"\nconf_dir = "/var/lib/rancher/k3s/agent/etc/cni/net.d"\n',
        });
        assert.strictEqual(node.plan.cni.binDir, undefined);
        assert.strictEqual(await valueOf(node.cniBinDir), "/bin");
        assert.strictEqual(await valueOf(node.containerdConfigVersion), 3);
    });

    it("reports data/cni for a container-flavour node whose volume holds the seeded links " +
        "(c17)", async () => {
        const { node } = await registerNode("c1", serverArgs({ flavour: "container" }));
        assert.strictEqual(await valueOf(node.cniBinDir), "/var/lib/rancher/k3s/data/cni");
    });

    it("reports the hash dir a v1.30.5 flannel node uses", async () => {
        const hash = "/var/lib/rancher/k3s/data/abc123/bin";
        const { node } = await registerNode("s1", serverArgs({ version: "v1.30.5+k3s1" }), {
            verify: `version = 2\n${V2_CNI}\nbin_dir = "${hash}"\n`,
        });
        assert.deepStrictEqual(await valueOf(node.cniBinDirs), [hash]);
    });

    it("fails naming the template when containerd does not use the bin dir it sets",
        async () => {
            const { node } = await registerNode("s1", serverArgs({ cni: { mode: "custom" } }), {
                verify: "version = 3\n",
            });
            const err = await rejection(node.cniBinDir);
            assert.match(err.message, /s1: containerd uses the CNI bin dir \/opt\/cni\/bin, not /);
            assert.match(err.message, /config-v3\.toml\.tmpl; K3s did not apply the template/);
        });

    it("fails naming the config file when the generated config is not TOML", async () => {
        const { node } = await registerNode("s1", serverArgs(), { verify: "version = [" });
        const err = await rejection(node.cniConfDir);
        assert.match(err.message, new RegExp("s1: the containerd config K3s generated at " +
            "/var/lib/rancher/k3s/agent/etc/containerd/config\\.toml could not be read"));
    });

    it("reports the installed version as the install step printed it", async () => {
        const { node } = await registerNode("s1", serverArgs(), {
            install: "installed: k3s version v1.31.7+k3s1 (abcdef)\n",
        });
        assert.strictEqual(await valueOf(node.k3sVersion), "v1.31.7+k3s1");
    });
});
