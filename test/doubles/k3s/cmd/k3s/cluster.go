package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Nodes of one test run share the host's /tmp but each has its own /run and data dirs. A
// server that became ready leaves an entry here so that agents and joining servers can
// find the cluster their token belongs to, the way a real agent asks the server it is
// pointed at. Entries of nodes that are gone are ignored and removed.
const defaultRegistryDir = "/tmp/pk3s-k3s-double/servers"

// clusterEntry is what a ready server tells nodes that join it.
type clusterEntry struct {
	MountNamespace   string
	Unit             string
	DataDir          string
	CAHash           string
	CACert           string
	CAKey            string
	TokenSHA256      string
	AgentTokenSHA256 string
	FlannelBackend   string
	Etcd             bool
}

func registryDir() string {
	if dir := os.Getenv("K3S_DOUBLE_REGISTRY"); dir != "" {
		return dir
	}
	return defaultRegistryDir
}

func register(entry clusterEntry) error {
	ns, err := os.Readlink("/proc/self/ns/mnt")
	if err != nil {
		return err
	}
	entry.MountNamespace = ns
	// The init-system double names the unit it runs, so joiners can check it is active.
	entry.Unit = os.Getenv("K3S_DOUBLE_UNIT")
	text, _ := json.Marshal(entry)
	name := strings.Trim(ns, "mnt:[]") + "-" + entry.Unit + ".json"
	return writeFileAtomic(filepath.Join(registryDir(), name), text, 0o600)
}

// waitForCluster blocks until a live, active server accepts the token. Like K3s it retries
// for ever: a node with a wrong token or an absent server never becomes ready. A token that
// pins another cluster's CA fails at once.
func waitForCluster(serverURL string, token joinToken, role string) (*clusterEntry, error) {
	for attempt := 0; ; attempt++ {
		entry, reason, err := findCluster(token)
		if err != nil || entry != nil {
			return entry, err
		}
		if attempt%20 == 0 {
			logf("info", "Waiting to retrieve %s configuration from %s; server is not ready: %s",
				role, serverURL, reason)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func findCluster(token joinToken) (*clusterEntry, string, error) {
	files, _ := filepath.Glob(filepath.Join(registryDir(), "*.json"))
	reason := "connection refused"
	for _, file := range files {
		var entry clusterEntry
		text, err := os.ReadFile(file)
		if err != nil || json.Unmarshal(text, &entry) != nil {
			continue
		}
		pid := pidInNamespace(entry.MountNamespace)
		if pid == "" {
			os.Remove(file)
			continue
		}
		if entry.Unit != "" && unitState(pid, entry.Unit) != "active" {
			continue
		}
		hash := secretHash(token.secret)
		if hash != entry.TokenSHA256 && hash != entry.AgentTokenSHA256 {
			reason = "401 Unauthorized"
			continue
		}
		if token.caHash != "" && token.caHash != entry.CAHash {
			return nil, "", fmt.Errorf("token CA hash does not match the Cluster CA "+
				"certificate hash: %s != %s", token.caHash, entry.CAHash)
		}
		return &entry, "", nil
	}
	return nil, reason, nil
}

// pidInNamespace finds a process that still lives in the given mount namespace.
func pidInNamespace(ns string) string {
	procs, _ := os.ReadDir("/proc")
	for _, proc := range procs {
		if proc.Name()[0] < '0' || proc.Name()[0] > '9' {
			continue
		}
		if link, err := os.Readlink("/proc/" + proc.Name() + "/ns/mnt"); err == nil && link == ns {
			return proc.Name()
		}
	}
	return ""
}

// unitState reads the init-system double's record of a unit, as seen inside that node.
func unitState(pid, unit string) string {
	path := filepath.Join("/proc", pid, "root", "run", "k3s-double", unit+".state")
	text, _ := os.ReadFile(path)
	return strings.TrimSpace(string(text))
}
