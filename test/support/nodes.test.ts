/**
 * Specification of the local SSH test nodes and of the init-system and K3s doubles they
 * carry. Needs root (mount namespaces); run with
 *   npx mocha -r ts-node/register test/support/nodes.test.ts
 */
import * as assert from "node:assert/strict";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { doubles, passwordSudoUser, SshNode, startNodes, stopNodes, sudoUser } from "./nodes";
import { isRunning, nodeProcesses } from "./nodes-process";

function ssh(node: SshNode, command: string): Promise<{ code: number; output: string }> {
  const args = ["-i", node.privateKeyFile, "-p", String(node.port), "-o", "BatchMode=yes",
    "-o", `UserKnownHostsFile=${node.knownHostsFile}`, "-o", "StrictHostKeyChecking=yes",
    `${node.user}@${node.host}`, command];
  return new Promise((resolve) => {
    execFile("ssh", args, { timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      resolve({ code, output: stdout + stderr });
    });
  });
}

describe("local SSH test nodes", function () {
  this.timeout(30_000);
  let dir: string;
  let nodes: SshNode[];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pk3s-nodes-"));
    nodes = await startNodes({ dir, count: 3, sudoUserIndexes: [1], passwordSudoIndexes: [2] });
  });

  after(async () => {
    await stopNodes(nodes ?? []);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("listens on distinct loopback ports and accepts logins pinned to each host key", async () => {
    assert.equal(new Set(nodes.map((n) => n.port)).size, 3);
    const before = nodes[0].sshSessions();
    const logins = await Promise.all(nodes.map((n) => ssh(n, "id -un")));
    assert.deepEqual(logins.map((l) => l.output.trim()), ["root", sudoUser, passwordSudoUser]);
    assert.equal(nodes[0].sshSessions(), before + 1);
  });

  it("gives pk3s-sudo passwordless sudo and makes pk3s-pwsudo's sudo ask for one", async () => {
    assert.equal((await ssh(nodes[1], "sudo -n id -u")).output.trim(), "0");
    const refused = await ssh(nodes[2], "sudo -n id -u");
    assert.notEqual(refused.code, 0);
    assert.match(refused.output, /password is required/);
    assert.equal(fs.existsSync("/etc/sudoers.d/pk3s-node"), false);
  });

  it("hides the machine's K3s folders behind each node's own tmpfs", async () => {
    await nodes[0].exec("mkdir -p /var/lib/rancher/k3s && echo x > /var/lib/rancher/k3s/mark");
    assert.equal(fs.existsSync("/var/lib/rancher/k3s/mark"), false);
    assert.equal((await nodes[1].exec("ls -A /var/lib/rancher")).stdout, "");
    const mode = await nodes[0].exec("stat -c %a /var/tmp /run/sshd /run/systemd/system");
    assert.deepEqual(mode.stdout.split("\n").slice(0, 3), ["1777", "755", "755"]);
  });

  it("installs the K3s double airgap-style and renders a custom-CNI v3 template", async () => {
    const node = nodes[1];
    await node.exec("mkdir -p /var/tmp/airgap && cat > /var/tmp/airgap/k3s",
      fs.readFileSync(doubles.k3s));
    await node.exec("cat > /var/tmp/airgap/install.sh", fs.readFileSync(doubles.installScript));
    const template = '{{ template "base" . }}\n'
      + "[plugins.'io.containerd.cri.v1.runtime'.cni]\n  bin_dir = \"/opt/cni/bin\"\n";
    await node.exec("mkdir -p /etc/rancher/k3s /var/lib/rancher/k3s/agent/etc/containerd"
      + " && printf 'flannel-backend: none\\ntoken: t0k\\n' > /etc/rancher/k3s/config.yaml"
      + " && cat > /var/lib/rancher/k3s/agent/etc/containerd/config-v3.toml.tmpl", template);

    const install = await ssh(node, "sudo install -m 0755 /var/tmp/airgap/k3s /usr/local/bin/k3s"
      + " && sudo env INSTALL_K3S_SKIP_DOWNLOAD=true INSTALL_K3S_SKIP_START=true"
      + " INSTALL_K3S_VERSION=v1.31.7+k3s1 INSTALL_K3S_EXEC=server sh /var/tmp/airgap/install.sh"
      + " && sudo systemctl restart --no-block k3s"
      + " && for i in $(seq 50); do systemctl is-active --quiet k3s && break; sleep 0.1; done"
      + " && systemctl is-active k3s && k3s --version");
    assert.match(install.output, /^active$/m, install.output);
    assert.match(install.output, /k3s version v1\.31\.7\+k3s1 \(double\)/);

    const config = await node.exec("cat /var/lib/rancher/k3s/agent/etc/containerd/config.toml");
    assert.match(config.stdout, /^version = 3$/m);
    assert.equal(config.stdout.match(/\.cni\]/g)?.length, 1);
    const info = JSON.parse((await node.exec("k3s crictl info")).stdout);
    assert.deepEqual(info.config.cni, { binDir: "/opt/cni/bin", confDir: "/etc/cni/net.d" });
    const modes = await node.exec("stat -c '%a' /var/lib/rancher/k3s/server/token "
      + "/etc/rancher/k3s/k3s.yaml /etc/systemd/system/k3s.service.env");
    assert.deepEqual(modes.stdout.trim().split("\n"), ["600", "600", "600"]);
  });

  it("ends every process of a node on stop, also a service start left running", async () => {
    const node = nodes[0];
    await node.exec("cp " + doubles.k3s + " /usr/local/bin/k3s && mkdir -p /run/k3s-double"
      + " && echo K3S_DOUBLE_NEVER_READY=true > /run/k3s-double/env"
      + " && INSTALL_K3S_SKIP_DOWNLOAD=true INSTALL_K3S_SKIP_START=true sh "
      + doubles.installScript + " >/dev/null && systemctl start --no-block k3s");
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal((await node.exec("systemctl is-active k3s")).stdout.trim(), "activating");
    const pids = nodeProcesses(node.sshdPid);
    assert.ok(pids.length >= 3, `expected sshd and the background start, got ${pids}`);

    await stopNodes([node]);
    assert.deepEqual(pids.filter(isRunning), []);
    assert.equal(fs.existsSync(node.dir), false);
    nodes = nodes.slice(1);
  });
});
