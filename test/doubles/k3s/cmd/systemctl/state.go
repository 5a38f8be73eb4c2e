package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The double's whole memory lives under /run, which each test node mounts as its own tmpfs,
// so it disappears with the node like systemd's runtime state does with a reboot.
const stateDir = "/run/k3s-double"

// extraEnvFile lets a test add environment to every unit start (fault injection).
const extraEnvFile = stateDir + "/env"

func statePath(name, kind string) string { return filepath.Join(stateDir, name+"."+kind) }

func readState(name, kind string) string {
	text, _ := os.ReadFile(statePath(name, kind))
	return strings.TrimSpace(string(text))
}

func writeState(name, kind, value string) {
	if err := os.MkdirAll(stateDir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	tmp := statePath(name, kind) + ".tmp"
	if err := os.WriteFile(tmp, []byte(value+"\n"), 0o644); err == nil {
		err = os.Rename(tmp, statePath(name, kind))
	}
}

func activeState(name string) string {
	if state := readState(name, "state"); state != "" {
		return state
	}
	return "inactive"
}

func setActiveState(name, state string) {
	writeState(name, "state", state)
	writeState(name, "since", time.Now().UTC().Format(time.RFC1123))
}

func countStart(name string) {
	n, _ := strconv.Atoi(readState(name, "starts"))
	writeState(name, "starts", strconv.Itoa(n+1))
}

// loadUnit returns the unit as systemd has it loaded: the copy taken at the first use after
// the last daemon-reload, with the warning systemd prints when the file changed since.
func loadUnit(name string) (*unit, error) {
	path, onDisk := findUnitFile(name)
	loaded, err := os.ReadFile(statePath(name, "loaded"))
	loadedPath := readState(name, "loadedpath")
	if err != nil {
		if !onDisk {
			return nil, fmt.Errorf("Unit %s not found.", name)
		}
		text, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		writeState(name, "loadedpath", path)
		writeState(name, "loaded", strings.TrimSuffix(string(text), "\n"))
		return parseUnit(name, path, string(text))
	}
	current, _ := os.ReadFile(path)
	if !onDisk || strings.TrimSuffix(string(current), "\n") != strings.TrimSpace(string(loaded)) {
		fmt.Fprintf(os.Stderr, "Warning: The unit file, source configuration file or drop-ins "+
			"of %s changed on disk. Run 'systemctl daemon-reload' to reload units.\n", name)
	}
	return parseUnit(name, loadedPath, string(loaded))
}

func daemonReload() error {
	snapshots, _ := filepath.Glob(filepath.Join(stateDir, "*.loaded"))
	for _, snapshot := range snapshots {
		if err := os.Remove(snapshot); err != nil {
			return err
		}
	}
	return nil
}

// wantsLink is the symlink `enable` creates for each WantedBy target.
func wantsLink(u *unit, target string) string {
	return filepath.Join(unitDirs[0], target+".wants", u.name)
}

func isEnabled(u *unit) bool {
	for _, target := range u.wantedBy {
		if _, err := os.Lstat(wantsLink(u, target)); err == nil {
			return true
		}
	}
	return false
}

func enable(u *unit) error {
	for _, target := range u.wantedBy {
		link := wantsLink(u, target)
		if _, err := os.Lstat(link); err == nil {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
			return err
		}
		if err := os.Symlink(u.path, link); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "Created symlink %s → %s.\n", link, u.path)
	}
	return nil
}

func disable(u *unit) error {
	for _, target := range u.wantedBy {
		link := wantsLink(u, target)
		if err := os.Remove(link); err == nil {
			fmt.Fprintf(os.Stderr, "Removed \"%s\".\n", link)
		} else if !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}
