/**
 * Local SSH nodes for end-to-end tests, the demo and benchmarks. Each node is one sshd on
 * 127.0.0.1 running in its own private mount namespace, where tmpfs hides the host's K3s,
 * CNI, systemd and sudoers folders, so a node can be provisioned, broken and thrown away
 * without touching the machine. /usr/local/bin holds the init-system double.
 */
import { execFile, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { promisify } from "util";
import {
  checkMachine, doubles, ensureDoublesBuilt, ensureUser, passwordSudoUser, sudoUser,
} from "./nodes-machine";
import { endProcesses, isNodeSshd, isRunning, nodeProcesses } from "./nodes-process";

export { checkMachine, doubles, passwordSudoUser, requiredTools, sudoUser } from "./nodes-machine";

export interface StartNodesOptions {
  /** Folder for the nodes' keys, configs and logs (one sub-folder per node). */
  dir: string;
  count: number;
  /** Node names; defaults to node-0, node-1, ... */
  names?: string[];
  /** Indexes of nodes that log in as `pk3s-sudo`, with passwordless sudo. */
  sudoUserIndexes?: number[];
  /** Indexes of nodes that log in as `pk3s-pwsudo`, whose sudo asks for a password. */
  passwordSudoIndexes?: number[];
  /** First port to try; by default the kernel picks free ports. */
  basePort?: number;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

/** The serialisable part of a node, as written to nodes.json. */
export interface NodeRecord {
  name: string;
  host: "127.0.0.1";
  port: number;
  user: string;
  /** The login key, OpenSSH private key text. */
  privateKey: string;
  privateKeyFile: string;
  /** The node's host key as an authorized_keys line (`ssh-ed25519 AAAA... comment`). */
  hostKey: string;
  /** A known_hosts file that pins the host key for this node's port. */
  knownHostsFile: string;
  sshdPid: number;
  sshdConfig: string;
  /** sshd's VERBOSE log; every accepted login is one line. */
  logFile: string;
  dir: string;
}

export interface SshNode extends NodeRecord {
  /** Runs a shell command as root inside the node's mount namespace. */
  exec(command: string, input?: string | Buffer): Promise<ExecResult>;
  /** How many SSH logins the node has accepted so far. */
  sshSessions(): number;
}

/** The mount points each node covers with its own tmpfs. */
export const nodeTmpfsPaths = [
  "/var/lib/rancher", "/etc/rancher", "/usr/local/bin", "/etc/systemd/system", "/opt/cni",
  "/etc/cni", "/var/lib/cni", "/var/tmp", "/run", "/etc/sudoers.d", "/data",
] as const;

const nodeRunDir = "/run/pk3s-node";
const run = promisify(execFile);

/** Starts `count` nodes in parallel and resolves once each one accepts TCP connections. */
export async function startNodes(options: StartNodesOptions): Promise<SshNode[]> {
  checkMachine();
  ensureDoublesBuilt();
  const indexes = [...Array(options.count).keys()];
  const users = indexes.map((i) => loginUser(options, i));
  new Set(users.filter((u) => u !== "root")).forEach(ensureUser);
  fs.mkdirSync(options.dir, { recursive: true });
  const ports = await freePorts(options.count, options.basePort);
  return Promise.all(indexes.map((i) => startNode({
    name: options.names?.[i] ?? `node-${i}`,
    dir: path.resolve(options.dir, options.names?.[i] ?? `node-${i}`),
    user: users[i],
    port: ports[i],
  })));
}

/** Ends each node's sshd and every process of the node, then removes the node's files. */
export async function stopNodes(nodes: NodeRecord[]): Promise<void> {
  await Promise.all(nodes.map(async (node) => {
    if (isRunning(node.sshdPid) && isNodeSshd(node.sshdPid, node.sshdConfig)) {
      const namespace = fs.readlinkSync(`/proc/${node.sshdPid}/ns/mnt`);
      await endProcesses(nodeProcesses(node.sshdPid));
      forgetK3sServers(namespace);
    }
    fs.rmSync(node.dir, { recursive: true, force: true });
  }));
}

/** Removes the K3s double's record of servers that ran in a node that is now gone. */
function forgetK3sServers(namespace: string): void {
  const inode = namespace.replace(/\D/g, "");
  const dir = doubles.serverRegistry;
  const entries = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  entries.filter((name) => name.startsWith(`${inode}-`))
    .forEach((name) => fs.rmSync(path.join(dir, name), { force: true }));
}

/** Rebuilds live nodes from records, e.g. those nodes-cli.ts wrote to nodes.json. */
export function attachNodes(records: NodeRecord[]): SshNode[] {
  return records.map((record) => ({
    ...record,
    exec: (command, input) => execInNode(record.sshdPid, command, input),
    sshSessions: () => countSessions(record.logFile),
  }));
}

/** The plain records of nodes, for JSON. */
export function nodeRecords(nodes: SshNode[]): NodeRecord[] {
  return nodes.map(({ exec: _exec, sshSessions: _sessions, ...record }) => record);
}

function loginUser(options: StartNodesOptions, index: number): string {
  if (options.passwordSudoIndexes?.includes(index)) {
    return passwordSudoUser;
  }
  return options.sudoUserIndexes?.includes(index) ? sudoUser : "root";
}

interface NodePlan {
  name: string;
  dir: string;
  user: string;
  port: number;
}

async function startNode(plan: NodePlan): Promise<SshNode> {
  fs.rmSync(plan.dir, { recursive: true, force: true });
  fs.mkdirSync(plan.dir, { recursive: true, mode: 0o700 });
  const hostKeyFile = path.join(plan.dir, "ssh_host_ed25519_key");
  const privateKeyFile = path.join(plan.dir, "id_ed25519");
  await Promise.all([
    run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `${plan.name}-host`, "-f",
      hostKeyFile]),
    run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `${plan.user}@${plan.name}`,
      "-f", privateKeyFile]),
  ]);
  const hostKey = fs.readFileSync(`${hostKeyFile}.pub`, "utf8").trim();
  const files = {
    knownHostsFile: path.join(plan.dir, "known_hosts"),
    sshdConfig: path.join(plan.dir, "sshd_config"),
    logFile: path.join(plan.dir, "sshd.log"),
  };
  let port = plan.port;
  // A free port can be taken between the check and sshd's bind: then try another.
  for (let attempt = 1; ; attempt++) {
    fs.writeFileSync(files.knownHostsFile, `[127.0.0.1]:${port} ${hostKey}\n`);
    fs.writeFileSync(files.sshdConfig, sshdConfigText(port, hostKeyFile));
    const setup = nodeSetupScript({
      authorizedKeys: `${privateKeyFile}.pub`, sshdConfig: files.sshdConfig, user: plan.user,
    });
    const sshdPid = spawnDetached(setup, files.logFile);
    try {
      await waitForPort(port, sshdPid, files.logFile);
    } catch (error) {
      if (attempt >= 3 || !/Address already in use/.test(String(error))) {
        throw error;
      }
      port = await kernelPort();
      continue;
    }
    return attachNodes([{
      name: plan.name, host: "127.0.0.1", port, user: plan.user,
      privateKey: fs.readFileSync(privateKeyFile, "utf8"), privateKeyFile, hostKey,
      sshdPid, dir: plan.dir, ...files,
    }])[0];
  }
}

/** Starts the setup script in a new mount namespace; unshare and sh exec, so the pid is sshd's. */
function spawnDetached(setup: string, logFile: string): number {
  const log = fs.openSync(logFile, "a");
  const child = spawn("unshare", ["-m", "--propagation", "private", "--", "/bin/sh", "-c",
    setup], { detached: true, stdio: ["ignore", log, log], cwd: "/" });
  fs.closeSync(log);
  child.unref();
  return child.pid!;
}

function sshdConfigText(port: number, hostKeyFile: string): string {
  return [
    `Port ${port}`, "ListenAddress 127.0.0.1", `HostKey ${hostKeyFile}`, "PidFile none",
    "UsePAM no", "PermitRootLogin prohibit-password", "PubkeyAuthentication yes",
    "PasswordAuthentication no", "KbdInteractiveAuthentication no",
    `AuthorizedKeysFile ${nodeRunDir}/authorized_keys`, "LogLevel VERBOSE", "UseDNS no",
    "PrintMotd no", "X11Forwarding no", "Subsystem sftp internal-sftp",
    // Tests and the engine open many connections to one node at once.
    "MaxStartups 100", "MaxSessions 100", "",
  ].join("\n");
}

/**
 * The shell run inside the new mount namespace before it becomes sshd. The authorized key
 * is copied into the node's /run so a non-root user can read it whatever the permissions
 * of the test's folder.
 */
export function nodeSetupScript(input: {
  authorizedKeys: string; sshdConfig: string; user: string;
}): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const lines = ["set -eu"];
  for (const dir of nodeTmpfsPaths) {
    lines.push(`mkdir -p ${dir}`, `mount -t tmpfs -o mode=0755,size=1g pk3s-node ${dir}`);
  }
  lines.push(
    "chmod 1777 /var/tmp",
    `mkdir -p /run/sshd /run/systemd/system /run/lock ${nodeRunDir}`,
    `cp ${q(input.authorizedKeys)} ${nodeRunDir}/authorized_keys`,
    `chmod 0644 ${nodeRunDir}/authorized_keys`,
    `cp ${q(doubles.systemctl)} ${q(doubles.journalctl)} /usr/local/bin/`,
  );
  const sudoRule = input.user === sudoUser ? "NOPASSWD: ALL" : "ALL";
  if (input.user !== "root") {
    lines.push(
      `echo ${q(`${input.user} ALL=(ALL:ALL) ${sudoRule}`)} > /etc/sudoers.d/pk3s-node`,
      "chmod 0440 /etc/sudoers.d/pk3s-node",
    );
  }
  lines.push(`exec /usr/sbin/sshd -D -e -f ${q(input.sshdConfig)}`);
  return lines.join("\n");
}

async function execInNode(pid: number, command: string, input?: string | Buffer):
  Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("nsenter", ["-t", String(pid), "-m", "--", "/bin/sh", "-c", command],
      { cwd: "/", stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code) => {
      const stdoutBytes = Buffer.concat(out);
      resolve({ code: code ?? -1, stdout: stdoutBytes.toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"), stdoutBytes });
    });
    // A command that exits before reading its stdin closes the pipe early; that is not an
    // error of the command.
    child.stdin.on("error", () => undefined);
    child.stdin.end(input ?? "");
  });
}

function countSessions(logFile: string): number {
  const text = fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : "";
  return text.split("\n").filter((line) => /\bAccepted \S+ for /.test(line)).length;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

async function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

async function freePorts(count: number, basePort?: number): Promise<number[]> {
  const ports: number[] = [];
  let candidate = basePort ?? 0;
  while (ports.length < count) {
    const port = basePort === undefined ? await kernelPort() : candidate++;
    if (!ports.includes(port) && await portIsFree(port)) {
      ports.push(port);
    }
  }
  return ports;
}

async function waitForPort(port: number, pid: number, logFile: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (!isRunning(pid)) {
      throw new Error(`sshd for port ${port} exited: ${fs.readFileSync(logFile, "utf8")}`);
    }
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`sshd on port ${port} did not accept connections within 10 s`);
}
