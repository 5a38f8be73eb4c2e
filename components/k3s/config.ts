import * as YAML from "yaml";

/** A value K3s's config.yaml takes: flags are strings, booleans, numbers or repeated strings. */
export type K3sConfigValue = string | number | boolean | readonly string[];

/** The keys this library sets itself; pass-through keys may not set them again. */
export const MANAGED_CONFIG_KEYS: Readonly<Record<string, string>> = {
    "data-dir": "dataDir",
    "token": "token",
    "token-file": "token",
    "agent-token": "token",
    "server": "serverUrl",
    "cluster-init": "clusterInit",
    "flannel-backend": "cni.mode",
    "node-label": "nodeLabels",
    "node-taint": "nodeTaints",
    "node-name": "nodeName",
    "tls-san": "tlsSans",
};

const CONFIG_KEY = /^[a-z][a-z0-9-]*[a-z0-9]$/;

/** Returns why a pass-through config key cannot be used, or undefined. */
export function configKeyProblem(key: string): string | undefined {
    if (!CONFIG_KEY.test(key)) {
        return `\`config["${key}"]\` is not a K3s flag name (lower case, words joined by \`-\`)`;
    }
    const managed = MANAGED_CONFIG_KEYS[key];
    if (managed) {
        return `\`config["${key}"]\` is set by this component; use \`${managed}\` instead`;
    }
    return undefined;
}

/**
 * Renders `/etc/rancher/k3s/config.yaml`. Keys are sorted so the same settings always give the
 * same bytes, and a preview shows a change only when a setting changed.
 */
export function renderConfigYaml(config: Readonly<Record<string, K3sConfigValue>>): string {
    const sorted: Record<string, K3sConfigValue> = {};
    for (const key of Object.keys(config).sort()) {
        sorted[key] = config[key];
    }
    const header = "# Written by pulumi-k3s. Changes here are overwritten on the next update.\n";
    return header + YAML.stringify(sorted, { lineWidth: 0 });
}
