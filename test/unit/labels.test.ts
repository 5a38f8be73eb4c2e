import * as assert from "assert";

import { checkNodeLabels, checkNodeTaints, formatTaint } from "../../components/k3s/labels";

describe("node labels and taints", () => {
    it("refuses the label team=a b\"c, naming it and K3s's label syntax (c20)", () => {
        const problems = checkNodeLabels("nodeLabels", { team: 'a b"c' });
        assert.strictEqual(problems.length, 1);
        assert.match(problems[0], /^`nodeLabels` has the label `team=a b"c` that K3s refuses: /);
        assert.match(problems[0], /letters, digits, `-`, `_`, `\.`/);
    });

    it("accepts labels Kubernetes and the kubelet accept", () => {
        assert.deepStrictEqual(checkNodeLabels("nodeLabels", {
            "team": "a", "example.com/pool": "gpu-1", "empty": "", "a.b_c-d": "x.y_z-1",
            "node.kubernetes.io/pool": "edge", "kubelet.kubernetes.io/x": "y",
            "topology.kubernetes.io/zone": "z1", "kubernetes.io/os": "linux",
        }), []);
    });

    it("refuses keys and values of the wrong shape", () => {
        const bad = { "-lead": "a", "trail-": "a", "UPPER.com/x": "a", "k": "v".repeat(64),
            "a/b/c": "x", "": "v" };
        const problems = checkNodeLabels("nodeLabels", bad);
        assert.strictEqual(problems.length, Object.keys(bad).length, problems.join("\n"));
    });

    it("refuses node-role.kubernetes.io labels, which the kubelet refuses to set, so K3s " +
        "would not start (c20)", () => {
        for (const key of ["node-role.kubernetes.io/worker", "kubernetes.io/role",
            "custom.k8s.io/x"]) {
            const problems = checkNodeLabels("nodeLabels", { [key]: "true" });
            assert.strictEqual(problems.length, 1, key);
            assert.match(problems[0], new RegExp(`label \`${key.replace(/\./g, "\\.")}=true\``));
            assert.match(problems[0], /kubelet.*Kubernetes API/);
        }
    });

    it("renders and checks taints in K3s's key=value:Effect form", () => {
        assert.strictEqual(formatTaint({ key: "gpu", value: "true", effect: "NoSchedule" }),
            "gpu=true:NoSchedule");
        assert.strictEqual(formatTaint({ key: "node-role.kubernetes.io/control-plane",
            effect: "NoSchedule" }), "node-role.kubernetes.io/control-plane:NoSchedule");
        assert.deepStrictEqual(checkNodeTaints("nodeTaints", [
            { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }]), []);
        const problems = checkNodeTaints("nodeTaints", [
            { key: "ok", effect: "NoExecute" }, { key: "bad key", effect: "NoSchedule" }]);
        assert.strictEqual(problems.length, 1);
        assert.match(problems[0], /^`nodeTaints\[1\]` \(`bad key:NoSchedule`\)/);
    });
});
