/**
 * An airgap install: the k3s binary, the install script and the images tarball are copied to
 * the node, and the install script runs with INSTALL_K3S_SKIP_DOWNLOAD. In your own project,
 * import from "pulumi-k3s".
 */
import * as pulumi from "@pulumi/pulumi";

import { K3sNode } from "../../components";

const config = new pulumi.Config();
const files = config.require("filesDir");

const node = new K3sNode("edge", {
    connection: {
        host: config.require("host"),
        hostKey: config.get("hostKey"),
        privateKey: config.requireSecret("privateKey"),
    },
    role: "server",
    version: "v1.31.7+k3s1",
    install: {
        airgap: {
            k3sBinary: `${files}/k3s`,
            installScript: `${files}/install.sh`,
            images: `${files}/k3s-airgap-images-amd64.tar.zst`,
        },
    },
});

export const k3sVersion = node.k3sVersion;
export const cniBinDir = node.cniBinDir;
export const kubeconfig = node.kubeconfig;
