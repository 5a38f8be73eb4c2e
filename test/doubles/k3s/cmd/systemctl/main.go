// Command systemctl is a test double of systemd's systemctl for nodes that run no init
// system. It keeps unit state under /run/k3s-double and runs a unit's ExecStart inside
// `start` (see run.go). It knows the verbs a K3s install and its readiness polling use.
// See test/doubles/README.md.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// options are the flags that change behaviour; the others systemctl accepts are ignored.
type options struct {
	quiet, noBlock, now, value bool
	properties                 []string
	lines                      int
}

func main() {
	if len(os.Args) > 3 && os.Args[1] == "__run" {
		u, err := loadUnit(os.Args[2])
		if err == nil {
			err = runUnit(u, os.Args[3])
		}
		if err != nil {
			os.Exit(1)
		}
		return
	}
	verb, units, opts, err := parseArgs(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(dispatch(verb, units, opts))
}

func parseArgs(args []string) (string, []string, options, error) {
	opts := options{lines: 10}
	var words []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		switch {
		case arg == "-q" || arg == "--quiet":
			opts.quiet = true
		case arg == "--no-block":
			opts.noBlock = true
		case arg == "--now":
			opts.now = true
		case arg == "--value":
			opts.value = true
		case arg == "-p" || arg == "--property" || arg == "-n" || arg == "--lines":
			if i+1 >= len(args) {
				return "", nil, opts, fmt.Errorf("option %s needs a value", arg)
			}
			i++
			opts.setListOption(arg, args[i])
		case strings.HasPrefix(arg, "--property=") || strings.HasPrefix(arg, "--lines="):
			name, value, _ := strings.Cut(arg, "=")
			opts.setListOption(name, value)
		case strings.HasPrefix(arg, "-"):
			// --no-pager, --full, --system, --no-ask-password and the like change nothing here.
		default:
			words = append(words, arg)
		}
	}
	if len(words) == 0 {
		return "", nil, opts, errors.New("systemctl double: missing verb")
	}
	units := make([]string, 0, len(words)-1)
	for _, w := range words[1:] {
		units = append(units, unitName(w))
	}
	return words[0], units, opts, nil
}

func (o *options) setListOption(name, value string) {
	if name == "-n" || name == "--lines" {
		fmt.Sscan(value, &o.lines)
		return
	}
	o.properties = append(o.properties, strings.Split(value, ",")...)
}

// dispatch runs one verb and returns systemctl's exit code for it.
func dispatch(verb string, units []string, opts options) int {
	switch verb {
	case "daemon-reload":
		return report(daemonReload())
	case "is-system-running":
		fmt.Println("running")
		return 0
	case "is-active", "is-failed":
		return isState(verb, units, opts)
	case "status":
		return status(units, opts)
	case "show":
		return show(units, opts)
	case "is-enabled":
		return isEnabledVerb(units, opts)
	}
	if len(units) == 0 {
		fmt.Fprintf(os.Stderr, "Too few arguments.\n")
		return 1
	}
	for _, name := range units {
		if code := unitVerb(verb, name, opts); code != 0 {
			return code
		}
	}
	return 0
}

func unitVerb(verb, name string, opts options) int {
	var err error
	switch verb {
	case "start":
		err = startUnit(name, opts.noBlock)
	case "stop":
		err = stopUnit(name)
	case "restart", "reload-or-restart", "try-restart":
		if err = stopUnit(name); err == nil {
			err = startUnit(name, opts.noBlock)
		}
	case "reset-failed":
		if activeState(name) == "failed" {
			setActiveState(name, "inactive")
		}
	case "enable", "disable":
		err = enableVerb(verb, name, opts)
	default:
		fmt.Fprintf(os.Stderr, "Unknown command verb '%s' (systemctl double).\n", verb)
		return 1
	}
	if errors.Is(err, errJobFailed) {
		fmt.Fprintf(os.Stderr, "Job for %s failed because the control process exited with "+
			"error code.\nSee \"systemctl status %s\" and \"journalctl -xeu %s\" for details.\n",
			name, name, name)
		return 1
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "Failed to %s %s: %v\n", verb, name, err)
		return 5
	}
	return 0
}

func enableVerb(verb, name string, opts options) error {
	u, err := loadUnit(name)
	if err != nil {
		return err
	}
	if verb == "enable" {
		if err := enable(u); err != nil || !opts.now {
			return err
		}
		return startUnit(name, opts.noBlock)
	}
	if err := disable(u); err != nil || !opts.now {
		return err
	}
	return stopUnit(name)
}

func report(err error) int {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
