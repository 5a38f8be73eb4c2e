/**
 * What the end-to-end tests declare: K3s nodes and clusters on local SSH nodes, installed
 * airgap from the K3s doubles, and small helpers to look at a node afterwards.
 */
import * as crypto from "crypto";
import * as fs from "fs";

import { K3sClusterNodeArgs, SshConnectionArgs } from "../../../components";
import { doubles, ExecResult, SshNode } from "../../support/nodes";

/** The release every test installs: containerd 2.0, `config-v3.toml.tmpl`, `bin_dir`. */
export const K3S_VERSION = "v1.31.7+k3s1";

/** The airgap install source made of the doubles. */
export const airgap = { k3sBinary: doubles.k3s, installScript: doubles.installScript };

/** Bounds every restart: a double that never becomes ready fails the test in a minute. */
export const READY_TIMEOUT_SECONDS = 60;

/** How to reach one test node: its own key, pinned host key, and sudo for non-root users. */
export function connectionTo(node: SshNode): SshConnectionArgs {
    return {
        host: node.host, port: node.port, user: node.user, privateKey: node.privateKey,
        hostKey: node.hostKey, sudo: node.user !== "root", dialErrorLimit: 3,
    };
}

/** A cluster node entry for `node`, named after it. */
export function clusterNode(node: SshNode, own: Partial<K3sClusterNodeArgs> = {}):
    K3sClusterNodeArgs {
    return { ...own, name: node.name, connection: connectionTo(node) };
}

/**
 * A token no other cluster uses: the K3s double's join registry is shared by every test on
 * the machine, so a reused token could join a node to another test's server.
 */
export function uniqueToken(label: string): string {
    return `${label}-${crypto.randomBytes(12).toString("hex")}`;
}

/**
 * Runs `command` as root in the node's mount namespace.
 *
 * Limitation: `SshNode.exec` writes stdin to the child without an error handler, so a
 * command that exits before that write lands kills the test process with EPIPE. Until
 * test/support/nodes.ts handles it, every command here reads its stdin to the end first.
 */
export function execOn(node: SshNode, command: string): Promise<ExecResult> {
    return node.exec(`cat >/dev/null; ${command}`);
}

/** Runs `command` on the node and returns stdout; a failure throws. */
export async function onNode(node: SshNode, command: string): Promise<string> {
    const result = await execOn(node, command);
    if (result.code !== 0) {
        throw new Error(`${node.name}: \`${command}\` exited ${result.code}: ${result.stderr}`);
    }
    return result.stdout;
}

/** `owner:group mode` of a path on the node, e.g. `root:root 755`. */
export async function ownerAndMode(node: SshNode, file: string): Promise<string> {
    return (await onNode(node, `stat -c '%U:%G %a' '${file}'`)).trim();
}

/** The exact bytes of a file on the node. */
export async function fileBytes(node: SshNode, file: string): Promise<Buffer> {
    const result = await execOn(node, `cat '${file}'`);
    if (result.code !== 0) {
        throw new Error(`${node.name}: cannot read ${file}: ${result.stderr}`);
    }
    return result.stdoutBytes;
}

/** Whether a path exists on the node (a dangling link counts). */
export async function existsOnNode(node: SshNode, file: string): Promise<boolean> {
    return (await execOn(node, `[ -e '${file}' ] || [ -L '${file}' ]`)).code === 0;
}

/** SSH logins accepted so far, by node name. */
export function sessionCounts(nodes: SshNode[]): Record<string, number> {
    return Object.fromEntries(nodes.map((node) => [node.name, node.sshSessions()]));
}

/**
 * Registers the suite's closing hooks: stop what it started, then remove its folder, or keep
 * the folder and say where when a test failed (`keeps` says what is in it).
 */
export function tidyAfterSuite(opts: {
    dir: () => string; keeps: string; stop: () => Promise<unknown>;
}): void {
    let failed = false;
    afterEach(function () {
        failed = failed || this.currentTest?.state === "failed";
    });
    after(async function () {
        this.timeout(60_000);
        await opts.stop();
        if (failed) {
            console.log(`    kept ${opts.dir()} (${opts.keeps})`);
        } else {
            fs.rmSync(opts.dir(), { recursive: true, force: true });
        }
    });
}
