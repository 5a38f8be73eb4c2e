/**
 * Mocha root hook plugin (loaded with --require): prints the suite's figures after every test
 * has run, just before the reporter's closing "N passed, N failed".
 */
import { summaryLine } from "./tally";

export const mochaHooks = {
    afterAll(): void {
        console.log(`\n${summaryLine()}`);
    },
};
