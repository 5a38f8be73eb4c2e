/**
 * c13: a node that only a jump host reaches. The target's sshd lives in a network namespace
 * of its own; the bastion answers on the machine's loopback and forwards from inside that
 * namespace (see support/jump.ts). The same K3sNode fails without `connection.proxy` and
 * installs K3s with it, every session on the target having come through the bastion.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { K3sNode, SshConnectionArgs } from "../../components";
import { engineStack } from "../support/engine";
import {
    K3S_VERSION, READY_TIMEOUT_SECONDS, airgap, existsOnNode, onNode, ownerAndMode,
    tidyAfterSuite, uniqueToken,
} from "./support/cluster";
import { EngineLog } from "./support/engine-log";
import { JumpNetwork, loopbackAccepts, startJumpNetwork } from "./support/jump";
import { filesUnder, findNeedles, keyNeedles } from "./support/scan";

describe("c13: a node reachable only through a jump host", function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pk3s-e2e-c13-"));
    const log = new EngineLog(path.join(dir, "engine-log"));
    const token = uniqueToken("c13");
    let network: JumpNetwork | undefined;

    /** A stack holding one K3s server at the target, with or without the bastion. */
    const nodeStack = (name: string, viaBastion: boolean) => {
        const { target, bastion } = network!;
        const connection: SshConnectionArgs = {
            host: target.host, port: target.port, privateKey: target.privateKey,
            hostKey: target.hostKey, dialErrorLimit: 1, perDialTimeout: 5,
            proxy: viaBastion ? { host: bastion.host, port: bastion.port,
                privateKey: bastion.privateKey, hostKey: bastion.hostKey } : undefined,
        };
        return engineStack({
            dir: path.join(dir, name),
            program: async () => {
                new K3sNode("c13", { connection, role: "server", version: K3S_VERSION, token,
                    install: { airgap }, readyTimeoutSeconds: READY_TIMEOUT_SECONDS });
            },
        });
    };

    before(async function () {
        this.timeout(60_000);
        network = await startJumpNetwork(path.join(dir, "machines"));
    });

    tidyAfterSuite({ dir: () => dir, keeps: "engine logs; machine logs are removed with them",
        stop: () => Promise.resolve(network?.stop()) });

    it("c13: the target cannot be dialled directly: a TCP connect is refused and up " +
        "without `proxy` fails before any session", async () => {
        const { target } = network!;
        const ownNetwork = fs.readlinkSync("/proc/self/ns/net");
        assert.notStrictEqual(fs.readlinkSync(`/proc/${target.sshdPid}/ns/net`), ownNetwork,
            "the target's sshd shares this process's network");
        assert.strictEqual(await loopbackAccepts(target.port), false);
        const stack = await nodeStack("direct", false);
        const error = await stack.up(log.operation()).then(() => undefined, (e: Error) => e);
        assert.ok(error, "up succeeded without the jump host");
        assert.match(error.message, /c13-preflight/);
        assert.match(error.message,
            new RegExp(`dial root@127\\.0\\.0\\.1:${target.port} failed.*connection refused`));
        assert.strictEqual(target.sshSessions(), 0);
    });

    it("c13: with `proxy` set to the bastion, up installs the K3s server on the target and " +
        "each of its sessions came through the bastion", async () => {
        const { target, bastion } = network!;
        const stack = await nodeStack("proxied", true);
        const up = await stack.up(log.operation());
        assert.strictEqual(up.summary.result, "succeeded");
        assert.strictEqual(await ownerAndMode(target, "/etc/rancher/k3s/config.yaml"),
            "root:root 600");
        assert.strictEqual((await onNode(target, "systemctl is-active k3s")).trim(), "active");
        assert.ok(target.sshSessions() > 0, "no session reached the target");
        assert.strictEqual(bastion.sshSessions(), target.sshSessions(),
            "sessions on the target without one on the bastion");

        const state = filesUnder(path.join(dir, "proxied", "backend"));
        assert.deepStrictEqual(findNeedles(state, [
            ...keyNeedles("the bastion key", bastion.privateKey),
            ...keyNeedles("the target key", target.privateKey)]), []);

        await stack.destroy(log.operation());
        assert.ok(!(await existsOnNode(target, "/etc/rancher/k3s")), "K3s left on the target");
        assert.strictEqual(bastion.sshSessions(), target.sshSessions());
    });
});
