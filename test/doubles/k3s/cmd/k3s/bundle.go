package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"pulumik3s.test/doubles/k3s/k3sfmt"
)

// The plugins K3s's bundle links to its multicall cni binary.
var bundledPlugins = []string{"host-local", "loopback", "portmap", "bandwidth", "bridge",
	"flannel"}

// bundle is where the running version's files were extracted.
type bundle struct {
	// root is the data dir holding data/<hash>: normally the configured one, but K3s reuses
	// the default data dir when the same bundle is already there.
	root   string
	binDir string
}

// bundleHash stands in for the hash of the bundle content, which changes with the version.
func bundleHash(version string) string {
	sum := sha256.Sum256([]byte("k3s-double-bundle " + version))
	return hex.EncodeToString(sum[:])
}

func bundleAt(root, hash string) bundle {
	return bundle{root: root, binDir: filepath.Join(root, "data", hash, "bin")}
}

// extractBundle unpacks data/<hash>/bin unless it is already there, and then (on releases
// that have it) refreshes data/cni. As in K3s, nothing is refreshed when the bundle exists,
// so a wiped data/cni stays empty until the next version.
func extractBundle(dataDir string, gates k3sfmt.Gates) (bundle, error) {
	hash := bundleHash(gates.Version.String())
	for _, root := range []string{dataDir, defaultDataDir} {
		b := bundleAt(root, hash)
		if _, err := os.Stat(filepath.Join(b.binDir, "k3s")); err == nil {
			return b, nil
		}
	}
	b := bundleAt(dataDir, hash)
	logf("info", "Preparing data dir %s", filepath.Dir(b.binDir))
	if err := writeBundle(dataDir, hash); err != nil {
		return b, err
	}
	if gates.StaticCNIDir {
		if err := refreshCNIDir(b); err != nil {
			return b, err
		}
	}
	return b, updateCurrentLink(dataDir, hash)
}

// writeBundle builds the bundle in a temporary folder and moves it into place whole.
func writeBundle(dataDir, hash string) error {
	final := filepath.Join(dataDir, "data", hash)
	tmp := final + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	bin := filepath.Join(tmp, "bin")
	if err := os.MkdirAll(filepath.Join(bin, "aux"), 0o755); err != nil {
		return err
	}
	cni := "#!/bin/sh\necho \"multicall CNI plugin of the K3s double: $(basename \"$0\")\" >&2\n"
	if err := os.WriteFile(filepath.Join(bin, "cni"), []byte(cni), 0o755); err != nil {
		return err
	}
	k3s := "#!/bin/sh\necho 'bundled k3s of the K3s double' >&2\n"
	if err := os.WriteFile(filepath.Join(bin, "k3s"), []byte(k3s), 0o755); err != nil {
		return err
	}
	for _, plugin := range bundledPlugins {
		if err := os.Symlink("cni", filepath.Join(bin, plugin)); err != nil {
			return err
		}
	}
	if err := os.RemoveAll(final); err != nil {
		return err
	}
	return os.Rename(tmp, final)
}

// refreshCNIDir keeps data/cni: every bundle entry that links to cni gets a link there to
// the bundle's cni. Existing links are replaced; regular files a user put there stay.
func refreshCNIDir(b bundle) error {
	cniDir := filepath.Join(b.root, "data", "cni")
	if err := os.MkdirAll(cniDir, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(b.binDir)
	if err != nil {
		return err
	}
	target := filepath.Join(b.binDir, "cni")
	for _, entry := range entries {
		name := entry.Name()
		link, err := os.Readlink(filepath.Join(b.binDir, name))
		if name != "cni" && (err != nil || filepath.Base(link) != "cni") {
			continue
		}
		path := filepath.Join(cniDir, name)
		info, err := os.Lstat(path)
		if err == nil && info.Mode()&fs.ModeSymlink == 0 {
			continue
		}
		if err == nil {
			if err := os.Remove(path); err != nil {
				return err
			}
		}
		if err := os.Symlink(target, path); err != nil {
			return fmt.Errorf("symlink %s %s: %w", target, path, err)
		}
	}
	return nil
}

// updateCurrentLink points data/current at the new bundle and data/previous at the old.
func updateCurrentLink(dataDir, hash string) error {
	current := filepath.Join(dataDir, "data", "current")
	target := filepath.Join(dataDir, "data", hash)
	old, err := os.Readlink(current)
	if err == nil && old == target {
		return nil
	}
	if err == nil {
		previous := filepath.Join(dataDir, "data", "previous")
		if err := replaceSymlink(old, previous); err != nil {
			return err
		}
	}
	return replaceSymlink(target, current)
}

func replaceSymlink(target, path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return os.Symlink(target, path)
}

// searchPath is the PATH the K3s wrapper sets before running the agent, in its order.
func (b bundle) searchPath(gates k3sfmt.Gates) string {
	parts := []string{}
	if gates.StaticCNIDir {
		parts = append(parts, filepath.Join(b.root, "data", "cni"))
	}
	parts = append(parts, b.binDir)
	if path := os.Getenv("PATH"); path != "" {
		parts = append(parts, path)
	}
	parts = append(parts, filepath.Join(b.binDir, "aux"))
	return strings.Join(parts, string(os.PathListSeparator))
}
