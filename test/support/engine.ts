/**
 * Drives the real Pulumi engine from a test: an inline Automation API program on a file
 * backend, with the CLI and `command` plugin that scripts/pulumi-tools.sh provides.
 *
 * Inline programs need no Node language host (which cannot be built here): the CLI connects
 * back to this process with --client.
 *
 *     const stack = await engineStack({ dir: tmp, program: async () => { ... } });
 *     const up = await stack.up();
 *     await stack.destroy();
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

import { LocalWorkspace, PulumiCommand, PulumiFn, Stack } from "@pulumi/pulumi/automation";

const REPO = path.resolve(__dirname, "..", "..");
const TOOLS = path.join(REPO, "scripts", "pulumi-tools.sh");
const COMMAND_VERSION = "1.2.1";

/** Variables that pulumi-tools.sh exports and the engine or this helper reads. */
const TOOL_VARS = /^(PATH|PULUMI_[A-Z0-9_]+)$/;

export interface EngineStackOptions {
    /** Folder owned by the test: holds the backend (`backend/`) and workspace (`work/`). */
    dir: string;
    /** The inline program. */
    program: PulumiFn;
    /** Defaults to "test". */
    stackName?: string;
    /** Defaults to "pulumi-k3s-test". */
    projectName?: string;
    /**
     * Plugin cache and CLI state. Defaults to the PULUMI_HOME of pulumi-tools.sh, where the
     * command plugin is installed; another folder gets the plugin installed first.
     */
    pulumiHome?: string;
    /** Secrets passphrase of the stack. Defaults to PULUMI_CONFIG_PASSPHRASE or "test". */
    passphrase?: string;
    /** More variables for the CLI and the plugins it starts. */
    envVars?: Record<string, string>;
}

/**
 * Makes sure this process has the variables of pulumi-tools.sh (sourcing it once, which
 * builds what is missing) and returns them.
 */
export function toolsEnv(): NodeJS.ProcessEnv {
    if (!process.env.PULUMI_K3S_PULUMI_ROOT) {
        const out = execFileSync("bash", ["-c", `source "$1" >&2 && env -0`, "bash", TOOLS], {
            encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 24,
        });
        for (const entry of out.split("\0")) {
            const eq = entry.indexOf("=");
            const name = entry.slice(0, eq);
            if (eq > 0 && TOOL_VARS.test(name)) {
                process.env[name] = entry.slice(eq + 1);
            }
        }
        delete process.env.SSH_AUTH_SOCK;
    }
    return process.env;
}

/** Installs the command plugin chosen by pulumi-tools.sh into another PULUMI_HOME. */
function ensurePlugin(cli: PulumiCommand, pulumiHome: string): void {
    const binary = process.env.PULUMI_K3S_COMMAND_PROVIDER;
    const dir = path.join(pulumiHome, "plugins", `resource-command-v${COMMAND_VERSION}`);
    if (!binary || fs.existsSync(path.join(dir, "pulumi-resource-command"))) {
        return;
    }
    execFileSync(cli.command,
        ["plugin", "install", "resource", "command", COMMAND_VERSION, "--file", binary],
        { env: { ...process.env, PULUMI_HOME: pulumiHome }, stdio: "ignore" });
}

/** Creates or selects a stack of an inline program on a file backend under `opts.dir`. */
export async function engineStack(opts: EngineStackOptions): Promise<Stack> {
    const env = toolsEnv();
    const root = env.PULUMI_K3S_PULUMI_ROOT;
    const pulumiCommand = await PulumiCommand.get(root ? { root } : {});
    const pulumiHome = opts.pulumiHome ?? env.PULUMI_HOME ?? path.join(opts.dir, "home");
    const backend = path.join(opts.dir, "backend");
    const workDir = path.join(opts.dir, "work");
    for (const d of [pulumiHome, backend, workDir]) {
        fs.mkdirSync(d, { recursive: true });
    }
    ensurePlugin(pulumiCommand, pulumiHome);
    const projectName = opts.projectName ?? "pulumi-k3s-test";
    const url = `file://${backend}`;
    return LocalWorkspace.createOrSelectStack(
        { stackName: opts.stackName ?? "test", projectName, program: opts.program },
        {
            workDir, pulumiHome, pulumiCommand,
            projectSettings: { name: projectName, runtime: "nodejs", backend: { url } },
            envVars: {
                PULUMI_BACKEND_URL: url,
                PULUMI_CONFIG_PASSPHRASE: opts.passphrase ?? env.PULUMI_CONFIG_PASSPHRASE ?? "test",
                PULUMI_SKIP_UPDATE_CHECK: "true",
                PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
                PULUMI_DISABLE_REGISTRY_RESOLVE: "true",
                ...opts.envVars,
            },
        },
    );
}
