package k3sfmt

import (
	"fmt"
	"reflect"
)

// containerd's own CNI defaults, used whenever config.toml has no CNI table.
const (
	DefaultCNIBinDir  = "/opt/cni/bin"
	DefaultCNIConfDir = "/etc/cni/net.d"
)

// EffectiveCNI is what containerd's CRI plugin would use after loading the config.
type EffectiveCNI struct {
	// BinDirs is the search path for plugins, one entry before containerd 2.1.
	BinDirs  []string
	ConfDir  string
	Warnings []string
}

// EffectiveCNI reads the CNI table from a loaded (and merged) config the way the release's
// containerd does: 1.7 reads only a version 2 config; 2.0 migrates v2 and ignores the
// unknown bin_dirs; 2.1 moves a lone bin_dir into bin_dirs, takes a bin_dirs equal to its
// default as unset, and refuses any other bin_dirs beside a bin_dir (the version matrix shows
// this against containerd 2.1.9).
func (g Gates) EffectiveCNI(tree map[string]any) (EffectiveCNI, error) {
	line := g.ContainerdLine()
	version := configVersionOf(tree)
	if line == "1.7" && version > 2 {
		return EffectiveCNI{}, fmt.Errorf("unsupported config version %d", version)
	}
	table := []string{"plugins", "io.containerd.grpc.v1.cri", "cni"}
	if version >= 3 {
		table = []string{"plugins", "io.containerd.cri.v1.runtime", "cni"}
	}
	cni, _ := lookupTable(tree, table)
	result := EffectiveCNI{ConfDir: DefaultCNIConfDir}
	if dir, ok := cni["conf_dir"].(string); ok && dir != "" {
		result.ConfDir = dir
	}
	binDir, _ := cni["bin_dir"].(string)
	binDirs := stringList(cni["bin_dirs"])

	if line != "2.1" {
		if binDirs != nil {
			result.Warnings = append(result.Warnings,
				`Ignoring unknown key in TOML for plugin: key="bin_dirs"`)
		}
		result.BinDirs = []string{orDefault(binDir, DefaultCNIBinDir)}
		return result, nil
	}
	switch {
	case binDir != "" && binDirs != nil &&
		!reflect.DeepEqual(binDirs, []string{DefaultCNIBinDir}):
		return EffectiveCNI{}, fmt.Errorf(
			"invalid CRI config: `cni.bin_dir` and `cni.bin_dirs` cannot be set at the same time")
	case binDir != "":
		result.Warnings = append(result.Warnings,
			"`bin_dir` is deprecated, please use `bin_dirs` instead")
		result.BinDirs = []string{binDir}
	case binDirs != nil:
		result.BinDirs = binDirs
	default:
		result.BinDirs = []string{DefaultCNIBinDir}
	}
	return result, nil
}

// MergeImport folds an imported drop-in into the main config as containerd 2.1 does with
// plugin tables: tables merge key by key, and any other value, lists included, is replaced
// (the version matrix shows a drop-in's bin_dirs replacing base's).
func MergeImport(into, dropIn map[string]any) {
	for key, value := range dropIn {
		existing := into[key]
		switch v := value.(type) {
		case map[string]any:
			if sub, ok := existing.(map[string]any); ok {
				MergeImport(sub, v)
				continue
			}
		}
		into[key] = value
	}
}

func configVersionOf(tree map[string]any) int64 {
	if v, ok := tree["version"].(int64); ok {
		return v
	}
	return 1
}

func lookupTable(tree map[string]any, path []string) (map[string]any, bool) {
	current := tree
	for _, key := range path {
		next, ok := current[key].(map[string]any)
		if !ok {
			return nil, false
		}
		current = next
	}
	return current, true
}

func stringList(value any) []string {
	items, ok := value.([]any)
	if !ok {
		return nil
	}
	out := []string{}
	for _, item := range items {
		if s, ok := item.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func orDefault(value, fallback string) string {
	if value == "" {
		return fallback
	}
	return value
}
