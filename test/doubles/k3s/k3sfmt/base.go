package k3sfmt

import (
	"fmt"
	"strings"
)

// CNI table names of the two config formats.
const (
	CNITableV2 = `plugins."io.containerd.grpc.v1.cri".cni`
	CNITableV3 = `plugins.'io.containerd.cri.v1.runtime'.cni`
)

// BaseTemplate returns the template text this release defines as "base" for a config of
// the given version (2 or 3). It is a deliberately small config: the top-level keys, the
// runtime, images and registry tables, and the CNI table under the release's own gate, so
// that what a user template may add after it (and what it must not repeat) matches K3s.
func (g Gates) BaseTemplate(configVersion int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "version = %d\n", configVersion)
	if g.Imports {
		dropIns := "config.toml.d"
		if configVersion == 3 {
			dropIns = "config-v3.toml.d"
		}
		fmt.Fprintf(&b, "imports = [\"{{ .NodeConfig.Containerd.Template }}/%s/*.toml\"]\n", dropIns)
	}
	b.WriteString(topLevel)
	if configVersion == 3 {
		b.WriteString(v3Tables)
		b.WriteString(g.cniBlock(CNITableV3, g.BinDirs))
		b.WriteString(v3Streaming)
	} else {
		b.WriteString(v2Tables)
		b.WriteString(g.cniBlock(CNITableV2, false))
		b.WriteString(v2Registry)
	}
	return b.String()
}

// cniBlock is the CNI table, emitted only while flannel is on: the older releases test
// NoFlannel, the newer ones test the two dirs and write each key only when it is set.
func (g Gates) cniBlock(table string, binDirs bool) string {
	binKey := `bin_dir = "{{ . }}"`
	if binDirs {
		binKey = `bin_dirs = ["{{ . }}"]`
	}
	if !g.CNITableOnDirs {
		binKey = strings.ReplaceAll(binKey, "{{ . }}", "{{ .NodeConfig.AgentConfig.CNIBinDir }}")
		return "{{ if not .NodeConfig.NoFlannel }}\n[" + table + "]\n  " + binKey + "\n" +
			"  conf_dir = \"{{ .NodeConfig.AgentConfig.CNIConfDir }}\"\n{{ end }}"
	}
	return "{{ with .NodeConfig.AgentConfig }}{{ if or .CNIBinDir .CNIConfDir }}\n" +
		"[" + table + "]\n" +
		"{{ with .CNIBinDir }}  " + binKey + "\n{{ end }}" +
		"{{ with .CNIConfDir }}  conf_dir = \"{{ . }}\"\n{{ end }}" +
		"{{ end }}{{ end }}"
}

const topLevel = `root = "{{ .NodeConfig.Containerd.Root }}"
state = "{{ .NodeConfig.Containerd.State }}"

[grpc]
  address = "{{ deschemify .NodeConfig.Containerd.Address }}"
`

const v2Tables = `
[plugins."io.containerd.grpc.v1.cri"]
  stream_server_address = "127.0.0.1"
  stream_server_port = "10010"
  enable_selinux = {{ .NodeConfig.SELinux }}
  sandbox_image = "{{ .NodeConfig.AgentConfig.PauseImage }}"

[plugins."io.containerd.grpc.v1.cri".containerd]
  snapshotter = "{{ .NodeConfig.AgentConfig.Snapshotter }}"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  SystemdCgroup = {{ .SystemdCgroup }}
`

const v2Registry = `
[plugins."io.containerd.grpc.v1.cri".registry]
  config_path = "{{ .NodeConfig.Containerd.Registry }}"
`

const v3Tables = `
[plugins.'io.containerd.cri.v1.images']
  snapshotter = "{{ .NodeConfig.AgentConfig.Snapshotter }}"

[plugins.'io.containerd.cri.v1.images'.pinned_images]
  sandbox = "{{ .NodeConfig.AgentConfig.PauseImage }}"

[plugins.'io.containerd.cri.v1.images'.registry]
  config_path = "{{ .NodeConfig.Containerd.Registry }}"

[plugins.'io.containerd.cri.v1.runtime']
  enable_selinux = {{ .NodeConfig.SELinux }}

[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
  SystemdCgroup = {{ .SystemdCgroup }}
`

const v3Streaming = `
[plugins.'io.containerd.grpc.v1.cri']
  stream_server_address = "127.0.0.1"
  stream_server_port = "10010"
`
