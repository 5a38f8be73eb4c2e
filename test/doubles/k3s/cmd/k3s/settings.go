package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

const defaultConfigFile = "/etc/rancher/k3s/config.yaml"

// settings are the effective flag values: environment, then config files, then the command
// line, with later sources replacing scalars and extending lists as K3s does.
type settings struct {
	role   string
	specs  map[string]flagSpec
	values map[string][]string
}

func (s *settings) str(name string) string {
	v := s.values[name]
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

func (s *settings) list(name string) []string { return s.values[name] }

func (s *settings) on(name string) bool { return s.str(name) == "true" }

func loadSettings(role string, args []string) (*settings, error) {
	s := &settings{role: role, specs: flagsFor(role), values: map[string][]string{}}
	cli, err := s.parseArgs(args)
	if err != nil {
		return nil, err
	}
	for name, spec := range s.specs {
		if value, ok := os.LookupEnv(spec.env); ok && spec.env != "" && value != "" {
			s.values[name] = []string{value}
		}
	}
	configFile := lastOr(cli["config"], os.Getenv("K3S_CONFIG_FILE"), defaultConfigFile)
	fromFiles, err := s.readConfigFiles(configFile)
	if err != nil {
		return nil, err
	}
	s.apply(fromFiles, false)
	// Config file values reach K3s as arguments placed before the command line, so list
	// flags given in both places keep both.
	s.apply(cli, true)
	return s, nil
}

// apply lays one source over the values so far.
func (s *settings) apply(source map[string][]string, extendLists bool) {
	for name, values := range source {
		if s.specs[name].kind == listFlag && extendLists {
			s.values[name] = append(s.values[name], values...)
		} else if s.specs[name].kind == listFlag {
			s.values[name] = values
		} else {
			s.values[name] = values[len(values)-1:]
		}
	}
}

func (s *settings) parseArgs(args []string) (map[string][]string, error) {
	out := map[string][]string{}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if !strings.HasPrefix(arg, "-") || arg == "-" || arg == "--" {
			return nil, fmt.Errorf("Incorrect Usage: unexpected argument %q", arg)
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		if long, ok := shortFlags[name]; ok {
			name = long
		}
		spec, known := s.specs[name]
		if !known {
			return nil, fmt.Errorf("Incorrect Usage: flag provided but not defined: -%s", name)
		}
		if !hasValue && spec.kind == boolFlag {
			value = "true"
		} else if !hasValue {
			if i+1 >= len(args) {
				return nil, fmt.Errorf("Incorrect Usage: flag needs an argument: -%s", name)
			}
			i++
			value = args[i]
		}
		out[name] = append(out[name], value)
	}
	return out, nil
}

// readConfigFiles reads config.yaml and then config.yaml.d/*.yaml in name order.
func (s *settings) readConfigFiles(path string) (map[string][]string, error) {
	files := []string{path}
	dropIns, _ := filepath.Glob(path + ".d/*.y*ml")
	sort.Strings(dropIns)
	files = append(files, dropIns...)
	merged := map[string][]string{}
	for _, file := range files {
		text, err := os.ReadFile(file)
		if os.IsNotExist(err) {
			continue
		} else if err != nil {
			return nil, err
		}
		var doc map[string]any
		if err := yaml.Unmarshal(text, &doc); err != nil {
			return nil, fmt.Errorf("failed to parse %s: %w", file, err)
		}
		for key, raw := range doc {
			name, appendTo := strings.CutSuffix(key, "+")
			if _, known := s.specs[name]; !known {
				logf("warning", "Unknown flag --%s found in config file %s for k3s %s, skipping",
					name, file, s.role)
				continue
			}
			// A later file replaces a key unless the key ends in "+", which appends.
			if appendTo {
				merged[name] = append(merged[name], yamlValues(raw)...)
			} else {
				merged[name] = yamlValues(raw)
			}
		}
	}
	return merged, nil
}

func yamlValues(raw any) []string {
	if list, ok := raw.([]any); ok {
		out := make([]string, 0, len(list))
		for _, item := range list {
			out = append(out, fmt.Sprint(item))
		}
		return out
	}
	return []string{fmt.Sprint(raw)}
}

func lastOr(values []string, fallbacks ...string) string {
	if len(values) > 0 {
		return values[len(values)-1]
	}
	for _, f := range fallbacks {
		if f != "" {
			return f
		}
	}
	return ""
}

// dataDir follows K3s: the configured value, else the root default or one under $HOME.
func (s *settings) dataDir() (string, error) {
	dir := s.str("data-dir")
	if dir == "" {
		if os.Geteuid() == 0 {
			return defaultDataDir, nil
		}
		dir = filepath.Join(os.Getenv("HOME"), ".rancher", "k3s")
	}
	return filepath.Abs(dir)
}
