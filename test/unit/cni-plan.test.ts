import * as assert from "assert";

import { planNode } from "../../components/args/plan";
import { CniPlanError, effectiveCniDirs, planCni, renderCustomCniTemplate }
    from "../../components/k3s/containerd";
import { k3sPaths } from "../../components/k3s/paths";
import { K3sVersion, parseK3sVersion } from "../../components/k3s/version";
import { cniDirScript } from "../../components/steps/prepare";
import { serverArgs } from "./fixtures";

const paths = k3sPaths();
const DATA_CNI = "/var/lib/rancher/k3s/data/cni";
const CONF_DIR = "/var/lib/rancher/k3s/agent/etc/cni/net.d";

function v(raw: string): K3sVersion {
    const parsed = parseK3sVersion(raw);
    if (typeof parsed === "string") {
        throw new Error(parsed);
    }
    return parsed;
}

/** A stand-in for what base renders: top-level keys and tables, the CNI table when asked. */
function baseLike(version: 2 | 3, withCni: boolean): string {
    const cri = version === 3 ? "plugins.'io.containerd.cri.v1.runtime'"
        : 'plugins."io.containerd.grpc.v1.cri"';
    return [`version = ${version}`, "", `[${cri}.containerd]`, 'snapshotter = "overlayfs"',
        ...(withCni ? ["", `[${cri}.cni]`, `bin_dir = "${DATA_CNI}"`] : []), ""].join("\n");
}

/** The template with base expanded, as K3s renders it. */
function rendered(template: string, base: string): string {
    return template.replace('{{ template "base" . }}', base);
}

describe("planCni", () => {
    it("writes config-v3.toml.tmpl with the runtime CNI table, data/cni and the conf dir " +
        "for custom CNI on v1.31.7 (c01)", () => {
        const plan = planCni({ version: v("v1.31.7+k3s1"), cniMode: "custom", paths,
            flavour: "host" });
        assert.strictEqual(plan.template?.path,
            "/var/lib/rancher/k3s/agent/etc/containerd/config-v3.toml.tmpl");
        assert.strictEqual(plan.table, "plugins.'io.containerd.cri.v1.runtime'.cni");
        assert.strictEqual(plan.binDirKey, "bin_dir");
        assert.strictEqual(plan.binDir, DATA_CNI);
        assert.strictEqual(plan.confDir, CONF_DIR);
        const config = effectiveCniDirs(rendered(plan.template!.content, baseLike(3, false)),
            "2.0");
        assert.deepStrictEqual(config.binDirs, [DATA_CNI]);
        assert.strictEqual(config.confDir, CONF_DIR);
        assert.strictEqual(config.fromTable, true);
    });

    it("keeps the CNI bin dir at data/cni across v1.30.5 -> v1.30.6 for custom CNI, with " +
        "the same template and cni-dir step, so a user plugin there stays found (c02)", () => {
        const before = planNode("n", serverArgs({ version: "v1.30.5+k3s1",
            cni: { mode: "custom" } }));
        const after = planNode("n", serverArgs({ version: "v1.30.6+k3s1",
            cni: { mode: "custom" } }));
        assert.strictEqual(before.cni.binDir, DATA_CNI);
        assert.strictEqual(after.cni.binDir, DATA_CNI);
        assert.deepStrictEqual(after.cni.template, before.cni.template);
        assert.strictEqual(cniDirScript(after.cniDir), cniDirScript(before.cniDir));
    });

    it("moves flannel from the per-release hash dir on v1.30.5 to data/cni on v1.30.6, " +
        "which the cni-dir step has already made (c02)", () => {
        const before = planNode("n", serverArgs({ version: "v1.30.5+k3s1" }));
        const after = planNode("n", serverArgs({ version: "v1.30.6+k3s1" }));
        assert.strictEqual(before.cni.binDir, undefined);
        assert.strictEqual(after.cni.binDir, DATA_CNI);
        assert.strictEqual(before.cni.template, undefined);
        assert.strictEqual(after.cni.template, undefined);
        assert.match(cniDirScript(before.cniDir), /^dir=\/var\/lib\/rancher\/k3s\/data\/cni$/m);
    });

    it("refuses a flannel bin dir of its own rather than a second CNI table after base (c06)",
        () => {
            assert.throws(() => planCni({ version: v("v1.31.7+k3s1"), cniMode: "flannel",
                paths, binDir: "/opt/cni/bin", flavour: "host" }), (err: unknown) =>
                err instanceof CniPlanError && err.property === "cni.binDir" &&
                /duplicated table that containerd refuses/.test(err.message) &&
                /cni\.migratePlugins/.test(err.message));
            const same = planCni({ version: v("v1.31.7+k3s1"), cniMode: "flannel", paths,
                binDir: DATA_CNI, flavour: "host" });
            assert.strictEqual(same.template, undefined);
        });

    it("shows why: base with flannel plus a second CNI table is a duplicated table (c06)",
        () => {
            const template = renderCustomCniTemplate(3, "bin_dir", "/opt/cni/bin", CONF_DIR);
            assert.throws(() => effectiveCniDirs(rendered(template, baseLike(3, true))),
                /[Dd]uplicate|defined|redefine/);
        });

    it("never appends more than one CNI table after base, for any release or mode (c06)",
        () => {
            for (const raw of ["v1.28.14+k3s1", "v1.30.6+k3s1", "v1.31.6+k3s1", "v1.32.9+k3s1",
                "v1.35.3+k3s1"]) {
                for (const cniMode of ["flannel", "custom"] as const) {
                    const plan = planCni({ version: v(raw), cniMode, paths, flavour: "host" });
                    if (cniMode === "flannel") {
                        assert.strictEqual(plan.template, undefined, raw);
                        continue;
                    }
                    const content = plan.template!.content;
                    assert.strictEqual(content.split('{{ template "base" . }}').length, 2, raw);
                    assert.strictEqual(content.match(/^\[.*\]$/gm)?.length, 1, raw);
                }
            }
        });

    it("writes bin_dirs and never bin_dir beside it on v1.32.9 (c07)", () => {
        const plan = planCni({ version: v("v1.32.9+k3s1"), cniMode: "custom", paths,
            flavour: "host" });
        assert.strictEqual(plan.binDirKey, "bin_dirs");
        assert.strictEqual(plan.containerdLine, "2.1+");
        assert.match(plan.template!.content,
            /^bin_dirs = \[ "\/var\/lib\/rancher\/k3s\/data\/cni" \]$/m);
        assert.doesNotMatch(plan.template!.content, /^bin_dir\s*=/m);
        const config = effectiveCniDirs(rendered(plan.template!.content, baseLike(3, false)),
            "2.1+");
        assert.deepStrictEqual(config.binDirs, [DATA_CNI]);
        assert.strictEqual(config.binDirKey, "bin_dirs");
    });

    it("writes bin_dir under a forced version 2 schema on v1.32.9 (c07)", () => {
        const plan = planCni({ version: v("v1.32.9+k3s1"), cniMode: "custom", paths,
            flavour: "host", forceConfigVersion: 2 });
        assert.strictEqual(plan.template?.path.endsWith("/config.toml.tmpl"), true);
        assert.strictEqual(plan.binDirKey, "bin_dir");
        assert.deepStrictEqual(plan.staleTemplatePaths, [paths.templateV3]);
    });

    it("expects /bin for the container flavour before v1.31.7 and leaves it to the " +
        "read-back from v1.31.7 (c17)", () => {
        const expect = (raw: string) => planCni({ version: v(raw), cniMode: "flannel", paths,
            flavour: "container" }).binDir;
        assert.strictEqual(expect("v1.31.6+k3s1"), "/bin");
        assert.strictEqual(expect("v1.30.10+k3s1"), "/bin");
        assert.strictEqual(expect("v1.31.7+k3s1"), undefined);
        assert.strictEqual(expect("v1.30.11+k3s1"), undefined);
        assert.strictEqual(expect("v1.33.0+k3s1"), undefined);
        const custom = planCni({ version: v("v1.31.6+k3s1"), cniMode: "custom", paths,
            flavour: "container" });
        assert.strictEqual(custom.binDir, DATA_CNI);
    });

    it("refuses forcing schema 3 on a containerd 1.7 release, naming the property", () => {
        assert.throws(() => planCni({ version: v("v1.31.5+k3s1"), cniMode: "custom", paths,
            flavour: "host", forceConfigVersion: 3 }), (err: unknown) =>
            err instanceof CniPlanError && err.property === "containerdConfigVersion");
    });
});

describe("effectiveCniDirs", () => {
    it("refuses a CNI table with both bin_dir and bin_dirs, as containerd 2.1 does (c07)",
        () => {
            const config = `version = 3\n[plugins.'io.containerd.cri.v1.runtime'.cni]\n` +
                `bin_dir = "/a"\nbin_dirs = ["/b"]\n`;
            assert.throws(() => effectiveCniDirs(config), /both bin_dir and bin_dirs/);
        });

    it("drops bin_dirs on containerd 2.0, which falls back to /opt/cni/bin", () => {
        const config = `version = 3\n[plugins.'io.containerd.cri.v1.runtime'.cni]\n` +
            `bin_dirs = ["${DATA_CNI}"]\n`;
        assert.deepStrictEqual(effectiveCniDirs(config, "2.0").binDirs, ["/opt/cni/bin"]);
        assert.deepStrictEqual(effectiveCniDirs(config, "2.1+").binDirs, [DATA_CNI]);
    });

    it("falls back to containerd's defaults when the config has no CNI table", () => {
        const config = effectiveCniDirs(baseLike(2, false));
        assert.deepStrictEqual(config.binDirs, ["/opt/cni/bin"]);
        assert.strictEqual(config.confDir, "/etc/cni/net.d");
        assert.strictEqual(config.fromTable, false);
    });

    it("reads the per-release hash dir K3s wrote before the Oct 2024 releases", () => {
        const hash = "/var/lib/rancher/k3s/data/8e61313b/bin";
        const config = `version = 2\n[plugins."io.containerd.grpc.v1.cri".cni]\n` +
            `bin_dir = "${hash}"\nconf_dir = "${CONF_DIR}"\n`;
        assert.deepStrictEqual(effectiveCniDirs(config, "1.7").binDirs, [hash]);
    });

    it("refuses a version 1 config", () => {
        assert.throws(() => effectiveCniDirs("[plugins.cri.cni]\nbin_dir = \"/x\"\n"),
            /version 1 is not one K3s renders/);
    });
});
