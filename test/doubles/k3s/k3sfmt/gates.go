package k3sfmt

// Each gate is a row of the version matrix in the project's K3s facts. Where the facts give
// no patch number for a line, the line is left out rather than guessed.
var (
	// The static <data-dir>/data/cni directory of symlinks (Oct 2024 releases).
	staticCNIDirGate = releaseGate{map[int]int{28: 15, 29: 10, 30: 6, 31: 2}, 32}
	// containerd 2.0 and config-v3.toml.tmpl with a v3 base (Feb 2025 releases).
	configV3Gate = releaseGate{map[int]int{31: 6, 32: 2}, 33}
	// Base emits the CNI table when CNIBinDir or CNIConfDir is set instead of when
	// NoFlannel is false (Mar 2025 releases).
	cniTableOnDirsGate = releaseGate{map[int]int{29: 15, 30: 11, 31: 7, 32: 3}, 33}
	// containerd 2.1 and `bin_dirs = [...]` in the v3 base (Sep 2025 releases).
	binDirsGate = releaseGate{map[int]int{31: 13, 32: 9, 33: 5, 34: 1}, 35}
	// .NodeConfig.NoFlannel removed from the template data (Dec 2025 releases).
	noFlannelRemovedGate = releaseGate{map[int]int{32: 11, 33: 7, 34: 3, 35: 0}, 36}
	// Limitation: the 1.32 and 1.33 backports of the drop-in imports line have no known
	// patch number, so those lines render without `imports`.
	importsGate = releaseGate{map[int]int{34: 6, 35: 3}, 36}
	// filepathjoin shipped in Feb 2026; only releases known to be later get it.
	filepathJoinGate = importsGate
)

// Gates are the behaviours of one K3s release that decide how its containerd config and
// CNI directories look.
type Gates struct {
	Version Version
	// StaticCNIDir: K3s keeps <data-dir>/data/cni and puts it first in PATH.
	StaticCNIDir bool
	// ConfigV3: containerd 2.x; config-v3.toml.tmpl is honoured and the default is v3.
	ConfigV3 bool
	// CNITableOnDirs: base gates its CNI table on the dirs rather than on NoFlannel.
	CNITableOnDirs bool
	// BinDirs: the v3 base writes `bin_dirs = [..]` and containerd knows that key.
	BinDirs bool
	// NoFlannelField: the template data still has .NodeConfig.NoFlannel.
	NoFlannelField bool
	// Imports: base starts with `imports` for the config(-v3).toml.d drop-in folder.
	Imports bool
	// FilepathJoin: templates may call filepathjoin.
	FilepathJoin bool
}

// GatesFor returns the gates of a release.
func GatesFor(v Version) Gates {
	return Gates{
		Version:        v,
		StaticCNIDir:   staticCNIDirGate.has(v),
		ConfigV3:       configV3Gate.has(v),
		CNITableOnDirs: cniTableOnDirsGate.has(v),
		BinDirs:        binDirsGate.has(v),
		NoFlannelField: !noFlannelRemovedGate.has(v),
		Imports:        importsGate.has(v),
		FilepathJoin:   filepathJoinGate.has(v),
	}
}

// ContainerdLine is the containerd minor line a release embeds: "1.7", "2.0" or "2.1".
// Lines after 2.1 behave like 2.1 for everything the double checks.
func (g Gates) ContainerdLine() string {
	switch {
	case g.BinDirs:
		return "2.1"
	case g.ConfigV3:
		return "2.0"
	default:
		return "1.7"
	}
}

// TemplateChoice is the file K3s renders into config.toml and the format of its base.
type TemplateChoice struct {
	// File is "config-v3.toml.tmpl", "config.toml.tmpl" or "" for the built-in default.
	File string
	// ConfigVersion is the containerd config version of the base: 2 or 3.
	ConfigVersion int
}

// ChooseTemplate picks the template as K3s does from which files exist in
// <data-dir>/agent/etc/containerd. Releases before containerd 2.0 do not know
// config-v3.toml.tmpl and ignore it.
func (g Gates) ChooseTemplate(haveV3, haveV2 bool) TemplateChoice {
	if !g.ConfigV3 {
		if haveV2 {
			return TemplateChoice{File: "config.toml.tmpl", ConfigVersion: 2}
		}
		return TemplateChoice{ConfigVersion: 2}
	}
	switch {
	case haveV3:
		return TemplateChoice{File: "config-v3.toml.tmpl", ConfigVersion: 3}
	case haveV2:
		return TemplateChoice{File: "config.toml.tmpl", ConfigVersion: 2}
	default:
		return TemplateChoice{ConfigVersion: 3}
	}
}
