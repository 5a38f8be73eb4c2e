package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

const servicePath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

var errJobFailed = errors.New("job failed")

// startUnit is `systemctl start`. The service's command runs to completion inside the
// start: the K3s double exits 0 once K3s would have signalled readiness, which is when a
// Type=notify start returns. With --no-block the same run happens in the background while
// the unit reads "activating".
func startUnit(name string, noBlock bool) error {
	u, err := loadUnit(name)
	if err != nil {
		return err
	}
	switch activeState(name) {
	case "active":
		return nil
	case "activating":
		// Like systemd, a start while one is under way joins it instead of running twice.
		if runInProgress(name) {
			return joinRun(name, noBlock)
		}
	}
	runID := newRunID()
	writeState(name, "run", runID)
	setActiveState(name, "activating")
	if !noBlock {
		return runUnit(u, runID)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	background := exec.Command(self, "__run", name, runID)
	background.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	return background.Start()
}

// runUnit runs ExecStart with the unit's environment and umask and records the outcome,
// unless a stop replaced this run in the meantime.
func runUnit(u *unit, runID string) error {
	env, err := unitEnvironment(u)
	if err != nil {
		return err
	}
	journal, err := os.OpenFile(statePath(u.name, "log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY,
		0o644)
	if err != nil {
		return err
	}
	defer journal.Close()
	fmt.Fprintf(journal, "-- %s: Starting %s --\n", time.Now().UTC().Format(time.RFC3339), u.name)
	cmd := exec.Command(u.execStart[0], u.execStart[1:]...)
	cmd.Env, cmd.Dir, cmd.Stdout, cmd.Stderr = env, "/", journal, journal
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	syscall.Umask(int(u.umask))
	if err := cmd.Start(); err != nil {
		return finishRun(u.name, runID, err)
	}
	writeState(u.name, "pid", strconv.Itoa(cmd.Process.Pid))
	countStart(u.name)
	return finishRun(u.name, runID, cmd.Wait())
}

func finishRun(name, runID string, err error) error {
	if readState(name, "run") != runID {
		return nil
	}
	writeState(name, "pid", "")
	if err == nil {
		setActiveState(name, "active")
		writeState(name, "result", "success")
		return nil
	}
	setActiveState(name, "failed")
	writeState(name, "result", "exit-code")
	return errJobFailed
}

func unitEnvironment(u *unit) ([]string, error) {
	env := []string{"PATH=" + servicePath, "LANG=C.UTF-8", "K3S_DOUBLE_UNIT=" + u.name}
	env = append(env, u.environment...)
	for _, file := range append(u.envFiles, "-"+extraEnvFile) {
		vars, err := readEnvFile(file)
		if err != nil {
			return nil, err
		}
		env = append(env, vars...)
	}
	return env, nil
}

// stopUnit ends a start still in progress (its whole process group) and marks the unit
// inactive.
func stopUnit(name string) error {
	if _, err := loadUnit(name); err != nil {
		return err
	}
	writeState(name, "run", "")
	if pid, err := strconv.Atoi(readState(name, "pid")); err == nil && pid > 0 {
		killGroup(pid)
	}
	writeState(name, "pid", "")
	setActiveState(name, "inactive")
	return nil
}

func killGroup(pid int) {
	if syscall.Kill(-pid, syscall.SIGTERM) != nil {
		return
	}
	for i := 0; i < 50; i++ {
		if syscall.Kill(-pid, 0) != nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	syscall.Kill(-pid, syscall.SIGKILL)
}

func runInProgress(name string) bool {
	pid, err := strconv.Atoi(readState(name, "pid"))
	return err == nil && pid > 0 && syscall.Kill(pid, 0) == nil
}

func joinRun(name string, noBlock bool) error {
	for !noBlock && activeState(name) == "activating" {
		time.Sleep(100 * time.Millisecond)
	}
	if !noBlock && activeState(name) == "failed" {
		return errJobFailed
	}
	return nil
}

func newRunID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}
