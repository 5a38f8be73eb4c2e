package k3sfmt

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"text/template"

	toml "github.com/pelletier/go-toml/v2"
)

// FuncMap holds the functions K3s offers to Linux containerd templates on this release.
func (g Gates) FuncMap() template.FuncMap {
	funcs := template.FuncMap{
		"deschemify": func(s string) string {
			if _, rest, ok := strings.Cut(s, "://"); ok {
				return rest
			}
			return s
		},
		"toJson": func(v any) string {
			out, err := json.Marshal(v)
			if err != nil {
				return ""
			}
			return string(out)
		},
	}
	if g.FilepathJoin {
		funcs["filepathjoin"] = filepath.Join
	}
	return funcs
}

// Render produces config.toml text. The user template is parsed next to a template named
// "base" holding this release's base of the chosen format, so `{{ template "base" . }}`
// works; with no user template (choice.File empty) the base alone is rendered. Parse and
// execution errors are text/template's own.
func (g Gates) Render(choice TemplateChoice, userTemplate string, data any) (string, error) {
	name := choice.File
	if name == "" {
		name = "config.toml"
		userTemplate = `{{ template "base" . }}`
	}
	t := template.New(name).Funcs(g.FuncMap())
	if _, err := t.New("base").Parse(g.BaseTemplate(choice.ConfigVersion)); err != nil {
		return "", err
	}
	if _, err := t.Parse(userTemplate); err != nil {
		return "", err
	}
	var out strings.Builder
	if err := t.Execute(&out, data); err != nil {
		return "", err
	}
	return out.String(), nil
}

// ParseConfig loads config.toml text as containerd would, failing on invalid TOML and on a
// table or key defined twice. The message follows the TOML library of the release's
// containerd line: 1.7 reports "duplicated tables", 2.x reports the table by name.
func (g Gates) ParseConfig(path string, text []byte) (map[string]any, error) {
	var tree map[string]any
	err := toml.Unmarshal(text, &tree)
	if err == nil {
		return tree, nil
	}
	var decodeErr *toml.DecodeError
	if !errors.As(err, &decodeErr) {
		return nil, fmt.Errorf("failed to load TOML from %s: %w", path, err)
	}
	row, col := decodeErr.Position()
	if g.ContainerdLine() == "1.7" && strings.Contains(err.Error(), "already exists") {
		return nil, fmt.Errorf("failed to load TOML from %s: (%d, %d): duplicated tables",
			path, row, col)
	}
	return nil, fmt.Errorf("failed to load TOML from %s: line %d column %d: %w",
		path, row, col, err)
}
