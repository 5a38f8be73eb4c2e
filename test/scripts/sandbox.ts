/**
 * Runs generated step scripts for real, as root, in a private mount namespace: the root file
 * system is an overlay whose writes land in a tmpfs, and tmpfs is mounted over
 * /var/lib/rancher, /etc/rancher, /opt/cni and /data. Nothing outside the namespace changes.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** The folders each run starts empty (tmpfs, 0755 root:root) and that are listed and kept. */
export const SANDBOX_ROOTS = ["/var/lib/rancher", "/etc/rancher", "/opt/cni", "/data"];

/** One command run by the login shell, as `<shell> -c '<command>'`. */
export interface Run {
    command: string;
    stdin?: string;
    /** The umask the login shell starts with. Defaults to 022. */
    umask?: string;
    /** The login shell. Defaults to bash. */
    shell?: "bash" | "dash";
    /** Shell lines run as root before this run, e.g. to change a fixture between runs. */
    before?: string;
    /** The login user; defaults to root. */
    user?: string;
}

export interface RunResult {
    code: number;
    stdout: string;
    stderr: string;
    /** `find` listing of every sandbox root after the run: path, mode, owner, size, mtime, link
     *  target, and a sha256 per regular file. */
    listing: string;
}

export interface SandboxSpec {
    /** Shell lines run as root before the first run (bash, `set -e`). */
    setup?: string;
    runs: Run[];
    /** Shell lines run as root after the last run; their output is `inspect`. */
    inspect?: string;
    /** Executables put first on PATH, by name: fake sudo, systemctl, a killing mv... */
    fakes?: Record<string, string>;
    /** Extra paths to keep in the copied tree, besides the sandbox roots. */
    keep?: string[];
}

export interface SandboxResult {
    runs: RunResult[];
    inspect: string;
    /** The host path where `sandboxPath` was copied (with `cp -a`) after the last run. */
    hostPath(sandboxPath: string): string;
}

const created: string[] = [];

/** Removes every sandbox's host folder; call from `afterEach`. */
export function disposeSandboxes(): void {
    for (const dir of created.splice(0)) {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const DRIVER = String.raw`set -eu
T=$1
nr=$T/ns/root
mount -t tmpfs -o mode=0755 tmpfs "$T/ns"
mkdir "$T/ns/upper" "$T/ns/work" "$nr"
mount -t overlay overlay -o "lowerdir=/,upperdir=$T/ns/upper,workdir=$T/ns/work" "$nr"
for m in proc dev sys; do mount --rbind "/$m" "$nr/$m"; done
mkdir -p "$nr/pk3s-io"
mount --bind "$T/io" "$nr/pk3s-io"
for d in $ROOTS; do mkdir -p "$nr$d"; mount -t tmpfs -o mode=0755 tmpfs "$nr$d"; done
exec chroot "$nr" /bin/bash /pk3s-io/inner.sh
`;

const INNER = String.raw`set -u
io=/pk3s-io
cd /
list() {
  find $ROOTS -printf '%p %M %u:%g %s %T@ %l\n' | sort
  find $ROOTS -type f -exec sha256sum {} + | sort -k 2
}
if [ -f $io/setup.sh ]; then
  bash -e $io/setup.sh > $io/setup.out 2>&1 || { cat $io/setup.out >&2; exit 90; }
fi
i=0
while [ -f $io/cmd-$i ]; do
  if [ -f $io/before-$i.sh ]; then bash -e $io/before-$i.sh >&2 || exit 91; fi
  (
    umask "$(cat $io/umask-$i)"
    exec runuser -u "$(cat $io/user-$i)" -- env -i HOME=/ LANG=C \
      PATH="$io/bin:/usr/sbin:/usr/bin:/sbin:/bin" "$(cat $io/shell-$i)" -c "$(cat $io/cmd-$i)"
  ) < $io/stdin-$i > $io/out-$i 2> $io/err-$i
  echo $? > $io/rc-$i
  list > $io/list-$i
  i=$((i + 1))
done
if [ -f $io/inspect.sh ]; then bash $io/inspect.sh > $io/inspect.out 2>&1; fi
mkdir $io/tree
cp -a --parents $ROOTS $KEEP $io/tree/ 2>/dev/null || true
`;

/** Runs the spec in a fresh sandbox and returns what each run printed and changed. */
export function sandbox(spec: SandboxSpec): SandboxResult {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pk3s-sandbox-"));
    created.push(dir);
    const io = path.join(dir, "io");
    fs.mkdirSync(path.join(dir, "ns"));
    fs.mkdirSync(path.join(io, "bin"), { recursive: true });
    const write = (name: string, text: string, mode = 0o644) =>
        fs.writeFileSync(path.join(io, name), text, { mode });
    const roots = SANDBOX_ROOTS.join(" ");
    write("inner.sh", `ROOTS="${roots}"\nKEEP="${(spec.keep ?? []).join(" ")}"\n${INNER}`);
    if (spec.setup) {
        write("setup.sh", spec.setup);
    }
    if (spec.inspect) {
        write("inspect.sh", spec.inspect);
    }
    for (const [name, text] of Object.entries(spec.fakes ?? {})) {
        write(`bin/${name}`, text, 0o755);
    }
    spec.runs.forEach((run, i) => {
        write(`cmd-${i}`, run.command);
        write(`stdin-${i}`, run.stdin ?? "");
        write(`umask-${i}`, run.umask ?? "022");
        write(`shell-${i}`, run.shell ?? "bash");
        write(`user-${i}`, run.user ?? "root");
        if (run.before) {
            write(`before-${i}.sh`, run.before);
        }
    });
    const done = spawnSync("unshare", ["-m", "--propagation", "private", "bash", "-c",
        `ROOTS="${roots}"\n${DRIVER}`, "driver", dir], { encoding: "utf8", timeout: 60_000 });
    if (done.error || done.status !== 0) {
        throw new Error(`the sandbox failed (status ${done.status}): ` +
            `${done.error?.message ?? ""}\n${done.stderr}`);
    }
    const read = (name: string) => fs.readFileSync(path.join(io, name), "utf8");
    const runs = spec.runs.map((_run, i) => ({
        code: Number(read(`rc-${i}`).trim()),
        stdout: read(`out-${i}`),
        stderr: read(`err-${i}`),
        listing: read(`list-${i}`),
    }));
    return {
        runs,
        inspect: spec.inspect ? read("inspect.out") : "",
        hostPath: (sandboxPath: string) => path.join(io, "tree", sandboxPath),
    };
}

/** Mode bits (e.g. 0o755), owner and group of a copied path, without following links. */
export function statOf(result: SandboxResult, sandboxPath: string):
    { mode: number; uid: number; gid: number; isLink: boolean; isDir: boolean } {
    const stat = fs.lstatSync(result.hostPath(sandboxPath));
    return { mode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid,
        isLink: stat.isSymbolicLink(), isDir: stat.isDirectory() };
}

/** The bytes of a copied file. */
export function bytesOf(result: SandboxResult, sandboxPath: string): Buffer {
    return fs.readFileSync(result.hostPath(sandboxPath));
}

/** Asserts the run exited 0; shows its output when it did not. */
export function succeeded(run: RunResult): RunResult {
    if (run.code !== 0) {
        throw new Error(`the script exited ${run.code}\nstdout:\n${run.stdout}\n` +
            `stderr:\n${run.stderr}`);
    }
    return run;
}
