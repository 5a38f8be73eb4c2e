/**
 * A node on a private network that only a jump host reaches, for c13.
 *
 * The private network is a network namespace of its own (`unshare -n`): its loopback is not
 * the machine's, so nothing outside the namespace can connect to the target's sshd. The
 * bastion has a foot in each network, like systemd's socket activation with `Accept=yes`: a
 * listener on the machine's 127.0.0.1 hands each connection to a new `sshd -i` that runs
 * inside the private network, from where it can forward to the target. No address is added
 * anywhere, and no packet leaves the two loopbacks.
 *
 * Both are NodeRecords, so `stopNodes` ends them and everything they started; `stop()` also
 * closes the listener.
 */
import { execFile, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { promisify } from "util";

import { attachNodes, doubles, NodeRecord, nodeTmpfsPaths, SshNode, stopNodes }
    from "../../support/nodes";

const run = promisify(execFile);

export interface JumpNetwork {
    /** The K3s node inside the private network: `host:port` there, not on the machine. */
    target: SshNode;
    /** The jump host: `host:port` on the machine's loopback. */
    bastion: SshNode;
    stop(): Promise<void>;
}

/** Starts the target, then the bastion in the target's network namespace. */
export async function startJumpNetwork(dir: string): Promise<JumpNetwork> {
    const targetPort = await freeLoopbackPort();
    const target = attachNodes([await startMachine({ dir: path.join(dir, "target"),
        name: "target", port: targetPort, k3sNode: true })])[0];
    let bastion: SshNode | undefined;
    let listener: net.Server | undefined;
    try {
        const inside = await startMachine({ dir: path.join(dir, "bastion"), name: "bastion",
            port: targetPort + 1, k3sNode: false, joinNetworkOf: target.sshdPid });
        listener = await listenOnLoopback(inside);
        const port = (listener.address() as net.AddressInfo).port;
        bastion = attachNodes([{ ...inside, port }])[0];
    } catch (error) {
        await stopNodes([target]);
        throw error;
    }
    return {
        target, bastion,
        stop: async () => {
            await new Promise<void>((resolve) => listener!.close(() => resolve()));
            await stopNodes([bastion!, target]);
        },
    };
}

interface MachinePlan {
    dir: string;
    name: string;
    /** The port sshd listens on inside the private network. */
    port: number;
    /** Give it the tmpfs folders and init-system doubles of a test node. */
    k3sNode: boolean;
    /** Join this process's network namespace instead of making a new one. */
    joinNetworkOf?: number;
}

/** One sshd in a new mount namespace and in the private network. */
async function startMachine(plan: MachinePlan): Promise<NodeRecord> {
    fs.mkdirSync(plan.dir, { recursive: true, mode: 0o700 });
    const hostKeyFile = path.join(plan.dir, "ssh_host_ed25519_key");
    const privateKeyFile = path.join(plan.dir, "id_ed25519");
    await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `${plan.name}-host`, "-f",
        hostKeyFile]);
    await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `root@${plan.name}`, "-f",
        privateKeyFile]);
    const record: NodeRecord = {
        name: plan.name, host: "127.0.0.1", port: plan.port, user: "root",
        privateKey: fs.readFileSync(privateKeyFile, "utf8"), privateKeyFile,
        hostKey: fs.readFileSync(`${hostKeyFile}.pub`, "utf8").trim(),
        knownHostsFile: path.join(plan.dir, "known_hosts"),
        sshdConfig: path.join(plan.dir, "sshd_config"),
        logFile: path.join(plan.dir, "sshd.log"),
        sshdPid: 0, dir: plan.dir,
    };
    const keysFile = `/run/pk3s-${plan.name}/authorized_keys`;
    fs.writeFileSync(record.knownHostsFile, `[127.0.0.1]:${plan.port} ${record.hostKey}\n`);
    fs.writeFileSync(record.sshdConfig, sshdConfig(plan.port, hostKeyFile, keysFile));
    const setup = setupScript(plan, `${privateKeyFile}.pub`, keysFile, record.sshdConfig);
    const namespaces = plan.joinNetworkOf === undefined ? ["unshare", "-m", "-n"]
        : ["nsenter", "-t", String(plan.joinNetworkOf), "-n", "--", "unshare", "-m"];
    const log = fs.openSync(record.logFile, "a");
    const child = spawn(namespaces[0], [...namespaces.slice(1), "--propagation", "private",
        "--", "/bin/sh", "-c", setup], { detached: true, stdio: ["ignore", log, log], cwd: "/" });
    fs.closeSync(log);
    child.unref();
    record.sshdPid = child.pid!;
    await waitForLog(record.logFile, `Server listening on 127.0.0.1 port ${plan.port}`);
    return record;
}

function sshdConfig(port: number, hostKeyFile: string, keysFile: string): string {
    return [
        `Port ${port}`, "ListenAddress 127.0.0.1", `HostKey ${hostKeyFile}`, "PidFile none",
        "UsePAM no", "PermitRootLogin prohibit-password", "PasswordAuthentication no",
        "KbdInteractiveAuthentication no", `AuthorizedKeysFile ${keysFile}`,
        "LogLevel VERBOSE", "UseDNS no", "Subsystem sftp internal-sftp",
        "MaxStartups 100", "MaxSessions 100", "",
    ].join("\n");
}

/** What runs in the new namespaces before it becomes sshd. */
function setupScript(plan: MachinePlan, publicKey: string, keysFile: string, config: string):
    string {
    const folders = plan.k3sNode ? nodeTmpfsPaths : ["/run"];
    return [
        "set -eu",
        ...(plan.joinNetworkOf === undefined ? ["ip link set lo up"] : []),
        ...folders.flatMap((d) => [`mkdir -p ${d}`, `mount -t tmpfs -o mode=0755 pk3s-jump ${d}`]),
        ...(plan.k3sNode ? ["chmod 1777 /var/tmp", "mkdir -p /run/systemd/system /run/lock",
            `cp '${doubles.systemctl}' '${doubles.journalctl}' /usr/local/bin/`] : []),
        `mkdir -p /run/sshd ${path.dirname(keysFile)}`,
        `cp '${publicKey}' ${keysFile}`,
        `exec /usr/sbin/sshd -D -e -f '${config}'`,
    ].join("\n");
}

/**
 * The bastion's public side: each connection to 127.0.0.1:<port> on the machine is served by
 * an `sshd -i` started in the bastion's namespaces, logging to the bastion's log.
 */
async function listenOnLoopback(bastion: NodeRecord): Promise<net.Server> {
    const server = net.createServer({ pauseOnConnect: true }, (socket) => {
        const log = fs.openSync(bastion.logFile, "a");
        const child = spawn("nsenter", ["-t", String(bastion.sshdPid), "-m", "-n", "--",
            "/usr/sbin/sshd", "-i", "-e", "-f", bastion.sshdConfig],
        { stdio: [socket, socket, log], cwd: "/" });
        fs.closeSync(log);
        child.on("error", () => socket.destroy());
        // The child holds its own copy of the connection from here on.
        socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
    });
    return server;
}

/** A port nothing listens on at the machine's 127.0.0.1 right now. */
export async function freeLoopbackPort(): Promise<number> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
    });
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
}

/** Whether a TCP connection from this process to 127.0.0.1:port is accepted. */
export function loopbackAccepts(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect(port, "127.0.0.1");
        socket.setTimeout(5000, () => { socket.destroy(); resolve(false); });
        socket.once("connect", () => { socket.destroy(); resolve(true); });
        socket.once("error", () => resolve(false));
    });
}

async function waitForLog(file: string, line: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
        const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
        if (text.includes(line)) {
            return;
        }
        if (/fatal|error:|Bad configuration/i.test(text)) {
            throw new Error(`sshd did not start: ${text}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no "${line}" in ${file} within 10 s`);
}
