/**
 * Engine smoke test: the real Pulumi CLI and the `command` plugin from pulumi-tools.sh,
 * driving remote.Command and remote.CopyToRemote against a throwaway sshd on 127.0.0.1.
 *
 *     npx ts-node test/e2e/engine-smoke.ts      (as root: sshd needs it)
 *
 * Counts SSH logins from sshd's own log to prove that an unchanged `up` opens no session.
 * Ends with "N passed, N failed".
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

import { engineStack } from "../support/engine";
import { startSshd, Sshd } from "./smoke-sshd";

const STDIN = "stdin-secret-value";
const results: [string, Error | undefined][] = [];

async function step(name: string, f: () => Promise<void>): Promise<void> {
    try {
        await f();
        results.push([name, undefined]);
        console.log(`ok   ${name}`);
    } catch (e) {
        results.push([name, e as Error]);
        console.log(`FAIL ${name}: ${(e as Error).message}`);
    }
}

function filesUnder(dir: string): string {
    return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => fs.readFileSync(path.join(e.parentPath, e.name), "utf8")).join("\n");
}

function connection(sshd: Sshd, hostKey = sshd.hostKey) {
    return {
        host: "127.0.0.1", port: sshd.port, user: "root", privateKey: sshd.privateKey,
        hostKey, dialErrorLimit: 1,
    };
}

async function lifecycle(sshd: Sshd, dir: string): Promise<void> {
    const remoteDir = path.join(dir, "remote");
    fs.mkdirSync(remoteDir);
    let create = `cat > ${remoteDir}/stdin-copy; echo "created $SMOKE_VAR"`;
    const stack = await engineStack({
        dir: path.join(dir, "engine"),
        program: async () => {
            const cmd = new command.remote.Command("smoke", {
                connection: connection(sshd), create, stdin: pulumi.secret(STDIN),
                delete: `echo deleted > ${remoteDir}/deleted`,
                environment: { SMOKE_VAR: "from-env" },
            });
            return { stdout: cmd.stdout, stdin: cmd.stdin };
        },
    });
    let log = "";
    const onOutput = (s: string) => { log += s; };

    await step("first up creates and runs create with stdin and environment", async () => {
        const up = await stack.up({ onOutput });
        assert.strictEqual(up.outputs.stdout.value, "created from-env");
        assert.strictEqual(fs.readFileSync(`${remoteDir}/stdin-copy`, "utf8"), STDIN);
        assert.strictEqual(sshd.logins(), 1);
        assert.match(log, /created from-env/, "stdout line streamed to the engine log");
    });
    await step("secret stdin stays secret in outputs and state", async () => {
        const out = await stack.outputs();
        assert.strictEqual(out.stdin.secret, true);
        // The backend's files, not exportStack(), which decrypts (--show-secrets).
        const state = filesUnder(path.join(dir, "engine", "backend"));
        assert.ok(!state.includes(STDIN), "stdin in plain text in state");
        assert.ok(!state.includes("PRIVATE KEY"), "private key in plain text in state");
    });
    await step("second up reports no changes and opens no SSH session", async () => {
        const up = await stack.up();
        const changes = { ...up.summary.resourceChanges };
        delete changes.same;
        assert.deepStrictEqual(changes, {});
        assert.strictEqual(sshd.logins(), 1);
    });
    create = `cat > ${remoteDir}/stdin-copy; echo "updated $SMOKE_VAR"`;
    await step("preview of a changed create shows one update and runs nothing", async () => {
        const pre = await stack.preview();
        assert.strictEqual(pre.changeSummary.update, 1);
        assert.strictEqual(sshd.logins(), 1);
    });
    await step("changed create updates in place", async () => {
        const up = await stack.up();
        assert.strictEqual(up.summary.resourceChanges?.update, 1);
        assert.strictEqual(up.outputs.stdout.value, "updated from-env");
        assert.strictEqual(sshd.logins(), 2);
    });
    await step("destroy runs delete", async () => {
        await stack.destroy();
        assert.strictEqual(fs.readFileSync(`${remoteDir}/deleted`, "utf8"), "deleted\n");
        assert.strictEqual(sshd.logins(), 3);
    });
}

async function failures(sshd: Sshd, dir: string): Promise<void> {
    const upWith = async (name: string, program: () => void) => {
        const stack = await engineStack({ dir: path.join(dir, name), program: async () => {
            program();
        } });
        try {
            await stack.up();
        } catch (e) {
            return String((e as Error).message);
        }
        throw new Error("up succeeded");
    };
    await step("a wrong pinned host key fails with 'host key mismatch'", async () => {
        const msg = await upWith("badkey", () => new command.remote.Command("k", {
            connection: connection(sshd, sshd.clientPublicKey), create: "true",
        }));
        assert.match(msg, /host key mismatch/);
    });
    await step("a failing command reports exit status and stderr, not stdin", async () => {
        const msg = await upWith("fails", () => new command.remote.Command("f", {
            connection: connection(sshd), create: "cat >/dev/null; echo boom >&2; exit 3",
            stdin: "stdin-must-not-leak",
        }));
        assert.match(msg, /exit status 3/);
        assert.match(msg, /boom/);
        assert.ok(!msg.includes("stdin-must-not-leak"));
    });
    await step("CopyToRemote writes a StringAsset and creates parents", async () => {
        const target = path.join(dir, "copied", "sub", "file.txt");
        const stack = await engineStack({ dir: path.join(dir, "copy"), program: async () => {
            new command.remote.CopyToRemote("c", {
                connection: connection(sshd), remotePath: target,
                source: new pulumi.asset.StringAsset("copied text\n"),
            });
        } });
        await stack.up();
        assert.strictEqual(fs.readFileSync(target, "utf8"), "copied text\n");
        await stack.destroy();
    });
}

async function replaceAndProxy(sshd: Sshd, dir: string): Promise<void> {
    const out = path.join(dir, "trig.log");
    let trigger = "1";
    const stack = await engineStack({ dir: path.join(dir, "trig"), program: async () => {
        new command.remote.Command("t", {
            connection: connection(sshd), triggers: [trigger],
            create: `echo create-${trigger} >> ${out}`, delete: `echo delete >> ${out}`,
        });
    } });
    await step("a triggers change replaces: new create first, old delete after", async () => {
        await stack.up();
        trigger = "2";
        const up = await stack.up();
        assert.strictEqual(up.summary.resourceChanges?.replace, 1);
        assert.strictEqual(fs.readFileSync(out, "utf8"), "create-1\ncreate-2\ndelete\n");
    });
    await step("CopyToRemote of a FileArchive directory through a proxy", async () => {
        const src = path.join(dir, "payload");
        fs.mkdirSync(path.join(src, "inner"), { recursive: true });
        fs.writeFileSync(path.join(src, "inner", "a.txt"), "A");
        const dest = path.join(dir, "dest");
        const before = sshd.logins();
        const copy = await engineStack({ dir: path.join(dir, "arch"), program: async () => {
            new command.remote.CopyToRemote("a", {
                connection: { ...connection(sshd), proxy: connection(sshd) },
                source: new pulumi.asset.FileArchive(src), remotePath: dest,
            });
        } });
        await copy.up();
        assert.strictEqual(fs.readFileSync(path.join(dest, "payload", "inner", "a.txt"), "utf8"),
            "A");
        assert.strictEqual(sshd.logins() - before, 2, "one login to the proxy, one through it");
    });
}

async function main(): Promise<void> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-k3s-smoke-"));
    const sshd = await startSshd(path.join(dir, "sshd"));
    try {
        await lifecycle(sshd, dir);
        await failures(sshd, dir);
        await replaceAndProxy(sshd, dir);
    } finally {
        sshd.stop();
    }
    const failed = results.filter(([, e]) => e).length;
    if (failed === 0) {
        fs.rmSync(dir, { recursive: true, force: true });
    } else {
        console.log(`kept ${dir} (sshd log: ${sshd.logPath})`);
    }
    console.log(`${results.length - failed} passed, ${failed} failed`);
    process.exitCode = failed === 0 ? 0 : 1;
}

main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
});
