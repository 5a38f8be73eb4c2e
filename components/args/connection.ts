import * as pulumi from "@pulumi/pulumi";

/** How to reach a jump host on the way to a node. */
export interface SshProxyArgs {
    /** The jump host's address. */
    host: pulumi.Input<string>;
    /** SSH port. Defaults to 22. */
    port?: pulumi.Input<number>;
    /** Login user on the jump host. Defaults to `root`. */
    user?: pulumi.Input<string>;
    /** Private key (OpenSSH or PEM text) for the jump host. Kept secret. */
    privateKey?: pulumi.Input<string>;
    /** The jump host's public host key, an authorized_keys line, to pin it. */
    hostKey?: pulumi.Input<string>;
}

/**
 * How to reach a node over SSH. Commands run through the user's login shell, which must be a
 * POSIX shell (sh, bash, dash, zsh); no terminal is requested.
 */
export interface SshConnectionArgs {
    /** The node's address. */
    host: pulumi.Input<string>;
    /** SSH port. Defaults to 22. */
    port?: pulumi.Input<number>;
    /** Login user. Defaults to `root`; any other user needs `sudo: true`. */
    user?: pulumi.Input<string>;
    /** Private key (OpenSSH or PEM text). Kept secret: it never reaches a log or the state. */
    privateKey: pulumi.Input<string>;
    /** Passphrase of `privateKey`, if it has one. Kept secret. */
    privateKeyPassword?: pulumi.Input<string>;
    /**
     * The node's public host key as an authorized_keys line (`ssh-ed25519 AAAA...`). When set,
     * a node presenting another key is refused. Without it host keys are not checked, which
     * only suits throwaway lab nodes.
     */
    hostKey?: pulumi.Input<string>;
    /** A jump host (bastion) to reach the node through. */
    proxy?: pulumi.Input<SshProxyArgs>;
    /**
     * Run every step through `sudo -n`, for a login user other than root. Sudo must not ask
     * for a password (NOPASSWD): no terminal is available, and a step fails at once with a
     * message naming sudo rather than hang. Defaults to false.
     */
    sudo?: boolean;
    /** How many times to retry a failed dial. Defaults to 10; -1 retries without end. */
    dialErrorLimit?: pulumi.Input<number>;
    /** Seconds one dial may take. Defaults to 15. */
    perDialTimeout?: pulumi.Input<number>;
}
