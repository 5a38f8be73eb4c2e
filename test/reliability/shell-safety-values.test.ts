/**
 * Shell safety of the values a node's steps carry: labels, taints, node names, pass-through
 * config, TLS SANs, the join token and the login user, full of quotes, substitutions, spaces,
 * newlines and non-ASCII. Each is refused naming its property, or arrives on the node
 * literally, proven by running the generated scripts in a private mount namespace: the bytes
 * written are the rendered config.yaml (and it parses back to the value), the token file holds
 * the token, and no substitution ever runs.
 */
import * as assert from "assert";
import * as crypto from "crypto";
import * as fc from "fast-check";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";

import { K3sNodeArgs } from "../../components/args/node";
import { planNode } from "../../components/args/plan";
import { configYamlFor } from "../../components/nodeConfig";
import { script, remoteCommand, shellQuote } from "../../components/steps/shell";
import { valueOf } from "../support/mocks";
import { disposeSandboxes, bytesOf, Run, sandbox, succeeded } from "../scripts/sandbox";
import { configCommand, serverArgs } from "../scripts/steps";
import { CANARY_CHECK, hostile, maybeName, namesProperty, refusal } from "./support/hostile";

const CONFIG = "/etc/rancher/k3s/config.yaml";
const TOKEN = "/var/lib/rancher/k3s/pulumi-k3s/join-token";
const SERVER_TOKEN = "/var/lib/rancher/k3s/server/token";

/** One field of the node args, and where its value must show in the parsed config.yaml. */
interface Field {
    property: string;
    args(value: string): Partial<K3sNodeArgs>;
    shows(config: Record<string, unknown>, value: string): boolean;
}

const FIELDS: Field[] = [
    { property: "nodeLabels", args: (v) => ({ nodeLabels: { [v]: v } }),
        shows: (c, v) => (c["node-label"] as string[]).includes(`${v}=${v}`) },
    { property: "nodeTaints", args: (v) => ({ nodeTaints: [{ key: v, value: v,
        effect: "NoSchedule" }] }),
    shows: (c, v) => (c["node-taint"] as string[]).includes(`${v}=${v}:NoSchedule`) },
    { property: "nodeName", args: (v) => ({ nodeName: v }), shows: (c, v) => c["node-name"] === v },
    { property: "nodeName (an Output, checked by K3s)", args: (v) => ({
        nodeName: pulumi.output(v) }), shows: (c, v) => c["node-name"] === v },
    { property: "config", args: (v) => ({ config: { "node-ip": v, "kubelet-arg": [v, "x"] } }),
        shows: (c, v) => c["node-ip"] === v && (c["kubelet-arg"] as string[])[0] === v },
    { property: "tlsSans", args: (v) => ({ tlsSans: [v] }),
        shows: (c, v) => (c["tls-san"] as string[])[0] === v },
];

const sha256 = (text: string) => crypto.createHash("sha256").update(text).digest("hex");

describe("shell safety of values, executed (property-based)", () => {
    afterEach(disposeSandboxes);

    it("labels, taints, node names, pass-through config and TLS SANs are refused naming " +
        "their property, or written into config.yaml byte for byte as rendered, parsing back " +
        "to the value", async () => {
        await fc.assert(fc.asyncProperty(fc.constantFrom(...FIELDS), fc.array(maybeName,
            { minLength: 3, maxLength: 3 }), async (field, values) => {
            const runs: Run[] = [];
            const expected: string[] = [];
            for (const value of values) {
                const args = serverArgs(field.args(value));
                const refused = refusal(() => planNode("n1", args));
                if (refused) {
                    assert.ok(namesProperty(refused, field.property), refused.message);
                    continue;
                }
                const yaml = await valueOf(configYamlFor(args, planNode("n1", args)));
                assert.ok(field.shows(YAML.parse(yaml), value), yaml);
                runs.push({ command: await configCommand(field.args(value)) });
                expected.push(yaml);
            }
            const result = sandbox({ runs, inspect: CANARY_CHECK });
            result.runs.forEach((run, i) => {
                succeeded(run);
                assert.ok(run.listing.includes(`${sha256(expected[i])}  ${CONFIG}\n`),
                    `config.yaml differs from:\n${expected[i]}`);
            });
            assert.strictEqual(result.inspect, "");
        }), { numRuns: 12 });
    });

    it("a join token arrives in the token file byte for byte (trailing newlines aside), is " +
        "taken again when it is the server's own and refused when it is another", async () => {
        const token = hostile.filter((t) => !t.startsWith("K10") && t.replace(/\n+$/, "") !== "");
        const other = hostile.filter((t) => /[^\n]/.test(t));
        await fc.assert(fc.asyncProperty(token, other, async (value, suffix) => {
            const command = await configCommand({ token: value });
            const serverToken = `K10${sha256("ca")}::server:${value}`;
            const result = sandbox({
                runs: [{ command, stdin: value },
                    { command, stdin: value, before: `mkdir -p ${SERVER_TOKEN.replace(/\/[^/]*$/,
                        "")}\nprintf '%s\\n' ${shellQuote(serverToken)} > ${SERVER_TOKEN}` },
                    { command, stdin: value + suffix }],
                inspect: CANARY_CHECK,
            });
            succeeded(result.runs[0]);
            succeeded(result.runs[1]);
            assert.strictEqual(result.runs[2].code, 1);
            assert.match(result.runs[2].stderr, /already bootstrapped its cluster with another/);
            assert.strictEqual(bytesOf(result, TOKEN).toString(), value.replace(/\n+$/, ""));
            assert.strictEqual(result.inspect, "");
        }), { numRuns: 8 });
    });

    it("a login user is named literally when sudo asks for a password", () => {
        fc.assert(fc.property(fc.array(hostile, { minLength: 4, maxLength: 4 }), (users) => {
            const result = sandbox({
                fakes: { sudo: "#!/bin/sh\nexit 1\n" },
                runs: users.map((user) => ({ command: remoteCommand(script("sudo", ["true"]),
                    { sudo: true, user }) })),
                inspect: CANARY_CHECK,
            });
            result.runs.forEach((run, i) => {
                assert.strictEqual(run.code, 1);
                assert.strictEqual(run.stderr, `pulumi-k3s: sudo for user ${users[i]} asks for ` +
                    "a password or is not allowed; this component needs passwordless sudo " +
                    "(NOPASSWD) for that user, or connect as root\n");
            });
            assert.strictEqual(result.inspect, "");
        }), { numRuns: 4 });
    });
});
