/**
 * The Pulumi CLI of a test stack, for the commands the Automation API does not offer (such as
 * `pulumi state delete`), run the way a user would in the stack's workspace.
 */
import { execFile } from "child_process";
import { promisify } from "util";

import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";

const run = promisify(execFile);

/** Runs `pulumi <args> --stack <stack>`; resolves with its output, rejects when it fails. */
export async function pulumiCli(stack: Stack, args: string[]): Promise<string> {
    const workspace = stack.workspace as LocalWorkspace;
    const { stdout, stderr } = await run(workspace.pulumiCommand.command,
        [...args, "--stack", stack.name, "--non-interactive"], {
            cwd: workspace.workDir,
            env: { ...process.env, ...workspace.envVars, PULUMI_HOME: workspace.pulumiHome },
            timeout: 120_000,
        });
    return stdout + stderr;
}

/** The URNs in the stack's state, by resource name (the last part of the URN). */
export async function urnsByName(stack: Stack): Promise<Map<string, string>> {
    const resources: { urn: string }[] = (await stack.exportStack()).deployment.resources ?? [];
    return new Map(resources.map((r) => [r.urn.slice(r.urn.lastIndexOf("::") + 2), r.urn]));
}
