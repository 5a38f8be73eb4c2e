package main

import (
	"fmt"
	"os"
	"strings"
)

// isState is is-active / is-failed: one line per unit, exit 0 only if all match.
func isState(verb string, units []string, opts options) int {
	want := "active"
	if verb == "is-failed" {
		want = "failed"
	}
	code := 0
	for _, name := range units {
		state := activeState(name)
		if !opts.quiet {
			fmt.Println(state)
		}
		if state != want {
			code = 3
		}
	}
	if verb == "is-failed" && code != 0 {
		return 1
	}
	return code
}

func isEnabledVerb(units []string, opts options) int {
	code := 0
	for _, name := range units {
		u, err := loadUnit(name)
		if err != nil {
			fmt.Fprintf(os.Stderr, "Failed to get unit file state for %s: No such file or "+
				"directory\n", name)
			return 1
		}
		state := "disabled"
		if isEnabled(u) {
			state = "enabled"
		} else {
			code = 1
		}
		if !opts.quiet {
			fmt.Println(state)
		}
	}
	return code
}

// status prints a short summary and the last journal lines of each unit.
func status(units []string, opts options) int {
	code := 0
	for _, name := range units {
		u, err := loadUnit(name)
		if err != nil {
			fmt.Fprintf(os.Stderr, "Unit %s could not be found.\n", name)
			return 4
		}
		state := activeState(name)
		enabled := "disabled"
		if isEnabled(u) {
			enabled = "enabled"
		}
		fmt.Printf("● %s - %s\n     Loaded: loaded (%s; %s)\n     Active: %s (%s) since %s\n",
			name, u.description, u.path, enabled, state, subState(name), readState(name, "since"))
		fmt.Println(tail(readState(name, "log"), opts.lines))
		if state != "active" {
			code = 3
		}
	}
	return code
}

// show prints the properties asked for with -p (all known ones without -p).
func show(units []string, opts options) int {
	names := opts.properties
	if len(names) == 0 {
		names = []string{"Id", "ActiveState", "SubState", "Result", "MainPID", "UnitFileState",
			"FragmentPath"}
	}
	for _, name := range units {
		for _, property := range names {
			value := unitProperty(name, property)
			if opts.value {
				fmt.Println(value)
			} else {
				fmt.Printf("%s=%s\n", property, value)
			}
		}
	}
	return 0
}

func unitProperty(name, property string) string {
	switch property {
	case "Id":
		return name
	case "ActiveState":
		return activeState(name)
	case "SubState":
		return subState(name)
	case "Result":
		return orValue(readState(name, "result"), "success")
	case "MainPID":
		return "0"
	case "UnitFileState":
		if u, err := loadUnit(name); err == nil && isEnabled(u) {
			return "enabled"
		}
		return "disabled"
	case "FragmentPath":
		path, _ := findUnitFile(name)
		return path
	}
	return ""
}

func subState(name string) string {
	switch activeState(name) {
	case "active":
		// The double's service has finished its work; systemd would say "running".
		return "exited"
	case "activating":
		return "start"
	case "failed":
		return "failed"
	}
	return "dead"
}

func tail(text string, lines int) string {
	all := strings.Split(text, "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

func orValue(value, fallback string) string {
	if value == "" {
		return fallback
	}
	return value
}
