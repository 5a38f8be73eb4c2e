import * as assert from "assert";

import { effectiveCniDirs } from "../../components/k3s/containerd";
import { find, registerNode, scriptOf, serverArgs, stepNames, writtenContent } from "./fixtures";

const CONTAINERD_DIR = "/var/lib/rancher/k3s/agent/etc/containerd";
const V2 = `${CONTAINERD_DIR}/config.toml.tmpl`;
const V3 = `${CONTAINERD_DIR}/config-v3.toml.tmpl`;
const V2_TABLE = '[plugins."io.containerd.grpc.v1.cri".cni]';
const V3_TABLE = "[plugins.'io.containerd.cri.v1.runtime'.cni]";
const DATA_CNI = "/var/lib/rancher/k3s/data/cni";

interface Row {
    version: string;
    template: string;
    table: string;
    key: "bin_dir" | "bin_dirs";
    /** What the plan expects containerd to use with flannel; undefined: the hash dir. */
    flannelBinDir: string | undefined;
}

/** The K3s release rows: the template file, CNI table and bin dir key custom CNI writes. */
const ROWS: Row[] = [
    { version: "v1.28.14+k3s1", template: V2, table: V2_TABLE, key: "bin_dir",
        flannelBinDir: undefined },
    { version: "v1.28.15+k3s1", template: V2, table: V2_TABLE, key: "bin_dir",
        flannelBinDir: DATA_CNI },
    { version: "v1.30.5+k3s1", template: V2, table: V2_TABLE, key: "bin_dir",
        flannelBinDir: undefined },
    { version: "v1.30.6+k3s1", template: V2, table: V2_TABLE, key: "bin_dir",
        flannelBinDir: DATA_CNI },
    { version: "v1.31.5+k3s1", template: V2, table: V2_TABLE, key: "bin_dir",
        flannelBinDir: DATA_CNI },
    { version: "v1.31.6+k3s1", template: V3, table: V3_TABLE, key: "bin_dir",
        flannelBinDir: DATA_CNI },
    { version: "v1.31.7+k3s1", template: V3, table: V3_TABLE, key: "bin_dir",
        flannelBinDir: DATA_CNI },
    { version: "v1.32.9+k3s1", template: V3, table: V3_TABLE, key: "bin_dirs",
        flannelBinDir: DATA_CNI },
    { version: "v1.34.1+k3s1", template: V3, table: V3_TABLE, key: "bin_dirs",
        flannelBinDir: DATA_CNI },
    { version: "v1.35.0+k3s1", template: V3, table: V3_TABLE, key: "bin_dirs",
        flannelBinDir: DATA_CNI },
    { version: "v1.35.3+k3s1", template: V3, table: V3_TABLE, key: "bin_dirs",
        flannelBinDir: DATA_CNI },
];

function sameQuotes(header: string): string {
    return header.replace(/'/g, '"');
}

describe("the command text per K3s release", () => {
    for (const row of ROWS) {
        const file = row.template.split("/").pop();
        it(`${row.version} with custom CNI writes ${file} with ${row.table} and only ` +
            `${row.key}`, async () => {
            const { registered } = await registerNode("s1", serverArgs({
                version: row.version, cni: { mode: "custom" },
            }));
            const script = scriptOf(registered, "s1-containerd-template");
            const content = writtenContent(script, row.template);
            const lines = content.split("\n");
            assert.strictEqual(lines[0], "# Written by pulumi-k3s: the containerd CNI section.");
            assert.strictEqual(lines[1], '{{ template "base" . }}');
            // TOML quotes keys with ' or " alike; compare the key path, not the quote style.
            const headers = lines.filter((l) => l.startsWith("[")).map(sameQuotes);
            assert.deepStrictEqual(headers, [sameQuotes(row.table)]);
            const other = row.key === "bin_dir" ? /^bin_dirs\b/m : /^bin_dir\b/m;
            assert.doesNotMatch(content, other);
            const version = row.template === V3 ? 3 : 2;
            const cni = effectiveCniDirs(`version = ${version}\n${lines.slice(2).join("\n")}`);
            assert.deepStrictEqual(cni.binDirs, [DATA_CNI]);
            assert.strictEqual(cni.binDirKey, row.key);
            assert.strictEqual(cni.confDir, "/var/lib/rancher/k3s/agent/etc/cni/net.d");
            const stale = row.template === V3 ? V2 : V3;
            assert.ok(script.includes(`grep -qxF '# Written by pulumi-k3s: the containerd CNI ` +
                `section.' ${stale}; then rm -f ${stale}; fi`), "removes our stale template");
            assert.doesNotMatch(scriptOf(registered, "s1-cni-dir"), /rm -f/);
            assert.strictEqual(scriptOf(registered, "s1-containerd-template", "delete")
                .includes(`rm -f ${row.template}`), true);
        });

        it(`${row.version} with flannel writes no template and expects ` +
            `${row.flannelBinDir ?? "the per-release hash dir"}`, async () => {
            const { registered, node } = await registerNode("s1", serverArgs({
                version: row.version,
            }));
            assert.ok(!stepNames(registered, "s1").includes("containerd-template"));
            assert.strictEqual(node.plan.cni.template, undefined);
            assert.strictEqual(node.plan.cni.binDir, row.flannelBinDir);
            const cniDir = scriptOf(registered, "s1-cni-dir");
            for (const stale of [V2, V3]) {
                assert.ok(cniDir.includes(`then rm -f ${stale}; fi`), `removes our ${stale}`);
            }
            const install = scriptOf(registered, "s1-install");
            assert.match(install, new RegExp(`INSTALL_K3S_VERSION='?${
                row.version.replace(/[.+]/g, "\\$&")}'? `));
            assert.ok(find(registered, "s1-install"));
        });
    }

    it("installs from a channel with INSTALL_K3S_CHANNEL and no version", async () => {
        const { registered } = await registerNode("s1", serverArgs({
            version: undefined, channel: "v1.31",
        }));
        const install = scriptOf(registered, "s1-install");
        assert.match(install, /INSTALL_K3S_CHANNEL=v1\.31 /);
        assert.doesNotMatch(install, /INSTALL_K3S_VERSION/);
        assert.match(install, /INSTALL_K3S_SKIP_START=true/);
        assert.match(install, /INSTALL_K3S_EXEC=server/);
    });
});
