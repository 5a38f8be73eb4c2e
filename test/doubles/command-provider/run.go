package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"golang.org/x/crypto/ssh"
)

// maxStderrInError bounds how much stderr an error message carries.
const maxStderrInError = 4096

// commandRun is everything one remote run needs, read from a Command's inputs or state.
type commandRun struct {
	phase      string // create, update or delete: named in errors
	script     string
	conn       *connection
	env        map[string]string
	stdin      string
	logging    string
	prevStdout string
	prevStderr string
	usePrev    bool
}

func newCommandRun(phase, script string, in, prev resource.PropertyMap) (*commandRun, error) {
	cm, ok := getObject(in, "connection")
	if !ok {
		return nil, fmt.Errorf("connection is required")
	}
	conn, err := parseConnection(cm)
	if err != nil {
		return nil, err
	}
	r := &commandRun{
		phase: phase, script: script, conn: conn, env: map[string]string{},
		stdin: getString(in, "stdin"), logging: getString(in, "logging"),
		prevStdout: getString(prev, "stdout"), prevStderr: getString(prev, "stderr"),
		usePrev: getBool(in, "addPreviousOutputInEnv", true),
	}
	if env, ok := getObject(in, "environment"); ok {
		for k := range env {
			r.env[string(k)] = getString(env, string(k))
		}
	}
	if r.logging == "" {
		r.logging = "stdoutAndStderr"
	}
	return r, nil
}

// run opens one SSH connection and one session, like the real provider does per command.
func (r *commandRun) run(ctx context.Context, log engineLogger) (string, string, error) {
	client, err := r.conn.dial(ctx)
	if err != nil {
		return "", "", err
	}
	defer client.Close()
	// session.Run has no context; closing the client is what interrupts it on cancellation.
	stop := context.AfterFunc(ctx, func() { client.Close() })
	defer stop()

	session, err := client.NewSession()
	if err != nil {
		return "", "", fmt.Errorf("opening an SSH session: %w", err)
	}
	defer session.Close()
	if err := r.setenv(ctx, session, log); err != nil {
		return "", "", err
	}
	if r.stdin != "" {
		session.Stdin = strings.NewReader(r.stdin)
	}

	var stdout, stderr bytes.Buffer
	var mu sync.Mutex
	outLog := &lineLogger{ctx: ctx, log: log, mu: &mu, on: r.logging == "stdout"}
	errLog := &lineLogger{ctx: ctx, log: log, mu: &mu, on: r.logging == "stderr"}
	if r.logging == "stdoutAndStderr" {
		outLog.on, errLog.on = true, true
	}
	session.Stdout = multi(&stdout, outLog)
	session.Stderr = multi(&stderr, errLog)

	err = session.Run(r.script)
	outLog.flush()
	errLog.flush()
	if err != nil {
		return "", "", r.failure(err, stderr.String())
	}
	return trimOne(stdout.String()), trimOne(stderr.String()), nil
}

// setenv: `environment` must be accepted by the server (hard error, like the real provider
// since pulumi-command#395); the previous outputs are best effort and only warn.
func (r *commandRun) setenv(ctx context.Context, s *ssh.Session, log engineLogger) error {
	keys := make([]string, 0, len(r.env))
	for k := range r.env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := s.Setenv(k, r.env[k]); err != nil {
			return fmt.Errorf("could not set environment variable %q: %v "+
				"(the server's AcceptEnv must allow it)", k, err)
		}
	}
	if !r.usePrev {
		return nil
	}
	prev := [][2]string{{"PULUMI_COMMAND_STDOUT", r.prevStdout},
		{"PULUMI_COMMAND_STDERR", r.prevStderr}}
	for _, kv := range prev {
		if kv[1] == "" {
			continue
		}
		if err := s.Setenv(kv[0], kv[1]); err != nil {
			log.log(ctx, pulumirpc.LogSeverity_WARNING,
				fmt.Sprintf("could not set %s on the remote session: %v", kv[0], err))
		}
	}
	return nil
}

// failure names the phase, the exit status and stderr; never the script or stdin, which may
// hold secrets.
func (r *commandRun) failure(err error, stderr string) error {
	var exit *ssh.ExitError
	status := err.Error()
	if errors.As(err, &exit) {
		status = fmt.Sprintf("exit status %d", exit.ExitStatus())
	}
	if len(stderr) > maxStderrInError {
		stderr = "..." + stderr[len(stderr)-maxStderrInError:]
	}
	return fmt.Errorf("%s command failed on %s: %s; stderr:\n%s",
		r.phase, r.conn.address(), status, strings.TrimRight(stderr, "\n"))
}

// trimOne removes exactly one trailing newline, as the real provider's outputs do.
func trimOne(s string) string {
	return strings.TrimSuffix(s, "\n")
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func multi(buf *bytes.Buffer, l *lineLogger) writerFunc {
	return func(p []byte) (int, error) {
		buf.Write(p)
		l.write(p)
		return len(p), nil
	}
}

// lineLogger streams complete lines to the engine log while the command runs.
type lineLogger struct {
	ctx     context.Context
	log     engineLogger
	mu      *sync.Mutex
	on      bool
	partial []byte
}

func (l *lineLogger) write(p []byte) {
	if !l.on {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			return
		}
		l.log.log(l.ctx, pulumirpc.LogSeverity_INFO, string(l.partial[:i]))
		l.partial = l.partial[i+1:]
	}
}

func (l *lineLogger) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.on && len(l.partial) > 0 {
		l.log.log(l.ctx, pulumirpc.LogSeverity_INFO, string(l.partial))
	}
	l.partial = nil
}
