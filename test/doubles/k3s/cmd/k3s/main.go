// Command k3s is a test double of the K3s binary. It does, on start, the file work of K3s
// that this project depends on (bundle and CNI directories, the containerd config, tokens
// and kubeconfig) and exits 0 when K3s would report ready, so an init-system double can
// run it synchronously. It runs no Kubernetes. See test/doubles/README.md.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"pulumik3s.test/doubles/k3s/k3sfmt"
)

const (
	defaultDataDir = "/var/lib/rancher/k3s"
	// The version a binary reports when install.sh recorded none: the real binary always
	// knows its own version.
	fallbackVersion = "v1.31.7+k3s1"
	versionFileName = ".k3s-double-version"
)

func main() {
	args := os.Args[1:]
	// Like the real binary, answer to the names of the symlinks install.sh creates.
	switch name := filepath.Base(os.Args[0]); name {
	case "crictl", "kubectl", "ctr":
		args = append([]string{name}, args...)
	}
	os.Exit(run(args))
}

func run(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: k3s server|agent [flags] | k3s --version | k3s crictl info")
		return 1
	}
	var err error
	switch args[0] {
	case "--version", "-v", "version":
		fmt.Printf("k3s version %s (double)\ngo version %s\n", binaryVersion(), runtime.Version())
		return 0
	case "server", "agent":
		err = start(args[0], args[1:])
	case "crictl":
		err = crictl(args[1:])
	case "kubectl", "ctr":
		err = fmt.Errorf("%s is not part of the K3s double: it runs no API server or containerd",
			args[0])
	default:
		err = fmt.Errorf("Incorrect Usage: no command %q in the K3s double", args[0])
	}
	if err != nil {
		logf("fatal", "%v", err)
		return 1
	}
	return 0
}

// binaryVersion reads the version install.sh recorded beside the binary.
func binaryVersion() string {
	exe, err := os.Executable()
	if err != nil {
		return fallbackVersion
	}
	text, err := os.ReadFile(filepath.Join(filepath.Dir(exe), versionFileName))
	if v := strings.TrimSpace(string(text)); err == nil && v != "" {
		return v
	}
	return fallbackVersion
}

// logf writes a line in the shape of K3s's logs, which the init-system double keeps as the
// unit's journal.
func logf(level, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	fmt.Fprintf(os.Stderr, "time=%q level=%s msg=%q\n",
		time.Now().UTC().Format(time.RFC3339), level, msg)
}

func start(role string, args []string) error {
	s, err := loadSettings(role, args)
	if err != nil {
		return err
	}
	version, err := k3sfmt.ParseVersion(binaryVersion())
	if err != nil {
		return err
	}
	gates := k3sfmt.GatesFor(version)
	dataDir, err := s.dataDir()
	if err != nil {
		return err
	}
	logf("info", "Starting k3s %s %s (K3s double)", role, version)
	bundle, err := extractBundle(dataDir, gates)
	if err != nil {
		return fmt.Errorf("extracting data: %w", err)
	}
	node := &nodeStart{settings: s, gates: gates, dataDir: dataDir, bundle: bundle}
	if role == "server" {
		err = node.startServer()
	} else {
		err = node.startAgent()
	}
	if err != nil {
		return err
	}
	if err := waitForFaults(); err != nil {
		return err
	}
	if role == "server" {
		logf("info", "k3s is up and running")
	} else {
		logf("info", "k3s agent is up and running")
	}
	return nil
}

// waitForFaults lets a test slow down or stall readiness through the unit environment:
// K3S_DOUBLE_READY_DELAY_MS delays it, K3S_DOUBLE_NEVER_READY=true never reaches it, as an
// agent that cannot reach its server never does.
func waitForFaults() error {
	var delay int
	fmt.Sscan(os.Getenv("K3S_DOUBLE_READY_DELAY_MS"), &delay)
	time.Sleep(time.Duration(delay) * time.Millisecond)
	for os.Getenv("K3S_DOUBLE_NEVER_READY") == "true" {
		time.Sleep(time.Second)
	}
	return nil
}
