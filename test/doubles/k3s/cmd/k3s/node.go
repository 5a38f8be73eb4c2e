package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"pulumik3s.test/doubles/k3s/k3sfmt"
)

// nodeStart is one `k3s server` or `k3s agent` start.
type nodeStart struct {
	settings *settings
	gates    k3sfmt.Gates
	dataDir  string
	bundle   bundle
}

// joinToken is a K3s token: the secure form K10<ca-sha256>::<user>:<secret> or a short
// secret alone.
type joinToken struct {
	caHash string
	secret string
}

func parseToken(raw string) joinToken {
	if rest, ok := strings.CutPrefix(raw, "K10"); ok {
		if hash, creds, ok := strings.Cut(rest, "::"); ok {
			if _, secret, ok := strings.Cut(creds, ":"); ok {
				return joinToken{caHash: hash, secret: secret}
			}
			return joinToken{caHash: hash, secret: creds}
		}
	}
	return joinToken{secret: raw}
}

func secretHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// configuredToken reads the token flag, else the token file, as K3s does.
func (n *nodeStart) configuredToken(flag, fileFlag string) (joinToken, error) {
	if raw := n.settings.str(flag); raw != "" {
		return parseToken(raw), nil
	}
	if file := n.settings.str(fileFlag); file != "" {
		text, err := os.ReadFile(file)
		if err != nil {
			return joinToken{}, fmt.Errorf("reading %s: %w", fileFlag, err)
		}
		return parseToken(strings.TrimSpace(string(text))), nil
	}
	return joinToken{}, nil
}

func (n *nodeStart) startAgent() error {
	serverURL := n.settings.str("server")
	if serverURL == "" {
		return fmt.Errorf("--server is required")
	}
	if !strings.HasPrefix(serverURL, "https://") {
		return fmt.Errorf("--server must be an https:// URL, got %q", serverURL)
	}
	token, err := n.configuredToken("token", "token-file")
	if err != nil {
		return err
	}
	if token.secret == "" {
		return fmt.Errorf("--token is required")
	}
	cluster, err := waitForCluster(serverURL, token, "agent")
	if err != nil {
		return err
	}
	return n.writeContainerdConfig(cluster.FlannelBackend)
}

func (n *nodeStart) startServer() error {
	token, err := n.configuredToken("token", "token-file")
	if err != nil {
		return err
	}
	var joined *clusterEntry
	if serverURL := n.settings.str("server"); serverURL != "" {
		if token.secret == "" {
			return fmt.Errorf("--token is required to join a cluster")
		}
		if joined, err = waitForCluster(serverURL, token, "server"); err != nil {
			return err
		}
		if !joined.Etcd {
			return fmt.Errorf("failed to join %s: the cluster has no embedded etcd; "+
				"start its first server with cluster-init (K3s double)", serverURL)
		}
	}
	serverDir := filepath.Join(n.dataDir, "server")
	ca, err := loadOrCreateCA(filepath.Join(serverDir, "tls"), joined)
	if err != nil {
		return err
	}
	if token.caHash != "" && token.caHash != ca.hash {
		return fmt.Errorf("token CA hash does not match the Cluster CA certificate hash: %s != %s",
			token.caHash, ca.hash)
	}
	secret, err := n.serverSecret(serverDir, token)
	if err != nil {
		return err
	}
	agentToken, err := n.configuredToken("agent-token", "agent-token-file")
	if err != nil {
		return err
	}
	if err := writeTokens(serverDir, ca.hash, secret, agentToken.secret); err != nil {
		return err
	}
	etcd := joined != nil || n.settings.on("cluster-init")
	if err := writeDatastore(serverDir, etcd); err != nil {
		return err
	}
	flannelBackend := n.settings.str("flannel-backend")
	if flannelBackend == "" {
		flannelBackend = "vxlan"
	}
	if !n.settings.on("disable-agent") {
		if err := n.writeContainerdConfig(flannelBackend); err != nil {
			return err
		}
	}
	if err := n.writeKubeconfig(ca); err != nil {
		return err
	}
	return register(clusterEntry{
		DataDir: n.dataDir, CAHash: ca.hash, CACert: string(ca.certPEM), CAKey: string(ca.keyPEM),
		TokenSHA256: secretHash(secret), AgentTokenSHA256: optionalHash(agentToken.secret),
		FlannelBackend: flannelBackend, Etcd: etcd,
	})
}

// serverSecret picks the bootstrap secret (configured, else the one already on disk, else a
// new one) and refuses one that differs from the secret the data dir was started with.
func (n *nodeStart) serverSecret(serverDir string, token joinToken) (string, error) {
	secret := token.secret
	if secret == "" {
		if text, err := os.ReadFile(filepath.Join(serverDir, "token")); err == nil {
			secret = parseToken(strings.TrimSpace(string(text))).secret
		}
	}
	if secret == "" {
		random := make([]byte, 16)
		if _, err := rand.Read(random); err != nil {
			return "", err
		}
		secret = hex.EncodeToString(random)
	}
	marker := filepath.Join(serverDir, "db", "k3s-double-bootstrap.sha256")
	if known, err := os.ReadFile(marker); err == nil {
		if strings.TrimSpace(string(known)) != secretHash(secret) {
			return "", fmt.Errorf("starting kubernetes: preparing server: " +
				"bootstrap data already found and encrypted with different token")
		}
		return secret, nil
	}
	return secret, writeFileAtomic(marker, []byte(secretHash(secret)+"\n"), 0o600)
}

func writeTokens(serverDir, caHash, secret, agentSecret string) error {
	tokenPath := filepath.Join(serverDir, "token")
	line := "K10" + caHash + "::server:" + secret + "\n"
	if err := writeFileAtomic(tokenPath, []byte(line), 0o600); err != nil {
		return err
	}
	if err := replaceSymlink(tokenPath, filepath.Join(serverDir, "node-token")); err != nil {
		return err
	}
	agentPath := filepath.Join(serverDir, "agent-token")
	if agentSecret == "" {
		return replaceSymlink(tokenPath, agentPath)
	}
	if err := os.Remove(agentPath); err != nil && !os.IsNotExist(err) {
		return err
	}
	agentLine := "K10" + caHash + "::node:" + agentSecret + "\n"
	return writeFileAtomic(agentPath, []byte(agentLine), 0o600)
}

// writeDatastore leaves the marker of the datastore K3s would use.
func writeDatastore(serverDir string, etcd bool) error {
	if etcd {
		return os.MkdirAll(filepath.Join(serverDir, "db", "etcd", "member"), 0o700)
	}
	path := filepath.Join(serverDir, "db", "state.db")
	if isFile(path) {
		return nil
	}
	return writeFileAtomic(path, nil, 0o600)
}

func optionalHash(secret string) string {
	if secret == "" {
		return ""
	}
	return secretHash(secret)
}
