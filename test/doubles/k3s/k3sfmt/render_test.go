package k3sfmt

import (
	"strings"
	"testing"
)

const dataDir = "/var/lib/rancher/k3s"

func render(t *testing.T, version, file, user, flannel string) (string, error) {
	t.Helper()
	g := GatesFor(MustParseVersion(version))
	haveV3, haveV2 := file == "config-v3.toml.tmpl", file == "config.toml.tmpl"
	choice := g.ChooseTemplate(haveV3, haveV2)
	in := NodeInput{DataDir: dataDir, FlannelBackend: flannel, Choice: choice}
	if flannel != "none" {
		in.CNIBinDir, in.CNIConfDir = dataDir+"/data/cni", dataDir+"/agent/etc/cni/net.d"
	}
	return g.Render(choice, user, g.TemplateData(in))
}

func effective(t *testing.T, version, text string) (EffectiveCNI, error) {
	t.Helper()
	g := GatesFor(MustParseVersion(version))
	tree, err := g.ParseConfig("config.toml", []byte(text))
	if err != nil {
		return EffectiveCNI{}, err
	}
	return g.EffectiveCNI(tree)
}

func TestDefaultConfigPointsContainerdAtDataCNIWhileFlannelIsOn(t *testing.T) {
	for version, key := range map[string]string{
		"v1.30.6+k3s1":  `bin_dir = "/var/lib/rancher/k3s/data/cni"`,
		"v1.31.7+k3s1":  `bin_dir = "/var/lib/rancher/k3s/data/cni"`,
		"v1.32.9+k3s1":  `bin_dirs = ["/var/lib/rancher/k3s/data/cni"]`,
		"v1.35.3+k3s1":  `bin_dirs = ["/var/lib/rancher/k3s/data/cni"]`,
		"v1.31.13+k3s1": `bin_dirs = ["/var/lib/rancher/k3s/data/cni"]`,
	} {
		out, err := render(t, version, "", "", "vxlan")
		if err != nil || !strings.Contains(out, key) {
			t.Fatalf("%s: err %v, output lacks %s:\n%s", version, err, key, out)
		}
		cni, err := effective(t, version, out)
		if err != nil || cni.BinDirs[0] != dataDir+"/data/cni" {
			t.Errorf("%s: effective %+v, err %v", version, cni, err)
		}
	}
}

func TestFlannelNoneLeavesContainerdOnItsDefaults(t *testing.T) {
	for _, version := range []string{"v1.30.5+k3s1", "v1.31.6+k3s1", "v1.34.6+k3s1"} {
		out, err := render(t, version, "", "", "none")
		if err != nil || strings.Contains(out, ".cni]") {
			t.Fatalf("%s: err %v, CNI table present:\n%s", version, err, out)
		}
		cni, _ := effective(t, version, out)
		if cni.BinDirs[0] != DefaultCNIBinDir || cni.ConfDir != DefaultCNIConfDir {
			t.Errorf("%s: effective %+v", version, cni)
		}
	}
}

func TestCNITableAfterBaseIsValidOnlyWithFlannelOff(t *testing.T) {
	user := "{{ template \"base\" . }}\n[" + CNITableV3 + "]\n  bin_dir = \"/opt/x\"\n"
	out, err := render(t, "v1.31.7+k3s1", "config-v3.toml.tmpl", user, "none")
	if err != nil {
		t.Fatal(err)
	}
	if cni, err := effective(t, "v1.31.7+k3s1", out); err != nil || cni.BinDirs[0] != "/opt/x" {
		t.Errorf("effective %+v, err %v", cni, err)
	}
	out, _ = render(t, "v1.31.7+k3s1", "config-v3.toml.tmpl", user, "vxlan")
	_, err = effective(t, "v1.31.7+k3s1", out)
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("duplicated CNI table accepted: %v", err)
	}
}

func TestDuplicatedTablesOnContainerd17SayDuplicatedTables(t *testing.T) {
	user := "{{ template \"base\" . }}\n[" + CNITableV2 + "]\n  bin_dir = \"/opt/x\"\n"
	out, _ := render(t, "v1.30.6+k3s1", "config.toml.tmpl", user, "vxlan")
	_, err := effective(t, "v1.30.6+k3s1", out)
	if err == nil || !strings.Contains(err.Error(), "duplicated tables") {
		t.Errorf("got %v", err)
	}
}

func TestNoFlannelFailsAsTextTemplateDoesOnceRemoved(t *testing.T) {
	user := "{{ if not .NodeConfig.NoFlannel }}x = 1{{ end }}\n"
	if _, err := render(t, "v1.34.2+k3s1", "config-v3.toml.tmpl", user, "vxlan"); err != nil {
		t.Errorf("v1.34.2 should still know NoFlannel: %v", err)
	}
	_, err := render(t, "v1.34.3+k3s1", "config-v3.toml.tmpl", user, "vxlan")
	if err == nil || !strings.Contains(err.Error(), "can't evaluate field NoFlannel") {
		t.Errorf("got %v", err)
	}
}

func TestImportsLineNamesTheDropInFolderOfTheFormat(t *testing.T) {
	out, _ := render(t, "v1.34.6+k3s1", "", "", "vxlan")
	want := `imports = ["` + dataDir + `/agent/etc/containerd/config-v3.toml.d/*.toml"]`
	if !strings.Contains(out, want) {
		t.Errorf("missing %s in\n%s", want, out)
	}
	out, _ = render(t, "v1.34.6+k3s1", "config.toml.tmpl", `{{ template "base" . }}`, "vxlan")
	if !strings.Contains(out, "/config.toml.d/*.toml") {
		t.Errorf("v2 base lacks its drop-in folder:\n%s", out)
	}
}

func TestContainerd21RefusesBinDirBesideADifferentBinDirs(t *testing.T) {
	text := "version = 3\n[" + CNITableV3 + "]\n  bin_dir = \"/a\"\n  bin_dirs = [\"/b\"]\n"
	if _, err := effective(t, "v1.33.5+k3s1", text); err == nil {
		t.Error("containerd 2.1 accepted bin_dir and bin_dirs together")
	}
	cni, err := effective(t, "v1.33.4+k3s1", text)
	if err != nil || cni.BinDirs[0] != "/a" || len(cni.Warnings) != 1 {
		t.Errorf("containerd 2.0 should use bin_dir and ignore bin_dirs: %+v %v", cni, err)
	}
}

func TestDropInListsReplaceAndTablesMerge(t *testing.T) {
	main := map[string]any{"a": map[string]any{"dirs": []any{"/x"}, "k": "old", "o": 1}}
	MergeImport(main, map[string]any{"a": map[string]any{"dirs": []any{"/y"}, "k": "new"}})
	inner := main["a"].(map[string]any)
	dirs := inner["dirs"].([]any)
	if len(dirs) != 1 || dirs[0] != "/y" || inner["k"] != "new" || inner["o"] != 1 {
		t.Errorf("merged %v", main)
	}
}

func TestContainerd21TakesADefaultBinDirsAsUnset(t *testing.T) {
	text := "version = 3\n[" + CNITableV3 + "]\n  bin_dir = \"/a\"\n" +
		"  bin_dirs = [\"" + DefaultCNIBinDir + "\"]\n"
	cni, err := effective(t, "v1.33.5+k3s1", text)
	if err != nil || len(cni.BinDirs) != 1 || cni.BinDirs[0] != "/a" {
		t.Errorf("want bin_dir /a to win over the default bin_dirs: %+v %v", cni, err)
	}
	same := "version = 3\n[" + CNITableV3 + "]\n  bin_dir = \"/a\"\n  bin_dirs = [\"/a\"]\n"
	if _, err := effective(t, "v1.33.5+k3s1", same); err == nil {
		t.Error("containerd 2.1 refuses bin_dir beside bin_dirs even when they name one dir")
	}
}
