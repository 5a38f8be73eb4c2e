import * as crypto from "crypto";

import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

import { SshConnectionArgs } from "./args/connection";
import { K3sNodeArgs } from "./args/node";
import { NodePlan, planNode } from "./args/plan";
import { effectiveCniDirs, EffectiveCniDirs } from "./k3s/containerd";
import { configYamlFor } from "./nodeConfig";
import { cniDirScript, configScript, preflightScript, removeTemplateScript,
    templateScript } from "./steps/prepare";
import { AIRGAP_FILES, CREDENTIALS_SEPARATOR, installScript, readContainerdConfigScript,
    readCredentialsScript, restartScript, uninstallScript } from "./steps/service";
import { remoteCommand } from "./steps/shell";

type Connection = command.types.input.remote.ConnectionArgs;

/**
 * One K3s node (server or agent) on a Linux machine reachable over SSH. Each step is a child
 * `command:remote:Command`, so a preview names the step and the node that will change:
 * preflight, CNI data dir, containerd template, config and token, install, restart and wait,
 * verify (read back the CNI bin dir containerd uses) and, for servers, credentials.
 */
export class K3sNode extends pulumi.ComponentResource {
    /** The plan computed from the args: K3s release, template, expected CNI dirs. */
    public readonly plan: NodePlan;
    /** The CNI bin dir containerd looks in first, read back from the generated config.toml. */
    public readonly cniBinDir: pulumi.Output<string>;
    /** Every CNI bin dir containerd searches, in order. */
    public readonly cniBinDirs: pulumi.Output<string[]>;
    /** The CNI conf dir containerd reads, read back. For Cilium `cni.confPath` and the like. */
    public readonly cniConfDir: pulumi.Output<string>;
    /** The containerd config schema of the generated config: 2 or 3. */
    public readonly containerdConfigVersion: pulumi.Output<number>;
    /** The template this node writes, or undefined when K3s's own config is kept. */
    public readonly templatePath: pulumi.Output<string | undefined>;
    /** The K3s version the node runs, as `k3s --version` reports it. */
    public readonly k3sVersion: pulumi.Output<string>;
    /** Servers: the cluster token K3s wrote (secret). Undefined for agents. */
    public readonly token: pulumi.Output<string | undefined>;
    /** Servers: the admin kubeconfig, server address as K3s wrote it (secret). */
    public readonly kubeconfig: pulumi.Output<string | undefined>;
    /**
     * The step after which K3s on this node is up: restart and wait (the read-back with
     * `flavour: "container"`). Give it to a joining node's `startAfter`.
     */
    public readonly ready: pulumi.Resource;

    constructor(name: string, args: K3sNodeArgs, opts?: pulumi.ComponentResourceOptions) {
        const plan = planNode(name, args);
        super("k3s:index:K3sNode", name, {}, opts);
        this.plan = plan;
        const steps = new NodeSteps(this, name, args, plan);
        const cni = steps.verify.stdout.apply((out) => readBack(name, plan, out));
        this.cniBinDir = cni.apply((c) => c.binDirs[0]);
        this.cniBinDirs = cni.apply((c) => [...c.binDirs]);
        this.cniConfDir = cni.apply((c) => c.confDir);
        this.containerdConfigVersion = cni.apply((c) => c.configVersion);
        this.templatePath = pulumi.output(plan.cni.template?.path);
        this.k3sVersion = steps.installedVersion;
        this.ready = steps.ready;
        this.token = steps.credentials ? pulumi.secret(steps.credentials.apply((c) => c.token))
            : pulumi.output(undefined);
        this.kubeconfig = steps.credentials
            ? pulumi.secret(steps.credentials.apply((c) => c.kubeconfig))
            : pulumi.output(undefined);
        pulumi.log.info(`${name}: ${plan.role}; ${plan.cni.reason}`, this);
        this.registerOutputs({
            cniBinDir: this.cniBinDir, cniBinDirs: this.cniBinDirs, cniConfDir: this.cniConfDir,
            containerdConfigVersion: this.containerdConfigVersion,
            templatePath: this.templatePath, k3sVersion: this.k3sVersion,
            token: this.token, kubeconfig: this.kubeconfig,
        });
    }
}

/** Builds the child resources of one node, in dependency order. */
class NodeSteps {
    readonly verify: command.remote.Command;
    readonly ready: command.remote.Command;
    readonly installedVersion: pulumi.Output<string>;
    readonly credentials?: pulumi.Output<{ token: string; kubeconfig: string }>;
    private readonly connection: pulumi.Output<Connection>;
    private readonly loginUser: string;
    private last: pulumi.Resource[] = [];

    constructor(
        private readonly parent: pulumi.Resource, private readonly name: string,
        args: K3sNodeArgs, private readonly plan: NodePlan,
    ) {
        this.connection = toCommandConnection(args.connection);
        this.loginUser = typeof args.connection.user === "string" ? args.connection.user
            : "the login user";
        this.step("preflight", { create: preflightScript() });
        // An upgrade may move the CNI bin dir from the per-release dir to data/cni: migrated
        // plugins are brought in again, from data/current/bin, before the new release runs.
        const release = plan.version?.raw ?? plan.channel;
        this.step("cni-dir", { create: cniDirScript(plan.cniDir),
            triggers: plan.cniDir.migratePlugins.length > 0 ? [release] : [] });
        const template = plan.cni.template;
        if (template) {
            this.step("containerd-template", {
                create: templateScript(template.path, template.content,
                    plan.cni.staleTemplatePaths),
                delete: removeTemplateScript(template.path),
            });
        }
        const startAfter = args.startAfter ?? [];
        if (plan.flavour === "container") {
            this.verify = this.step("verify", {
                create: readContainerdConfigScript(plan.paths, plan.readyTimeoutSeconds),
                logging: "stderr",
                after: startAfter,
            });
            this.ready = this.verify;
            this.installedVersion = pulumi.output(plan.version?.raw ?? "unknown");
            return;
        }
        const configYaml = configYamlFor(args, plan);
        const token = args.token !== undefined ? pulumi.secret(args.token) : undefined;
        this.step("config", {
            create: configYaml.apply((text) => configScript({
                paths: plan.paths, configYaml: text, tokenOnStdin: token !== undefined,
                server: plan.role === "server",
            })),
            stdin: token,
        });
        this.copyAirgapFiles();
        const install = this.step("install", {
            create: installScript({
                role: plan.role, paths: plan.paths, version: plan.version?.raw,
                channel: plan.channel, source: plan.install,
            }),
            delete: uninstallScript(plan.role, plan.paths),
        });
        this.installedVersion = install.stdout.apply(parseInstalledVersion);
        // Whatever K3s must restart for is in the triggers, which replace the step. An update
        // means the connection or the wait changed, or an earlier run failed: K3s is left
        // running unless it is down or its files changed since this step last started it.
        const restart = this.step("restart", {
            create: restartScript(plan.role, plan.readyTimeoutSeconds, { paths: plan.paths }),
            update: restartScript(plan.role, plan.readyTimeoutSeconds,
                { paths: plan.paths, unlessCurrent: true }),
            triggers: [configYaml.apply(sha256), sha256(template?.content ?? ""),
                install.create.apply((text) => sha256(text ?? "")), token ?? null],
            after: startAfter,
        });
        this.ready = restart;
        this.verify = this.step("verify", {
            create: readContainerdConfigScript(plan.paths, plan.readyTimeoutSeconds),
            logging: "stderr",
            triggers: [restart.id],
        });
        if (plan.role === "server") {
            const read = this.step("credentials", {
                create: readCredentialsScript(plan.paths),
                logging: "none",
                triggers: [restart.id],
                secretOutputs: true,
            });
            this.credentials = read.stdout.apply(parseCredentials);
        }
    }

    /** Registers one step after the previous ones; role and data dir changes replace it. */
    private step(step: string, spec: StepSpec): command.remote.Command {
        const sudo = { sudo: this.plan.sudo, user: this.loginUser };
        const resource = new command.remote.Command(`${this.name}-${step}`, {
            connection: this.connection,
            create: pulumi.output(spec.create).apply((body) => remoteCommand(body, sudo)),
            update: spec.update ? remoteCommand(spec.update, sudo) : undefined,
            delete: spec.delete ? remoteCommand(spec.delete, sudo) : undefined,
            stdin: spec.stdin,
            logging: spec.logging ?? "stdoutAndStderr",
            addPreviousOutputInEnv: false,
            triggers: [this.plan.role, this.plan.paths.dataDir, ...(spec.triggers ?? [])],
        }, {
            parent: this.parent,
            dependsOn: [...this.last, ...(spec.after ?? [])],
            deleteBeforeReplace: true,
            additionalSecretOutputs: spec.secretOutputs ? ["stdout", "stderr"] : undefined,
        });
        this.last = [resource];
        return resource;
    }

    private copyAirgapFiles(): void {
        const files = this.plan.airgapFiles;
        if (!files) {
            return;
        }
        const copies: [string, string, string | undefined][] = [
            ["airgap-binary", AIRGAP_FILES.binary, files.k3sBinary],
            ["airgap-install-script", AIRGAP_FILES.installScript, files.installScript],
            ["airgap-images", `${AIRGAP_FILES.images}/${basename(files.images)}`, files.images],
        ];
        const after = this.last;
        const wanted = copies.filter(([, , local]) => local !== undefined);
        this.last = wanted.map(([step, remote, local]) =>
            new command.remote.CopyToRemote(`${this.name}-${step}`, {
                connection: this.connection,
                source: new pulumi.asset.FileAsset(local!),
                remotePath: remote,
            }, { parent: this.parent, dependsOn: after }));
    }
}

interface StepSpec {
    create: pulumi.Input<string>;
    /** Run on an in-place update instead of `create`. */
    update?: string;
    delete?: string;
    stdin?: pulumi.Input<string>;
    logging?: "stdout" | "stderr" | "stdoutAndStderr" | "none";
    triggers?: pulumi.Input<unknown>[];
    secretOutputs?: boolean;
    /** Resources to wait for besides the previous step. */
    after?: pulumi.Resource[];
}

/** Maps the connection args to @pulumi/command's, with the key kept secret. */
export function toCommandConnection(c: SshConnectionArgs): pulumi.Output<Connection> {
    return pulumi.output({
        host: c.host,
        port: c.port ?? 22,
        user: c.user ?? "root",
        privateKey: pulumi.secret(c.privateKey),
        privateKeyPassword: c.privateKeyPassword ? pulumi.secret(c.privateKeyPassword) : undefined,
        hostKey: c.hostKey,
        proxy: c.proxy ? pulumi.output(c.proxy).apply((p) => ({
            host: p.host, port: p.port ?? 22, user: p.user ?? "root",
            privateKey: p.privateKey, hostKey: p.hostKey,
        })) : undefined,
        dialErrorLimit: c.dialErrorLimit,
        perDialTimeout: c.perDialTimeout,
    }) as pulumi.Output<Connection>;
}

function readBack(name: string, plan: NodePlan, configToml: string): EffectiveCniDirs {
    let cni: EffectiveCniDirs;
    try {
        cni = effectiveCniDirs(configToml, plan.cni.containerdLine);
    } catch (err) {
        throw new Error(`${name}: the containerd config K3s generated at ` +
            `${plan.paths.containerdConfig} could not be read: ${(err as Error).message}`);
    }
    if (plan.cni.template && plan.cni.binDir && cni.binDirs[0] !== plan.cni.binDir) {
        throw new Error(`${name}: containerd uses the CNI bin dir ${cni.binDirs[0]}, not ` +
            `${plan.cni.binDir} as written to ${plan.cni.template.path}; K3s did not apply ` +
            "the template (check that the release reads this template file)");
    }
    return cni;
}

function parseInstalledVersion(stdout: string): string {
    const match = /k3s version (v\S+)/.exec(stdout);
    return match ? match[1] : "unknown";
}

function parseCredentials(stdout: string): { token: string; kubeconfig: string } {
    const at = stdout.indexOf(`\n${CREDENTIALS_SEPARATOR}\n`);
    if (at < 0) {
        throw new Error("the credentials step printed no separator; the server token or " +
            "kubeconfig is missing");
    }
    return {
        token: stdout.slice(0, at).trim(),
        kubeconfig: stdout.slice(at + CREDENTIALS_SEPARATOR.length + 2),
    };
}

function sha256(text: string): string {
    return crypto.createHash("sha256").update(text).digest("hex");
}

function basename(file: string | undefined): string {
    return (file ?? "").split("/").pop() ?? "";
}
