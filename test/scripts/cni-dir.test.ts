import * as assert from "assert";

import { bytesOf, disposeSandboxes, sandbox, statOf, succeeded } from "./sandbox";
import { cniDirCommand } from "./steps";

const DIR = "/var/lib/rancher/k3s/data/cni";

/** The listing lines of files inside `dir`, mtimes and hashes included. */
function linesUnder(listing: string, dir: string): string[] {
    return listing.split("\n").filter((l) => l.includes(`${dir}/`));
}

describe("the cni-dir step, executed", () => {
    afterEach(disposeSandboxes);

    it("keeps data/cni at root:root 0755 and every parent traversable when the node's " +
        "umask is 077 (c03)", () => {
        const result = sandbox({
            setup: "chmod 0700 /var/lib/rancher\nmkdir -m 0700 /var/lib/rancher/k3s\n" +
                "chown 1000:1000 /var/lib/rancher/k3s",
            runs: [{ command: cniDirCommand(), umask: "077" }],
            inspect: `for p in ${DIR} /var/lib/rancher/k3s/data /var/lib/rancher/k3s ` +
                "/var/lib/rancher /var/lib /var; do stat -c '%a %n' $p; done\n" +
                `setpriv --reuid=65534 --regid=65534 --clear-groups ls -d ${DIR}/. ` +
                "&& echo traversable-by-nobody",
        });
        const run = succeeded(result.runs[0]);
        assert.match(run.stdout,
            /cni-bin-dir=\/var\/lib\/rancher\/k3s\/data\/cni mode=755 owner=root:root/);
        const dir = statOf(result, DIR);
        assert.deepStrictEqual([dir.mode, dir.uid, dir.gid], [0o755, 0, 0]);
        assert.strictEqual(statOf(result, "/var/lib/rancher/k3s/data").mode, 0o755);
        for (const line of result.inspect.trim().split("\n").slice(0, 6)) {
            const mode = parseInt(line.split(" ")[0], 8);
            assert.ok((mode & 0o001) !== 0, `not traversable by others: ${line}`);
        }
        assert.match(result.inspect, /^traversable-by-nobody$/m);
    });

    it("repairs an existing 0777 data/cni to 0755 and leaves its files untouched (c04)", () => {
        const result = sandbox({
            setup: `mkdir -p ${DIR}\nchmod 0777 ${DIR}\n` +
                `printf 'plugin' > ${DIR}/bridge\nchmod 0700 ${DIR}/bridge\n` +
                `ln -s /var/lib/rancher/k3s/data/abc/bin/cni ${DIR}/host-local\n` +
                `touch -h -d '2024-10-01 12:00' ${DIR}/bridge ${DIR}/host-local`,
            runs: [{ command: "true" }, { command: cniDirCommand() }],
        });
        succeeded(result.runs[1]);
        assert.strictEqual(statOf(result, DIR).mode, 0o755);
        const before = linesUnder(result.runs[0].listing, DIR);
        assert.strictEqual(before.length, 3, before.join("\n"));
        assert.deepStrictEqual(linesUnder(result.runs[1].listing, DIR), before);
    });

    it("preserves a regular file data/cni/cilium-cni byte for byte, even when asked to " +
        "migrate a plugin of that name (c05)", () => {
        const result = sandbox({
            setup: `mkdir -p ${DIR} /opt/cni/bin\n` +
                `head -c 65536 /dev/urandom > ${DIR}/cilium-cni\n` +
                "echo other > /opt/cni/bin/cilium-cni",
            runs: [{ command: "true" },
                { command: cniDirCommand({ cni: { migratePlugins: ["cilium-cni"] } }) }],
        });
        const run = succeeded(result.runs[1]);
        assert.match(run.stdout, /plugin cilium-cni: already in .*, left as it is/);
        assert.deepStrictEqual(linesUnder(result.runs[1].listing, DIR),
            linesUnder(result.runs[0].listing, DIR));
        assert.strictEqual(bytesOf(result, `${DIR}/cilium-cni`).length, 65536);
    });

    it("copies absent plugins from /opt/cni/bin, then data/current/bin, as root:root 0755",
        () => {
            const result = sandbox({
                setup: "mkdir -p /opt/cni/bin /var/lib/rancher/k3s/data/current/bin\n" +
                    "printf 'multus-bytes' > /opt/cni/bin/multus\n" +
                    "chown 1000:1000 /opt/cni/bin/multus\nchmod 0775 /opt/cni/bin/multus\n" +
                    "printf 'old-istio' > /var/lib/rancher/k3s/data/current/bin/istio-cni",
                runs: [{ command: cniDirCommand({ cni: {
                    migratePlugins: ["multus", "istio-cni", "absent-cni"] } }) }],
            });
            const run = succeeded(result.runs[0]);
            assert.strictEqual(bytesOf(result, `${DIR}/multus`).toString(), "multus-bytes");
            assert.strictEqual(bytesOf(result, `${DIR}/istio-cni`).toString(), "old-istio");
            for (const plugin of ["multus", "istio-cni"]) {
                const stat = statOf(result, `${DIR}/${plugin}`);
                assert.deepStrictEqual([stat.isLink, stat.mode, stat.uid, stat.gid],
                    [false, 0o755, 0, 0], plugin);
            }
            assert.match(run.stdout, /plugin multus: from \/opt\/cni\/bin\/multus/);
            assert.match(run.stderr, /plugin absent-cni: not found in \/opt\/cni\/bin, /);
            assert.doesNotMatch(run.listing, /\.tmp/);
        });

    it("brings a user plugin from the v1.30.5 release dir into data/cni before v1.30.6 " +
        "runs, so flannel still finds it after the upgrade (c02)", () => {
        const hashBin = "/var/lib/rancher/k3s/data/0123abcd/bin";
        const result = sandbox({
            setup: `mkdir -p ${hashBin}
ln -s 0123abcd /var/lib/rancher/k3s/data/current
` +
                `printf 'user-plugin' > ${hashBin}/my-cni
chmod 0755 ${hashBin}/my-cni`,
            runs: [{ command: cniDirCommand({ version: "v1.30.6+k3s1",
                cni: { migratePlugins: ["my-cni"] } }) }],
        });
        succeeded(result.runs[0]);
        assert.strictEqual(bytesOf(result, `${DIR}/my-cni`).toString(), "user-plugin");
        assert.strictEqual(statOf(result, `${DIR}/my-cni`).isLink, false);
    });

    it("fails, leaving no partial plugin, when a plugin cannot be copied", () => {
        const result = sandbox({
            setup: `mkdir -p ${DIR} /opt/cni/bin\nmount -t tmpfs -o size=16k tmpfs ${DIR}\n` +
                "head -c 65536 /dev/urandom > /opt/cni/bin/multus",
            runs: [{ command: cniDirCommand({ cni: { migratePlugins: ["multus"] } }) }],
            inspect: `ls -a ${DIR}`,
        });
        const run = result.runs[0];
        assert.notStrictEqual(run.code, 0, run.stdout);
        assert.match(run.stderr, /No space left on device/);
        assert.doesNotMatch(run.stdout, /plugin multus: from/);
        assert.strictEqual(result.inspect, ".\n..\n");
    });

    it("never overwrites a plugin already in data/cni, not even a dangling link", () => {
        const result = sandbox({
            setup: `mkdir -p ${DIR} /opt/cni/bin\necho new > /opt/cni/bin/multus\n` +
                `ln -s /nowhere ${DIR}/multus`,
            runs: [{ command: cniDirCommand({ cni: { migratePlugins: ["multus"] } }) }],
        });
        succeeded(result.runs[0]);
        const stat = statOf(result, `${DIR}/multus`);
        assert.strictEqual(stat.isLink, true);
        assert.match(result.runs[0].listing, /\/multus lrwxrwxrwx root:root \d+ [\d.]+ \/nowhere/);
    });

    it("links plugins in link mode, so later updates of the source are followed", () => {
        const result = sandbox({
            setup: "mkdir -p /opt/cni/bin\necho v1 > /opt/cni/bin/multus",
            runs: [{ command: cniDirCommand({ cni: { migratePlugins: ["multus"],
                migrateMode: "link" } }) }],
            inspect: `echo v2 > /opt/cni/bin/multus\ncat ${DIR}/multus`,
        });
        succeeded(result.runs[0]);
        assert.strictEqual(statOf(result, `${DIR}/multus`).isLink, true);
        assert.match(result.runs[0].listing, / \/opt\/cni\/bin\/multus\n/);
        assert.strictEqual(result.inspect, "v2\n");
    });

    it("refuses a data/cni that is a symlink, with a message naming it", () => {
        const result = sandbox({
            setup: "mkdir -p /var/lib/rancher/k3s/data /opt/cni/bin\n" +
                `ln -s /opt/cni/bin ${DIR}`,
            runs: [{ command: cniDirCommand() }],
        });
        assert.strictEqual(result.runs[0].code, 1);
        assert.match(result.runs[0].stderr, /pulumi-k3s: .*data\/cni is a symlink, not a folder/);
    });

    it("changes nothing on a second run: modes, owners, mtimes and bytes", () => {
        const command = cniDirCommand({ cni: { migratePlugins: ["multus"] } });
        const result = sandbox({
            setup: "mkdir -p /opt/cni/bin\necho m > /opt/cni/bin/multus",
            runs: [{ command, umask: "077" }, { command, umask: "077" }],
        });
        succeeded(result.runs[0]);
        succeeded(result.runs[1]);
        assert.match(result.runs[0].listing, /data\/cni\/multus -rwxr-xr-x root:root/);
        assert.strictEqual(result.runs[1].listing, result.runs[0].listing);
    });

    it("makes <dataDir>/data/cni under a custom data dir (c09)", () => {
        const result = sandbox({ runs: [{ command: cniDirCommand({ dataDir: "/data/k3s" }) }] });
        succeeded(result.runs[0]);
        assert.strictEqual(statOf(result, "/data/k3s/data/cni").mode, 0o755);
        assert.doesNotMatch(result.runs[0].listing, /\/var\/lib\/rancher\/k3s/);
    });
});
