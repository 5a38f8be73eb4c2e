// Package k3sfmt holds what the K3s test double needs to know about K3s releases: which
// release line got which containerd config behaviour, the template data K3s hands to a
// containerd config template, and minimal base templates of each config format. It is kept
// apart from the double's command so a matrix renderer can reuse the same version gates.
package k3sfmt

import (
	"fmt"
	"regexp"
	"strconv"
)

// Version is a K3s release such as v1.31.7+k3s1. Only 1.x releases exist.
type Version struct {
	Minor int
	Patch int
	// Raw is the string as given, kept for messages and the bundle hash.
	Raw string
}

var versionPattern = regexp.MustCompile(`^v?1\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)

// ParseVersion accepts the forms K3s uses for INSTALL_K3S_VERSION: v1.31.7+k3s1,
// v1.31.7-rc1+k3s1 and the bare 1.31.7. A release candidate counts as its release, since
// the features gated here land in the candidates first.
func ParseVersion(s string) (Version, error) {
	m := versionPattern.FindStringSubmatch(s)
	if m == nil {
		return Version{}, fmt.Errorf("invalid K3s version %q: expected a form like v1.31.7+k3s1", s)
	}
	minor, _ := strconv.Atoi(m[1])
	patch, _ := strconv.Atoi(m[2])
	return Version{Minor: minor, Patch: patch, Raw: s}, nil
}

// MustParseVersion is ParseVersion for constants in tests and tables.
func MustParseVersion(s string) Version {
	v, err := ParseVersion(s)
	if err != nil {
		panic(err)
	}
	return v
}

func (v Version) String() string {
	if v.Raw != "" {
		return v.Raw
	}
	return fmt.Sprintf("v1.%d.%d+k3s1", v.Minor, v.Patch)
}

// releaseGate says from which patch of each release line a change shipped. Lines from
// allFrom on have it in every patch; lines below the smallest key never got it.
type releaseGate struct {
	firstPatch map[int]int
	allFrom    int
}

func (g releaseGate) has(v Version) bool {
	if v.Minor >= g.allFrom {
		return true
	}
	first, ok := g.firstPatch[v.Minor]
	return ok && v.Patch >= first
}
