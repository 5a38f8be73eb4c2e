import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { allCommandTexts, registerNode, scriptOf, serverArgs, writtenContent } from "./fixtures";
import { valueOf } from "../support/mocks";

const VERIFY = "version = 3\n[plugins.'io.containerd.cri.v1.runtime'.cni]\n" +
    'bin_dir = "/data/k3s/data/cni"\nconf_dir = "/data/k3s/agent/etc/cni/net.d"\n';

describe("a custom data dir", () => {
    let dir: string;
    let airgap: { k3sBinary: string; installScript: string; images: string };

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "pk3s-airgap-"));
        const file = (name: string) => {
            fs.writeFileSync(path.join(dir, name), name);
            return path.join(dir, name);
        };
        airgap = { k3sBinary: file("k3s"), installScript: file("install.sh"),
            images: file("images.tar") };
    });

    after(() => fs.rmSync(dir, { recursive: true }));

    it("puts CNI dir, template dir, token file, images dir, config data-dir and the " +
        "uninstall's K3S_DATA_DIR under /data/k3s (c09)", async () => {
        const { registered, node } = await registerNode("s1", serverArgs({
            dataDir: "/data/k3s", token: "t0ken", cni: { mode: "custom" },
            install: { airgap },
        }), { verify: VERIFY });
        assert.match(scriptOf(registered, "s1-cni-dir"), /^dir=\/data\/k3s\/data\/cni$/m);
        writtenContent(scriptOf(registered, "s1-containerd-template"),
            "/data/k3s/agent/etc/containerd/config-v3.toml.tmpl");
        const config = scriptOf(registered, "s1-config");
        const yaml = writtenContent(config, "/etc/rancher/k3s/config.yaml");
        assert.match(yaml, /^data-dir: \/data\/k3s$/m);
        assert.match(yaml, /^token-file: \/data\/k3s\/pulumi-k3s\/join-token$/m);
        assert.strictEqual(writtenContent(config, "/data/k3s/pulumi-k3s/join-token"),
            `printf '%s' "$new"`);
        const install = scriptOf(registered, "s1-install");
        assert.match(install, /^mkdir -p \/data\/k3s\/agent\/images$/m);
        assert.match(install, /K3S_DATA_DIR=\/data\/k3s/);
        assert.match(scriptOf(registered, "s1-install", "delete"),
            /K3S_DATA_DIR=\/data\/k3s \/usr\/local\/bin\/k3s-uninstall\.sh/);
        assert.match(scriptOf(registered, "s1-verify"),
            /cat \/data\/k3s\/agent\/etc\/containerd\/config\.toml/);
        assert.match(scriptOf(registered, "s1-credentials"), /cat \/data\/k3s\/server\/token/);
        for (const text of allCommandTexts(registered)) {
            assert.ok(!text.includes("/var/lib/rancher"), text);
        }
        assert.strictEqual(await valueOf(node.cniBinDir), "/data/k3s/data/cni");
    });

    it("searches /opt/cni/bin, then <dataDir>/data/current/bin for migrated plugins (c09)",
        async () => {
            const { registered } = await registerNode("s1", serverArgs({
                dataDir: "/data/k3s", cni: { migratePlugins: ["multus"] },
            }));
            assert.match(scriptOf(registered, "s1-cni-dir"),
                /for f in \/opt\/cni\/bin\/multus \/data\/k3s\/data\/current\/bin\/multus;/);
        });

    it("writes no data-dir key and no K3S_DATA_DIR install variable for the default",
        async () => {
            const { registered } = await registerNode("s1", serverArgs());
            const yaml = writtenContent(scriptOf(registered, "s1-config"),
                "/etc/rancher/k3s/config.yaml");
            assert.doesNotMatch(yaml, /data-dir/);
            assert.doesNotMatch(scriptOf(registered, "s1-install"), /K3S_DATA_DIR/);
        });
});
