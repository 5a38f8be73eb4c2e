import {
    AIRGAP_STAGING_DIR, DEFAULT_DATA_DIR, INSTALL_BIN_DIR, K3S_ETC_DIR, K3sPaths, k3sPaths,
} from "../k3s/paths";
import { assign, script, shellQuote } from "./shell";

/** `server` runs the `k3s` unit, `agent` the `k3s-agent` unit. */
export type Role = "server" | "agent";

/** The unit (systemd) or service (OpenRC) the install script creates for a role. */
export function unitName(role: Role): string {
    return role === "server" ? "k3s" : "k3s-agent";
}

/** Where K3s comes from. */
export type InstallSource =
    | { readonly kind: "script"; readonly url: string }
    | {
        readonly kind: "airgap";
        readonly hasImages: boolean;
        /**
         * sha256 of the local files, checked on the node before use; they are also what makes
         * the install step run again when a local file changes.
         */
        readonly sha256?: {
            readonly binary: string;
            readonly installScript: string;
            readonly images?: { readonly file: string; readonly sha256: string };
        };
    };

/** Options of the install step. */
export interface InstallOptions {
    readonly role: Role;
    readonly paths: K3sPaths;
    /** An exact release, or undefined with `channel`. */
    readonly version?: string;
    readonly channel?: string;
    readonly source: InstallSource;
}

/** The files an airgap install stages on the node before the install step. */
export const AIRGAP_FILES = {
    binary: `${AIRGAP_STAGING_DIR}/k3s`,
    installScript: `${AIRGAP_STAGING_DIR}/install.sh`,
    images: `${AIRGAP_STAGING_DIR}/images`,
} as const;

/**
 * Runs K3s's install script with `INSTALL_K3S_SKIP_START=true`: the install script's own
 * start blocks without a bound when an agent cannot reach its server, so the restart step
 * starts the service and waits with a bound instead. The join token is not passed here: it is
 * in the token file config.yaml names.
 */
export function installScript(opts: InstallOptions): string {
    const env = [
        assign("INSTALL_K3S_EXEC", opts.role),
        assign("INSTALL_K3S_SKIP_START", "true"),
        ...(opts.version ? [assign("INSTALL_K3S_VERSION", opts.version)] : []),
        ...(opts.channel && !opts.version ? [assign("INSTALL_K3S_CHANNEL", opts.channel)] : []),
        ...(opts.paths.dataDir !== DEFAULT_DATA_DIR ? [assign("K3S_DATA_DIR", opts.paths.dataDir)]
            : []),
    ];
    const run = opts.source.kind === "script"
        ? scriptInstallLines(opts.source.url, env)
        : airgapInstallLines(opts.paths, opts.source, env);
    return script(`install K3s ${opts.version ?? opts.channel ?? ""} (${opts.role})`, [
        "umask 022",
        ...run,
        `echo "installed: $(${INSTALL_BIN_DIR}/k3s --version | head -n 1)"`,
    ]);
}

function scriptInstallLines(url: string, env: readonly string[]): string[] {
    return [
        'work=$(mktemp -d)',
        `trap 'rm -rf "$work"' EXIT`,
        "if command -v curl >/dev/null 2>&1; then",
        `  curl -sfL --retry 3 ${shellQuote(url)} -o "$work/install.sh"`,
        `else wget -qO "$work/install.sh" ${shellQuote(url)}; fi`,
        `env ${env.join(" ")} sh "$work/install.sh"`,
    ];
}

function airgapInstallLines(
    paths: K3sPaths, source: Extract<InstallSource, { kind: "airgap" }>, env: readonly string[],
): string[] {
    const images = source.hasImages ? [
        `mkdir -p ${shellQuote(paths.imagesDir)}`,
        ...(source.sha256?.images ? checkedImageLines(paths, source.sha256.images)
            : [`cp -R ${AIRGAP_FILES.images}/. ${shellQuote(paths.imagesDir)}/`]),
    ] : [];
    // The staging folder is writable by the login user: root works on its own copies, and
    // checks them against the digests of the local files before running anything.
    const check = source.sha256 ? [
        `printf '%s  %s\\n' ${source.sha256.binary} "$work/k3s" ` +
            `${source.sha256.installScript} "$work/install.sh" | sha256sum -c --quiet - ` +
            `|| { echo "pulumi-k3s: the staged airgap files differ from the local ones" >&2; ` +
            "exit 1; }",
    ] : [];
    return [
        "work=$(mktemp -d)",
        `trap 'rm -rf "$work"' EXIT`,
        `cp ${AIRGAP_FILES.binary} "$work/k3s"`,
        `cp ${AIRGAP_FILES.installScript} "$work/install.sh"`,
        ...check,
        `install -m 0755 "$work/k3s" ${INSTALL_BIN_DIR}/.k3s.new`,
        `mv -f ${INSTALL_BIN_DIR}/.k3s.new ${INSTALL_BIN_DIR}/k3s`,
        ...images,
        `env INSTALL_K3S_SKIP_DOWNLOAD=true ${env.join(" ")} sh "$work/install.sh"`,
    ];
}

function checkedImageLines(paths: K3sPaths, images: { file: string; sha256: string }): string[] {
    const target = shellQuote(`${paths.imagesDir}/${images.file}`);
    const temp = shellQuote(`${paths.imagesDir}/.${images.file}.tmp`);
    return [
        `cp ${shellQuote(`${AIRGAP_FILES.images}/${images.file}`)} ${temp}`,
        `printf '%s  %s\\n' ${images.sha256} ${temp} | sha256sum -c --quiet - ` +
            `|| { rm -f ${temp}; echo "pulumi-k3s: the staged images differ from the local ` +
            `file" >&2; exit 1; }`,
        `mv -f ${temp} ${target}`,
    ];
}

/** Runs K3s's uninstall script, if K3s is installed; used when a node is deleted. */
export function uninstallScript(role: Role, paths: K3sPaths): string {
    const uninstall = `${INSTALL_BIN_DIR}/${unitName(role)}-uninstall.sh`;
    return script(`uninstall K3s (${role})`, [
        `if [ -x ${uninstall} ]; then`,
        `  ${assign("K3S_DATA_DIR", paths.dataDir)} ${uninstall}`,
        `  echo "uninstalled K3s"`,
        `else echo "K3s was not installed; nothing to uninstall"; fi`,
    ]);
}

/**
 * The sleep between two checks of a bounded poll: 0.05 s at first, doubling up to 2 s, so a
 * start that is already done is seen at once and a slow one costs few checks.
 */
const POLL_FIRST_DELAY = "delay=0.05";
const POLL_NEXT_DELAY = "  case $delay in 0.05) delay=0.1 ;; 0.1) delay=0.2 ;; " +
    "0.2) delay=0.4 ;; 0.4) delay=0.8 ;; 0.8) delay=1.6 ;; *) delay=2 ;; esac";

/** Options of the restart step. */
export interface RestartOptions {
    /** The node's paths; the stamp of the last start is kept in `<dataDir>/pulumi-k3s`. */
    readonly paths?: K3sPaths;
    /**
     * Leave K3s running when it is active and the files it reads at start are those this step
     * last started it with. For the step's update, which runs after a connection change and
     * also when an earlier run of the step failed (a cut connection, a start slower than the
     * bound): K3s must then be started again, or the node stays on its old files or down.
     */
    readonly unlessCurrent?: boolean;
}

/**
 * Restarts the service without blocking, then polls until it is active, failed, or the bound
 * is reached. The poll interval starts short so a fast start costs little. Once K3s is active,
 * a digest of the files it read at start is kept, for `unlessCurrent`.
 */
export function restartScript(role: Role, timeoutSeconds: number,
    opts: RestartOptions = {}): string {
    const unit = unitName(role);
    const paths = opts.paths ?? k3sPaths();
    const stampDir = shellQuote(joinTokenDir(paths));
    const stamp = shellQuote(`${joinTokenDir(paths)}/started-${unit}`);
    const skip = opts.unlessCurrent ? [
        `if [ "$(state)" = active ] && [ "$(cat ${stamp} 2>/dev/null)" = "$inputs" ]; then`,
        `  echo "nothing K3s reads changed since this step started it; not restarted"`,
        "  exit 0",
        "fi",
    ] : [];
    const title = opts.unlessCurrent ? `restart ${unit} unless it runs its current files`
        : `restart ${unit} and wait until ready`;
    return script(title, [
        'fail() { echo "pulumi-k3s: $*" >&2; exit 1; }',
        "if [ -d /run/systemd/system ]; then",
        `  start() { systemctl daemon-reload; systemctl restart --no-block ${unit}; }`,
        `  state() { systemctl is-active ${unit} 2>/dev/null || true; }`,
        `  report() { systemctl status ${unit} --no-pager 2>&1 | tail -n 20 >&2 || true; }`,
        "else",
        `  start() { rc-service ${unit} restart >/dev/null 2>&1 & }`,
        `  state() { rc-service ${unit} status >/dev/null 2>&1 && echo active ` +
            "|| echo activating; }",
        `  report() { tail -n 20 /var/log/${unit}.log >&2 || true; }`,
        "fi",
        ...startInputsLines(paths, unit),
        ...skip,
        "start",
        `deadline=$(( $(date +%s) + ${timeoutSeconds} ))`,
        POLL_FIRST_DELAY,
        'while :; do',
        '  s=$(state)',
        '  [ "$s" = active ] && break',
        `  [ "$s" = failed ] && { report; fail "${unit} failed to start"; }`,
        `  [ "$(date +%s)" -lt "$deadline" ] || { report; fail "${unit} not ready ` +
            `after ${timeoutSeconds}s"; }`,
        '  sleep "$delay"',
        POLL_NEXT_DELAY,
        "done",
        `mkdir -p ${stampDir}`,
        `chmod 0700 ${stampDir}`,
        `echo "$inputs" > ${stamp}`,
        `echo "${unit} is active"`,
    ]);
}

/** Sets `inputs` to a digest of every file K3s reads when it starts, as they are now. */
function startInputsLines(paths: K3sPaths, unit: string): string[] {
    const files = [paths.configFile, paths.joinTokenFile, paths.templateV2, paths.templateV3,
        `${INSTALL_BIN_DIR}/k3s`, `/etc/systemd/system/${unit}.service`,
        `/etc/systemd/system/${unit}.service.env`, `/etc/init.d/${unit}`,
        `${K3S_ETC_DIR}/${unit}.env`].map(shellQuote);
    return [
        `inputs=$(for f in ${files.join(" ")} ${K3S_ETC_DIR}/config.yaml.d/*.yaml; do`,
        '  if [ -f "$f" ]; then sha256sum "$f"; fi',
        "done | sha256sum)",
    ];
}

function joinTokenDir(paths: K3sPaths): string {
    return paths.joinTokenFile.replace(/\/[^/]*$/, "");
}

/**
 * Prints the containerd config K3s generated, waiting a bounded time for it: the caller reads
 * the effective CNI bin dir from it.
 */
export function readContainerdConfigScript(paths: K3sPaths, timeoutSeconds: number): string {
    const file = shellQuote(paths.containerdConfig);
    return script("read the generated containerd config", [
        `deadline=$(( $(date +%s) + ${timeoutSeconds} ))`,
        POLL_FIRST_DELAY,
        `until [ -s ${file} ]; do`,
        `  [ "$(date +%s)" -lt "$deadline" ] || { echo ${shellQuote(`pulumi-k3s: ` +
            `${paths.containerdConfig} not written after ${timeoutSeconds}s`)} >&2; exit 1; }`,
        '  sleep "$delay"',
        POLL_NEXT_DELAY,
        "done",
        `cat ${file}`,
    ]);
}

/** The line between the token and the kubeconfig in the credentials step's output. */
export const CREDENTIALS_SEPARATOR = "---pulumi-k3s-kubeconfig---";

/** Prints a server's token, then the separator, then its admin kubeconfig. */
export function readCredentialsScript(paths: K3sPaths): string {
    return script("read the server token and kubeconfig", [
        `cat ${shellQuote(paths.serverTokenFile)}`,
        `echo ${CREDENTIALS_SEPARATOR}`,
        `cat ${shellQuote(paths.kubeconfig)}`,
    ]);
}
