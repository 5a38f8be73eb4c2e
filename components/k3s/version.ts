/**
 * K3s release versions and the release gates this library depends on.
 *
 * A gate names, for each minor line, the first patch release that carries a change; every
 * minor from `allFromMinor` on carries it from its first release. The gates and their sources
 * are listed in the README's version table.
 */

/** A parsed K3s release such as `v1.31.7+k3s1`. */
export interface K3sVersion {
    /** The text as given, e.g. `v1.31.7+k3s1`. */
    readonly raw: string;
    readonly major: number;
    readonly minor: number;
    readonly patch: number;
    /** The K3s build number after `+k3s`. */
    readonly k3sBuild: number;
    /** A pre-release tag such as `rc1`, if any. */
    readonly preRelease?: string;
}

/** The oldest minor line this library supports. */
export const OLDEST_MINOR = 24;

const VERSION_PATTERN = /^v1\.(\d{1,3})\.(\d{1,3})(?:-(rc\d{1,2}))?\+k3s(\d{1,2})$/;
const CHANNEL_PATTERN = /^(stable|latest|testing|v1\.\d{1,3})$/;

/**
 * Parses a K3s release version, or returns an error message that says how to write one.
 */
export function parseK3sVersion(raw: string): K3sVersion | string {
    const match = VERSION_PATTERN.exec(raw);
    if (!match) {
        const bare = /^v?1\.\d+\.\d+$/.test(raw);
        const hint = bare
            ? `; K3s releases carry a build suffix, e.g. v${raw.replace(/^v/, "")}+k3s1`
            : "; write a release tag such as v1.31.7+k3s1";
        return `\`${raw}\` is not a K3s release version${hint}`;
    }
    const [, minor, patch, preRelease, k3sBuild] = match;
    const version: K3sVersion = {
        raw,
        major: 1,
        minor: Number(minor),
        patch: Number(patch),
        k3sBuild: Number(k3sBuild),
        ...(preRelease ? { preRelease } : {}),
    };
    if (version.minor < OLDEST_MINOR) {
        return `\`${raw}\` is older than the oldest supported line v1.${OLDEST_MINOR}`;
    }
    return version;
}

/** True when `channel` is an install-script channel: stable, latest, testing or `v1.NN`. */
export function isK3sChannel(channel: string): boolean {
    return CHANNEL_PATTERN.test(channel);
}

/** A release gate: the first patch carrying a change, per minor line. */
export interface ReleaseGate {
    /** What changed, for messages. */
    readonly name: string;
    /** First patch per minor line that carries the change. */
    readonly firstPatch: Readonly<Record<number, number>>;
    /** Every release of this minor and later carries the change. */
    readonly allFromMinor: number;
}

/** True when `version` is at or after `gate`. */
export function carries(version: K3sVersion, gate: ReleaseGate): boolean {
    if (version.minor >= gate.allFromMinor) {
        return true;
    }
    const first = gate.firstPatch[version.minor];
    return first !== undefined && version.patch >= first;
}

/** Sep 2023: the `base` template a user template can include (k3s PR #7991). */
export const BASE_TEMPLATE: ReleaseGate = {
    name: "the base template",
    firstPatch: { 24: 17, 25: 13, 26: 8, 27: 5, 28: 1 },
    allFromMinor: 29,
};

/** Oct 2024: the static CNI bin dir `<data-dir>/data/cni` (k3s PR #10868, #11123). */
export const STATIC_CNI_DIR: ReleaseGate = {
    name: "the static CNI bin dir data/cni",
    firstPatch: { 28: 15, 29: 10, 30: 6, 31: 2 },
    allFromMinor: 32,
};

/**
 * Feb 2025: containerd 2.0 and the version 3 config template `config-v3.toml.tmpl` (k3s commit
 * bc4597239; K3s docs "Configuring containerd": v1.31.6+k3s1 and v1.32.2+k3s1).
 */
export const CONTAINERD_2: ReleaseGate = {
    name: "containerd 2.0 and config-v3.toml.tmpl",
    firstPatch: { 31: 6, 32: 2 },
    allFromMinor: 33,
};

/** Mar 2025: the `rancher/k3s` image seeds `data/cni` (k3s PR #11790). */
export const IMAGE_DATA_CNI: ReleaseGate = {
    name: "data/cni in the rancher/k3s image",
    firstPatch: { 29: 15, 30: 11, 31: 7, 32: 3 },
    allFromMinor: 33,
};

/**
 * Sep 2025: containerd 2.1, whose base template renders `bin_dirs` (k3s commit e47c497a3,
 * "Bump containerd to v2.1.4"). v1.31.13 ships containerd 2.1.4 too; its template change is
 * inferred from that, not read.
 */
export const CONTAINERD_2_1: ReleaseGate = {
    name: "containerd 2.1 and bin_dirs",
    firstPatch: { 31: 13, 32: 9, 33: 5, 34: 1 },
    allFromMinor: 35,
};

/**
 * Dec 2025: `.NodeConfig.NoFlannel` is gone from the template data (k3s commit efcf8eb7a; the
 * 1.32-1.34 patch numbers are read from the release branches' commit order).
 */
export const NO_FLANNEL_REMOVED: ReleaseGate = {
    name: "the removal of .NodeConfig.NoFlannel",
    firstPatch: { 32: 11, 33: 7, 34: 3 },
    allFromMinor: 35,
};

/**
 * Mar 2026: base emits `imports` for the `config.toml.d` / `config-v3.toml.d` drop-in folder
 * (k3s PR #13680). The 1.32 and 1.33 backport patches are not confirmed, so they are left out.
 */
export const DROP_INS: ReleaseGate = {
    name: "containerd config drop-ins",
    firstPatch: { 34: 6, 35: 3 },
    allFromMinor: 36,
};
