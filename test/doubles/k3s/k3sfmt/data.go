package k3sfmt

import "path/filepath"

// The types below carry the field names K3s gives its containerd template data, so that a
// user template written for K3s evaluates, or fails, as it would on a real node. Only the
// fields this project reads or documents are present.

// AgentConfig is .NodeConfig.AgentConfig.
type AgentConfig struct {
	// CNIBinDir and CNIConfDir are empty when flannel is off.
	CNIBinDir          string
	CNIConfDir         string
	PauseImage         string
	Snapshotter        string
	ImageServiceSocket string
}

// Containerd is .NodeConfig.Containerd.
type Containerd struct {
	Root    string
	State   string
	Address string
	Opt     string
	// Template is the template folder on containerd 2.x releases and the full path of
	// config.toml.tmpl (when present) before them.
	Template      string
	Registry      string
	Config        string
	ConfigVersion int
	BlockIOConfig string
	RDTConfig     string
}

// Flannel is .NodeConfig.Flannel.
type Flannel struct {
	Backend string
}

// Node is .NodeConfig on releases without the NoFlannel field.
//
// Limitation: older releases spelt some fields differently; only NoFlannel is modelled.
type Node struct {
	AgentConfig    AgentConfig
	Containerd     Containerd
	SELinux        bool
	DefaultRuntime string
	Flannel        Flannel
}

// LegacyNode is .NodeConfig on releases that still have NoFlannel.
type LegacyNode struct {
	Node
	NoFlannel bool
}

// ContainerdConfig is the dot value of a containerd config template. N is Node or
// LegacyNode, so that a field the release lacks fails as it does in K3s, naming the type.
type ContainerdConfig[N Node | LegacyNode] struct {
	NodeConfig            *N
	DisableCgroup         bool
	SystemdCgroup         bool
	IsRunningInUserNS     bool
	EnableUnprivileged    bool
	NoDefaultEndpoint     bool
	NonrootDevices        bool
	PrivateRegistryConfig any
	ExtraRuntimes         map[string]any
	Program               string
}

// NodeInput is what the double knows about the node when it builds the template data.
type NodeInput struct {
	DataDir        string
	CNIBinDir      string
	CNIConfDir     string
	FlannelBackend string
	Choice         TemplateChoice
	SELinux        bool
}

// Default paths that K3s derives for its embedded containerd.
const (
	ContainerdState  = "/run/k3s/containerd"
	ContainerdSocket = "/run/k3s/containerd/containerd.sock"
	PauseImage       = "rancher/mirrored-pause:3.6"
)

// TemplateDir is <data-dir>/agent/etc/containerd, where templates and config.toml live.
func TemplateDir(dataDir string) string {
	return filepath.Join(dataDir, "agent", "etc", "containerd")
}

// TemplateData builds the dot value K3s would pass when rendering on this release: a
// *ContainerdConfig[LegacyNode] while NoFlannel exists, else a *ContainerdConfig[Node].
func (g Gates) TemplateData(in NodeInput) any {
	dir := TemplateDir(in.DataDir)
	node := Node{
		AgentConfig: AgentConfig{
			CNIBinDir:   in.CNIBinDir,
			CNIConfDir:  in.CNIConfDir,
			PauseImage:  PauseImage,
			Snapshotter: "overlayfs",
		},
		Containerd: Containerd{
			Root:          filepath.Join(in.DataDir, "agent", "containerd"),
			State:         ContainerdState,
			Address:       ContainerdSocket,
			Registry:      filepath.Join(dir, "certs.d"),
			Config:        filepath.Join(dir, "config.toml"),
			ConfigVersion: in.Choice.ConfigVersion,
			Template:      templateField(g, dir, in.Choice),
		},
		SELinux: in.SELinux,
		Flannel: Flannel{Backend: in.FlannelBackend},
	}
	if g.NoFlannelField {
		legacy := &LegacyNode{Node: node, NoFlannel: in.FlannelBackend == "none"}
		return &ContainerdConfig[LegacyNode]{NodeConfig: legacy, SystemdCgroup: true, Program: "k3s"}
	}
	return &ContainerdConfig[Node]{NodeConfig: &node, SystemdCgroup: true, Program: "k3s"}
}

func templateField(g Gates, dir string, choice TemplateChoice) string {
	if g.ConfigV3 {
		return dir
	}
	if choice.File != "" {
		return filepath.Join(dir, choice.File)
	}
	return ""
}
