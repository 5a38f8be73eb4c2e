package main

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"

	"pulumik3s.test/doubles/k3s/k3sfmt"
)

// imageCNIDir is the folder the rancher/k3s image seeds with links to its CNI plugins and
// puts first in PATH, whatever data dir K3s is started with.
const imageCNIDir = "/var/lib/rancher/k3s/data/cni"

// imageSeedsDataCNI says from which patch of each line the rancher/k3s image seeds
// imageCNIDir (the March 2025 releases). k3sfmt has no gate for the image, so it lives here.
var imageSeedsDataCNI = map[int]int{29: 15, 30: 11, 31: 7, 32: 3}

const imageSeedsDataCNIFrom = 33

// Flavour is how K3s runs: "host" (the install script's binary) or "container" (the
// rancher/k3s image, its data dir an empty volume).
type Flavour string

// cniDirs returns the CNIBinDir and CNIConfDir K3s puts in the template data. K3s sets them
// only while flannel is on: the bin dir is where `host-local` is first found on K3s's PATH.
//
// On a host the wrapper puts <data-dir>/data/cni first from the October 2024 releases, and
// the per-release <data-dir>/data/<sha256>/bin before them. In the image the binary is not the
// wrapper: PATH starts with imageCNIDir where the image seeds it, and the plugins in /bin
// are found otherwise. With the data dir an empty volume at the default path, the seeded
// folder is hidden and /bin is found; at another path the seeded folder stays visible.
func cniDirs(g k3sfmt.Gates, flannel bool, flavour Flavour, dataDir string) (string, string) {
	if !flannel {
		return "", ""
	}
	confDir := filepath.Join(dataDir, "agent", "etc", "cni", "net.d")
	if flavour == "container" {
		if seedsImageCNIDir(g.Version) && filepath.Clean(dataDir) != "/var/lib/rancher/k3s" {
			return imageCNIDir, confDir
		}
		return "/bin", confDir
	}
	if g.StaticCNIDir {
		return filepath.Join(dataDir, "data", "cni"), confDir
	}
	return filepath.Join(dataDir, "data", bundleHash(g.Version), "bin"), confDir
}

func seedsImageCNIDir(v k3sfmt.Version) bool {
	if v.Minor >= imageSeedsDataCNIFrom {
		return true
	}
	first, ok := imageSeedsDataCNI[v.Minor]
	return ok && v.Patch >= first
}

// bundleHash stands in for the sha256 of a release's bundle: one per release, as in K3s.
func bundleHash(v k3sfmt.Version) string {
	sum := sha256.Sum256([]byte(v.String()))
	return hex.EncodeToString(sum[:])
}
