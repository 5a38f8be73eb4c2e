/** One bad argument: the property path and what to do about it. */
export interface ArgProblem {
    readonly property: string;
    readonly reason: string;
}

/**
 * Thrown by a component's constructor, before any resource is registered, when its args are
 * wrong. The message lists every problem, each naming the property and the fix.
 */
export class K3sArgsError extends Error {
    constructor(readonly resourceName: string, readonly problems: readonly ArgProblem[]) {
        super(`${resourceName}: ${problems.length === 1 ? "bad argument" : "bad arguments"}:\n` +
            problems.map((p) => `  - ${p.reason}`).join("\n"));
        this.name = "K3sArgsError";
    }
}

/** Collects problems, then throws them all at once. */
export class ProblemList {
    private readonly problems: ArgProblem[] = [];

    add(property: string, reason: string | undefined): void {
        if (reason) {
            this.problems.push({ property, reason });
        }
    }

    addAll(property: string, reasons: readonly string[]): void {
        reasons.forEach((reason) => this.add(property, reason));
    }

    throwIfAny(resourceName: string): void {
        if (this.problems.length > 0) {
            throw new K3sArgsError(resourceName, this.problems);
        }
    }
}
