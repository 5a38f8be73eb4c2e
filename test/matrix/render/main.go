// Command render produces the containerd config.toml a K3s release would generate on a node,
// with Go's text/template, the template data of that release's format and a base template
// defined as "base" (this project's minimal stand-in for K3s's, from k3sfmt).
//
//	render --version v1.31.7+k3s1 --cni custom --data-dir /data/k3s --flavour host \
//	       [--template path/config-v3.toml.tmpl]
//
// The template's file name says which file exists in the node's containerd folder, and so
// which one K3s renders; without --template K3s renders its default. It prints JSON: the
// template file and config version K3s picks, the containerd line of the release, the CNI
// dirs in the template data and the rendered config. A template that Go cannot parse or
// execute (a field the release lacks, say) fails with Go's own error on stderr.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"pulumik3s.test/doubles/k3s/k3sfmt"
)

// Rendered is what a run prints.
type Rendered struct {
	TemplateFile   string `json:"templateFile"`
	ConfigVersion  int    `json:"configVersion"`
	ContainerdLine string `json:"containerdLine"`
	CNIBinDir      string `json:"cniBinDir"`
	CNIConfDir     string `json:"cniConfDir"`
	Config         string `json:"config"`
}

func main() {
	version := flag.String("version", "", "K3s release, e.g. v1.31.7+k3s1")
	cni := flag.String("cni", "flannel", "flannel, or custom (flannel-backend: none)")
	dataDir := flag.String("data-dir", "/var/lib/rancher/k3s", "K3s's --data-dir")
	flavour := flag.String("flavour", "host", "host, or container (the rancher/k3s image)")
	templatePath := flag.String("template", "", "user template; its name picks the format")
	flag.Parse()

	rendered, err := render(*version, *cni, *dataDir, Flavour(*flavour), *templatePath)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, _ := json.Marshal(rendered)
	fmt.Println(string(out))
}

func render(version, cni, dataDir string, flavour Flavour, templatePath string) (
	*Rendered, error) {
	if cni != "flannel" && cni != "custom" {
		return nil, fmt.Errorf("--cni must be flannel or custom; got %q", cni)
	}
	if flavour != "host" && flavour != "container" {
		return nil, fmt.Errorf("--flavour must be host or container; got %q", flavour)
	}
	parsed, err := k3sfmt.ParseVersion(version)
	if err != nil {
		return nil, err
	}
	g := k3sfmt.GatesFor(parsed)

	userTemplate, choice, err := readTemplate(g, templatePath)
	if err != nil {
		return nil, err
	}
	backend := "vxlan"
	if cni == "custom" {
		backend = "none"
	}
	binDir, confDir := cniDirs(g, cni == "flannel", flavour, dataDir)
	data := g.TemplateData(k3sfmt.NodeInput{DataDir: dataDir, CNIBinDir: binDir,
		CNIConfDir: confDir, FlannelBackend: backend, Choice: choice})
	config, err := g.Render(choice, userTemplate, data)
	if err != nil {
		return nil, err
	}
	return &Rendered{TemplateFile: choice.File, ConfigVersion: choice.ConfigVersion,
		ContainerdLine: g.ContainerdLine(), CNIBinDir: binDir, CNIConfDir: confDir,
		Config: config}, nil
}

// readTemplate returns the user template and the file K3s would render, given that the
// template at path is the only one in the containerd folder.
func readTemplate(g k3sfmt.Gates, path string) (string, k3sfmt.TemplateChoice, error) {
	if path == "" {
		return "", g.ChooseTemplate(false, false), nil
	}
	name := filepath.Base(path)
	if name != "config.toml.tmpl" && name != "config-v3.toml.tmpl" {
		return "", k3sfmt.TemplateChoice{}, fmt.Errorf(
			"--template must be named config.toml.tmpl or config-v3.toml.tmpl; got %s", name)
	}
	text, err := os.ReadFile(path)
	if err != nil {
		return "", k3sfmt.TemplateChoice{}, err
	}
	choice := g.ChooseTemplate(name == "config-v3.toml.tmpl", name == "config.toml.tmpl")
	if choice.File == "" {
		return "", choice, nil
	}
	return string(text), choice, nil
}
