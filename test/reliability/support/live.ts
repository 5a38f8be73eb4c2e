/**
 * One K3s server on one local SSH node through the real engine, whose args a test changes
 * between operations, and the checks a fault test ends with: the files K3s reads hold exactly
 * what the args say, no temp file is left, K3s is active, and a preview shows no change.
 */
import * as assert from "assert";
import * as path from "path";

import { Stack } from "@pulumi/pulumi/automation";

import { K3sNode, K3sNodeArgs } from "../../../components";
import { planNode } from "../../../components/args/plan";
import { configYamlFor } from "../../../components/nodeConfig";
import {
    airgap, connectionTo, fileBytes, K3S_VERSION, onNode, ownerAndMode, uniqueToken,
} from "../../e2e/support/cluster";
import { EngineLog } from "../../e2e/support/engine-log";
import { engineStack } from "../../support/engine";
import { valueOf } from "../../support/mocks";
import { SshNode } from "../../support/nodes";

export interface LiveNode {
    readonly name: string;
    /** The node; replace it when its sshd was restarted (the pid changes). */
    node: SshNode;
    readonly stack: Stack;
    readonly log: EngineLog;
    /** What the next operation declares. */
    args: K3sNodeArgs;
}

/** Bounds every restart of these tests: a K3s double that hangs fails a test in 20 s. */
export const READY_TIMEOUT_SECONDS = 20;

/** A server with its own token, airgap from the doubles, dialling twice at most. */
export function serverArgs(node: SshNode, over: Partial<K3sNodeArgs> = {}): K3sNodeArgs {
    return {
        connection: { ...connectionTo(node), dialErrorLimit: 2, perDialTimeout: 5 },
        role: "server", version: K3S_VERSION, token: uniqueToken("rel"),
        install: { airgap }, readyTimeoutSeconds: READY_TIMEOUT_SECONDS, ...over,
    };
}

/** A stack under `dir` whose program declares one K3sNode from `live.args`. */
export async function liveNode(dir: string, name: string, node: SshNode,
    over: Partial<K3sNodeArgs> = {}): Promise<LiveNode> {
    const live = { name, node, args: serverArgs(node, over) } as LiveNode;
    const stack = await engineStack({
        dir: path.join(dir, "engine"),
        program: async () => {
            const k3s = new K3sNode(name, live.args);
            return { token: k3s.token, kubeconfig: k3s.kubeconfig };
        },
    });
    return Object.assign(live, { stack, log: new EngineLog(path.join(dir, "engine-log")) });
}

/** Runs `up` expecting it to fail; returns the error. */
export async function failedUp(live: LiveNode): Promise<Error> {
    const error = await live.stack.up(live.log.operation()).then(() => undefined,
        (e: Error) => e);
    assert.ok(error, "up succeeded");
    return error;
}

/** The bytes and modes the args make the node's files hold. */
export async function plannedFiles(live: LiveNode): Promise<Map<string, [string, string]>> {
    const plan = planNode(live.name, live.args);
    const files = new Map<string, [string, string]>();
    files.set(plan.paths.configFile,
        [await valueOf(configYamlFor(live.args, plan)), "root:root 600"]);
    if (typeof live.args.token === "string") {
        files.set(plan.paths.joinTokenFile, [live.args.token, "root:root 600"]);
    }
    if (plan.cni.template) {
        files.set(plan.cni.template.path, [plan.cni.template.content, "root:root 644"]);
    }
    return files;
}

/** Temp files of an interrupted write left in the folders the steps write to. */
export async function tempFiles(node: SshNode): Promise<string> {
    return onNode(node, "find /etc/rancher /var/lib/rancher -name '.pulumi-k3s.*' 2>/dev/null");
}

/**
 * The end state every fault test converges to: each planned file holds its bytes at its
 * mode, no temp file is left, K3s is active, and a preview shows no change.
 */
export async function assertConverged(live: LiveNode): Promise<void> {
    for (const [file, [bytes, mode]] of await plannedFiles(live)) {
        assert.strictEqual((await fileBytes(live.node, file)).toString("utf8"), bytes, file);
        assert.strictEqual(await ownerAndMode(live.node, file), mode, file);
    }
    assert.strictEqual(await tempFiles(live.node), "", "temp files left");
    assert.strictEqual((await onNode(live.node, "systemctl is-active k3s || true")).trim(),
        "active");
    const preview = await live.stack.preview(live.log.operation());
    assert.deepStrictEqual([...live.log.changedSteps().keys()], [], "the preview shows changes");
    assert.deepStrictEqual(Object.keys(preview.changeSummary), ["same"]);
}
