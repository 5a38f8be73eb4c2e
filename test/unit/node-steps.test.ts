import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { agentArgs, find, registerNode, serverArgs, stepNames } from "./fixtures";
import { Registered } from "../support/mocks";

/** Asserts that every step waits for the one registered before it. */
function assertChained(registered: Registered[], node: string, steps: string[]): void {
    for (let i = 1; i < steps.length; i++) {
        const step = find(registered, `${node}-${steps[i]}`);
        const before = find(registered, `${node}-${steps[i - 1]}`);
        assert.ok(step.dependencies.includes(before.urn),
            `${steps[i]} must depend on ${steps[i - 1]}; it depends on ` +
            step.dependencies.join(", "));
    }
}

describe("K3sNode steps", () => {
    it("runs a flannel server as preflight, cni-dir, config, install, restart, verify, " +
        "credentials, without a template step", async () => {
        const { registered } = await registerNode("s1", serverArgs());
        const steps = ["preflight", "cni-dir", "config", "install", "restart", "verify",
            "credentials"];
        assert.deepStrictEqual(stepNames(registered, "s1"), steps);
        assertChained(registered, "s1", steps);
    });

    it("runs an agent without the credentials step", async () => {
        const { registered } = await registerNode("a1", agentArgs());
        const steps = ["preflight", "cni-dir", "config", "install", "restart", "verify"];
        assert.deepStrictEqual(stepNames(registered, "a1"), steps);
        assertChained(registered, "a1", steps);
    });

    it("writes the containerd template between cni-dir and config for custom CNI",
        async () => {
            const { registered } = await registerNode("s1",
                serverArgs({ cni: { mode: "custom" } }));
            const steps = ["preflight", "cni-dir", "containerd-template", "config", "install",
                "restart", "verify", "credentials"];
            assert.deepStrictEqual(stepNames(registered, "s1"), steps);
            assertChained(registered, "s1", steps);
        });

    it("copies airgap files after config and installs only once every copy is done",
        async () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pk3s-airgap-"));
            const file = (name: string) => {
                fs.writeFileSync(path.join(dir, name), name);
                return path.join(dir, name);
            };
            try {
                const airgap = {
                    k3sBinary: file("k3s"), installScript: file("install.sh"),
                    images: file("k3s-airgap-images-amd64.tar.zst"),
                };
                const { registered } = await registerNode("s1", serverArgs({
                    install: { airgap },
                }));
                const copies = ["airgap-binary", "airgap-install-script", "airgap-images"];
                assert.deepStrictEqual(stepNames(registered, "s1"), ["preflight", "cni-dir",
                    "config", ...copies, "install", "restart", "verify", "credentials"]);
                const config = find(registered, "s1-config");
                const install = find(registered, "s1-install");
                for (const copy of copies) {
                    const resource = find(registered, `s1-${copy}`);
                    assert.strictEqual(resource.type, "command:remote:CopyToRemote");
                    assert.ok(resource.dependencies.includes(config.urn), `${copy} after config`);
                    assert.ok(install.dependencies.includes(resource.urn), `install after ${copy}`);
                }
                assert.strictEqual(find(registered, "s1-airgap-images").inputs.remotePath,
                    "/var/tmp/pulumi-k3s-airgap/images/k3s-airgap-images-amd64.tar.zst");
            } finally {
                fs.rmSync(dir, { recursive: true });
            }
        });

    it("leaves install and restart to the image for the container flavour", async () => {
        const { registered, node } = await registerNode("c1", serverArgs({
            flavour: "container", cni: { mode: "custom" },
        }));
        const steps = ["preflight", "cni-dir", "containerd-template", "verify"];
        assert.deepStrictEqual(stepNames(registered, "c1"), steps);
        assertChained(registered, "c1", steps);
        assert.strictEqual(node.plan.flavour, "container");
    });

    it("parents every step to the node", async () => {
        const { registered } = await registerNode("s1", serverArgs({ cni: { mode: "custom" } }));
        const node = find(registered, "s1");
        assert.strictEqual(node.type, "k3s:index:K3sNode");
        const children = registered.filter((r) => r.name.startsWith("s1-"));
        assert.strictEqual(children.length, 8);
        for (const child of children) {
            assert.strictEqual(child.parent, node.urn, `${child.name} is parented to s1`);
            assert.ok(child.urn.includes("k3s:index:K3sNode$command:remote:"), child.urn);
        }
    });

    it("deletes a step before creating its replacement, so uninstall runs before reinstall",
        async () => {
            const { registered } = await registerNode("s1", serverArgs());
            for (const name of stepNames(registered, "s1")) {
                assert.strictEqual(find(registered, `s1-${name}`).deleteBeforeReplace, true, name);
            }
        });

    it("replaces every step when the role or the data dir changes", async () => {
        const { registered } = await registerNode("s1", serverArgs({ dataDir: "/srv/k3s" }));
        for (const name of stepNames(registered, "s1")) {
            const triggers = find(registered, `s1-${name}`).inputs.triggers;
            assert.deepStrictEqual(triggers.slice(0, 2), ["server", "/srv/k3s"], name);
        }
    });

    it("runs cni-dir again on a new release when plugins are migrated, and only then (c02)",
        async () => {
            const triggers = async (version: string, migratePlugins?: string[]) => {
                const { registered } = await registerNode("s1", serverArgs({
                    version, cni: { migratePlugins } }));
                return find(registered, "s1-cni-dir").inputs.triggers;
            };
            assert.deepStrictEqual(await triggers("v1.30.5+k3s1", ["my-cni"]),
                ["server", "/var/lib/rancher/k3s", "v1.30.5+k3s1"]);
            assert.deepStrictEqual(await triggers("v1.30.6+k3s1", ["my-cni"]),
                ["server", "/var/lib/rancher/k3s", "v1.30.6+k3s1"]);
            assert.deepStrictEqual(await triggers("v1.30.6+k3s1"),
                ["server", "/var/lib/rancher/k3s"]);
        });

    it("restarts K3s when config.yaml, the template, the install or the token changes",
        async () => {
            const run = async (args: Parameters<typeof serverArgs>[0]) => {
                const { registered } = await registerNode("s1", serverArgs(args));
                return JSON.stringify(find(registered, "s1-restart").inputs.triggers);
            };
            const base = await run({ token: "t1" });
            assert.strictEqual(await run({ token: "t1" }), base, "same args, same triggers");
            assert.notStrictEqual(await run({ token: "t2" }), base, "token");
            assert.notStrictEqual(await run({ token: "t1", nodeLabels: { a: "b" } }), base,
                "config.yaml");
            assert.notStrictEqual(await run({ token: "t1", version: "v1.31.8+k3s1" }), base,
                "install");
            assert.notStrictEqual(await run({ token: "t1", cni: { mode: "custom" } }), base,
                "template");
        });
});
