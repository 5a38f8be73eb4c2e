package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func writeConfig(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "config.yaml")
}

func TestCommandLineBeatsConfigFilesWhichBeatTheEnvironment(t *testing.T) {
	t.Setenv("K3S_TOKEN", "from-env")
	t.Setenv("K3S_DATA_DIR", "/from/env")
	config := writeConfig(t, map[string]string{
		"config.yaml":          "token: from-file\nnode-label: [a=1]\ndata-dir: /from/file\n",
		"config.yaml.d/1.yaml": "node-label+: [b=2]\n",
	})
	s, err := loadSettings("server", []string{"--config", config, "--token=from-cli",
		"--node-label", "c=3", "--cluster-init"})
	if err != nil {
		t.Fatal(err)
	}
	if s.str("token") != "from-cli" || s.str("data-dir") != "/from/file" || !s.on("cluster-init") {
		t.Errorf("values %v", s.values)
	}
	if got := s.list("node-label"); !reflect.DeepEqual(got, []string{"a=1", "b=2", "c=3"}) {
		t.Errorf("node-label %v", got)
	}
}

func TestAgentSkipsServerOnlyKeysButRejectsServerOnlyFlags(t *testing.T) {
	config := writeConfig(t, map[string]string{"config.yaml": "flannel-backend: none\n"})
	s, err := loadSettings("agent", []string{"-c", config})
	if err != nil || s.str("flannel-backend") != "" {
		t.Errorf("agent took flannel-backend from its config: %v %v", s, err)
	}
	_, err = loadSettings("agent", []string{"-c", config, "--cluster-init"})
	if err == nil || !strings.Contains(err.Error(), "flag provided but not defined: -cluster-init") {
		t.Errorf("got %v", err)
	}
}

func TestSecureAndShortTokensYieldTheSameSecret(t *testing.T) {
	secret := `s3cr$t"q'b\x:y`
	secure := parseToken("K10" + strings.Repeat("ab", 32) + "::server:" + secret)
	if secure.secret != secret || secure.caHash != strings.Repeat("ab", 32) {
		t.Errorf("secure token parsed as %+v", secure)
	}
	if short := parseToken(secret); short.secret != secret || short.caHash != "" {
		t.Errorf("short token parsed as %+v", short)
	}
}
