package main

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestExecStartIsSplitWithSystemdQuoting(t *testing.T) {
	u, err := parseUnit("k3s.service", "k3s.service", "[Service]\nUMask=0077\n"+
		"ExecStart=/usr/local/bin/k3s \\\n    server \\\n    \"--node-label\" \\\n"+
		"    \"team=a b\\\"c\" '--token=$$x%%y'\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/usr/local/bin/k3s", "server", "--node-label", `team=a b"c`, "--token=$x%y"}
	if !reflect.DeepEqual(u.execStart, want) || u.umask != 0o077 {
		t.Errorf("execStart %q umask %o", u.execStart, u.umask)
	}
}

func TestEnvironmentFileKeepsDollarsPercentsAndQuotes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k3s.service.env")
	// The form install.sh writes: double quotes, with \ " $ and ` escaped.
	text := "K3S_TOKEN=\"a\\$\\$b%%c\\\"d'e\\\\f\"\n# comment\nK3S_URL=https://x:6443\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	env, err := readEnvFile(path)
	want := []string{`K3S_TOKEN=a$$b%%c"d'e\f`, "K3S_URL=https://x:6443"}
	if err != nil || !reflect.DeepEqual(env, want) {
		t.Errorf("env %q, err %v", env, err)
	}
	if env, err := readEnvFile("-" + path + ".missing"); err != nil || env != nil {
		t.Errorf("optional missing file: %v %v", env, err)
	}
}
