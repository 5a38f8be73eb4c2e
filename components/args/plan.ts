import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

import { CniPlan, CniPlanError, planCni } from "../k3s/containerd";
import { configKeyProblem, K3sConfigValue } from "../k3s/config";
import { checkNodeLabels, checkNodeTaints } from "../k3s/labels";
import { checkAbsolutePath, DEFAULT_DATA_DIR, K3sPaths, k3sPaths } from "../k3s/paths";
import { isK3sChannel, K3sVersion, parseK3sVersion } from "../k3s/version";
import { CniDirOptions } from "../steps/prepare";
import { InstallSource, Role } from "../steps/service";
import { ProblemList } from "./errors";
import { K3sNodeArgs } from "./node";

/** The official install script. */
export const DEFAULT_INSTALL_SCRIPT_URL = "https://get.k3s.io";

const PLUGIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const NODE_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Everything a node's steps are built from, decided from plain args before any remote call. */
export interface NodePlan {
    readonly role: Role;
    readonly version?: K3sVersion;
    readonly channel?: string;
    readonly paths: K3sPaths;
    readonly cni: CniPlan;
    readonly cniMode: "flannel" | "custom";
    readonly cniDir: CniDirOptions;
    readonly flavour: "host" | "container";
    readonly sudo: boolean;
    readonly install: InstallSource;
    readonly airgapFiles?: { k3sBinary: string; installScript: string; images?: string };
    readonly readyTimeoutSeconds: number;
}

/**
 * Checks a node's args and computes its plan. Throws `K3sArgsError` listing every problem,
 * each naming the property and the fix; nothing is registered or sent before this passes.
 */
export function planNode(name: string, args: K3sNodeArgs): NodePlan {
    const problems = new ProblemList();
    const role = args?.role;
    if (role !== "server" && role !== "agent") {
        problems.add("role", `\`role\` must be "server" or "agent"; got \`${String(role)}\``);
    }
    const version = checkVersion(args, problems);
    checkJoin(args, problems);
    checkConnection(args, problems);
    checkNodeSettings(args, problems);
    const dataDir = args?.dataDir ?? DEFAULT_DATA_DIR;
    problems.add("dataDir", checkAbsolutePath("dataDir", dataDir));
    const paths = k3sPaths(dataDir);
    const cniDir = checkCniDir(args, paths, problems);
    const install = checkInstall(args, problems);
    const cni = checkCni(args, version, paths, problems);
    const readyTimeoutSeconds = args?.readyTimeoutSeconds ?? 300;
    if (!Number.isInteger(readyTimeoutSeconds) || readyTimeoutSeconds <= 0) {
        problems.add("readyTimeoutSeconds",
            `\`readyTimeoutSeconds\` must be a positive whole number; got ${readyTimeoutSeconds}`);
    }
    problems.throwIfAny(name);
    return {
        role, version, channel: args.channel, paths, install, readyTimeoutSeconds,
        cniDir: { ...cniDir, staleTemplates: cni!.template ? [] : cni!.staleTemplatePaths },
        cni: cni!,
        cniMode: args.cni?.mode ?? "flannel",
        flavour: args.flavour ?? "host",
        sudo: args.connection.sudo ?? false,
        airgapFiles: args.install?.airgap,
    };
}

function checkVersion(args: K3sNodeArgs, problems: ProblemList): K3sVersion | undefined {
    const { version, channel } = args ?? {};
    if (version !== undefined && channel !== undefined) {
        problems.add("version", "`version` and `channel` conflict; give one of them");
        return undefined;
    }
    if (version === undefined && channel === undefined) {
        problems.add("version", "give `version` (e.g. v1.31.7+k3s1) or `channel` (e.g. stable)");
        return undefined;
    }
    if (channel !== undefined && !isK3sChannel(String(channel))) {
        problems.add("channel", `\`channel\` must be stable, latest, testing or v1.NN; got ` +
            `\`${channel}\``);
    }
    if (version === undefined) {
        return undefined;
    }
    const parsed = parseK3sVersion(String(version));
    if (typeof parsed === "string") {
        problems.add("version", `\`version\`: ${parsed}`);
        return undefined;
    }
    return parsed;
}

function checkJoin(args: K3sNodeArgs, problems: ProblemList): void {
    const { role, serverUrl, clusterInit, token, tlsSans } = args ?? {};
    if (clusterInit && serverUrl !== undefined) {
        problems.add("clusterInit", "`clusterInit` starts a new cluster and conflicts with " +
            "`serverUrl`, which joins one; keep one of them");
    }
    if (clusterInit && role === "agent") {
        problems.add("clusterInit", "`clusterInit` is for the first server, not an agent");
    }
    if (role === "agent" && serverUrl === undefined) {
        problems.add("serverUrl", "an agent needs `serverUrl`, the server to join " +
            "(https://host:6443)");
    }
    if (serverUrl !== undefined && token === undefined) {
        problems.add("token", "joining `serverUrl` needs `token`, the cluster's token");
    }
    if (typeof token === "string" && token.trim() === "") {
        problems.add("token", "`token` is empty: give the cluster's token, or leave `token` out " +
            "on the first server to let K3s make one");
    }
    if (typeof serverUrl === "string" && !/^https:\/\/[^\s/]+(:\d+)?\/?$/.test(serverUrl)) {
        problems.add("serverUrl", `\`serverUrl\` must look like https://host:6443; got ` +
            `\`${serverUrl}\``);
    }
    if (tlsSans !== undefined && role === "agent") {
        problems.add("tlsSans", "`tlsSans` names the API server certificate; agents have none");
    }
}

function checkConnection(args: K3sNodeArgs, problems: ProblemList): void {
    const connection = args?.connection;
    if (!connection || connection.host === undefined || connection.privateKey === undefined) {
        problems.add("connection", "`connection` needs `host` and `privateKey`");
        return;
    }
    const { user, port, sudo } = connection;
    if (typeof user === "string" && user !== "root" && !sudo) {
        problems.add("connection.sudo", `\`connection.user\` is \`${user}\`, not root: set ` +
            "`connection.sudo: true` (passwordless sudo), or connect as root");
    }
    if (typeof port === "number" && !(Number.isInteger(port) && port > 0 && port < 65536)) {
        problems.add("connection.port", `\`connection.port\` must be 1-65535; got ${port}`);
    }
}

function checkNodeSettings(args: K3sNodeArgs, problems: ProblemList): void {
    problems.addAll("nodeLabels", checkNodeLabels("nodeLabels", args?.nodeLabels ?? {}));
    problems.addAll("nodeTaints", checkNodeTaints("nodeTaints", args?.nodeTaints ?? []));
    if (typeof args?.nodeName === "string" && !NODE_NAME.test(args.nodeName)) {
        problems.add("nodeName", `\`nodeName\` must be a lower-case DNS name; got ` +
            `\`${args.nodeName}\``);
    }
    for (const [key, value] of Object.entries(args?.config ?? {})) {
        problems.add(`config.${key}`, configKeyProblem(key) ?? configValueProblem(key, value));
    }
    const flavour = args?.flavour ?? "host";
    if (flavour !== "host" && flavour !== "container") {
        problems.add("flavour", `\`flavour\` must be "host" or "container"; got \`${flavour}\``);
    }
    if (flavour === "container" && args?.install !== undefined) {
        problems.add("install", "`install` does not apply to `flavour: \"container\"`: the " +
            "rancher/k3s image is K3s");
    }
}

function configValueProblem(key: string, value: K3sConfigValue): string | undefined {
    const scalar = (v: unknown) => ["string", "number", "boolean"].includes(typeof v);
    const ok = scalar(value) || (Array.isArray(value) && value.every((v) => typeof v === "string"));
    return ok ? undefined
        : `\`config["${key}"]\` must be a string, number, boolean or list of strings`;
}

function checkCniDir(args: K3sNodeArgs, paths: K3sPaths, problems: ProblemList): CniDirOptions {
    const cni = args?.cni ?? {};
    const migratePlugins = cni.migratePlugins ?? [];
    const migrateFrom = cni.migrateFrom ?? ["/opt/cni/bin", `${paths.dataDir}/data/current/bin`];
    migratePlugins.forEach((plugin, i) => {
        if (!PLUGIN_NAME.test(String(plugin))) {
            problems.add(`cni.migratePlugins[${i}]`, `\`cni.migratePlugins[${i}]\` must be a ` +
                `plugin file name (letters, digits, . _ -); got \`${plugin}\``);
        }
    });
    // The default list follows dataDir, whose own problem is reported once, under dataDir.
    (cni.migrateFrom ?? []).forEach((dir, i) =>
        problems.add(`cni.migrateFrom[${i}]`, checkAbsolutePath(`cni.migrateFrom[${i}]`, dir)));
    const migrateMode = cni.migrateMode ?? "copy";
    if (migrateMode !== "copy" && migrateMode !== "link") {
        problems.add("cni.migrateMode", `\`cni.migrateMode\` must be "copy" or "link"; got ` +
            `\`${migrateMode}\``);
    }
    return { paths, migratePlugins, migrateFrom, migrateMode };
}

function checkInstall(args: K3sNodeArgs, problems: ProblemList): InstallSource {
    const install = args?.install ?? {};
    if (install.scriptUrl !== undefined && install.airgap !== undefined) {
        problems.add("install", "`install.scriptUrl` and `install.airgap` conflict; give one");
    }
    if (install.airgap) {
        const files = install.airgap as unknown as Record<string, unknown>;
        for (const key of ["k3sBinary", "installScript", "images"]) {
            const file = files[key];
            if (file === undefined && key === "images") {
                continue;
            }
            if (typeof file !== "string" || !fs.existsSync(file)) {
                problems.add(`install.airgap.${key}`, `\`install.airgap.${key}\` must be a local ` +
                    `file; \`${String(file)}\` does not exist`);
            }
        }
        const { k3sBinary, installScript, images } = install.airgap;
        const present = [k3sBinary, installScript, images ?? k3sBinary]
            .every((f) => fs.existsSync(String(f)));
        return {
            kind: "airgap", hasImages: images !== undefined,
            sha256: present ? {
                binary: digest(k3sBinary),
                installScript: digest(installScript),
                images: images ? { file: path.basename(images), sha256: digest(images) }
                    : undefined,
            } : undefined,
        };
    }
    const url = install.scriptUrl ?? DEFAULT_INSTALL_SCRIPT_URL;
    if (!/^https?:\/\/\S+$/.test(url)) {
        problems.add("install.scriptUrl", `\`install.scriptUrl\` must be an http(s) URL; got ` +
            `\`${url}\``);
    }
    return { kind: "script", url };
}

/** Digests computed in this process, by path, with the file's stat at that time. */
const digests = new Map<string, { stamp: string; sha256: string }>();

/**
 * sha256 of a local file. Every node of a cluster names the same airgap files and is planned
 * twice (checked, then built), so a digest is kept until the file's stat changes rather than
 * reading a K3s binary of tens of MB again for each node.
 */
function digest(file: string): string {
    const stat = fs.statSync(file, { bigint: true });
    const stamp = [stat.dev, stat.ino, stat.size, stat.mtimeNs, stat.ctimeNs].join(":");
    const known = digests.get(file);
    if (known?.stamp === stamp) {
        return known.sha256;
    }
    const sha256 = crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
    digests.set(file, { stamp, sha256 });
    return sha256;
}

function checkCni(
    args: K3sNodeArgs, version: K3sVersion | undefined, paths: K3sPaths, problems: ProblemList,
): CniPlan | undefined {
    const cni = args?.cni ?? {};
    const mode = cni.mode ?? "flannel";
    if (mode !== "flannel" && mode !== "custom") {
        problems.add("cni.mode", `\`cni.mode\` must be "flannel" or "custom"; got \`${mode}\``);
        return undefined;
    }
    if (args?.version !== undefined && version === undefined) {
        // The version's own problem is reported; a plan from no version would add a second,
        // misleading one about channels.
        return undefined;
    }
    for (const key of ["binDir", "confDir"] as const) {
        if (cni[key] !== undefined) {
            problems.add(`cni.${key}`, checkAbsolutePath(`cni.${key}`, String(cni[key])));
        }
    }
    const forced = args?.containerdConfigVersion;
    if (forced !== undefined && forced !== 2 && forced !== 3) {
        problems.add("containerdConfigVersion", "`containerdConfigVersion` must be 2 or 3");
    }
    try {
        return planCni({
            version, cniMode: mode, paths, binDir: cni.binDir, confDir: cni.confDir,
            flavour: args?.flavour ?? "host", forceConfigVersion: forced,
        });
    } catch (err) {
        if (err instanceof CniPlanError) {
            problems.add(err.property, err.message);
            return undefined;
        }
        throw err;
    }
}
