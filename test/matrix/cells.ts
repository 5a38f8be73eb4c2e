// The matrix: every K3s release line the library gates on, crossed with the node settings
// that change the containerd CNI section, and the table printed at the end of a run.
import { CniMode, Flavour } from "../../components/k3s/containerd";
import { DEFAULT_DATA_DIR } from "../../components/k3s/paths";

/** Releases on both sides of every gate in components/k3s/version.ts. */
export const VERSIONS = [
    "v1.28.14", "v1.28.15", "v1.30.5", "v1.30.6", "v1.30.11", "v1.31.5", "v1.31.6",
    "v1.31.7", "v1.31.13", "v1.32.9", "v1.34.1", "v1.35.0", "v1.35.3",
].map((v) => `${v}+k3s1`);

export const CUSTOM_DATA_DIR = "/data/k3s";
export const BIN_DIR_OVERRIDE = "/opt/cni/bin";

export interface Cell {
    readonly version: string;
    readonly cniMode: CniMode;
    readonly dataDir: string;
    readonly flavour: Flavour;
    /** `cni.binDir` asked for, if any. */
    readonly binDir?: string;
}

export function gridCells(): Cell[] {
    const cells: Cell[] = [];
    for (const version of VERSIONS) {
        for (const cniMode of ["flannel", "custom"] as const) {
            for (const dataDir of [DEFAULT_DATA_DIR, CUSTOM_DATA_DIR]) {
                for (const flavour of ["host", "container"] as const) {
                    for (const binDir of [undefined, BIN_DIR_OVERRIDE]) {
                        cells.push({ version, cniMode, dataDir, flavour, binDir });
                    }
                }
            }
        }
    }
    return cells;
}

/** The cases of shared/cases.md a cell stands for. */
export function caseIds(cell: Cell): string[] {
    const ids: string[] = [];
    if (cell.cniMode === "custom" && cell.version === "v1.31.7+k3s1" && !cell.binDir) {
        ids.push("c01");
    }
    if (cell.cniMode === "flannel" && cell.binDir) {
        ids.push("c06");
    }
    if (cell.version === "v1.32.9+k3s1") {
        ids.push("c07");
    }
    if (cell.dataDir === CUSTOM_DATA_DIR) {
        ids.push("c09");
    }
    if (cell.flavour === "container" && cell.cniMode === "flannel") {
        ids.push("c17");
    }
    return ids;
}

export function describeCell(cell: Cell): string {
    const ids = caseIds(cell);
    const override = cell.binDir ? `, cni.binDir ${cell.binDir}` : "";
    return `${ids.length ? ids.join(" ") + " " : ""}${cell.version} ${cell.cniMode} on ` +
        `${cell.flavour}, data dir ${cell.dataDir}${override}`;
}

/** One line of the closing table. */
export interface Row {
    readonly version: string;
    readonly mode: string;
    readonly flavour: string;
    readonly dataDir: string;
    readonly override: string;
    file: string;
    table: string;
    key: string;
    binDir: string;
    verdict: string;
}

export function newRow(cell: Cell): Row {
    return {
        version: cell.version.replace("+k3s1", ""), mode: cell.cniMode, flavour: cell.flavour,
        dataDir: cell.dataDir === DEFAULT_DATA_DIR ? "default" : cell.dataDir,
        override: cell.binDir ?? "-", file: "", table: "", key: "", binDir: "", verdict: "",
    };
}

const COLUMNS: readonly (keyof Row)[] = ["version", "mode", "flavour", "dataDir", "override",
    "file", "table", "key", "binDir", "verdict"];
const HEADINGS = ["version", "mode", "flavour", "data dir", "override", "file", "table",
    "key", "bin dir (containerd)", "verdict"];

/** A Markdown table, so it reads in a terminal and pastes into the README as is. */
export function formatTable(rows: readonly Row[]): string {
    const cells = [HEADINGS, ...rows.map((row) => COLUMNS.map((c) => row[c] || "-"))];
    const widths = HEADINGS.map((_, i) => Math.max(...cells.map((line) => line[i].length)));
    const format = (line: string[]) =>
        `| ${line.map((text, i) => text.padEnd(widths[i])).join(" | ")} |`;
    const rule = `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`;
    return [format(cells[0]), rule, ...cells.slice(1).map(format)].join("\n");
}

/** Shortens a path for the table: the per-release bundle hash and the data dir. */
export function shortPath(dir: string): string {
    return dir.replace(/\/data\/[0-9a-f]{64}\/bin$/, "/data/<sha256>/bin");
}
