package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// clusterCA is the cluster's CA. Its certificate hash is the one secure tokens pin.
type clusterCA struct {
	certPEM, keyPEM []byte
	hash            string
	cert            *x509.Certificate
	key             *ecdsa.PrivateKey
}

// loadOrCreateCA keeps the server CA in tls/: a joining server takes the cluster's, a
// first server keeps the one it made on its first start.
func loadOrCreateCA(tlsDir string, joined *clusterEntry) (*clusterCA, error) {
	certPath := filepath.Join(tlsDir, "server-ca.crt")
	keyPath := filepath.Join(tlsDir, "server-ca.key")
	if joined != nil {
		if err := writeFileAtomic(certPath, []byte(joined.CACert), 0o644); err != nil {
			return nil, err
		}
		if err := writeFileAtomic(keyPath, []byte(joined.CAKey), 0o600); err != nil {
			return nil, err
		}
	}
	certPEM, certErr := os.ReadFile(certPath)
	keyPEM, keyErr := os.ReadFile(keyPath)
	if certErr != nil || keyErr != nil {
		var err error
		if certPEM, keyPEM, err = newCA(); err != nil {
			return nil, err
		}
		if err := writeFileAtomic(keyPath, keyPEM, 0o600); err != nil {
			return nil, err
		}
		if err := writeFileAtomic(certPath, certPEM, 0o644); err != nil {
			return nil, err
		}
	}
	return parseCA(certPEM, keyPEM)
}

func newCA() (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	template := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano()),
		Subject: pkix.Name{
			CommonName: "k3s-server-ca@" + strconv.FormatInt(now.Unix(), 10),
		},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), nil
}

func parseCA(certPEM, keyPEM []byte) (*clusterCA, error) {
	certBlock, _ := pem.Decode(certPEM)
	keyBlock, _ := pem.Decode(keyPEM)
	if certBlock == nil || keyBlock == nil {
		return nil, fmt.Errorf("server CA files are not PEM")
	}
	cert, err := x509.ParseCertificate(certBlock.Bytes)
	if err != nil {
		return nil, err
	}
	key, err := x509.ParseECPrivateKey(keyBlock.Bytes)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(certPEM)
	return &clusterCA{certPEM: certPEM, keyPEM: keyPEM, hash: hex.EncodeToString(sum[:]),
		cert: cert, key: key}, nil
}

// adminCert issues the kubeconfig's client certificate, signed by the cluster CA.
func (ca *clusterCA) adminCert() (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	template := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano()),
		Subject:      pkix.Name{CommonName: "system:admin", Organization: []string{"system:masters"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), nil
}

// writeKubeconfig writes the admin kubeconfig (default /etc/rancher/k3s/k3s.yaml, 0600)
// pointing at the loopback API address, as K3s does.
func (n *nodeStart) writeKubeconfig(ca *clusterCA) error {
	path := n.settings.str("write-kubeconfig")
	if path == "" {
		path = "/etc/rancher/k3s/k3s.yaml"
	}
	mode := uint64(0o600)
	if text := n.settings.str("write-kubeconfig-mode"); text != "" {
		var err error
		if mode, err = strconv.ParseUint(text, 8, 32); err != nil {
			return fmt.Errorf("invalid write-kubeconfig-mode %q: %w", text, err)
		}
	}
	port := n.settings.str("https-listen-port")
	if port == "" {
		port = "6443"
	}
	certPEM, keyPEM, err := ca.adminCert()
	if err != nil {
		return err
	}
	b64 := base64.StdEncoding.EncodeToString
	kubeconfig := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: default
  cluster:
    server: https://127.0.0.1:%s
    certificate-authority-data: %s
users:
- name: default
  user:
    client-certificate-data: %s
    client-key-data: %s
contexts:
- name: default
  context:
    cluster: default
    user: default
current-context: default
`, port, b64(ca.certPEM), b64(certPEM), b64(keyPEM))
	return writeFileAtomic(path, []byte(kubeconfig), os.FileMode(mode))
}
