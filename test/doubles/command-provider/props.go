package main

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"google.golang.org/protobuf/types/known/structpb"
)

// Wire options: secrets and unknowns must survive the round trip so that secret inputs come
// back secret and preview can answer with unknown outputs.
var wireOpts = plugin.MarshalOptions{
	KeepUnknowns: true, KeepSecrets: true, SkipNulls: true, ComputeAssetHashes: true,
}

func unmarshal(s *structpb.Struct) (resource.PropertyMap, error) {
	if s == nil {
		return resource.PropertyMap{}, nil
	}
	return plugin.UnmarshalProperties(s, wireOpts)
}

func marshal(m resource.PropertyMap) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, wireOpts)
}

// plain strips secret wrappers at every depth. Reading a value does not care about
// secret-ness; outputs are built from the wrapped inputs, so nothing is lost.
func plain(v resource.PropertyValue) resource.PropertyValue {
	switch {
	case v.IsSecret():
		return plain(v.SecretValue().Element)
	case v.IsObject():
		m := resource.PropertyMap{}
		for k, e := range v.ObjectValue() {
			m[k] = plain(e)
		}
		return resource.NewObjectProperty(m)
	case v.IsArray():
		a := make([]resource.PropertyValue, len(v.ArrayValue()))
		for i, e := range v.ArrayValue() {
			a[i] = plain(e)
		}
		return resource.NewArrayProperty(a)
	}
	return v
}

func getString(m resource.PropertyMap, key string) string {
	v := plain(m[resource.PropertyKey(key)])
	if v.IsString() {
		return v.StringValue()
	}
	return ""
}

func getInt(m resource.PropertyMap, key string, def int) int {
	v := plain(m[resource.PropertyKey(key)])
	if v.IsNumber() {
		return int(v.NumberValue())
	}
	return def
}

func getBool(m resource.PropertyMap, key string, def bool) bool {
	v := plain(m[resource.PropertyKey(key)])
	if v.IsBool() {
		return v.BoolValue()
	}
	return def
}

func getObject(m resource.PropertyMap, key string) (resource.PropertyMap, bool) {
	v := plain(m[resource.PropertyKey(key)])
	if v.IsObject() {
		return v.ObjectValue(), true
	}
	return nil, false
}

// connection mirrors the `connection` input (and its `proxy`) of @pulumi/command 1.2.1.
type connection struct {
	host, user, password, privateKey, privateKeyPassword string
	hostKey, agentSocketPath                             string
	port, dialErrorLimit, perDialTimeout                 int
	proxy                                                *connection
}

func parseConnection(m resource.PropertyMap) (*connection, error) {
	c := &connection{
		host:               getString(m, "host"),
		user:               getString(m, "user"),
		password:           getString(m, "password"),
		privateKey:         getString(m, "privateKey"),
		privateKeyPassword: getString(m, "privateKeyPassword"),
		hostKey:            getString(m, "hostKey"),
		agentSocketPath:    getString(m, "agentSocketPath"),
		port:               getInt(m, "port", 22),
		dialErrorLimit:     getInt(m, "dialErrorLimit", 10),
		perDialTimeout:     getInt(m, "perDialTimeout", 15),
	}
	if c.host == "" {
		return nil, fmt.Errorf("connection.host is required")
	}
	if c.user == "" {
		c.user = "root"
	}
	if p, ok := getObject(m, "proxy"); ok {
		proxy, err := parseConnection(p)
		if err != nil {
			return nil, fmt.Errorf("proxy: %w", err)
		}
		c.proxy = proxy
	}
	return c, nil
}

// connectionDefaults fills the schema defaults of 1.2.1 (the SDK usually did already) and
// keeps a secret wrapper around the whole connection if there was one.
func connectionDefaults(v resource.PropertyValue) resource.PropertyValue {
	if v.IsSecret() {
		return resource.MakeSecret(connectionDefaults(v.SecretValue().Element))
	}
	if !v.IsObject() {
		return v
	}
	m := v.ObjectValue().Copy()
	defaults := resource.PropertyMap{
		"port": resource.NewNumberProperty(22), "user": resource.NewStringProperty("root"),
		"dialErrorLimit": resource.NewNumberProperty(10),
		"perDialTimeout": resource.NewNumberProperty(15),
	}
	for k, d := range defaults {
		if cur, ok := m[k]; !ok || cur.IsNull() {
			m[k] = d
		}
	}
	if p, ok := m["proxy"]; ok && !p.IsNull() {
		m["proxy"] = connectionDefaults(p)
	}
	return resource.NewObjectProperty(m)
}

// secretConnectionFields marks credentials secret in outputs, as the real provider does,
// even when the program passed them in plain text.
func secretConnectionFields(v resource.PropertyValue) resource.PropertyValue {
	if v.IsSecret() || !v.IsObject() {
		return v
	}
	m := v.ObjectValue().Copy()
	for _, k := range []resource.PropertyKey{"password", "privateKey", "privateKeyPassword"} {
		if e, ok := m[k]; ok && !e.IsNull() && !e.IsSecret() && !e.IsComputed() {
			m[k] = resource.MakeSecret(e)
		}
	}
	if p, ok := m["proxy"]; ok {
		m["proxy"] = secretConnectionFields(p)
	}
	return resource.NewObjectProperty(m)
}
