package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Where the double looks for unit files, in systemd's order of precedence for the two
// folders a node's tmpfs provides.
var unitDirs = []string{"/etc/systemd/system", "/run/systemd/system"}

// unit is the part of a service unit the double acts on.
type unit struct {
	name        string
	path        string
	text        string
	description string
	execStart   []string
	envFiles    []string
	environment []string
	umask       os.FileMode
	wantedBy    []string
}

func unitName(arg string) string {
	if strings.Contains(arg, ".") {
		return arg
	}
	return arg + ".service"
}

func findUnitFile(name string) (string, bool) {
	for _, dir := range unitDirs {
		path := filepath.Join(dir, name)
		if info, err := os.Stat(path); err == nil && info.Mode().IsRegular() {
			return path, true
		}
	}
	return "", false
}

// parseUnit reads the directives the double needs. Continuation lines (a trailing
// backslash) are joined as systemd joins them.
func parseUnit(name, path, text string) (*unit, error) {
	u := &unit{name: name, path: path, text: text, umask: 0o022}
	scanner := bufio.NewScanner(strings.NewReader(text))
	logical := ""
	for scanner.Scan() {
		line := strings.TrimSpace(scanner.Text())
		if cont, ok := strings.CutSuffix(line, "\\"); ok {
			logical += cont + " "
			continue
		}
		logical += line
		if err := u.directive(logical); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		logical = ""
	}
	if len(u.execStart) == 0 {
		return nil, fmt.Errorf("%s has no ExecStart", path)
	}
	return u, nil
}

func (u *unit) directive(line string) error {
	key, value, ok := strings.Cut(line, "=")
	if !ok || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";") {
		return nil
	}
	var err error
	switch strings.TrimSpace(key) {
	case "Description":
		u.description = value
	case "ExecStart":
		u.execStart, err = splitCommandLine(strings.TrimLeft(value, "-@+!"))
	case "EnvironmentFile":
		u.envFiles = append(u.envFiles, value)
	case "Environment":
		words, splitErr := splitCommandLine(value)
		u.environment, err = append(u.environment, words...), splitErr
	case "UMask":
		var mask uint32
		_, err = fmt.Sscanf(value, "%o", &mask)
		u.umask = os.FileMode(mask)
	case "WantedBy":
		u.wantedBy = append(u.wantedBy, strings.Fields(value)...)
	}
	return err
}

// splitCommandLine splits as systemd does for ExecStart: words separated by blanks, double
// or single quotes group, a backslash escapes the next character, "$$" is a dollar and "%%"
// a percent sign.
func splitCommandLine(line string) ([]string, error) { return splitWords(line, true) }

// splitWords splits quoted words; specifiers says whether "$$" and "%%" are escapes, which
// holds in unit directives and not in environment files.
func splitWords(line string, specifiers bool) ([]string, error) {
	var words []string
	var word strings.Builder
	inWord := false
	var quote rune
	runes := []rune(line)
	for i := 0; i < len(runes); i++ {
		r := runes[i]
		switch {
		case r == '\\' && quote != '\'' && i+1 < len(runes):
			i++
			word.WriteRune(runes[i])
			inWord = true
		case specifiers && (r == '$' || r == '%') && i+1 < len(runes) && runes[i+1] == r:
			i++
			word.WriteRune(r)
			inWord = true
		case quote != 0 && r == quote:
			quote = 0
		case quote == 0 && (r == '"' || r == '\''):
			quote, inWord = r, true
		case quote == 0 && (r == ' ' || r == '\t'):
			if inWord {
				words = append(words, word.String())
				word.Reset()
				inWord = false
			}
		default:
			word.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unbalanced quotes in %q", line)
	}
	if inWord {
		words = append(words, word.String())
	}
	return words, nil
}

// readEnvFile reads KEY=VALUE lines; "-" before the path makes a missing file fine.
func readEnvFile(spec string) ([]string, error) {
	path, optional := strings.CutPrefix(spec, "-")
	text, err := os.ReadFile(path)
	if os.IsNotExist(err) && optional {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var env []string
	for _, line := range strings.Split(string(text), "\n") {
		line = strings.TrimSpace(line)
		key, value, ok := strings.Cut(line, "=")
		if !ok || line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		words, err := splitWords(value, false)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		env = append(env, strings.TrimSpace(key)+"="+strings.Join(words, " "))
	}
	return env, nil
}
