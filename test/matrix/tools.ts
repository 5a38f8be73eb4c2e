// The real programs the matrix runs: containerd (Debian's 1.6, and 2.0 and 2.1 built from
// source), the CRI check built against containerd 2.1, and the Go renderer of K3s templates.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

import * as TOML from "@iarna/toml";

import { ContainerdLine } from "../../components/k3s/containerd";

const repo = path.resolve(__dirname, "../..");

/** One binary from scripts/containerd-tools.sh. */
export interface Tool {
    readonly version: string;
    readonly path: string;
}

export interface MatrixTools {
    /** Debian's containerd (1.6 on bookworm), standing in for K3s's 1.7. */
    readonly debian: Tool;
    readonly containerd20: Tool;
    readonly containerd21: Tool;
    readonly cricheck: Tool;
    /** test/matrix/render, built for this run. */
    readonly render: string;
}

/** Provides every tool, building what is missing (slow only the first time on a machine). */
export function provideTools(scratch: string): MatrixTools {
    const listing = execFileSync("bash", [path.join(repo, "scripts/containerd-tools.sh")],
        { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    const tools = listing.trim().split("\n").map((line) => line.split(" "));
    const find = (name: string, version?: string): Tool => {
        const found = tools.find(([n, v]) => n === name && (!version || v.startsWith(version)));
        if (!found) {
            throw new Error(`containerd-tools.sh listed no ${name} ${version ?? ""}:\n${listing}`);
        }
        return { version: found[1], path: found[2] };
    };
    const render = path.join(scratch, "render");
    execFileSync("go", ["build", "-o", render, "."],
        { cwd: path.join(repo, "test/matrix/render"), stdio: "inherit" });
    return {
        debian: find("debian"),
        containerd20: find("containerd", "2.0."),
        containerd21: find("containerd", "2.1."),
        cricheck: find("cricheck"),
        render,
    };
}

/** What the Go renderer prints: K3s's choices for this node and the config it renders. */
export interface Rendered {
    readonly templateFile: string;
    readonly configVersion: 2 | 3;
    readonly containerdLine: "1.7" | "2.0" | "2.1";
    readonly cniBinDir: string;
    readonly cniConfDir: string;
    readonly config: string;
}

export interface RenderRequest {
    readonly version: string;
    readonly cniMode: "flannel" | "custom";
    readonly dataDir: string;
    readonly flavour: "host" | "container";
    /** A template file named as on the node, or none. */
    readonly templatePath?: string;
}

/** Renders as K3s would; throws text/template's own error when Go fails. */
export function render(tools: MatrixTools, request: RenderRequest): Rendered {
    const args = ["--version", request.version, "--cni", request.cniMode,
        "--data-dir", request.dataDir, "--flavour", request.flavour];
    if (request.templatePath) {
        args.push("--template", request.templatePath);
    }
    const run = spawnSync(tools.render, args, { encoding: "utf8" });
    if (run.status !== 0) {
        throw new Error(`render: ${run.stderr.trim()}`);
    }
    return JSON.parse(run.stdout) as Rendered;
}

/** The CNI dirs a containerd reports after loading a config, or why it refused it. */
export interface Loaded {
    /** e.g. `containerd 2.1.9`. */
    readonly containerd: string;
    readonly accepted: boolean;
    readonly error?: string;
    readonly binDirs: readonly string[];
    readonly confDir: string;
    /** Warnings containerd logged while loading, e.g. an ignored key. */
    readonly warnings: readonly string[];
}

/** The binary K3s's line maps to here: Debian's for 1.7, the same minor for 2.x. */
export function containerdFor(tools: MatrixTools, line: ContainerdLine | "2.1"): Tool {
    if (line === "1.7") {
        return tools.debian;
    }
    return line === "2.0" ? tools.containerd20 : tools.containerd21;
}

/**
 * Loads `configPath` into a real containerd with `config dump`, which parses, imports and
 * migrates it without serving. On 2.1 the dump goes on through the CRI runtime plugin's own
 * start-up (cricheck), where `bin_dir` is folded into `bin_dirs`.
 */
export function loadInContainerd(tools: MatrixTools, tool: Tool, configPath: string,
    scratch: string): Loaded {
    const name = `containerd ${tool.version}`;
    const dump = spawnSync(tool.path, ["--config", configPath, "config", "dump"],
        { encoding: "utf8" });
    const warnings = logWarnings(dump.stderr);
    if (dump.status !== 0) {
        return { containerd: name, accepted: false, error: lastLine(dump.stderr), binDirs: [],
            confDir: "", warnings };
    }
    if (tool !== tools.containerd21) {
        return { containerd: name, accepted: true, ...cniOfDump(dump.stdout), warnings };
    }
    const dumped = path.join(scratch, "dump.toml");
    fs.writeFileSync(dumped, dump.stdout);
    const check = spawnSync(tools.cricheck.path, [dumped, path.join(scratch, "cri")],
        { encoding: "utf8" });
    const allWarnings = [...warnings, ...logWarnings(check.stderr)];
    if (check.status !== 0) {
        return { containerd: name, accepted: false, error: lastLine(check.stderr), binDirs: [],
            confDir: "", warnings: allWarnings };
    }
    const cni = JSON.parse(check.stdout) as { binDirs: string[]; confDir: string };
    return { containerd: name, accepted: true, binDirs: cni.binDirs, confDir: cni.confDir,
        warnings: allWarnings };
}

/** The CNI table of a dumped config: `bin_dir` there is a single dir (1.6, 1.7 and 2.0). */
function cniOfDump(dumped: string): { binDirs: string[]; confDir: string } {
    const doc = TOML.parse(dumped) as { plugins: Record<string, { cni?: TOML.JsonMap }> };
    const cni = doc.plugins["io.containerd.cri.v1.runtime"]?.cni ??
        doc.plugins["io.containerd.grpc.v1.cri"]?.cni;
    if (!cni || typeof cni.bin_dir !== "string" || typeof cni.conf_dir !== "string") {
        throw new Error(`the dumped config has no CNI settings:\n${dumped}`);
    }
    return { binDirs: [cni.bin_dir], confDir: cni.conf_dir };
}

function logWarnings(stderr: string): string[] {
    return stderr.split("\n").filter((line) => line.includes("level=warning"))
        .map((line) => {
            const message = /msg="((?:[^"\\]|\\.)*)"/.exec(line)?.[1] ?? line;
            const key = /key="([^"]*)"/.exec(line)?.[1];
            return key ? `${message}: ${key}` : message;
        });
}

function lastLine(text: string): string {
    return text.trim().split("\n").pop() ?? "";
}
