import * as path from "path";

/** K3s's data dir when it runs as root and none is given. */
export const DEFAULT_DATA_DIR = "/var/lib/rancher/k3s";

/** Where K3s reads its config file and writes the admin kubeconfig. */
export const K3S_ETC_DIR = "/etc/rancher/k3s";

/** containerd's own defaults, used when no CNI table is rendered. */
export const CONTAINERD_DEFAULT_CNI_BIN_DIR = "/opt/cni/bin";
export const CONTAINERD_DEFAULT_CNI_CONF_DIR = "/etc/cni/net.d";

/** Where the `rancher/k3s` image keeps the CNI plugins it ships. */
export const IMAGE_CNI_BIN_DIR = "/bin";

/** Where the install script puts the binary and the uninstall scripts. */
export const INSTALL_BIN_DIR = "/usr/local/bin";

/** Where airgap files are staged before the install step moves them into place. */
export const AIRGAP_STAGING_DIR = "/var/tmp/pulumi-k3s-airgap";

/** Every path this library touches on a node, derived from one data dir. */
export interface K3sPaths {
    readonly dataDir: string;
    /** `<data-dir>/data/cni`: the static CNI bin dir since the Oct 2024 releases. */
    readonly cniBinDir: string;
    /** `<data-dir>/agent/etc/cni/net.d`: flannel's CNI config dir. */
    readonly cniConfDir: string;
    /** The folder holding K3s's containerd templates and generated config. */
    readonly containerdDir: string;
    /** The config K3s generates on every start from a template. */
    readonly containerdConfig: string;
    /** The version 2 template, honoured by every release. */
    readonly templateV2: string;
    /** The version 3 template, honoured from the Feb 2025 releases. */
    readonly templateV3: string;
    /** Airgap image tarballs K3s imports at start. */
    readonly imagesDir: string;
    /** The server token K3s writes. */
    readonly serverTokenFile: string;
    /** The join token this library writes, passed to K3s as `token-file`. */
    readonly joinTokenFile: string;
    /** `/etc/rancher/k3s/config.yaml`. */
    readonly configFile: string;
    /** `/etc/rancher/k3s/k3s.yaml`, the admin kubeconfig of a server. */
    readonly kubeconfig: string;
}

/** Derives every path from one data dir, so a custom `dataDir` moves all of them. */
export function k3sPaths(dataDir: string = DEFAULT_DATA_DIR): K3sPaths {
    const containerdDir = path.posix.join(dataDir, "agent/etc/containerd");
    return {
        dataDir,
        cniBinDir: path.posix.join(dataDir, "data/cni"),
        cniConfDir: path.posix.join(dataDir, "agent/etc/cni/net.d"),
        containerdDir,
        containerdConfig: path.posix.join(containerdDir, "config.toml"),
        templateV2: path.posix.join(containerdDir, "config.toml.tmpl"),
        templateV3: path.posix.join(containerdDir, "config-v3.toml.tmpl"),
        imagesDir: path.posix.join(dataDir, "agent/images"),
        serverTokenFile: path.posix.join(dataDir, "server/token"),
        joinTokenFile: path.posix.join(dataDir, "pulumi-k3s/join-token"),
        configFile: path.posix.join(K3S_ETC_DIR, "config.yaml"),
        kubeconfig: path.posix.join(K3S_ETC_DIR, "k3s.yaml"),
    };
}

/**
 * Returns an error message when `value` is not an absolute, normalised POSIX path, else
 * undefined. `property` names the arg in the message.
 */
export function checkAbsolutePath(property: string, value: string): string | undefined {
    if (!value.startsWith("/")) {
        return `\`${property}\` must be an absolute path; got \`${value}\``;
    }
    const normal = path.posix.normalize(value).replace(/\/+$/, "") || "/";
    if (normal !== value) {
        return `\`${property}\` must be a normalised path; got \`${value}\`, write \`${normal}\``;
    }
    if (/[\0\n\r]/.test(value)) {
        return `\`${property}\` must not contain NUL or line breaks`;
    }
    return undefined;
}
