package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"

	"pulumik3s.test/doubles/k3s/k3sfmt"
)

// criInfoFile keeps what `k3s crictl info` reports: the CNI settings containerd loaded.
const criInfoFile = "/run/k3s/containerd/k3s-double-cri-info.json"

// cniDirs works out CNIBinDir and CNIConfDir as the K3s agent does: both only while
// flannel is on, the bin dir being wherever host-local is found first on K3s's PATH.
func (n *nodeStart) cniDirs(flannelBackend string) (binDir, confDir string, err error) {
	if flannelBackend == "none" {
		return "", "", nil
	}
	if err := os.Setenv("PATH", n.bundle.searchPath(n.gates)); err != nil {
		return "", "", err
	}
	hostLocal, err := exec.LookPath("host-local")
	if err != nil {
		return "", "", fmt.Errorf("finding host-local: %w", err)
	}
	confDir = filepath.Join(n.dataDir, "agent", "etc", "cni", "net.d")
	return filepath.Dir(hostLocal), confDir, writeFlannelConflist(confDir)
}

func writeFlannelConflist(confDir string) error {
	conflist := map[string]any{
		"name": "cbr0", "cniVersion": "1.0.0",
		"plugins": []any{
			map[string]any{"type": "flannel",
				"delegate": map[string]any{"hairpinMode": true, "forceAddress": true}},
			map[string]any{"type": "portmap", "capabilities": map[string]bool{"portMappings": true}},
			map[string]any{"type": "bandwidth", "capabilities": map[string]bool{"bandwidth": true}},
		},
	}
	text, _ := json.MarshalIndent(conflist, "", "  ")
	return writeFileAtomic(filepath.Join(confDir, "10-flannel.conflist"), text, 0o644)
}

// writeContainerdConfig renders config.toml from the template K3s would choose, writes it,
// and then loads it as the embedded containerd would, failing where containerd fails.
func (n *nodeStart) writeContainerdConfig(flannelBackend string) error {
	binDir, confDir, err := n.cniDirs(flannelBackend)
	if err != nil {
		return err
	}
	dir := k3sfmt.TemplateDir(n.dataDir)
	choice := n.gates.ChooseTemplate(isFile(filepath.Join(dir, "config-v3.toml.tmpl")),
		isFile(filepath.Join(dir, "config.toml.tmpl")))
	userTemplate := ""
	if choice.File != "" {
		logf("info", "Using containerd template at %s", filepath.Join(dir, choice.File))
		text, err := os.ReadFile(filepath.Join(dir, choice.File))
		if err != nil {
			return err
		}
		userTemplate = string(text)
	}
	data := n.gates.TemplateData(k3sfmt.NodeInput{
		DataDir: n.dataDir, CNIBinDir: binDir, CNIConfDir: confDir,
		FlannelBackend: flannelBackend, Choice: choice, SELinux: n.settings.on("selinux"),
	})
	rendered, err := n.gates.Render(choice, userTemplate, data)
	if err != nil {
		return fmt.Errorf("failed to render containerd config template: %w", err)
	}
	configPath := filepath.Join(dir, "config.toml")
	if err := writeFileAtomic(configPath, []byte(rendered), 0o644); err != nil {
		return err
	}
	return n.loadContainerdConfig(configPath, []byte(rendered))
}

func (n *nodeStart) loadContainerdConfig(path string, text []byte) error {
	tree, err := n.gates.ParseConfig(path, text)
	if err != nil {
		return fmt.Errorf("containerd exited: %w", err)
	}
	for _, pattern := range stringsOf(tree["imports"]) {
		if !filepath.IsAbs(pattern) {
			pattern = filepath.Join(filepath.Dir(path), pattern)
		}
		matches, _ := filepath.Glob(pattern)
		sort.Strings(matches)
		for _, file := range matches {
			dropIn, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			imported, err := n.gates.ParseConfig(file, dropIn)
			if err != nil {
				return fmt.Errorf("containerd exited: %w", err)
			}
			k3sfmt.MergeImport(tree, imported)
		}
	}
	cni, err := n.gates.EffectiveCNI(tree)
	if err != nil {
		return fmt.Errorf("containerd exited: %w", err)
	}
	for _, warning := range cni.Warnings {
		logf("warning", "containerd: %s", warning)
	}
	return n.writeCRIInfo(cni)
}

// writeCRIInfo records the loaded CNI settings in the shape of `crictl info`.
func (n *nodeStart) writeCRIInfo(cni k3sfmt.EffectiveCNI) error {
	cniJSON := map[string]any{"confDir": cni.ConfDir}
	if n.gates.ContainerdLine() == "2.1" {
		cniJSON["binDirs"] = cni.BinDirs
	} else {
		cniJSON["binDir"] = cni.BinDirs[0]
	}
	info := map[string]any{
		"config": map[string]any{
			"cni":                cniJSON,
			"containerdRootDir":  filepath.Join(n.dataDir, "agent", "containerd"),
			"containerdEndpoint": k3sfmt.ContainerdSocket,
		},
		"status": map[string]any{"conditions": []any{
			map[string]any{"type": "RuntimeReady", "status": true},
		}},
	}
	text, _ := json.MarshalIndent(info, "", "  ")
	return writeFileAtomic(criInfoFile, append(text, '\n'), 0o644)
}

// crictl answers `crictl info` from what the last start loaded.
func crictl(args []string) error {
	if len(args) == 0 || args[0] != "info" {
		return fmt.Errorf("the K3s double's crictl only answers `crictl info`")
	}
	text, err := os.ReadFile(criInfoFile)
	if err != nil {
		return fmt.Errorf("validate service connection: dial unix %s: connect: no such file"+
			" or directory", k3sfmt.ContainerdSocket)
	}
	_, err = os.Stdout.Write(text)
	return err
}

func stringsOf(value any) []string {
	items, _ := value.([]any)
	out := []string{}
	for _, item := range items {
		if s, ok := item.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func isFile(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular()
}

// writeFileAtomic writes through a temporary file in the same folder, creating parents at
// 0755 and leaving the file at exactly mode.
func writeFileAtomic(path string, text []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, text, mode); err != nil {
		return err
	}
	if err := os.Chmod(tmp, mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
