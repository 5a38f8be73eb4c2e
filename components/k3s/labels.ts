/**
 * Node label and taint syntax as Kubernetes (and so K3s's `node-label` / `node-taint`) accept
 * it. Checked before any remote call: K3s itself only fails at start, on the node.
 */

const NAME = /^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

const KEY_SYNTAX = "a key is an optional DNS subdomain prefix and `/`, then a name of at most " +
    "63 characters: letters, digits, `-`, `_`, `.`, starting and ending with a letter or digit";
const VALUE_SYNTAX = "a value is empty or at most 63 characters: letters, digits, `-`, `_`, " +
    "`.`, starting and ending with a letter or digit";

/** Returns why `key` is not a valid label or taint key, or undefined. */
export function labelKeyProblem(key: string): string | undefined {
    const slash = key.lastIndexOf("/");
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    if (prefix !== undefined && !isDnsSubdomain(prefix)) {
        return `the prefix \`${prefix}\` is not a DNS subdomain`;
    }
    if (!NAME.test(name)) {
        return KEY_SYNTAX;
    }
    return undefined;
}

/** Returns why `value` is not a valid label value, or undefined. */
export function labelValueProblem(value: string): string | undefined {
    return value === "" || NAME.test(value) ? undefined : VALUE_SYNTAX;
}

/** Labels in the kubernetes.io and k8s.io namespaces that a kubelet may set on its node. */
const KUBELET_LABELS = new Set([
    "beta.kubernetes.io/arch", "beta.kubernetes.io/instance-type", "beta.kubernetes.io/os",
    "failure-domain.beta.kubernetes.io/region", "failure-domain.beta.kubernetes.io/zone",
    "kubernetes.io/arch", "kubernetes.io/hostname", "kubernetes.io/os",
    "node.kubernetes.io/instance-type", "topology.kubernetes.io/region",
    "topology.kubernetes.io/zone",
]);

/**
 * Returns why the kubelet refuses to set the label `key` on its own node, or undefined. The
 * kubelet (so K3s, which passes `node-label` to it) fails at start on such a label.
 */
export function kubeletLabelProblem(key: string): string | undefined {
    const slash = key.lastIndexOf("/");
    const prefix = slash >= 0 ? key.slice(0, slash) : "";
    const within = (ns: string) => prefix === ns || prefix.endsWith(`.${ns}`);
    if (!within("kubernetes.io") && !within("k8s.io")) {
        return undefined;
    }
    if (KUBELET_LABELS.has(key) || within("kubelet.kubernetes.io") ||
        within("node.kubernetes.io")) {
        return undefined;
    }
    return "the kubelet sets no label of the kubernetes.io and k8s.io namespaces on its own " +
        "node but those under kubelet.kubernetes.io/, node.kubernetes.io/ and a few " +
        "well-known keys (kubernetes.io/os...), and K3s then fails to start; set it " +
        "through the Kubernetes API once the node has joined";
}

function isDnsSubdomain(text: string): boolean {
    return text.length <= 253 && text.split(".").every((part) => DNS_LABEL.test(part));
}

/**
 * Checks node labels given as a map; returns one message per bad entry, each naming
 * `property` and the label.
 */
export function checkNodeLabels(property: string, labels: Record<string, string>): string[] {
    const problems: string[] = [];
    for (const [key, value] of Object.entries(labels)) {
        const problem = labelKeyProblem(key) ?? labelValueProblem(String(value)) ??
            kubeletLabelProblem(key);
        if (problem) {
            problems.push(`\`${property}\` has the label \`${key}=${value}\` that K3s refuses: ` +
                `${problem}`);
        }
    }
    return problems;
}

/** A taint in K3s's `node-taint` form, `key[=value]:Effect`. */
export interface Taint {
    readonly key: string;
    readonly value?: string;
    readonly effect: string;
}

/** Renders a taint as K3s's `node-taint` flag takes it. */
export function formatTaint(taint: Taint): string {
    const value = taint.value ? `=${taint.value}` : "";
    return `${taint.key}${value}:${taint.effect}`;
}

/** Checks taints; returns one message per bad taint, naming `property` and the taint. */
export function checkNodeTaints(property: string, taints: readonly Taint[]): string[] {
    const problems: string[] = [];
    taints.forEach((taint, index) => {
        const problem = labelKeyProblem(taint.key) ?? labelValueProblem(taint.value ?? "") ??
            (TAINT_EFFECTS.includes(taint.effect) ? undefined
                : `the effect must be one of ${TAINT_EFFECTS.join(", ")}`);
        if (problem) {
            problems.push(`\`${property}[${index}]\` (\`${formatTaint(taint)}\`) is not a taint ` +
                `K3s accepts: ${problem}`);
        }
    });
    return problems;
}
