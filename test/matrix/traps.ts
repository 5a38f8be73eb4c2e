// Checks beyond the grid: the traps the cases name, each shown on the real containerd of the
// release, and the comparison across an upgrade.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";

import * as TOML from "@iarna/toml";

import {
    BASE_INCLUDE, ContainerdLine, effectiveCniDirs, planCni, renderCniSection,
    renderCustomCniTemplate,
} from "../../components/k3s/containerd";
import { DEFAULT_DATA_DIR, k3sPaths } from "../../components/k3s/paths";
import { CUSTOM_DATA_DIR, Cell, Row, newRow, shortPath } from "./cells";
import { CNI_SHORT, CellResult, parseVersion, planFor } from "./check";
import { MatrixTools, Tool, containerdFor, loadInContainerd, render } from "./tools";

export interface TrapContext {
    readonly tools: MatrixTools;
    readonly scratch: string;
    readonly rows: Row[];
    readonly resultOf: (cell: Cell) => CellResult;
}

type Trap = readonly [title: string, check: (context: TrapContext) => void];

const SECOND_TABLE_LINES = [
    ["v1.30.6+k3s1", "config.toml.tmpl"], ["v1.31.7+k3s1", "config-v3.toml.tmpl"],
    ["v1.32.9+k3s1", "config-v3.toml.tmpl"],
] as const;

export function trapChecks(): Trap[] {
    return [
        ...SECOND_TABLE_LINES.map(([version, file]): Trap => [
            `c06 ${version} flannel: a second CNI table after base is refused by its containerd`,
            (context) => secondCniTable(context, version, file)]),
        ["c06 v1.35.3+k3s1 flannel: a drop-in's bin_dirs replaces base's; its bin_dir is fatal",
            dropIns],
        ["containerd 2.0 and 1.6 drop bin_dirs and keep /opt/cni/bin, as effectiveCniDirs says",
            binDirsBefore21],
        ["c07 containerd 2.1 refuses bin_dir beside bin_dirs unless bin_dirs is its default, " +
            "as effectiveCniDirs says", bothKeysOn21],
        ["a version 2 template on v1.32.9 is migrated by containerd 2.1 to the plan's bin dir",
            forcedVersion2],
        ...[DEFAULT_DATA_DIR, CUSTOM_DATA_DIR].flatMap((dataDir) =>
            (["host", "container"] as const).map((flavour): Trap => [
                `c02 custom CNI on ${flavour}, data dir ${dataDir}: the bin dir is the same ` +
                "before and after the v1.30.5 -> v1.30.6 upgrade",
                (context) => sameBinDirAcrossUpgrade(context, dataDir, flavour)])),
        ["c02 flannel on host: K3s moves the bin dir from data/<sha256>/bin to data/cni at " +
            "v1.30.6, and the plan promises no bin dir before it", flannelAcrossUpgrade],
        ["templates fail as in Go: .NodeConfig.NoFlannel renders on v1.34.1, not on v1.35.0",
            noFlannelField],
    ];
}

function trapRow(context: TrapContext, cell: Cell, file: string): Row {
    const row = { ...newRow(cell), file, verdict: "FAIL" };
    context.rows.push(row);
    return row;
}

function secondCniTable(context: TrapContext, version: string, file: string): void {
    const cell: Cell = { version, cniMode: "flannel", dataDir: DEFAULT_DATA_DIR,
        flavour: "host", binDir: "/opt/cni/bin" };
    const row = trapRow(context, cell, `${file}: base + CNI table`);
    const configVersion = file === "config.toml.tmpl" ? 2 : 3;
    const key = version.startsWith("v1.32") ? "bin_dirs" : "bin_dir";
    const dir = path.join(context.scratch, `second-table-${version}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, file), `${BASE_INCLUDE}\n\n` +
        renderCniSection(configVersion, key, "/opt/cni/bin", "/etc/cni/net.d"));

    const rendered = render(context.tools, { ...cell, templatePath: path.join(dir, file) });
    assert.throws(() => TOML.parse(rendered.config), /redefine|exist/i);
    assert.throws(() => effectiveCniDirs(rendered.config));
    fs.writeFileSync(path.join(dir, "config.toml"), rendered.config);
    const line = planFor({ ...cell, binDir: undefined }).containerdLine;
    assert.ok(line);
    const loaded = loadInContainerd(context.tools, containerdFor(context.tools, line),
        path.join(dir, "config.toml"), dir);
    assert.strictEqual(loaded.accepted, false, "containerd accepted a duplicated CNI table");
    assert.match(loaded.error ?? "", /duplicated tables|already exists/);
    const said = /duplicated tables|table \w+ already exists/.exec(loaded.error ?? "")?.[0];
    Object.assign(row, { table: "twice", key, binDir: said, verdict: "refused, as expected" });
}

/**
 * From the March 2026 releases base imports `config-v3.toml.d/*.toml`. containerd merges a
 * drop-in into the config: a `bin_dirs` there replaces base's list rather than adding to it,
 * and a `bin_dir` there meets base's `bin_dirs`, which containerd 2.1 refuses.
 */
function dropIns(context: TrapContext): void {
    const dataDir = path.join(context.scratch, "drop-in", "k3s");
    const cell: Cell = { version: "v1.35.3+k3s1", cniMode: "flannel", dataDir,
        flavour: "host" };
    const row = trapRow(context, { ...cell, dataDir: "(scratch)" }, "config-v3.toml.d");
    const dropInDir = path.join(dataDir, "agent/etc/containerd/config-v3.toml.d");
    fs.mkdirSync(dropInDir, { recursive: true });
    const rendered = render(context.tools, cell);
    assert.ok(rendered.config.includes(`imports = ["${dropInDir}/*.toml"]`), rendered.config);
    const configPath = path.join(dataDir, "config.toml");
    fs.writeFileSync(configPath, rendered.config);
    const load = (key: "bin_dir" | "bin_dirs") => {
        fs.writeFileSync(path.join(dropInDir, "10-cni.toml"),
            renderCniSection(3, key, "/opt/cni/bin", rendered.cniConfDir));
        return loadInContainerd(context.tools, context.tools.containerd21, configPath,
            path.join(context.scratch, "drop-in"));
    };

    const replaced = load("bin_dirs");
    assert.ok(replaced.accepted, replaced.error);
    assert.deepStrictEqual(replaced.binDirs, ["/opt/cni/bin"]);
    assert.deepStrictEqual(effectiveCniDirs(rendered.config, "2.1+").binDirs,
        [rendered.cniBinDir], "base alone sets data/cni");
    const both = load("bin_dir");
    assert.strictEqual(both.accepted, false);
    assert.match(both.error ?? "", /cannot be set at the same time/);
    Object.assign(row, { table: "v3 (drop-in)", key: "bin_dirs / bin_dir",
        binDir: `${replaced.binDirs.join(", ")} / refused`, verdict: "ok" });
}

/** Where `bin_dirs` is unknown (before 2.1) containerd drops it and keeps its default. */
function binDirsBefore21(context: TrapContext): void {
    const cells: [Cell, Tool, ContainerdLine][] = [
        [{ version: "v1.32.9+k3s1", cniMode: "custom", dataDir: DEFAULT_DATA_DIR,
            flavour: "host" }, context.tools.containerd20, "2.0"],
        [{ version: "v1.30.6+k3s1", cniMode: "custom", dataDir: DEFAULT_DATA_DIR,
            flavour: "host" }, context.tools.debian, "1.7"],
    ];
    for (const [cell, tool, line] of cells) {
        const dir = path.join(context.scratch, `bin-dirs-on-${line}`);
        fs.mkdirSync(dir, { recursive: true });
        const plan = planFor(cell);
        const file = path.posix.basename(plan.template?.path ?? "");
        fs.writeFileSync(path.join(dir, file), renderCustomCniTemplate(plan.configVersion ?? 2,
            "bin_dirs", plan.binDir ?? "", plan.confDir));
        const rendered = render(context.tools,
            { ...cell, templatePath: path.join(dir, file) });
        fs.writeFileSync(path.join(dir, "config.toml"), rendered.config);
        const loaded = loadInContainerd(context.tools, tool, path.join(dir, "config.toml"), dir);
        const row = trapRow(context, { ...cell, version: `${cell.version.split("+")[0]} on ` +
            tool.version.split("~")[0] }, file);
        assert.ok(loaded.accepted, loaded.error);
        assert.deepStrictEqual(loaded.binDirs, ["/opt/cni/bin"]);
        if (line === "2.0") {
            assert.ok(loaded.warnings.some((w) => /unknown key.*bin_dirs/i.test(w)),
                loaded.warnings.join());
        }
        const modelled = effectiveCniDirs(rendered.config, line);
        assert.deepStrictEqual([modelled.binDirs, modelled.confDir],
            [loaded.binDirs, loaded.confDir]);
        Object.assign(row, { table: CNI_SHORT[plan.configVersion ?? 2],
            key: "bin_dirs (dropped)", binDir: "/opt/cni/bin", verdict: "ok" });
    }
}

/** Both keys in one table, hand-written as a user template might. */
function bothKeysOn21(context: TrapContext): void {
    const dir = path.join(context.scratch, "both-keys");
    fs.mkdirSync(dir, { recursive: true });
    const cases = [["/x", "/x", false], ["/x", "/y", false], ["/x", "/opt/cni/bin", true]] as const;
    for (const [binDir, binDirs, accepted] of cases) {
        const config = "version = 3\n[plugins.'io.containerd.cri.v1.runtime'.cni]\n" +
            `bin_dir = "${binDir}"\nbin_dirs = ["${binDirs}"]\n`;
        fs.writeFileSync(path.join(dir, "config.toml"), config);
        const loaded = loadInContainerd(context.tools, context.tools.containerd21,
            path.join(dir, "config.toml"), dir);
        assert.strictEqual(loaded.accepted, accepted, `${binDir} with [${binDirs}]`);
        if (accepted) {
            assert.deepStrictEqual(effectiveCniDirs(config, "2.1+").binDirs, loaded.binDirs);
            assert.deepStrictEqual(loaded.binDirs, [binDir]);
        } else {
            assert.match(loaded.error ?? "", /cannot be set at the same time/);
            assert.throws(() => effectiveCniDirs(config, "2.1+"), /both bin_dir and bin_dirs/);
        }
    }
}

/** A version 2 template on a containerd 2.1 release: containerd migrates `bin_dir`. */
function forcedVersion2(context: TrapContext): void {
    const cell: Cell = { version: "v1.32.9+k3s1", cniMode: "custom",
        dataDir: CUSTOM_DATA_DIR, flavour: "host" };
    const plan = planCni({ version: parseVersion(cell.version), cniMode: "custom",
        paths: k3sPaths(cell.dataDir), flavour: "host", forceConfigVersion: 2 });
    assert.ok(plan.template);
    assert.strictEqual(path.posix.basename(plan.template.path), "config.toml.tmpl");
    const dir = path.join(context.scratch, "forced-v2");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "config.toml.tmpl"), plan.template.content);
    const rendered = render(context.tools,
        { ...cell, templatePath: path.join(dir, "config.toml.tmpl") });
    const row = trapRow(context, { ...cell, version: "v1.32.9, v2" }, rendered.templateFile);
    assert.strictEqual(rendered.configVersion, 2);
    fs.writeFileSync(path.join(dir, "config.toml"), rendered.config);
    const loaded = loadInContainerd(context.tools, context.tools.containerd21,
        path.join(dir, "config.toml"), dir);
    assert.ok(loaded.accepted, loaded.error);
    assert.deepStrictEqual(loaded.binDirs, [plan.binDir]);
    const exported = effectiveCniDirs(rendered.config, plan.containerdLine);
    assert.deepStrictEqual([exported.binDirs, exported.confDir], [loaded.binDirs, loaded.confDir]);
    Object.assign(row, { table: CNI_SHORT[2], key: "bin_dir (migrated)",
        binDir: `${loaded.binDirs.join(", ")} (${context.tools.containerd21.version})`,
        verdict: "ok" });
}

function sameBinDirAcrossUpgrade(context: TrapContext, dataDir: string,
    flavour: Cell["flavour"]): void {
    const [before, after] = ["v1.30.5+k3s1", "v1.30.6+k3s1"].map((version) =>
        context.resultOf({ version, cniMode: "custom", dataDir, flavour }).loaded);
    assert.ok(before && after);
    assert.deepStrictEqual(before.binDirs, [`${dataDir}/data/cni`]);
    assert.deepStrictEqual(after.binDirs, before.binDirs);
}

function flannelAcrossUpgrade(context: TrapContext): void {
    const cell = (version: string): Cell => ({ version, cniMode: "flannel",
        dataDir: DEFAULT_DATA_DIR, flavour: "host" });
    const before = context.resultOf(cell("v1.30.5+k3s1"));
    const after = context.resultOf(cell("v1.30.6+k3s1"));
    assert.match(shortPath(before.loaded?.binDirs[0] ?? ""), /\/data\/<sha256>\/bin$/);
    assert.deepStrictEqual(after.loaded?.binDirs, [`${DEFAULT_DATA_DIR}/data/cni`]);
    assert.strictEqual(before.plan?.binDir, undefined);
    assert.strictEqual(after.plan?.binDir, `${DEFAULT_DATA_DIR}/data/cni`);
}

function noFlannelField(context: TrapContext): void {
    const dir = path.join(context.scratch, "no-flannel");
    fs.mkdirSync(dir, { recursive: true });
    const templatePath = path.join(dir, "config-v3.toml.tmpl");
    fs.writeFileSync(templatePath, `${BASE_INCLUDE}\n{{ if not .NodeConfig.NoFlannel }}` +
        "\n# flannel is on\n{{ end }}\n");
    const request = { cniMode: "flannel", dataDir: DEFAULT_DATA_DIR, flavour: "host",
        templatePath } as const;
    const old = render(context.tools, { ...request, version: "v1.34.1+k3s1" });
    assert.match(old.config, /# flannel is on/);
    assert.throws(() => render(context.tools, { ...request, version: "v1.35.0+k3s1" }),
        /can't evaluate field NoFlannel/);
}
