/**
 * The figures of the suite's closing line: distinct bad inputs refused, faults a node came back
 * from, and secret bytes found where they must never be. Tests add to them as they pass (or,
 * for leaks, as they scan), and support/summary.ts prints them after the last test.
 */

const rejected = new Set<string>();
const survived = new Set<string>();
let leaks = 0;

/** Records a bad input that was refused as the test expected. */
export function countRejected(what: string): void {
    rejected.add(what);
}

/** Records a fault after which the node converged as the test expected. */
export function countSurvived(what: string): void {
    survived.add(what);
}

/** Adds every hit of a secret scan; returns the hits so the test can assert on them. */
export function countLeaks(hits: string[]): string[] {
    leaks += hits.length;
    return hits;
}

/** `bad inputs: N rejected, faults: N survived, leaks: N` */
export function summaryLine(): string {
    return `bad inputs: ${rejected.size} rejected, faults: ${survived.size} survived, ` +
        `leaks: ${leaks}`;
}
