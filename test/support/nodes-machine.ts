/**
 * What test nodes need from the machine: the Debian packages that provide the tools, the
 * non-root login users, and the built init-system and K3s doubles.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/** Logs in as this user with passwordless sudo (`NOPASSWD`). */
export const sudoUser = "pk3s-sudo";
/** Logs in as this user, whose sudo asks for a password. */
export const passwordSudoUser = "pk3s-pwsudo";

const doublesDir = path.resolve(__dirname, "..", "doubles", "k3s");

/** Paths of the test doubles that nodes and tests use. */
export const doubles = {
  /** The K3s binary double, to be placed at `<bin-dir>/k3s` on a node. */
  k3s: path.join(doublesDir, "bin", "k3s"),
  /** The install.sh double (airgap flow only). */
  installScript: path.join(doublesDir, "install.sh"),
  /** The init-system doubles every node gets in /usr/local/bin. */
  systemctl: path.join(doublesDir, "bin", "systemctl"),
  journalctl: path.join(doublesDir, "bin", "journalctl"),
  buildScript: path.join(doublesDir, "build.sh"),
  /** Where double servers record themselves for joining nodes (on the shared /tmp). */
  serverRegistry: "/tmp/pk3s-k3s-double/servers",
};

/** Each tool a node needs, where it is looked up, and the apt package that provides it. */
export const requiredTools: ReadonlyArray<{ tool: string; aptPackage: string }> = [
  { tool: "/usr/sbin/sshd", aptPackage: "openssh-server" },
  { tool: "ssh-keygen", aptPackage: "openssh-client" },
  { tool: "ssh", aptPackage: "openssh-client" },
  { tool: "sudo", aptPackage: "sudo" },
  { tool: "unshare", aptPackage: "util-linux" },
  { tool: "nsenter", aptPackage: "util-linux" },
  { tool: "mount", aptPackage: "mount" },
  { tool: "useradd", aptPackage: "passwd" },
  { tool: "usermod", aptPackage: "passwd" },
  { tool: "sha256sum", aptPackage: "coreutils" },
];

function onPath(tool: string): boolean {
  if (path.isAbsolute(tool)) {
    return fs.existsSync(tool);
  }
  const dirs = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];
  return dirs.some((dir) => fs.existsSync(path.join(dir, tool)));
}

/** Throws, naming the apt packages to install, when a tool nodes need is missing. */
export function checkMachine(): void {
  if (process.getuid?.() !== 0) {
    throw new Error("test nodes need root: they mount tmpfs in private mount namespaces");
  }
  const missing = requiredTools.filter((t) => !onPath(t.tool));
  if (missing.length > 0) {
    const packages = [...new Set(missing.map((t) => t.aptPackage))].join(" ");
    const tools = missing.map((t) => t.tool).join(", ");
    throw new Error(`missing ${tools}: run apt-get install -y ${packages}`);
  }
}

/** Builds the doubles unless their binaries exist (build.sh is cheap when up to date). */
export function ensureDoublesBuilt(): void {
  if (fs.existsSync(doubles.systemctl) && fs.existsSync(doubles.k3s)) {
    return;
  }
  execFileSync("sh", [doubles.buildScript], { stdio: "inherit" });
}

/**
 * Creates a login user on the machine once. Its password field is set to `*`: no password
 * can match it, yet sshd (without PAM) does not treat the account as locked, as it does
 * for the `!` useradd writes.
 */
export function ensureUser(name: string): void {
  const exists = fs.readFileSync("/etc/passwd", "utf8").split("\n")
    .some((line) => line.startsWith(`${name}:`));
  if (!exists) {
    execFileSync("useradd", ["--create-home", "--shell", "/bin/bash", name]);
  }
  const shadow = fs.readFileSync("/etc/shadow", "utf8").split("\n")
    .find((line) => line.startsWith(`${name}:`));
  if (shadow?.split(":")[1].startsWith("!")) {
    execFileSync("usermod", ["-p", "*", name]);
  }
}
