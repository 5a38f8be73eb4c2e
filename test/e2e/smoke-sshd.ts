/**
 * A throwaway OpenSSH server on 127.0.0.1 with its own config, host key and authorized_keys,
 * for the engine smoke test. The system's sshd and its config are never touched.
 *
 * Debian's sshd refuses to start as root without /run/sshd, so it runs in a private mount
 * namespace with a tmpfs on /run: the directory exists only for this process.
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";

export interface Sshd {
    port: number;
    /** The server's host key as an authorized_keys line, for `connection.hostKey`. */
    hostKey: string;
    /** The client's private key (OpenSSH PEM) and public key line. */
    privateKey: string;
    clientPublicKey: string;
    logPath: string;
    /** Successful logins so far, counted from sshd's log. */
    logins(): number;
    stop(): void;
}

function keygen(file: string): void {
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", file]);
}

async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.once("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const port = (srv.address() as net.AddressInfo).port;
            srv.close(() => resolve(port));
        });
    });
}

async function waitForPort(port: number, child: ChildProcess, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
        if (child.exitCode !== null) {
            throw new Error(`sshd exited with ${child.exitCode}`);
        }
        const open = await new Promise<boolean>((resolve) => {
            const s = net.connect(port, "127.0.0.1", () => { s.destroy(); resolve(true); });
            s.once("error", () => resolve(false));
        });
        if (open) {
            return;
        }
        await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`sshd did not listen on ${port} within ${ms} ms`);
}

export async function startSshd(dir: string): Promise<Sshd> {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const hostKeyFile = path.join(dir, "host_ed25519");
    const clientKeyFile = path.join(dir, "client_ed25519");
    keygen(hostKeyFile);
    keygen(clientKeyFile);
    const clientPublicKey = fs.readFileSync(`${clientKeyFile}.pub`, "utf8").trim();
    fs.writeFileSync(path.join(dir, "authorized_keys"), `${clientPublicKey}\n`, { mode: 0o600 });
    const port = await freePort();
    const config = path.join(dir, "sshd_config");
    fs.writeFileSync(config, [
        `Port ${port}`, "ListenAddress 127.0.0.1", `HostKey ${hostKeyFile}`,
        `AuthorizedKeysFile ${path.join(dir, "authorized_keys")}`, "PidFile none",
        "UsePAM no", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
        "PermitRootLogin prohibit-password", "StrictModes no", "AcceptEnv LANG LC_* SMOKE_*",
        "Subsystem sftp internal-sftp", "LogLevel INFO", "",
    ].join("\n"));
    const logPath = path.join(dir, "sshd.log");
    const log = fs.openSync(logPath, "a");
    const script = 'mount -t tmpfs tmpfs /run && mkdir -m 755 /run/sshd && ' +
        'exec /usr/sbin/sshd -D -e -f "$0"';
    // exec all the way down, so child.pid is sshd's own pid.
    const child = spawn("unshare", ["--mount", "--propagation", "private", "sh", "-c", script,
        config], { stdio: ["ignore", log, log] });
    fs.closeSync(log);
    try {
        await waitForPort(port, child, 5000);
    } catch (e) {
        child.kill("SIGTERM");
        throw new Error(`${(e as Error).message}\n${fs.readFileSync(logPath, "utf8")}`);
    }
    return {
        port, clientPublicKey, logPath,
        hostKey: fs.readFileSync(`${hostKeyFile}.pub`, "utf8").trim(),
        privateKey: fs.readFileSync(clientKeyFile, "utf8"),
        logins: () => (fs.readFileSync(logPath, "utf8").match(/Accepted publickey/g) ?? []).length,
        stop: () => { child.kill("SIGTERM"); },
    };
}
