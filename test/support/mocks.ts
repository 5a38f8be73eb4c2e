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
    /** The resource's URN, as the mock monitor made it. */
    urn: string;
    /** The parent's URN; undefined for a resource parented to the stack. */
    parent?: string;
    /** URNs of every resource this one waits for (dependsOn and inputs). */
    dependencies: string[];
    /** Output names the engine is told to keep secret. */
    additionalSecretOutputs: string[];
    deleteBeforeReplace: boolean;
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

/** The options of a registration that `MockResourceArgs` does not carry, by URN-less key. */
interface RequestOptions {
    parent?: string;
    dependencies: string[];
    additionalSecretOutputs: string[];
    deleteBeforeReplace: boolean;
}

/**
 * Installs recording mocks; returns the list the registrations go into. The mock monitor does
 * not pass parent, dependencies or secret options to `newResource`, so its `registerResource`
 * is wrapped to read them from the request.
 */
export async function recordResources(outputs: StepOutputs = {}): Promise<Registered[]> {
    const registered: Registered[] = [];
    const printed = { ...DEFAULT_OUTPUTS, ...outputs };
    const pending = new Map<string, RequestOptions>();
    await pulumi.runtime.setMocks({
        newResource(args: pulumi.runtime.MockResourceArgs) {
            const key = `${args.type}::${args.name}`;
            const options = pending.get(key) ?? {
                dependencies: [], additionalSecretOutputs: [], deleteBeforeReplace: false,
            };
            registered.push({
                type: args.type, name: args.name, inputs: args.inputs, urn: "", ...options,
            });
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
    wrapRegistrations(registered, pending);
    return registered;
}

function wrapRegistrations(registered: Registered[], pending: Map<string, RequestOptions>): void {
    const monitor = pulumi.runtime.getMonitor() as any;
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: (err: any, res: any) => void) => {
        pending.set(`${req.getType()}::${req.getName()}`, {
            parent: req.getParent() || undefined,
            dependencies: req.getDependenciesList(),
            additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
            deleteBeforeReplace: req.getDeletebeforereplace(),
        });
        return original(req, (err: any, res: any) => {
            const entry = registered.find((r) => r.type === req.getType() &&
                r.name === req.getName() && r.urn === "");
            if (entry && res) {
                entry.urn = res.getUrn();
            }
            callback(err, res);
        });
    };
}

/** True when a recorded input value is a secret. */
export function isSecret(value: unknown): boolean {
    return typeof value === "object" && value !== null &&
        (value as Record<string, unknown>)[pulumi.runtime.specialSigKey] ===
        pulumi.runtime.specialSecretSig;
}

/** A recorded input value with any secret wrapper removed. */
export function plain(value: any): any {
    return isSecret(value) ? plain(value.value) : value;
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
