import * as pulumi from "@pulumi/pulumi";

import { CniMode, Flavour } from "../k3s/containerd";
import { K3sConfigValue } from "../k3s/config";
import { Taint } from "../k3s/labels";
import { Role } from "../steps/service";
import { SshConnectionArgs } from "./connection";

/** The CNI of a node. */
export interface CniArgs {
    /**
     * `flannel` (default): K3s's embedded flannel; K3s's own containerd config is kept.
     * `custom`: `flannel-backend: none` and `disable-network-policy`, for Cilium, Calico and
     * the like; a containerd template then points containerd at `binDir` and `confDir`.
     * A cluster-wide setting: servers must agree, and an agent follows its server's flannel
     * backend, so an agent's `mode` must be its servers' (K3sCluster checks this).
     */
    mode?: CniMode;
    /**
     * Where containerd looks for CNI plugins. Defaults to `<dataDir>/data/cni`, the folder K3s
     * keeps stable across upgrades since the Oct 2024 releases. Only with `mode: "custom"`:
     * with flannel, base already renders the CNI table and a second one breaks containerd.
     */
    binDir?: string;
    /**
     * Where containerd reads CNI configs. Defaults to `<dataDir>/agent/etc/cni/net.d`. Only
     * with `mode: "custom"`, as `binDir`.
     */
    confDir?: string;
    /**
     * Plugin names (e.g. `istio-cni`, `multus`) to bring into `<dataDir>/data/cni` from
     * `migrateFrom` before K3s starts, where no file of that name exists yet.
     */
    migratePlugins?: string[];
    /**
     * Folders searched, in order, for `migratePlugins`. Defaults to `/opt/cni/bin`, then the
     * pre-Oct 2024 `<dataDir>/data/current/bin`.
     */
    migrateFrom?: string[];
    /**
     * `copy` (default) keeps working if the source is removed; `link` makes a symlink that
     * follows later updates of the source.
     */
    migrateMode?: "copy" | "link";
}

/** Files for an install without internet access. */
export interface AirgapArgs {
    /** Local path of the `k3s` binary of `version`. */
    k3sBinary: string;
    /** Local path of K3s's install script. */
    installScript: string;
    /** Local path of an images tarball (`.tar`, `.tar.gz`, `.tar.zst`), optional. */
    images?: string;
}

/** Where K3s is installed from. */
export interface InstallArgs {
    /** The install script's URL. Defaults to `https://get.k3s.io`. Conflicts with `airgap`. */
    scriptUrl?: string;
    /** Copy these files to the node instead of downloading. Conflicts with `scriptUrl`. */
    airgap?: AirgapArgs;
}

/**
 * The arguments of a K3s node. Settings that decide which steps run and what they write
 * (role, version, data dir, CNI, labels) are plain values, so a preview can show the plan and
 * bad input is refused before any remote call; values that travel to the node are Inputs.
 */
export interface K3sNodeArgs {
    /** How to reach the node. */
    connection: SshConnectionArgs;
    /** `server` (control plane) or `agent` (worker). Changing it reinstalls the node. */
    role: Role;
    /**
     * The exact K3s release, e.g. `v1.31.7+k3s1`. It decides the containerd template and its
     * CNI table. Conflicts with `channel`; one of the two is required.
     */
    version?: string;
    /**
     * An install channel (`stable`, `latest`, `v1.31`...). Only with flannel and no CNI
     * overrides: the template K3s needs depends on the exact release. Conflicts with `version`.
     */
    channel?: string;
    /** K3s's data dir. Defaults to `/var/lib/rancher/k3s`. Changing it reinstalls the node. */
    dataDir?: string;
    /**
     * The server to join, `https://host:6443`. Required for agents and for servers after the
     * first; conflicts with `clusterInit`.
     */
    serverUrl?: pulumi.Input<string>;
    /**
     * The cluster token. Kept secret: it reaches the node on stdin into a 0600 file. Required to
     * join; optional for the first server, which then makes one (read it from `token`).
     */
    token?: pulumi.Input<string>;
    /**
     * Start a new HA cluster with embedded etcd (first server only). Conflicts with
     * `serverUrl`.
     */
    clusterInit?: boolean;
    /** The Kubernetes node name. Defaults to the host name. */
    nodeName?: pulumi.Input<string>;
    /** Node labels, checked against Kubernetes label syntax. */
    nodeLabels?: Record<string, string>;
    /** Node taints, checked against Kubernetes taint syntax. */
    nodeTaints?: Taint[];
    /** Extra names and addresses for the API server certificate (servers only). */
    tlsSans?: pulumi.Input<string>[];
    /**
     * Other K3s settings, written to config.yaml: keys are K3s flag names (`disable`,
     * `kube-apiserver-arg`, ...). Keys this component sets itself are refused.
     */
    config?: Record<string, K3sConfigValue>;
    /** CNI settings. Defaults to flannel. */
    cni?: CniArgs;
    /**
     * Force the containerd template schema: 2 (`config.toml.tmpl`) or 3 (`config-v3.toml.tmpl`,
     * Feb 2025 releases on). Defaults to the one the release renders.
     */
    containerdConfigVersion?: 2 | 3;
    /**
     * `host` (default): K3s installed on the node. `container`: K3s from the `rancher/k3s`
     * image with `dataDir` as its data volume; install and restart are then left to you.
     */
    flavour?: Flavour;
    /** Install source. Defaults to the official install script. */
    install?: InstallArgs;
    /** Seconds to wait for K3s to become ready after a (re)start. Defaults to 300. */
    readyTimeoutSeconds?: number;
    /**
     * Resources K3s on this node must not start before, such as the `ready` step of the
     * server it joins. Only the restart step waits for them: preflight, files and install go
     * ahead at once. A `dependsOn` resource option holds back every step instead.
     */
    startAfter?: pulumi.Resource[];
}
