// Command cricheck runs the start-up of containerd's CRI runtime plugin on a config file and
// prints the CNI settings the plugin ends up with, as JSON. `containerd config dump` parses
// and migrates a config but never runs the plugin's own validation, which is where containerd
// 2.1 moves a lone `bin_dir` into `bin_dirs` and refuses the two set together. This program
// runs that real code (the plugin's registered init function) against a scratch dir instead
// of starting a daemon: nothing listens and nothing outside the scratch dir is written.
//
//	cricheck <config.toml> <scratch-dir>
//
// Give it the output of `containerd config dump` of the same containerd version, so that
// loading and migration are containerd's own too.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	srvconfig "github.com/containerd/containerd/v2/cmd/containerd/server/config"
	"github.com/containerd/containerd/v2/plugins"
	_ "github.com/containerd/containerd/v2/plugins/cri/runtime"
	_ "github.com/containerd/containerd/v2/plugins/services/warning"
	"github.com/containerd/log"
	"github.com/containerd/plugin"
	"github.com/containerd/plugin/registry"
)

// criRuntime is the URI of the plugin that owns the CNI settings in containerd 2.x.
const criRuntime = "io.containerd.cri.v1.runtime"

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: cricheck <config.toml> <scratch-dir>")
		os.Exit(2)
	}
	// Warnings (such as the one for a deprecated `bin_dir`) stay on stderr; progress does not.
	_ = log.SetLevel("warn")
	cni, err := effectiveCNI(context.Background(), os.Args[1], os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "cricheck:", err)
		os.Exit(1)
	}
	os.Stdout.Write(append(cni, '\n'))
}

// effectiveCNI initialises the plugins the CRI runtime plugin needs, in containerd's order,
// each with its section of the config, and returns the runtime plugin's `cni` settings after
// its init function has validated them.
func effectiveCNI(ctx context.Context, configPath, scratch string) ([]byte, error) {
	var config srvconfig.Config
	if err := srvconfig.LoadConfig(ctx, configPath, &config); err != nil {
		return nil, err
	}
	properties := map[string]string{
		plugins.PropertyRootDir:     filepath.Join(scratch, "root", "plugin"),
		plugins.PropertyStateDir:    filepath.Join(scratch, "state", "plugin"),
		plugins.PropertyGRPCAddress: filepath.Join(scratch, "containerd.sock"),
	}
	set := plugin.NewPluginSet()
	for _, registration := range registry.Graph(func(*plugin.Registration) bool { return false }) {
		initContext := plugin.NewContext(ctx, set, properties)
		if registration.Config != nil {
			decoded, err := config.Decode(ctx, registration.URI(), registration.Config)
			if err != nil {
				return nil, err
			}
			initContext.Config = decoded
		}
		loaded := registration.Init(initContext)
		if err := loaded.Err(); err != nil {
			return nil, fmt.Errorf("plugin %s: %w", registration.URI(), err)
		}
		if err := set.Add(loaded); err != nil {
			return nil, err
		}
		if registration.URI() == criRuntime {
			return cniSection(initContext.Config)
		}
	}
	return nil, fmt.Errorf("plugin %s is not registered", criRuntime)
}

// cniSection picks the `cni` object out of the plugin's config, in containerd's JSON names.
func cniSection(runtimeConfig any) ([]byte, error) {
	whole, err := json.Marshal(runtimeConfig)
	if err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(whole, &fields); err != nil {
		return nil, err
	}
	return fields["cni"], nil
}
