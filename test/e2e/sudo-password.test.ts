/**
 * c12: a login user whose sudo asks for a password. No terminal is available to type one,
 * so the first step must fail at once with an error that names sudo, before anything is
 * written on the node.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { Stack } from "@pulumi/pulumi/automation";

import { K3sNode } from "../../components";
import { engineStack } from "../support/engine";
import { passwordSudoUser, SshNode, startNodes, stopNodes } from "../support/nodes";
import {
    K3S_VERSION, READY_TIMEOUT_SECONDS, airgap, connectionTo, existsOnNode, onNode,
    tidyAfterSuite, uniqueToken,
} from "./support/cluster";
import { EngineLog } from "./support/engine-log";

/** Far below the restart bound: a sudo prompt waiting for input would run into it. */
const FAIL_WITHIN_MS = 45_000;

describe("c12: a node whose login user's sudo asks for a password", function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pk3s-e2e-c12-"));
    const log = new EngineLog(path.join(dir, "engine-log"));
    let nodes: SshNode[] = [];
    let stack: Stack;

    before(async function () {
        this.timeout(60_000);
        nodes = await startNodes({ dir: path.join(dir, "nodes"), count: 1, names: ["pwsudo"],
            passwordSudoIndexes: [0] });
        const [node] = nodes;
        assert.strictEqual(node.user, passwordSudoUser);
        const token = uniqueToken("c12");
        stack = await engineStack({
            dir: path.join(dir, "engine"),
            program: async () => {
                new K3sNode("c12", {
                    connection: connectionTo(node), role: "server", version: K3S_VERSION, token,
                    install: { airgap }, readyTimeoutSeconds: READY_TIMEOUT_SECONDS,
                });
            },
        });
    });

    tidyAfterSuite({ dir: () => dir, keeps: "engine output and events under engine-log/",
        stop: () => stopNodes(nodes) });

    it("c12: up with `sudo: true` fails fast at preflight with an error naming sudo, the " +
        "user and NOPASSWD, after one SSH session and without writing on the node", async () => {
        const [node] = nodes;
        const started = Date.now();
        const error = await stack.up(log.operation()).then(() => undefined, (e: Error) => e);
        const elapsed = Date.now() - started;
        assert.ok(error, "up succeeded");
        assert.ok(elapsed < FAIL_WITHIN_MS, `up took ${elapsed} ms to fail`);
        assert.match(error.message,
            new RegExp(`sudo for user ${passwordSudoUser} asks for a password`));
        assert.match(error.message, /NOPASSWD/);

        const failedSteps = log.failedSteps();
        assert.deepStrictEqual(failedSteps, ["c12-preflight"]);
        assert.strictEqual(node.sshSessions(), 1, "a step after preflight reached the node");
        for (const absent of ["/etc/rancher/k3s", "/var/lib/rancher/k3s",
            "/var/tmp/pulumi-k3s-airgap"]) {
            assert.ok(!(await existsOnNode(node, absent)), `${absent} was written`);
        }
        assert.strictEqual(await onNode(node, "ls -A /usr/local/bin"), "journalctl\nsystemctl\n");
    });
});
