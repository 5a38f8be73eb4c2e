import * as pulumi from "@pulumi/pulumi";

import { K3sNodeArgs } from "./args/node";
import { NodePlan } from "./args/plan";
import { K3sConfigValue, renderConfigYaml } from "./k3s/config";
import { formatTaint } from "./k3s/labels";
import { DEFAULT_DATA_DIR } from "./k3s/paths";

/**
 * The config.yaml of a node: the keys this component manages, then the pass-through keys.
 * Values that are Inputs (server URL, node name, TLS SANs) resolve into the text.
 */
export function configYamlFor(args: K3sNodeArgs, plan: NodePlan): pulumi.Output<string> {
    return pulumi.all([args.serverUrl, args.nodeName, args.tlsSans ?? []])
        .apply(([serverUrl, nodeName, tlsSans]) => {
            const config: Record<string, K3sConfigValue> = { ...(args.config ?? {}) };
            if (plan.paths.dataDir !== DEFAULT_DATA_DIR) {
                config["data-dir"] = plan.paths.dataDir;
            }
            if (args.token !== undefined) {
                config["token-file"] = plan.paths.joinTokenFile;
            }
            if (serverUrl) {
                config["server"] = serverUrl;
            }
            if (args.clusterInit) {
                config["cluster-init"] = true;
            }
            if (nodeName) {
                config["node-name"] = nodeName;
            }
            if (tlsSans.length > 0) {
                config["tls-san"] = tlsSans;
            }
            Object.assign(config, cniConfig(plan), labelConfig(args));
            return renderConfigYaml(config);
        });
}

function cniConfig(plan: NodePlan): Record<string, K3sConfigValue> {
    if (plan.cniMode !== "custom") {
        return {};
    }
    // Network policy is flannel's companion; K3s's docs turn it off with a custom CNI. Both
    // are server settings: agents receive them from their server (and would skip them with a
    // warning).
    return plan.role === "server" ? { "flannel-backend": "none", "disable-network-policy": true }
        : {};
}

function labelConfig(args: K3sNodeArgs): Record<string, K3sConfigValue> {
    const labels = Object.entries(args.nodeLabels ?? {}).map(([k, v]) => `${k}=${v}`);
    const taints = (args.nodeTaints ?? []).map(formatTaint);
    return {
        ...(labels.length > 0 ? { "node-label": labels } : {}),
        ...(taints.length > 0 ? { "node-taint": taints } : {}),
    };
}
