import { K3sPaths } from "../k3s/paths";
import { TEMPLATE_MARKER } from "../k3s/containerd";
import { script, shellQuote, writeAtomic, writeFileAtomic } from "./shell";

/**
 * Preflight: Linux, a supported init system, root (directly or through sudo), and the umask,
 * reported as `key=value` lines. It fails with a message saying what is missing.
 */
export function preflightScript(): string {
    return script("preflight", [
        'fail() { echo "pulumi-k3s: $*" >&2; exit 1; }',
        '[ "$(uname -s)" = Linux ] || fail "K3s needs Linux, found $(uname -s)"',
        '[ "$(id -u)" = 0 ] || fail "the steps must run as root; connect as root or set sudo"',
        "if [ -d /run/systemd/system ]; then init=systemd",
        "elif command -v rc-service >/dev/null 2>&1; then init=openrc",
        `else fail "no systemd or OpenRC found; K3s's installer supports only those"`,
        "fi",
        ". /etc/os-release 2>/dev/null || ID=unknown",
        `echo "os=\${ID:-unknown}"`,
        `echo "init=$init"`,
        `echo "arch=$(uname -m)"`,
        `echo "umask=$(umask)"`,
    ]);
}

/** Options of the CNI data dir step. */
export interface CniDirOptions {
    readonly paths: K3sPaths;
    /** Plugin names to copy (or link) in from `migrateFrom` when absent. */
    readonly migratePlugins: readonly string[];
    /** Folders searched in order for each plugin, e.g. `/opt/cni/bin`. */
    readonly migrateFrom: readonly string[];
    /** `copy` (default) survives the source's removal; `link` follows later updates of it. */
    readonly migrateMode: "copy" | "link";
    /**
     * Templates this library may have written before that must go before K3s restarts: with
     * flannel, base renders the CNI table and a custom CNI template left over would duplicate
     * it. The template step's own delete runs only after the update, too late.
     */
    readonly staleTemplates?: readonly string[];
}

/**
 * Makes `<data-dir>/data/cni` exist as root:root 0755 whatever the umask: parents are created
 * 0755 and made traversable, group and world write bits are removed, and the files in it are
 * never touched. Named plugins are brought in only where no file of that name exists.
 */
export function cniDirScript(opts: CniDirOptions): string {
    const dir = opts.paths.cniBinDir;
    const migrate = opts.migratePlugins.flatMap((name) => migrateLines(dir, name, opts));
    return script("CNI data dir", [
        "umask 022",
        `dir=${shellQuote(dir)}`,
        '[ ! -L "$dir" ] || { echo "pulumi-k3s: $dir is a symlink, not a folder" >&2; exit 1; }',
        'mkdir -p "$dir"',
        "# Every parent must let containerd (root) and K3s walk into it.",
        `p=$(dirname "$dir")`,
        'while [ "$p" != / ]; do chmod a+x "$p"; p=$(dirname "$p"); done',
        'chown root:root "$dir"',
        'chmod 0755 "$dir"',
        ...migrate,
        ...(opts.staleTemplates ?? []).map(removeOurTemplate),
        'echo "cni-bin-dir=$dir mode=$(stat -c %a "$dir") owner=$(stat -c %U:%G "$dir")"',
    ]);
}

function migrateLines(dir: string, name: string, opts: CniDirOptions): string[] {
    const target = shellQuote(`${dir}/${name}`);
    const sources = opts.migrateFrom.map((from) => shellQuote(`${from}/${name}`)).join(" ");
    // One command a line, so set -e stops at a failed copy; root-owned whatever the source's
    // owner, since containerd runs it as root.
    const place = opts.migrateMode === "link" ? [`ln -s "$src" ${target}`] : [
        `tmp="$dir/.${name}.tmp"`,
        `trap 'rm -f "$tmp"' EXIT`,
        'cp -p "$src" "$tmp"',
        'chown root:root "$tmp"',
        'chmod 0755 "$tmp"',
        `mv -f "$tmp" ${target}`,
        "trap - EXIT",
    ];
    return [
        `if [ -e ${target} ] || [ -L ${target} ]; then`,
        `  echo "plugin ${name}: already in $dir, left as it is"`,
        "else",
        "  src=",
        `  for f in ${sources}; do [ -f "$f" ] && { src=$f; break; }; done`,
        '  if [ -n "$src" ]; then',
        ...place.map((line) => `    ${line}`),
        `    echo "plugin ${name}: from $src"`,
        `  else echo ${shellQuote(`plugin ${name}: not found in ${opts.migrateFrom.join(", ")}`)}` +
            " >&2; fi",
        "fi",
    ];
}

/**
 * Writes the containerd template atomically, 0644 in a 0755 folder as K3s's own files are,
 * and removes templates of the other schema that this library wrote before (never others).
 */
export function templateScript(path: string, content: string, stale: readonly string[]): string {
    return script("containerd template", [
        "umask 022",
        ...writeFileAtomic(path, content, "0644"),
        ...stale.map(removeOurTemplate),
        `echo ${shellQuote(`wrote ${path}`)}`,
    ]);
}

/** Removes a template only when this library wrote it. */
export function removeTemplateScript(path: string): string {
    return script("remove containerd template", [removeOurTemplate(path)]);
}

function removeOurTemplate(path: string): string {
    const q = shellQuote(path);
    return `if [ -f ${q} ] && grep -qxF ${shellQuote(TEMPLATE_MARKER)} ${q}; then rm -f ${q}; fi`;
}

/** Options of the config step. */
export interface ConfigStepOptions {
    readonly paths: K3sPaths;
    readonly configYaml: string;
    /** The join token arrives on stdin and is written to `paths.joinTokenFile`. */
    readonly tokenOnStdin: boolean;
    /** A server refuses a new token once it has bootstrapped with another. */
    readonly server: boolean;
}

/**
 * Writes config.yaml (0600) and, from stdin, the join token file (0600 in a 0700 folder).
 * A server whose cluster already bootstrapped with another token refuses the change before
 * writing anything: K3s would otherwise fail with "bootstrap data already found and encrypted
 * with different token".
 */
export function configScript(opts: ConfigStepOptions): string {
    const tokenDir = shellQuote(opts.paths.joinTokenFile.replace(/\/[^/]*$/, ""));
    const readToken = opts.tokenOnStdin
        ? ["new=$(cat)", ...(opts.server ? tokenChangeCheck(opts.paths) : [])] : [];
    const writeToken = opts.tokenOnStdin ? [
        `mkdir -p ${tokenDir}`,
        `chmod 0700 ${tokenDir}`,
        ...writeAtomic(opts.paths.joinTokenFile, "0600", `printf '%s' "$new"`),
    ] : [];
    const configDir = opts.paths.configFile.replace(/\/[^/]*$/, "");
    return script("config.yaml and token", [
        "umask 022",
        ...readToken,
        `mkdir -p ${shellQuote(configDir)}`,
        "# Files from here on are root's alone: config.yaml may hold pass-through secrets.",
        "umask 077",
        ...writeFileAtomic(opts.paths.configFile, opts.configYaml, "0600"),
        ...writeToken,
        `echo "wrote ${opts.paths.configFile}${opts.tokenOnStdin ? " and the token file" : ""}"`,
    ]);
}

/**
 * Refuses a token `$new` other than the one the server's cluster runs with. The server's own
 * token file (`<dataDir>/server/token`, written at its first start, and by `k3s token rotate`)
 * is the reference, whether the first start took our token or made one; tokens are compared
 * by their secret, the part after `K10<ca-hash>::<user>:` when given in full. Without that
 * file, our own token file of a server that has credentials is.
 */
function tokenChangeCheck(paths: K3sPaths): string[] {
    const serverToken = shellQuote(paths.serverTokenFile);
    const ownToken = shellQuote(paths.joinTokenFile);
    const message = "pulumi-k3s: this server already bootstrapped its cluster with another " +
        "token; K3s cannot change it in place. Set `token` back to the cluster's token (a " +
        "server's `token` output holds it), or rotate it with k3s token rotate, then set it";
    return [
        "secret() { case $1 in K10*::*) s=${1#*::}; printf '%s' \"${s#*:}\" ;; " +
            "*) printf '%s' \"$1\" ;; esac; }",
        `if [ -s ${serverToken} ]; then`,
        `  [ "$(secret "$(cat ${serverToken})")" = "$(secret "$new")" ] || changed=yes`,
        `elif [ -s ${ownToken} ] && [ -d ${shellQuote(`${paths.dataDir}/server/cred`)} ]; then`,
        `  [ "$(cat ${ownToken})" = "$new" ] || changed=yes`,
        "fi",
        `[ -z "\${changed:-}" ] || { echo ${shellQuote(message)} >&2; exit 1; }`,
    ];
}
