/**
 * Bad input only the node can show, through the real engine: a port nothing listens on, a key
 * the node does not accept, a pinned host key the node does not have, sudo that asks for a
 * password or is not allowed, an OS other than Linux, an init system other than systemd or
 * OpenRC. Each fails the first step within seconds with an error that names the step, the
 * address or the cause and what to set, leaks no key, and writes nothing on the node.
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { K3sNode, SshConnectionArgs } from "../../components";
import { airgap, existsOnNode, K3S_VERSION, onNode, tidyAfterSuite }
    from "../e2e/support/cluster";
import { EngineLog } from "../e2e/support/engine-log";
import { freeLoopbackPort } from "../e2e/support/jump";
import { keyNeedles } from "../e2e/support/scan";
import { engineStack } from "../support/engine";
import { passwordSudoUser, SshNode, startNodes, stopNodes, sudoUser } from "../support/nodes";
import { countLeaks, countRejected } from "./support/tally";

/** Far below any step's own bound: a wait for input or a retry loop would run into it. */
const FAIL_WITHIN_MS = 30_000;

interface RuntimeBadInput {
    what: string;
    /** The node the program declares, by name. */
    node: "root" | "pwsudo" | "nosudo";
    connection?: (node: SshNode) => Promise<Partial<SshConnectionArgs>>;
    /** Shell run as root on the node before the `up`, and its undoing after. */
    breakNode?: [string, string];
    says: RegExp;
    /** SSH logins the node accepts before the step fails. */
    sessions: number;
}

describe("bad input that only the node shows, refused at the first step", function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pk3s-rel-runtime-"));
    let nodes: SshNode[] = [];
    const byName = (name: string) => nodes.find((n) => n.name === name)!;

    const BAD: RuntimeBadInput[] = [
        { what: "a port nothing listens on", node: "root", sessions: 0,
            connection: async () => ({ port: await freeLoopbackPort() }),
            says: /dial root@127\.0\.0\.1:\d+ failed after 2 attempt\(s\).*connection refused/ },
        { what: "a private key the node does not accept", node: "root", sessions: 0,
            connection: async () => ({ privateKey: newKey(path.join(dir, "other-key")) }),
            says: /dial root@127\.0\.0\.1:\d+ failed after 2 attempt\(s\).*unable to authenticate/
        },
        { what: "a pinned host key the node does not have", node: "root", sessions: 0,
            connection: async () => ({ hostKey: byName("pwsudo").hostKey }),
            says: new RegExp("host key mismatch for 127\\.0\\.0\\.1:\\d+: server offered " +
                "ssh-ed25519 SHA256:\\S+, connection\\.hostKey is ssh-ed25519 SHA256:") },
        { what: "sudo that asks for a password", node: "pwsudo", sessions: 1,
            says: new RegExp(`sudo for user ${passwordSudoUser} asks for a password or is not ` +
                "allowed; this component needs passwordless sudo \\(NOPASSWD\\)") },
        { what: "sudo that the login user may not use", node: "nosudo", sessions: 1,
            breakNode: ["mv /etc/sudoers.d/pk3s-node /run/pk3s-sudoers",
                "mv /run/pk3s-sudoers /etc/sudoers.d/pk3s-node"],
            says: new RegExp(`sudo for user ${sudoUser} asks for a password or is not allowed`) },
        { what: "an OS other than Linux", node: "root", sessions: 1,
            breakNode: ["printf '#!/bin/sh\\necho FreeBSD\\n' > /usr/local/bin/uname && " +
                "chmod 0755 /usr/local/bin/uname", "rm /usr/local/bin/uname"],
            says: /pulumi-k3s: K3s needs Linux, found FreeBSD/ },
        { what: "an init system other than systemd or OpenRC", node: "root", sessions: 1,
            breakNode: ["rm -r /run/systemd/system", "mkdir -p /run/systemd/system"],
            says: /pulumi-k3s: no systemd or OpenRC found; K3s's installer supports only those/ },
    ];

    before(async function () {
        this.timeout(60_000);
        nodes = await startNodes({ dir: path.join(dir, "nodes"), count: 3,
            names: ["root", "pwsudo", "nosudo"], passwordSudoIndexes: [1], sudoUserIndexes: [2] });
    });

    tidyAfterSuite({ dir: () => dir, keeps: "engine logs per input",
        stop: () => stopNodes(nodes) });

    BAD.forEach((bad, i) => {
        it(`refuses ${bad.what} at preflight in seconds, naming the cause, writing nothing`,
            async () => {
                const node = byName(bad.node);
                const connection: SshConnectionArgs = {
                    host: node.host, port: node.port, user: node.user, privateKey: node.privateKey,
                    hostKey: node.hostKey, sudo: node.user !== "root", dialErrorLimit: 2,
                    perDialTimeout: 5, ...(await bad.connection?.(node)),
                };
                const log = new EngineLog(path.join(dir, `engine-log-${i}`));
                const stack = await engineStack({ dir: path.join(dir, `engine-${i}`),
                    program: async () => {
                        new K3sNode("rt", { connection, role: "server", version: K3S_VERSION,
                            install: { airgap }, token: "t" });
                    } });
                const sessions = node.sshSessions();
                if (bad.breakNode) {
                    await onNode(node, bad.breakNode[0]);
                }
                const started = Date.now();
                let error: Error | undefined;
                try {
                    error = await stack.up(log.operation()).then(() => undefined, (e: Error) => e);
                } finally {
                    if (bad.breakNode) {
                        await onNode(node, bad.breakNode[1]);
                    }
                }
                assert.ok(error, "up succeeded");
                assert.ok(Date.now() - started < FAIL_WITHIN_MS, "up took too long to fail");
                assert.deepStrictEqual(log.failedSteps(), ["rt-preflight"]);
                assert.match(error.message, bad.says);
                assert.strictEqual(node.sshSessions() - sessions, bad.sessions);
                for (const absent of ["/etc/rancher/k3s", "/var/lib/rancher/k3s"]) {
                    assert.ok(!(await existsOnNode(node, absent)), `${absent} was written`);
                }
                const keys = [...keyNeedles("the login key", node.privateKey),
                    ...keyNeedles("the key given", connection.privateKey as string)];
                assert.deepStrictEqual(countLeaks(keys.filter((k) =>
                    error!.message.includes(k.bytes.toString())).map((k) => k.label)), []);
                countRejected(bad.what);
            });
    });
});

/** A new ed25519 key that no node knows, as OpenSSH private key text. */
function newKey(file: string): string {
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "stranger", "-f", file]);
    return fs.readFileSync(file, "utf8");
}
