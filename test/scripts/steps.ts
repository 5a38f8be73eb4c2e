/**
 * The step scripts as the node's login shell receives them, built from node args the way
 * K3sNode builds them.
 */
import { K3sNodeArgs } from "../../components/args/node";
import { planNode } from "../../components/args/plan";
import { configYamlFor } from "../../components/nodeConfig";
import { cniDirScript, configScript, templateScript } from "../../components/steps/prepare";
import { remoteCommand } from "../../components/steps/shell";
import { valueOf } from "../support/mocks";
import { serverArgs } from "../unit/fixtures";

export { serverArgs };

/** Wraps a script as K3sNode does for a root login. */
export function asRoot(script: string): string {
    return remoteCommand(script, { sudo: false, user: "root" });
}

export function cniDirCommand(over: Partial<K3sNodeArgs> = {}): string {
    return asRoot(cniDirScript(planNode("n1", serverArgs(over)).cniDir));
}

export function templateCommand(over: Partial<K3sNodeArgs> = {}): string {
    const plan = planNode("n1", serverArgs({ cni: { mode: "custom" }, ...over }));
    const template = plan.cni.template!;
    return asRoot(templateScript(template.path, template.content, plan.cni.staleTemplatePaths));
}

/** The config step; its token, if any, arrives on stdin. */
export async function configCommand(over: Partial<K3sNodeArgs> = {}): Promise<string> {
    const args = serverArgs(over);
    const plan = planNode("n1", args);
    const yaml = await valueOf(configYamlFor(args, plan));
    return asRoot(configScript({ paths: plan.paths, configYaml: yaml,
        tokenOnStdin: args.token !== undefined, server: plan.role === "server" }));
}
