/**
 * The one quoting function and the few shell building blocks every remote step uses. Scripts
 * are POSIX sh, start with `set -eu` and stay readable when printed in a preview.
 */

/** Quotes `value` as one POSIX shell word. NUL cannot be passed and is refused. */
export function shellQuote(value: string): string {
    if (value.includes("\0")) {
        throw new Error("a NUL byte cannot be passed to a shell");
    }
    if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) {
        return value;
    }
    return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Joins script lines under the strict header every step starts with. */
export function script(title: string, lines: readonly string[]): string {
    return ["# pulumi-k3s: " + title, "set -eu", ...lines].join("\n") + "\n";
}

/** A comment-free `NAME=value` assignment, quoted. */
export function assign(name: string, value: string): string {
    return `${name}=${shellQuote(value)}`;
}

/**
 * Lines that write the output of `fill` to `path` atomically: a temp file in the same folder,
 * its mode set before any byte is written, then a rename. A failure leaves the old file or none.
 * When the file already holds those bytes it is left alone (mtime and folder included) and only
 * its mode is set, so running a step again changes nothing. `fill` runs once or twice.
 *
 * A writer killed before its rename leaves its temp file (`.pulumi-k3s.<name>.XXXXXX`); the
 * next write of the same file removes such leftovers once its own rename is done. One step
 * writes a given file and a node's steps run one at a time, so no running writer owns such a
 * file then (two stacks managing one node are not supported).
 */
export function writeAtomic(path: string, mode: string, fill: string): string[] {
    const dir = path.replace(/\/[^/]*$/, "") || "/";
    const target = shellQuote(path);
    const tempPrefix = `${dir === "/" ? "" : dir}/.pulumi-k3s.${path.slice(dir.length + 1)}.`;
    const failed = shellQuote(`pulumi-k3s: could not write ${path}`);
    return [
        `mkdir -p ${shellQuote(dir)}`,
        `if ${fill} | cmp -s - ${target} 2>/dev/null; then`,
        `  chmod ${mode} ${target}`,
        "else",
        `  tmp=$(mktemp ${shellQuote(`${tempPrefix}XXXXXX`)})`,
        `  trap 'rm -f "$tmp"' EXIT`,
        `  chmod ${mode} "$tmp"`,
        // Through cat, whose error names the cause (dash's printf says only "I/O error").
        `  ${fill} | cat > "$tmp" || { echo ${failed} >&2; exit 1; }`,
        `  mv -f "$tmp" ${target}`,
        "  trap - EXIT",
        "fi",
        `rm -f ${shellQuote(tempPrefix)}*`,
    ];
}

/** Lines that write `content` to `path` atomically at `mode`. */
export function writeFileAtomic(path: string, content: string, mode: string): string[] {
    return [`content=${shellQuote(content)}`, ...writeAtomic(path, mode, `printf '%s' "$content"`)];
}

const DELIMITER = "PULUMI_K3S_STEP";

/**
 * Wraps a step script into the command the node's login shell runs: `sh -c` with the script
 * passed through a quoted here-document, so it reads as written in a preview. With `sudo`, a
 * sudo that would ask for a password fails at once with a message naming sudo.
 */
export function remoteCommand(body: string, opts: { sudo: boolean; user: string }): string {
    if (body.split("\n").includes(DELIMITER)) {
        throw new Error(`internal: a step script contains the line ${DELIMITER}`);
    }
    const run = `sh -c "$(cat <<'${DELIMITER}'\n${body}${DELIMITER}\n)"`;
    if (!opts.sudo) {
        return run;
    }
    const message = `pulumi-k3s: sudo for user ${opts.user} asks for a password or is not ` +
        "allowed; this component needs passwordless sudo (NOPASSWD) for that user, or connect " +
        "as root";
    return `sudo -n true 2>/dev/null || { echo ${shellQuote(message)} >&2; exit 1; }\n` +
        `sudo -n ${run}`;
}
