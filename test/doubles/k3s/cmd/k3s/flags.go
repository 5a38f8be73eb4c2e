package main

import "strings"

// flagKind says how a K3s flag takes its value, which the parser needs to tell a flag's
// value from the next flag, and how repeated values combine.
type flagKind int

const (
	valueFlag flagKind = iota
	boolFlag
	listFlag
)

type flagSpec struct {
	kind       flagKind
	serverOnly bool
	env        string
}

// The flags of `k3s server` and `k3s agent` that the double accepts. Most are accepted and
// otherwise ignored; like K3s, a flag outside this set is an error on the command line and
// a skipped key, with a warning, in a config file.
var (
	commonValues = "config data-dir token token-file server node-name node-ip node-external-ip " +
		"node-internal-dns node-external-dns resolv-conf flannel-iface flannel-conf " +
		"flannel-cni-conf-file image-credential-provider-bin-dir bind-address " +
		"image-credential-provider-config container-runtime-endpoint default-runtime " +
		"image-service-endpoint pause-image snapshotter private-registry lb-server-port " +
		"vpn-auth vpn-auth-file log v vmodule log-file"
	commonLists = "node-label node-taint kubelet-arg kube-proxy-arg airgap-extra-registry"
	commonBools = "debug docker prefer-bundled-bin rootless selinux protect-kernel-defaults " +
		"with-node-id alsologtostderr disable-default-registry-endpoint disable-apiserver-lb " +
		"lb-server-port-disable nonroot-devices"
	serverValues = "agent-token agent-token-file advertise-address advertise-port " +
		"https-listen-port supervisor-port apiserver-port apiserver-bind-address " +
		"service-node-port-range cluster-domain flannel-backend egress-selector-mode " +
		"servicelb-namespace write-kubeconfig write-kubeconfig-mode write-kubeconfig-group " +
		"helm-job-image datastore-endpoint datastore-cafile datastore-certfile " +
		"datastore-keyfile default-local-storage-path system-default-registry " +
		"secrets-encryption-provider cluster-reset-restore-path etcd-snapshot-schedule-cron " +
		"etcd-snapshot-retention etcd-snapshot-dir etcd-snapshot-name etcd-s3-endpoint " +
		"etcd-s3-endpoint-ca etcd-s3-region etcd-s3-bucket etcd-s3-folder etcd-s3-access-key " +
		"etcd-s3-secret-key etcd-s3-timeout etcd-s3-proxy etcd-s3-config-secret"
	serverLists = "cluster-cidr service-cidr cluster-dns tls-san disable kube-apiserver-arg " +
		"etcd-arg kube-controller-manager-arg kube-scheduler-arg " +
		"kube-cloud-controller-manager-arg"
	serverBools = "cluster-init cluster-reset disable-network-policy disable-kube-proxy " +
		"disable-cloud-controller disable-helm-controller disable-scheduler disable-apiserver " +
		"disable-controller-manager disable-etcd disable-agent secrets-encryption " +
		"flannel-ipv6-masq flannel-external-ip embedded-registry supervisor-metrics " +
		"etcd-expose-metrics etcd-disable-snapshots etcd-snapshot-compress etcd-s3 " +
		"etcd-s3-insecure etcd-s3-skip-ssl-verify tls-san-security kine-tls enable-pprof"
)

// The environment variables K3s binds to flags (documented in the facts the double follows).
var flagEnv = map[string]string{
	"data-dir":              "K3S_DATA_DIR",
	"token":                 "K3S_TOKEN",
	"token-file":            "K3S_TOKEN_FILE",
	"server":                "K3S_URL",
	"agent-token":           "K3S_AGENT_TOKEN",
	"config":                "K3S_CONFIG_FILE",
	"write-kubeconfig-mode": "K3S_KUBECONFIG_MODE",
	"write-kubeconfig":      "K3S_KUBECONFIG_OUTPUT",
	"node-name":             "K3S_NODE_NAME",
}

var shortFlags = map[string]string{
	"d": "data-dir", "t": "token", "s": "server", "c": "config", "o": "write-kubeconfig",
}

func flagsFor(role string) map[string]flagSpec {
	specs := map[string]flagSpec{}
	add := func(names string, kind flagKind, serverOnly bool) {
		for _, name := range strings.Fields(names) {
			specs[name] = flagSpec{kind: kind, serverOnly: serverOnly, env: flagEnv[name]}
		}
	}
	add(commonValues, valueFlag, false)
	add(commonLists, listFlag, false)
	add(commonBools, boolFlag, false)
	if role == "server" {
		add(serverValues, valueFlag, true)
		add(serverLists, listFlag, true)
		add(serverBools, boolFlag, true)
	}
	return specs
}
