import * as TOML from "@iarna/toml";

import { CONTAINERD_DEFAULT_CNI_BIN_DIR, CONTAINERD_DEFAULT_CNI_CONF_DIR, IMAGE_CNI_BIN_DIR,
    K3sPaths } from "./paths";
import { BASE_TEMPLATE, CONTAINERD_2, CONTAINERD_2_1, IMAGE_DATA_CNI, K3sVersion,
    STATIC_CNI_DIR, carries } from "./version";

/** `flannel`: K3s's embedded flannel. `custom`: `flannel-backend: none`, a CNI of your own. */
export type CniMode = "flannel" | "custom";

/** `host`: K3s installed on the machine. `container`: K3s from the `rancher/k3s` image. */
export type Flavour = "host" | "container";

/** The containerd line a K3s release embeds. */
export type ContainerdLine = "1.7" | "2.0" | "2.1+";

/** The CNI table of each containerd config schema version. */
export const CNI_TABLE: Readonly<Record<2 | 3, readonly string[]>> = {
    2: ["plugins", "io.containerd.grpc.v1.cri", "cni"],
    3: ["plugins", "io.containerd.cri.v1.runtime", "cni"],
};

/** The line that makes a user template include K3s's stock config. */
export const BASE_INCLUDE = '{{ template "base" . }}';

/** Marks the files this library writes, so it only ever removes its own. */
export const TEMPLATE_MARKER = "# Written by pulumi-k3s: the containerd CNI section.";

/** What the CNI plan is computed from. */
export interface CniPlanInput {
    /** The exact K3s release; undefined when installing from a channel. */
    readonly version: K3sVersion | undefined;
    readonly cniMode: CniMode;
    readonly paths: K3sPaths;
    /** A bin dir asked for instead of the default. */
    readonly binDir?: string;
    /** A conf dir asked for instead of the default. */
    readonly confDir?: string;
    readonly flavour: Flavour;
    /** Force the template schema: 2 (`config.toml.tmpl`) or 3 (`config-v3.toml.tmpl`). */
    readonly forceConfigVersion?: 2 | 3;
}

/** Which containerd template K3s gets, and which CNI dirs containerd will use. */
export interface CniPlan {
    /** containerd config schema K3s renders: 2 (containerd 1.7 lines) or 3 (2.x lines). */
    readonly configVersion: 2 | 3 | undefined;
    readonly containerdLine: ContainerdLine | undefined;
    /** The CNI table's path, e.g. `plugins.'io.containerd.cri.v1.runtime'.cni`. */
    readonly table: string | undefined;
    /** `bin_dir` up to containerd 2.0, `bin_dirs` (a list) from 2.1. */
    readonly binDirKey: "bin_dir" | "bin_dirs" | undefined;
    /** The template to write, or undefined when K3s's own default is right. */
    readonly template?: { readonly path: string; readonly content: string };
    /** Templates of the other schema that this library may have written before. */
    readonly staleTemplatePaths: readonly string[];
    /** The bin dir containerd is expected to use; undefined when K3s picks a per-release one. */
    readonly binDir: string | undefined;
    /** The conf dir containerd is expected to use. */
    readonly confDir: string;
    /** One line for logs and docs: why this plan. */
    readonly reason: string;
}

/** Thrown when the asked-for CNI settings cannot be expressed for this release. */
export class CniPlanError extends Error {
    constructor(readonly property: string, message: string) {
        super(message);
        this.name = "CniPlanError";
    }
}

/** The containerd line a release embeds. */
export function containerdLine(version: K3sVersion): ContainerdLine {
    if (carries(version, CONTAINERD_2_1)) {
        return "2.1+";
    }
    return carries(version, CONTAINERD_2) ? "2.0" : "1.7";
}

/** Formats a table path the way K3s's own templates write it. */
export function formatTable(configVersion: 2 | 3): string {
    const [plugins, plugin, cni] = CNI_TABLE[configVersion];
    return configVersion === 3 ? `${plugins}.'${plugin}'.${cni}` : `${plugins}."${plugin}".${cni}`;
}

/**
 * Decides the containerd CNI section for one node: a pure function of the K3s release, the CNI
 * mode, the overrides and the flavour. It throws `CniPlanError` naming the property when the
 * asked-for settings cannot be written without breaking containerd.
 */
export function planCni(input: CniPlanInput): CniPlan {
    return input.cniMode === "custom" ? planCustomCni(input) : planFlannel(input);
}

function planFlannel(input: CniPlanInput): CniPlan {
    const { version, paths } = input;
    rejectFlannelOverride(input, "binDir", input.binDir, paths.cniBinDir);
    rejectFlannelOverride(input, "confDir", input.confDir, paths.cniConfDir);
    const schema = version ? schemaOf(version, input.forceConfigVersion) : undefined;
    const binDir = flannelBinDir(input);
    const where = version ? version.raw : "a channel release";
    return {
        configVersion: schema?.configVersion,
        containerdLine: version ? containerdLine(version) : undefined,
        table: schema?.table,
        binDirKey: schema?.binDirKey,
        staleTemplatePaths: [paths.templateV2, paths.templateV3],
        binDir,
        confDir: paths.cniConfDir,
        reason: `flannel on ${where}: K3s's base template already renders the CNI table, ` +
            "so nothing is written",
    };
}

function flannelBinDir(input: CniPlanInput): string | undefined {
    const { version, paths } = input;
    if (!version) {
        return undefined;
    }
    if (input.flavour === "container") {
        // From the Mar 2025 releases the image finds host-local in data/cni only when the data
        // volume holds the links it seeds; an empty bind mount falls back to /bin. Only the
        // generated config can tell, so the plan leaves it to the read-back.
        return carries(version, IMAGE_DATA_CNI) ? undefined : IMAGE_CNI_BIN_DIR;
    }
    // Before the Oct 2024 releases K3s wrote the per-release data/<sha256>/bin path.
    return carries(version, STATIC_CNI_DIR) ? paths.cniBinDir : undefined;
}

function rejectFlannelOverride(
    input: CniPlanInput, key: "binDir" | "confDir", value: string | undefined, flannelDir: string,
): void {
    if (value === undefined || value === flannelDir) {
        return;
    }
    throw new CniPlanError(`cni.${key}`,
        `\`cni.${key}\` cannot be \`${value}\` while flannel is on: K3s's base template ` +
        "already renders the CNI table, and a second one after it is a duplicated table that " +
        "containerd refuses. Set `cni.mode` to \"custom\" (flannel-backend: none) to choose " +
        `the dirs, or keep flannel and put plugins in ${input.paths.cniBinDir} ` +
        "(see `cni.migratePlugins`).");
}

function planCustomCni(input: CniPlanInput): CniPlan {
    const { version, paths } = input;
    if (!version) {
        throw new CniPlanError("version",
            "`version` must be an exact K3s release (e.g. v1.31.7+k3s1) when `cni.mode` is " +
            "\"custom\": the containerd template to write depends on it, and a channel does not " +
            "say which release it installs");
    }
    if (!carries(version, BASE_TEMPLATE)) {
        throw new CniPlanError("version",
            `\`version\` ${version.raw} predates K3s's base template (Sep 2023 releases, e.g. ` +
            "v1.27.5, v1.28.1), which custom CNI needs; use a later release");
    }
    const schema = schemaOf(version, input.forceConfigVersion);
    const binDir = input.binDir ?? paths.cniBinDir;
    const confDir = input.confDir ?? paths.cniConfDir;
    const templatePath = schema.configVersion === 3 ? paths.templateV3 : paths.templateV2;
    const content =
        renderCustomCniTemplate(schema.configVersion, schema.binDirKey, binDir, confDir);
    return {
        ...schema,
        containerdLine: containerdLine(version),
        template: { path: templatePath, content },
        staleTemplatePaths: [paths.templateV2, paths.templateV3].filter((p) => p !== templatePath),
        binDir,
        confDir,
        reason: `custom CNI on ${version.raw}: base renders no CNI table, so ${schema.table} ` +
            `is appended to it in ${templatePath.split("/").pop()}`,
    };
}

interface Schema {
    readonly configVersion: 2 | 3;
    readonly table: string;
    readonly binDirKey: "bin_dir" | "bin_dirs";
}

function schemaOf(version: K3sVersion, forced: 2 | 3 | undefined): Schema {
    const native = carries(version, CONTAINERD_2) ? 3 : 2;
    if (forced === 3 && native === 2) {
        throw new CniPlanError("containerdConfigVersion",
            `\`containerdConfigVersion\` 3 needs containerd 2 (the Feb 2025 releases, v1.31.6, ` +
            `v1.32.2 and later); ${version.raw} embeds containerd 1.7 and reads only ` +
            "config.toml.tmpl. Leave it unset or set 2");
    }
    const configVersion = forced ?? native;
    // The version 2 schema has only bin_dir; containerd 2.1 migrates it to bin_dirs itself.
    const binDirKey = configVersion === 3 && carries(version, CONTAINERD_2_1) ? "bin_dirs"
        : "bin_dir";
    return { configVersion, table: formatTable(configVersion), binDirKey };
}

/**
 * The template for custom CNI: K3s's base config, then the CNI table alone. Base renders no CNI
 * table when flannel is off, so this adds no duplicate.
 */
export function renderCustomCniTemplate(
    configVersion: 2 | 3, binDirKey: "bin_dir" | "bin_dirs", binDir: string, confDir: string,
): string {
    const section = renderCniSection(configVersion, binDirKey, binDir, confDir);
    return `${TEMPLATE_MARKER}\n${BASE_INCLUDE}\n\n${section}`;
}

/** The CNI table as TOML, built and parsed back with @iarna/toml. */
export function renderCniSection(
    configVersion: 2 | 3, binDirKey: "bin_dir" | "bin_dirs", binDir: string, confDir: string,
): string {
    const cni: TOML.JsonMap = binDirKey === "bin_dirs"
        ? { bin_dirs: [binDir], conf_dir: confDir }
        : { bin_dir: binDir, conf_dir: confDir };
    const [plugins, plugin] = CNI_TABLE[configVersion];
    const text = TOML.stringify({ [plugins]: { [plugin]: { cni } } });
    const parsed = effectiveCniDirs(`version = ${configVersion}\n${text}`);
    if (parsed.binDirs[0] !== binDir || parsed.confDir !== confDir || !parsed.fromTable) {
        throw new Error(`internal: the CNI section did not parse back as written:\n${text}`);
    }
    return text;
}

/** The CNI dirs a containerd config sets, as containerd reads them. */
export interface EffectiveCniDirs {
    readonly configVersion: number;
    /** In lookup order; containerd's default when the config sets none. */
    readonly binDirs: readonly string[];
    readonly confDir: string;
    /** Which key set the bin dirs, if any. */
    readonly binDirKey: "bin_dir" | "bin_dirs" | undefined;
    /** False when the config has no CNI table and containerd's defaults apply. */
    readonly fromTable: boolean;
}

/**
 * Reads the CNI dirs from a containerd config (e.g. the `config.toml` K3s generated). A config
 * without `version` is version 1, which K3s has not rendered since 2022 and is refused.
 * Given the containerd line, it applies what that line does with the keys: containerd 2.0
 * drops `bin_dirs` as an unknown key. Throws on invalid TOML, duplicated tables included.
 */
export function effectiveCniDirs(configToml: string, line?: ContainerdLine): EffectiveCniDirs {
    const doc = TOML.parse(configToml);
    const configVersion = Number(doc.version ?? 1);
    if (configVersion !== 2 && configVersion !== 3) {
        throw new Error(`containerd config version ${configVersion} is not one K3s renders`);
    }
    const cni = lookupTable(doc, CNI_TABLE[configVersion]);
    const known = line === "2.0" || line === "1.7" ? dropKey(cni, "bin_dirs") : cni;
    const binDirs = cniBinDirs(known);
    const confDir = typeof cni?.conf_dir === "string" ? cni.conf_dir : undefined;
    return {
        configVersion,
        binDirs: binDirs?.dirs ?? [CONTAINERD_DEFAULT_CNI_BIN_DIR],
        confDir: confDir ?? CONTAINERD_DEFAULT_CNI_CONF_DIR,
        binDirKey: binDirs?.key,
        fromTable: cni !== undefined,
    };
}

function cniBinDirs(
    cni: TOML.JsonMap | undefined,
): { dirs: string[]; key: "bin_dir" | "bin_dirs" } | undefined {
    if (cni === undefined) {
        return undefined;
    }
    if (Array.isArray(cni.bin_dirs) && cni.bin_dir !== undefined && cni.bin_dir !== "") {
        // containerd 2.1 takes a bin_dirs equal to its default as unset, so bin_dir wins.
        if (String(cni.bin_dirs) !== CONTAINERD_DEFAULT_CNI_BIN_DIR) {
            throw new Error("the CNI table sets both bin_dir and bin_dirs; containerd 2.1 " +
                "refuses that");
        }
        return { dirs: [String(cni.bin_dir)], key: "bin_dir" };
    }
    if (Array.isArray(cni.bin_dirs)) {
        return { dirs: cni.bin_dirs.map(String), key: "bin_dirs" };
    }
    return typeof cni.bin_dir === "string" ? { dirs: [cni.bin_dir], key: "bin_dir" } : undefined;
}

function dropKey(table: TOML.JsonMap | undefined, key: string): TOML.JsonMap | undefined {
    if (table === undefined) {
        return undefined;
    }
    const { [key]: _dropped, ...rest } = table;
    return rest;
}

function lookupTable(doc: TOML.JsonMap, keys: readonly string[]): TOML.JsonMap | undefined {
    let node: TOML.AnyJson | undefined = doc;
    for (const key of keys) {
        if (node === null || typeof node !== "object" || Array.isArray(node)) {
            return undefined;
        }
        node = (node as TOML.JsonMap)[key];
    }
    return node !== null && typeof node === "object" && !Array.isArray(node)
        ? (node as TOML.JsonMap) : undefined;
}
