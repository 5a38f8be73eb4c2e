package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// errHostKey is not retried: a wrong key will not become right by waiting.
var errHostKey = errors.New("host key mismatch")

func (c *connection) address() string {
	return net.JoinHostPort(c.host, strconv.Itoa(c.port))
}

func (c *connection) clientConfig() (*ssh.ClientConfig, error) {
	auth, err := c.authMethods()
	if err != nil {
		return nil, err
	}
	cfg := &ssh.ClientConfig{
		User:    c.user,
		Auth:    auth,
		Timeout: time.Duration(c.perDialTimeout) * time.Second,
		// Without a pinned key the real provider accepts any host key; so does this double.
		HostKeyCallback: ssh.InsecureIgnoreHostKey(),
	}
	if c.hostKey != "" {
		want, _, _, _, err := ssh.ParseAuthorizedKey([]byte(c.hostKey))
		if err != nil {
			return nil, fmt.Errorf("connection.hostKey is not an authorized_keys line: %v", err)
		}
		cfg.HostKeyCallback = pinnedHostKey(want)
		// Ask the server for the pinned key's type, or it may offer another key it holds.
		cfg.HostKeyAlgorithms = hostKeyAlgorithms(want.Type())
	}
	return cfg, nil
}

func pinnedHostKey(want ssh.PublicKey) ssh.HostKeyCallback {
	return func(host string, _ net.Addr, got ssh.PublicKey) error {
		if bytes.Equal(got.Marshal(), want.Marshal()) {
			return nil
		}
		return fmt.Errorf("%w for %s: server offered %s %s, connection.hostKey is %s %s",
			errHostKey, host, got.Type(), ssh.FingerprintSHA256(got),
			want.Type(), ssh.FingerprintSHA256(want))
	}
}

func hostKeyAlgorithms(keyType string) []string {
	if keyType == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{keyType}
}

// authMethods never puts key material into an error message.
func (c *connection) authMethods() ([]ssh.AuthMethod, error) {
	var methods []ssh.AuthMethod
	if c.privateKey != "" {
		var signer ssh.Signer
		var err error
		if c.privateKeyPassword != "" {
			signer, err = ssh.ParsePrivateKeyWithPassphrase(
				[]byte(c.privateKey), []byte(c.privateKeyPassword))
		} else {
			signer, err = ssh.ParsePrivateKey([]byte(c.privateKey))
		}
		if err != nil {
			return nil, fmt.Errorf("connection.privateKey could not be parsed (%T)", err)
		}
		methods = append(methods, ssh.PublicKeys(signer))
	}
	if c.password != "" {
		pw := c.password
		methods = append(methods, ssh.Password(pw),
			ssh.KeyboardInteractive(func(_, _ string, qs []string, _ []bool) ([]string, error) {
				answers := make([]string, len(qs))
				for i := range answers {
					answers[i] = pw
				}
				return answers, nil
			}))
	}
	// Like the real provider, an agent is used when named or when SSH_AUTH_SOCK is set, and a
	// dead socket is an error (pulumi-tools.sh unsets SSH_AUTH_SOCK for that reason).
	sock := c.agentSocketPath
	if sock == "" {
		sock = os.Getenv("SSH_AUTH_SOCK")
	}
	if sock != "" {
		conn, err := net.Dial("unix", sock)
		if err != nil {
			return nil, fmt.Errorf("dialing the SSH agent at %s: %v", sock, err)
		}
		methods = append(methods, ssh.PublicKeysCallback(agent.NewClient(conn).Signers))
	}
	if len(methods) == 0 {
		return nil, fmt.Errorf("connection needs privateKey, password or an SSH agent")
	}
	return methods, nil
}

// dial connects, through the proxy when one is set, retrying as the real provider does:
// dialErrorLimit attempts (-1: unlimited), backoff from 100ms, x1.5, capped at 5s.
func (c *connection) dial(ctx context.Context) (*ssh.Client, error) {
	cfg, err := c.clientConfig()
	if err != nil {
		return nil, err
	}
	if c.proxy == nil {
		return retry(ctx, c, func() (*ssh.Client, error) {
			return ssh.Dial("tcp", c.address(), cfg)
		})
	}
	jump, err := c.proxy.dial(ctx)
	if err != nil {
		return nil, fmt.Errorf("proxy %s: %w", c.proxy.address(), err)
	}
	client, err := retry(ctx, c, func() (*ssh.Client, error) {
		conn, err := jump.Dial("tcp", c.address())
		if err != nil {
			return nil, err
		}
		sc, chans, reqs, err := ssh.NewClientConn(conn, c.address(), cfg)
		if err != nil {
			conn.Close()
			return nil, err
		}
		return ssh.NewClient(sc, chans, reqs), nil
	})
	if err != nil {
		jump.Close()
		return nil, err
	}
	// Closing the target must also close the jump connection under it.
	go func() { _ = client.Wait(); jump.Close() }()
	return client, nil
}

func retry(ctx context.Context, c *connection, f func() (*ssh.Client, error)) (*ssh.Client, error) {
	wait := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		client, err := f()
		if err == nil {
			return client, nil
		}
		if errors.Is(err, errHostKey) || (c.dialErrorLimit >= 0 && attempt >= c.dialErrorLimit) {
			return nil, fmt.Errorf("dial %s@%s failed after %d attempt(s): %w",
				c.user, c.address(), attempt, err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*3/2, 5*time.Second)
	}
}
