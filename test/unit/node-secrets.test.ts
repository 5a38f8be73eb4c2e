import * as assert from "assert";

import * as pulumi from "@pulumi/pulumi";

import { allCommandTexts, find, HOSTILE_TOKEN, PRIVATE_KEY, registerNode, scriptOf, serverArgs,
    agentArgs, writtenContent } from "./fixtures";
import { isSecret, plain, valueOf } from "../support/mocks";

describe("K3sNode secrets", () => {
    it("keeps the connection's private key secret in every step", async () => {
        const { registered } = await registerNode("s1", serverArgs());
        const commands = registered.filter((r) => r.type === "command:remote:Command");
        assert.strictEqual(commands.length, 7);
        for (const command of commands) {
            const connection = command.inputs.connection;
            const key = isSecret(connection) ? plain(connection).privateKey
                : connection.privateKey;
            assert.ok(isSecret(connection) || isSecret(key), `${command.name}: key not secret`);
            assert.strictEqual(plain(key), PRIVATE_KEY);
        }
    });

    it("sends the token to the config step as secret stdin, and stdin to no other step",
        async () => {
            const { registered } = await registerNode("a1", agentArgs({ token: HOSTILE_TOKEN }));
            const config = find(registered, "a1-config");
            assert.ok(isSecret(config.inputs.stdin), "stdin must be secret");
            assert.strictEqual(plain(config.inputs.stdin), HOSTILE_TOKEN);
            const others = registered.filter((r) => r.name !== "a1-config" &&
                r.inputs.stdin !== undefined);
            assert.deepStrictEqual(others.map((r) => r.name), []);
        });

    it("never puts the token in a create or delete text, nor in config.yaml (c10)",
        async () => {
            const { registered } = await registerNode("a1", agentArgs({ token: HOSTILE_TOKEN }));
            const texts = allCommandTexts(registered);
            assert.ok(texts.length >= 7);
            for (const text of texts) {
                for (const piece of [HOSTILE_TOKEN, "K10ab", "$(id)"]) {
                    assert.ok(!text.includes(piece), `a command text contains ${piece}`);
                }
            }
            const yaml = writtenContent(scriptOf(registered, "a1-config"),
                "/etc/rancher/k3s/config.yaml");
            assert.match(yaml, /^token-file: \/var\/lib\/rancher\/k3s\/pulumi-k3s\/join-token$/m);
            assert.doesNotMatch(yaml, /^token:/m);
            assert.ok(!yaml.includes("K10ab"));
        });

    it("keeps the restart trigger that carries the token secret (c10)", async () => {
        const { registered } = await registerNode("a1", agentArgs({ token: HOSTILE_TOKEN }));
        const triggers = find(registered, "a1-restart").inputs.triggers;
        const plainText = JSON.stringify(triggers, (_k, v) => (isSecret(v) ? "[secret]" : v));
        assert.ok(!plainText.includes("K10ab"), plainText);
    });

    it("tells the engine to keep the credentials step's stdout and stderr secret",
        async () => {
            const { registered } = await registerNode("s1", serverArgs());
            const credentials = find(registered, "s1-credentials");
            for (const output of ["stdout", "stderr"]) {
                assert.ok(credentials.additionalSecretOutputs.includes(output), output);
            }
            assert.strictEqual(credentials.inputs.logging, "none");
            for (const step of ["preflight", "config", "install", "restart", "verify"]) {
                const secretOutputs = find(registered, `s1-${step}`).additionalSecretOutputs;
                assert.ok(!secretOutputs.includes("stdout"), step);
            }
        });

    it("exposes the server token and kubeconfig as secret outputs, and none for agents",
        async () => {
            const { node } = await registerNode("s1", serverArgs());
            assert.strictEqual(await pulumi.isSecret(node.token), true);
            assert.strictEqual(await pulumi.isSecret(node.kubeconfig), true);
            assert.strictEqual(await valueOf(node.token), "K10abc::server:secret");
            assert.match(String(await valueOf(node.kubeconfig)), /server: https:\/\/127\.0\.0\.1/);
            const agent = await registerNode("a1", agentArgs());
            assert.strictEqual(await valueOf(agent.node.token), undefined);
        });
});
