package k3sfmt

import "testing"

func TestGatesFollowTheReleaseLines(t *testing.T) {
	cases := []struct {
		version                                          string
		staticCNI, configV3, binDirs, noFlannel, imports bool
	}{
		{"v1.30.5+k3s1", false, false, false, true, false},
		{"v1.30.6+k3s1", true, false, false, true, false},
		{"v1.31.1+k3s1", false, false, false, true, false},
		{"v1.31.2+k3s1", true, false, false, true, false},
		{"v1.31.5+k3s1", true, false, false, true, false},
		{"v1.31.6+k3s1", true, true, false, true, false},
		{"v1.31.7+k3s1", true, true, false, true, false},
		{"v1.31.13+k3s1", true, true, true, true, false},
		{"v1.32.1+k3s1", true, false, false, true, false},
		{"v1.32.2+k3s1", true, true, false, true, false},
		{"v1.32.9+k3s1", true, true, true, true, false},
		{"v1.32.11+k3s1", true, true, true, false, false},
		{"v1.33.0+k3s1", true, true, false, true, false},
		{"v1.34.0+k3s1", true, true, false, true, false},
		{"v1.34.1+k3s1", true, true, true, true, false},
		{"v1.34.5+k3s1", true, true, true, false, false},
		{"v1.34.6+k3s1", true, true, true, false, true},
		{"v1.35.0-rc1+k3s1", true, true, true, false, false},
		{"1.35.3", true, true, true, false, true},
		{"v1.36.0+k3s1", true, true, true, false, true},
	}
	for _, c := range cases {
		g := GatesFor(MustParseVersion(c.version))
		got := []bool{g.StaticCNIDir, g.ConfigV3, g.BinDirs, g.NoFlannelField, g.Imports}
		want := []bool{c.staticCNI, c.configV3, c.binDirs, c.noFlannel, c.imports}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s: gates %v, want %v", c.version, got, want)
				break
			}
		}
	}
}

func TestParseVersionRejectsOtherForms(t *testing.T) {
	for _, s := range []string{"", "latest", "v2.0.0", "v1.31", "v1.31.7 +k3s1"} {
		if _, err := ParseVersion(s); err == nil {
			t.Errorf("ParseVersion(%q) accepted", s)
		}
	}
}

func TestV3TemplateWinsOnlyOnReleasesThatKnowIt(t *testing.T) {
	before := GatesFor(MustParseVersion("v1.31.5+k3s1"))
	if c := before.ChooseTemplate(true, true); c.File != "config.toml.tmpl" || c.ConfigVersion != 2 {
		t.Errorf("v1.31.5 with both templates chose %+v", c)
	}
	if c := before.ChooseTemplate(true, false); c.File != "" || c.ConfigVersion != 2 {
		t.Errorf("v1.31.5 with only the v3 template chose %+v", c)
	}
	after := GatesFor(MustParseVersion("v1.31.6+k3s1"))
	if c := after.ChooseTemplate(true, true); c.File != "config-v3.toml.tmpl" || c.ConfigVersion != 3 {
		t.Errorf("v1.31.6 with both templates chose %+v", c)
	}
	if c := after.ChooseTemplate(false, true); c.File != "config.toml.tmpl" || c.ConfigVersion != 2 {
		t.Errorf("v1.31.6 with the v2 template chose %+v", c)
	}
	if c := after.ChooseTemplate(false, false); c.File != "" || c.ConfigVersion != 3 {
		t.Errorf("v1.31.6 with no template chose %+v", c)
	}
}
