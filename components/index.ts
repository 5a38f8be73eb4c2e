/**
 * pulumi-k3s: Pulumi components that turn Linux machines reachable over SSH into K3s nodes.
 */
export { K3sNode, toCommandConnection } from "./node";
export { K3sCluster, NodeCniDirs, rewriteKubeconfigServer } from "./cluster";
export { K3sNodeArgs, CniArgs, InstallArgs, AirgapArgs } from "./args/node";
export { K3sClusterArgs, K3sClusterNodeArgs } from "./args/cluster";
export { SshConnectionArgs, SshProxyArgs } from "./args/connection";
export { K3sArgsError, ArgProblem } from "./args/errors";
export { NodePlan, planNode, DEFAULT_INSTALL_SCRIPT_URL } from "./args/plan";
export * from "./k3s/containerd";
export * from "./k3s/version";
export * from "./k3s/paths";
export { Taint, checkNodeLabels, checkNodeTaints, formatTaint } from "./k3s/labels";
export { K3sConfigValue, renderConfigYaml } from "./k3s/config";
export { shellQuote } from "./steps/shell";
