// Proves the containerd CNI section on every K3s release line with real containerd: for each
// cell the library plans, Go's text/template renders what K3s would, and the containerd of
// that line loads it. The table of every cell prints before the closing totals.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { Cell, Row, describeCell, formatTable, gridCells, newRow } from "./cells";
import { CellResult, checkCell } from "./check";
import { trapChecks } from "./traps";
import { MatrixTools, provideTools } from "./tools";

const rows: Row[] = [];
const results = new Map<string, CellResult>();
let tools: MatrixTools;
let scratch: string;

function expectation(cell: Cell): string {
    return cell.cniMode === "flannel" && cell.binDir
        ? "refused with a cni.binDir error, never a second CNI table after base"
        : "containerd accepts the config and uses the CNI dirs the node exports";
}

/** Runs a cell once per run; later checks that compare cells reuse its result. */
export function resultOf(cell: Cell): CellResult {
    const key = describeCell(cell);
    const known = results.get(key);
    if (known) {
        return known;
    }
    const row = newRow(cell);
    rows.push(row);
    try {
        const result = checkCell(tools, cell, row, path.join(scratch, `cell-${results.size}`));
        results.set(key, result);
        return result;
    } catch (error) {
        row.verdict = `FAIL: ${String((error as Error).message).split("\n")[0]}`;
        throw error;
    }
}

describe("the containerd CNI section on every K3s line, loaded by real containerd", function () {
    before(function () {
        // Builds containerd the first time on a machine: about a minute and a half per line.
        this.timeout(30 * 60_000);
        scratch = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-k3s-matrix-"));
        tools = provideTools(scratch);
        console.log(`      containerd: Debian ${tools.debian.version} for 1.7 lines, ` +
            `${tools.containerd20.version}, ${tools.containerd21.version} (+ cricheck)`);
    });

    after(() => {
        console.log(`\n${formatTable(rows)}\n`);
        if (scratch) {
            fs.rmSync(scratch, { recursive: true, force: true });
        }
    });

    describe("grid: release x CNI mode x data dir x flavour x bin dir override", () => {
        for (const cell of gridCells()) {
            it(`${describeCell(cell)}: ${expectation(cell)}`, () => {
                assert.ok(resultOf(cell));
            });
        }
    });

    describe("traps from the cases, shown on real containerd", () => {
        for (const [title, check] of trapChecks()) {
            it(title, () => check({ tools, scratch, rows, resultOf }));
        }
    });
});
