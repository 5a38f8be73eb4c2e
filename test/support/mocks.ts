/**
 * Pulumi mocks that record every registered resource, for unit tests of the components.
 * `remote.Command` outputs are filled with what a node would print for the read-back steps.
 */
import * as pulumi from "@pulumi/pulumi";

/** One registered resource as the mock monitor saw it. */
export interface Registered {
    type: string;
    name: string;
    inputs: Record<string, any>;
}

/** What the mocked node prints per step, by the step suffix of the resource name. */
export type StepOutputs = Record<string, string>;

const DEFAULT_OUTPUTS: StepOutputs = {
    verify: 'version = 3\n[plugins."io.containerd.cri.v1.runtime".cni]\n' +
        'bin_dir = "/var/lib/rancher/k3s/data/cni"\n' +
        'conf_dir = "/var/lib/rancher/k3s/agent/etc/cni/net.d"\n',
    install: "installed: k3s version v1.31.7+k3s1 (mock)",
    credentials: "K10abc::server:secret\n---pulumi-k3s-kubeconfig---\n" +
        "apiVersion: v1\nclusters:\n- cluster:\n    server: https://127.0.0.1:6443\n" +
        "  name: default\n",
};

/** Installs recording mocks; returns the list the registrations go into. */
export async function recordResources(outputs: StepOutputs = {}): Promise<Registered[]> {
    const registered: Registered[] = [];
    const printed = { ...DEFAULT_OUTPUTS, ...outputs };
    await pulumi.runtime.setMocks({
        newResource(args: pulumi.runtime.MockResourceArgs) {
            registered.push({ type: args.type, name: args.name, inputs: args.inputs });
            const step = args.name.split("-").pop() ?? "";
            const state = args.type === "command:remote:Command"
                ? { ...args.inputs, stdout: printed[step] ?? "", stderr: "" }
                : args.inputs;
            return { id: `${args.name}-id`, state };
        },
        call(args: pulumi.runtime.MockCallArgs) {
            return args.inputs;
        },
    }, "pulumi-k3s", "unit", false);
    return registered;
}

/** Resolves an Output in a mocked (non-preview) run. */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((value) => { resolve(value); return value; }));
}

/** Waits until the mock monitor has seen every registration started so far. */
export async function settle(): Promise<void> {
    for (let i = 0; i < 5; i++) {
        await new Promise((resolve) => setImmediate(resolve));
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
}
