import * as pulumi from "@pulumi/pulumi";

import { SshConnectionArgs } from "./connection";
import { K3sNodeArgs } from "./node";

/** Node settings the cluster sets itself. */
type ClusterManaged = "role" | "serverUrl" | "clusterInit" | "token" | "startAfter";

/** One node of a cluster: its own settings over the cluster's shared ones. */
export interface K3sClusterNodeArgs
    extends Omit<Partial<K3sNodeArgs>, ClusterManaged | "connection"> {
    /** A short name, unique in the cluster; the node's resources are named after it. */
    name: string;
    /** The node's connection, over `K3sClusterArgs.connection`; `host` at least. */
    connection: Partial<SshConnectionArgs> & { host: pulumi.Input<string> };
}

/** The arguments of a K3s cluster. */
export interface K3sClusterArgs {
    /**
     * Connection settings shared by every node (user, key, sudo, jump host); each node adds
     * its `host` and may override the rest.
     */
    connection?: Partial<SshConnectionArgs>;
    /** Servers, one at least. With more than one, the first starts an embedded-etcd cluster
     * (`cluster-init`) and the others join it one at a time. */
    servers: K3sClusterNodeArgs[];
    /** Agents; they join in parallel once the first server is ready. */
    agents?: K3sClusterNodeArgs[];
    /** K3s release for every node, unless a node sets its own. Conflicts with `channel`. */
    version?: string;
    /** Install channel for every node. Conflicts with `version`. */
    channel?: string;
    /**
     * The cluster token (secret). Defaults to the token the first server makes, read back
     * from it.
     */
    token?: pulumi.Input<string>;
    /**
     * Address agents and joining servers use to reach the API, and the one written into the
     * kubeconfig output (a load balancer or VIP for HA). Defaults to the first server's host.
     */
    apiServerAddress?: pulumi.Input<string>;
    /** The API server port. Defaults to 6443. */
    apiServerPort?: number;
    /** Shared defaults for the remaining node settings (data dir, CNI, install, ...). */
    defaults?: Omit<Partial<K3sNodeArgs>, ClusterManaged | "connection" | "version" | "channel">;
}
