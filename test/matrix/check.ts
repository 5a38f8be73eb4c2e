// One matrix cell, checked end to end: the library's plan, the config K3s would render from
// it, the TOML, what a real containerd makes of it, and what the node component exports.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";

import * as TOML from "@iarna/toml";

import {
    CniPlan, CniPlanError, effectiveCniDirs, planCni,
} from "../../components/k3s/containerd";
import { DEFAULT_DATA_DIR, k3sPaths } from "../../components/k3s/paths";
import { K3sVersion, parseK3sVersion } from "../../components/k3s/version";
import { Cell, Row, caseIds, shortPath } from "./cells";
import { Loaded, MatrixTools, Rendered, containerdFor, loadInContainerd, render } from "./tools";

/** containerd's CNI tables, spelt here rather than taken from the code under test. */
const CNI_TABLES = {
    2: { keys: ["plugins", "io.containerd.grpc.v1.cri", "cni"], text:
        'plugins."io.containerd.grpc.v1.cri".cni', short: "v2 grpc.v1.cri" },
    3: { keys: ["plugins", "io.containerd.cri.v1.runtime", "cni"], text:
        "plugins.'io.containerd.cri.v1.runtime'.cni", short: "v3 cri.v1.runtime" },
} as const;

/** The tables' short names, for the closing table. */
export const CNI_SHORT = { 2: CNI_TABLES[2].short, 3: CNI_TABLES[3].short } as const;

/** What a cell ended with, for checks that compare cells. */
export interface CellResult {
    readonly plan?: CniPlan;
    readonly error?: CniPlanError;
    readonly rendered?: Rendered;
    readonly loaded?: Loaded;
}

export function parseVersion(raw: string): K3sVersion {
    const version = parseK3sVersion(raw);
    assert.ok(typeof version !== "string", String(version));
    return version;
}

export function planFor(cell: Cell): CniPlan {
    return planCni({ version: parseVersion(cell.version), cniMode: cell.cniMode,
        paths: k3sPaths(cell.dataDir), binDir: cell.binDir, flavour: cell.flavour });
}

/** Runs one cell in its own scratch dir, filling in its table row; throws when it is red. */
export function checkCell(tools: MatrixTools, cell: Cell, row: Row, dir: string): CellResult {
    fs.mkdirSync(dir, { recursive: true });
    let plan: CniPlan;
    try {
        plan = planFor(cell);
    } catch (error) {
        if (!(error instanceof CniPlanError)) {
            throw error;
        }
        assertClearDuplicateTableError(cell, error);
        row.verdict = `refused: ${error.property}`;
        return { error };
    }
    assert.ok(!(cell.cniMode === "flannel" && cell.binDir),
        `flannel with cni.binDir ${cell.binDir} was planned instead of refused: ${plan.reason}`);

    const rendered = renderPlan(tools, cell, plan, dir);
    row.file = rendered.templateFile || "(K3s default)";
    checkToml(plan, rendered, row);

    const configPath = path.join(dir, "config.toml");
    fs.writeFileSync(configPath, rendered.config);
    assert.ok(plan.containerdLine, "a release was given, so the plan names its containerd");
    const tool = containerdFor(tools, plan.containerdLine);
    const loaded = loadInContainerd(tools, tool, configPath, dir);
    assert.ok(loaded.accepted, `${loaded.containerd} refused the config: ${loaded.error}\n` +
        rendered.config);
    row.binDir = `${loaded.binDirs.map(shortPath).join(", ")} (${tool.version.split("~")[0]})`;
    const cniWarnings = loaded.warnings.filter((w) => /bin_dir|cni/i.test(w));
    assert.deepStrictEqual(cniWarnings, [], `${loaded.containerd} warned about the CNI table`);

    const exported = effectiveCniDirs(rendered.config, plan.containerdLine);
    assert.deepStrictEqual({ binDirs: exported.binDirs, confDir: exported.confDir },
        { binDirs: loaded.binDirs, confDir: loaded.confDir },
        "what the node exports (effectiveCniDirs) differs from what containerd uses");
    if (plan.binDir !== undefined) {
        assert.deepStrictEqual(loaded.binDirs, [plan.binDir], "containerd ignores plan.binDir");
    }
    assert.strictEqual(loaded.confDir, plan.confDir, "containerd ignores plan.confDir");
    if (cell.cniMode === "flannel") {
        assert.deepStrictEqual(loaded.binDirs, [rendered.cniBinDir],
            "the CNIBinDir K3s found is not the one containerd uses");
    }
    const result = { plan, rendered, loaded };
    checkCases(cell, result);
    row.verdict = "ok";
    return result;
}

/** What shared/cases.md asks of the cells that stand for a case. */
function checkCases(cell: Cell,
    { plan, rendered, loaded }: { plan: CniPlan; rendered: Rendered; loaded: Loaded }): void {
    const paths = k3sPaths(cell.dataDir);
    const ids = caseIds(cell);
    if (ids.includes("c01")) {
        assert.strictEqual(plan.template?.path, paths.templateV3);
        assert.strictEqual(plan.table, CNI_TABLES[3].text);
        assert.deepStrictEqual(loaded.binDirs, [paths.cniBinDir]);
        assert.strictEqual(loaded.confDir, paths.cniConfDir);
    }
    if (ids.includes("c07")) {
        assert.match(rendered.config, /^\s*bin_dirs = \[/m);
        assert.doesNotMatch(rendered.config, /^\s*bin_dir =/m);
    }
    if (ids.includes("c09")) {
        const root = TOML.parse(rendered.config).root;
        for (const dir of [plan.template?.path ?? paths.containerdDir, plan.confDir, root]) {
            assert.ok(String(dir).startsWith(`${cell.dataDir}/`), `${dir} is outside the data dir`);
        }
        if (cell.flavour === "host" && !cell.binDir) {
            assert.ok(loaded.binDirs[0].startsWith(`${cell.dataDir}/data/`));
        }
    }
    if (ids.includes("c17") && cell.dataDir === DEFAULT_DATA_DIR) {
        // An empty volume at the default data dir hides the links the image seeds there.
        assert.deepStrictEqual(loaded.binDirs, ["/bin"]);
    }
}

function assertClearDuplicateTableError(cell: Cell, error: CniPlanError): void {
    assert.ok(cell.cniMode === "flannel" && cell.binDir,
        `only a bin dir asked for under flannel may be refused; got: ${error.message}`);
    assert.strictEqual(error.property, "cni.binDir");
    for (const words of [cell.binDir, "duplicated table", "cni.mode", "custom"]) {
        assert.ok(error.message.includes(words), `the error does not say "${words}": ` +
            error.message);
    }
}

/** Writes the plan's template where the renderer reads it and renders as K3s would. */
function renderPlan(tools: MatrixTools, cell: Cell, plan: CniPlan, dir: string): Rendered {
    const paths = k3sPaths(cell.dataDir);
    let templatePath: string | undefined;
    if (plan.template) {
        assert.strictEqual(path.posix.dirname(plan.template.path), paths.containerdDir,
            "the template is not in the data dir's containerd folder");
        templatePath = path.join(dir, path.posix.basename(plan.template.path));
        fs.writeFileSync(templatePath, plan.template.content);
    }
    const rendered = render(tools, { ...cell, templatePath });
    const expectedFile = plan.template ? path.posix.basename(plan.template.path) : "";
    assert.strictEqual(rendered.templateFile, expectedFile, "K3s renders another template");
    assert.strictEqual(rendered.configVersion, plan.configVersion);
    assert.strictEqual(rendered.containerdLine === "2.1" ? "2.1+" : rendered.containerdLine,
        plan.containerdLine);
    return rendered;
}

/** Valid TOML (no duplicated table), one CNI table where the plan says, with its key. */
function checkToml(plan: CniPlan, rendered: Rendered, row: Row): void {
    const doc = TOML.parse(rendered.config);
    assert.strictEqual(doc.version, plan.configVersion);
    const found = cniTables(doc);
    assert.strictEqual(found.length, 1, `expected one CNI table; found ${found.length}`);
    const [{ configVersion, cni }] = found;
    row.table = CNI_TABLES[configVersion].short;
    assert.strictEqual(CNI_TABLES[configVersion].text, plan.table,
        "the CNI table is not the plan's");
    const keys = ["bin_dir", "bin_dirs"].filter((key) => key in cni);
    row.key = keys.join("+");
    assert.deepStrictEqual(keys, [plan.binDirKey], "the bin dir key is not the plan's");
}

function cniTables(doc: TOML.JsonMap): { configVersion: 2 | 3; cni: TOML.JsonMap }[] {
    return ([2, 3] as const).flatMap((configVersion) => {
        const [plugins, plugin, cni] = CNI_TABLES[configVersion].keys;
        const table = ((doc[plugins] as TOML.JsonMap | undefined)?.[plugin] as
            TOML.JsonMap | undefined)?.[cni] as TOML.JsonMap | undefined;
        return table ? [{ configVersion, cni: table }] : [];
    });
}
