package main

import (
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

const (
	typeCommand      = "command:remote:Command"
	typeCopyToRemote = "command:remote:CopyToRemote"
)

// outputOnly lists state keys that are outputs, not inputs, so old state can stand in for
// old inputs when the engine sends none.
var outputOnly = map[resource.PropertyKey]bool{"stdout": true, "stderr": true}

var loggingModes = map[string]bool{
	"stdout": true, "stderr": true, "stdoutAndStderr": true, "none": true,
}

// check applies the defaults of the 1.2.1 schema and reports missing or invalid inputs.
// Unknown values (preview) are accepted as they are.
func check(
	typ string, news resource.PropertyMap,
) (resource.PropertyMap, []*pulumirpc.CheckFailure) {
	in := news.Copy()
	var failures []*pulumirpc.CheckFailure
	fail := func(prop, reason string) {
		failures = append(failures, &pulumirpc.CheckFailure{Property: prop, Reason: reason})
	}
	if typ != typeCommand && typ != typeCopyToRemote {
		fail("", "the pulumi-k3s stand-in provider does not implement "+typ)
		return in, failures
	}
	conn, ok := in["connection"]
	switch {
	case !ok || conn.IsNull():
		fail("connection", "missing required property 'connection'")
	case !conn.ContainsUnknowns():
		in["connection"] = connectionDefaults(conn)
		if cm, isObj := getObject(in, "connection"); !isObj || getString(cm, "host") == "" {
			fail("connection.host", "missing required property 'connection.host'")
		}
	}
	if typ == typeCommand {
		if _, ok := in["addPreviousOutputInEnv"]; !ok {
			in["addPreviousOutputInEnv"] = resource.NewBoolProperty(true)
		}
		if l := plain(in["logging"]); l.IsString() && !loggingModes[l.StringValue()] {
			fail("logging", "logging must be stdout, stderr, stdoutAndStderr or none")
		}
		return in, failures
	}
	if rp := plain(in["remotePath"]); !rp.IsComputed() && (!rp.IsString() || rp.StringValue() == "") {
		fail("remotePath", "missing required property 'remotePath'")
	}
	src := plain(in["source"])
	switch {
	case src.IsComputed():
	case src.IsAsset() && (src.AssetValue().IsPath() || src.AssetValue().IsText()):
	case src.IsArchive() && src.ArchiveValue().IsPath():
	default:
		fail("source", "source must be a FileAsset, a StringAsset or a FileArchive of a path")
	}
	return in, failures
}

// diff compares old and new inputs key by key. `triggers` forces a replace (the real
// provider does the same, pulumi-command#855); any other change is an in-place update.
// Secret wrappers are ignored so that a flip of secret-ness alone is no change.
func diff(olds, news resource.PropertyMap) *pulumirpc.DiffResponse {
	keys := map[resource.PropertyKey]bool{}
	for k := range olds {
		keys[k] = true
	}
	for k := range news {
		keys[k] = true
	}
	res := &pulumirpc.DiffResponse{
		Changes:         pulumirpc.DiffResponse_DIFF_NONE,
		HasDetailedDiff: true,
		DetailedDiff:    map[string]*pulumirpc.PropertyDiff{},
	}
	for k := range keys {
		if outputOnly[k] {
			continue
		}
		o, oldOK := olds[k]
		n, newOK := news[k]
		oldOK, newOK = oldOK && !o.IsNull(), newOK && !n.IsNull()
		kind := pulumirpc.PropertyDiff_UPDATE
		switch {
		case !oldOK && !newOK:
			continue
		case !oldOK:
			kind = pulumirpc.PropertyDiff_ADD
		case !newOK:
			kind = pulumirpc.PropertyDiff_DELETE
		case !n.ContainsUnknowns() && plain(o).DeepEquals(plain(n)):
			continue
		}
		if k == "triggers" {
			kind = replaceKind[kind]
			res.Replaces = append(res.Replaces, string(k))
		}
		res.Diffs = append(res.Diffs, string(k))
		res.DetailedDiff[string(k)] = &pulumirpc.PropertyDiff{Kind: kind, InputDiff: true}
	}
	if len(res.Diffs) > 0 {
		res.Changes = pulumirpc.DiffResponse_DIFF_SOME
	}
	sort.Strings(res.Diffs)
	return res
}

var replaceKind = map[pulumirpc.PropertyDiff_Kind]pulumirpc.PropertyDiff_Kind{
	pulumirpc.PropertyDiff_ADD:    pulumirpc.PropertyDiff_ADD_REPLACE,
	pulumirpc.PropertyDiff_DELETE: pulumirpc.PropertyDiff_DELETE_REPLACE,
	pulumirpc.PropertyDiff_UPDATE: pulumirpc.PropertyDiff_UPDATE_REPLACE,
}

// oldInputs prefers the inputs the engine recorded; older states only have outputs.
func oldInputs(oldIns, olds resource.PropertyMap) resource.PropertyMap {
	if len(oldIns) > 0 {
		return oldIns
	}
	m := resource.PropertyMap{}
	for k, v := range olds {
		if !outputOnly[k] {
			m[k] = v
		}
	}
	return m
}
