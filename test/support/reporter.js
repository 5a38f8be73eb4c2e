// Mocha's spec output, closed by the plain line CI reads: "N passed, N failed".
"use strict";
const Mocha = require("mocha");

class SpecWithTotals extends Mocha.reporters.Spec {
    constructor(runner, options) {
        super(runner, options);
        runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
            const { passes, failures, pending } = runner.stats;
            process.nextTick(() => {
                const skipped = pending > 0 ? `, ${pending} skipped` : "";
                console.log(`${passes} passed, ${failures} failed${skipped}`);
            });
        });
    }
}

module.exports = SpecWithTotals;
