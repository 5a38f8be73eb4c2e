package main

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func cmdInputs(create string, extra resource.PropertyMap) resource.PropertyMap {
	m := resource.PropertyMap{
		"connection": resource.MakeSecret(resource.NewObjectProperty(resource.PropertyMap{
			"host": resource.NewStringProperty("127.0.0.1"),
		})),
		"create": resource.NewStringProperty(create),
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func TestCheckAppliesDefaultsInsideSecretConnection(t *testing.T) {
	in, failures := check(typeCommand, cmdInputs("true", nil))
	if len(failures) != 0 {
		t.Fatalf("unexpected failures: %v", failures)
	}
	if !in["connection"].IsSecret() {
		t.Fatal("connection lost its secret wrapper")
	}
	conn, _ := getObject(in, "connection")
	if getInt(conn, "port", 0) != 22 || getString(conn, "user") != "root" {
		t.Fatalf("defaults missing: %v", conn)
	}
}

func TestCheckRejectsMissingHostAndBadLogging(t *testing.T) {
	in := resource.PropertyMap{
		"connection": resource.NewObjectProperty(resource.PropertyMap{}),
		"logging":    resource.NewStringProperty("loud"),
	}
	_, failures := check(typeCommand, in)
	if len(failures) != 2 {
		t.Fatalf("want 2 failures, got %v", failures)
	}
}

func TestDiffKinds(t *testing.T) {
	trig := func(s string) resource.PropertyMap {
		return resource.PropertyMap{"triggers": resource.NewArrayProperty(
			[]resource.PropertyValue{resource.NewStringProperty(s)})}
	}
	cases := []struct {
		name          string
		olds, news    resource.PropertyMap
		changes       pulumirpc.DiffResponse_DiffChanges
		replaces, key string
	}{
		{"same", cmdInputs("a", nil), cmdInputs("a", nil), pulumirpc.DiffResponse_DIFF_NONE, "", ""},
		{"create", cmdInputs("a", nil), cmdInputs("b", nil),
			pulumirpc.DiffResponse_DIFF_SOME, "", "create"},
		{"triggers", cmdInputs("a", trig("1")), cmdInputs("a", trig("2")),
			pulumirpc.DiffResponse_DIFF_SOME, "triggers", "triggers"},
	}
	for _, c := range cases {
		res := diff(c.olds, c.news)
		if res.Changes != c.changes {
			t.Errorf("%s: changes %v", c.name, res.Changes)
		}
		if (c.replaces == "") != (len(res.Replaces) == 0) {
			t.Errorf("%s: replaces %v", c.name, res.Replaces)
		}
		if c.key != "" && res.DetailedDiff[c.key] == nil {
			t.Errorf("%s: no detailed diff for %s", c.name, c.key)
		}
	}
}

func TestDiffIgnoresSecretFlipAndOutputs(t *testing.T) {
	olds := cmdInputs("a", resource.PropertyMap{"stdout": resource.NewStringProperty("x")})
	news := cmdInputs("a", nil)
	news["create"] = resource.MakeSecret(news["create"])
	if res := diff(oldInputs(nil, olds), news); res.Changes != pulumirpc.DiffResponse_DIFF_NONE {
		t.Fatalf("want no changes, got %v", res.Diffs)
	}
}

func TestTrimOneRemovesSingleNewline(t *testing.T) {
	if got := trimOne("a\n\n"); got != "a\n" {
		t.Fatalf("got %q", got)
	}
}
