/**
 * Text that breaks naive shell quoting, for property-based tests: quotes, command
 * substitutions with `$()` and backticks that would leave a canary file, spaces, newlines,
 * backslashes, globs, printf directives, the step scripts' here-document delimiter, and
 * non-ASCII letters.
 */
import * as fc from "fast-check";

import { K3sArgsError } from "../../../components/args/errors";

/** The canary the substitutions below create if a shell ever runs them: /tmp/pk3s-pwned*. */
export const CANARY_CHECK = "ls -d /tmp/pk3s-pwned* 2>/dev/null || true";

/** Pieces a shell would not take literally if they reached it unquoted or double-quoted. */
const DANGEROUS = [
    "'", '"', "$(touch /tmp/pk3s-pwned1)", "`touch /tmp/pk3s-pwned2`", "$(id>/tmp/pk3s-pwned3)",
    "\\", "$HOME", "${PATH}", "$1", " ", "\n", "\t", ";", "&", "|", "*", "?", "~", "#", "%s",
    "!", "{}", "PULUMI_K3S_STEP",
];

const PIECES = [...DANGEROUS, ":", "=", ",", "-", ".", "_", "a", "Z", "9", "é", "日本", "🚀",
    "ß"];

/** One piece or a few printable ASCII characters. */
const piece = fc.oneof(fc.constantFrom(...PIECES), fc.string({ minLength: 1, maxLength: 3 }));

/** A string holding at least one dangerous piece, among others. */
export const hostile = fc.tuple(fc.array(piece, { maxLength: 3 }), fc.constantFrom(...DANGEROUS),
    fc.array(piece, { maxLength: 3 })).map(([before, danger, after]) =>
    [...before, danger, ...after].join(""));

/** A path segment: mostly hostile, sometimes one a user would write. */
export const segment = fc.oneof({ arbitrary: hostile, weight: 3 },
    { arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,12}$/), weight: 1 });

/** A name that may or may not pass a strict syntax (labels, plugins, node names). */
export const maybeName = fc.oneof(hostile,
    fc.stringMatching(/^[a-z0-9]([a-z0-9._-]{0,14}[a-z0-9])?$/));

/** Runs `plan`; returns the problems it was refused with, or undefined when accepted. */
export function refusal(plan: () => unknown): K3sArgsError | undefined {
    try {
        plan();
        return undefined;
    } catch (err) {
        if (err instanceof K3sArgsError) {
            return err;
        }
        throw err;
    }
}

/** Whether a refusal lists `property` among its problems and its message names it. */
export function namesProperty(err: K3sArgsError, property: string): boolean {
    return err.problems.some((p) => p.property === property) &&
        err.message.includes(`\`${property.split(/[.[]/)[0]}`);
}
