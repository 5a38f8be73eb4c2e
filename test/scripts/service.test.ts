import * as assert from "assert";
import { createHash } from "crypto";

import { k3sPaths } from "../../components/k3s/paths";
import { preflightScript } from "../../components/steps/prepare";
import { installScript, readContainerdConfigScript, readCredentialsScript, restartScript,
    uninstallScript } from "../../components/steps/service";
import { shellQuote } from "../../components/steps/shell";
import { bytesOf, disposeSandboxes, sandbox, statOf, succeeded } from "./sandbox";
import { asRoot } from "./steps";

const STAGING = "/var/tmp/pulumi-k3s-airgap";
const FAKE_K3S = "#!/bin/sh\necho 'k3s version v1.31.7+k3s1 (fake)'\necho 'go version go1.23'\n";
const FAKE_INSTALLER = "env | grep -E '^(INSTALL_K3S|K3S)_' | sort > /data/install-env\n";

/** A systemctl that reports the states listed in /data/states, one per is-active call. */
const FAKE_SYSTEMCTL = `#!/bin/sh
echo "$*" >> /data/systemctl-calls
case "$1" in
is-active)
  state=$(head -n 1 /data/states)
  [ "$(wc -l < /data/states)" -gt 1 ] && sed -i 1d /data/states
  echo "$state"; [ "$state" = active ] ;;
status) echo "k3s.service: the fake unit log" ;;
esac
`;

describe("the install, restart and read-back steps, executed", () => {
    afterEach(disposeSandboxes);

    it("installs an airgap agent: binary 0755, images under <dataDir>/agent/images, the " +
        "installer told to skip download and start (c09)", () => {
        const paths = k3sPaths("/data/k3s");
        const result = sandbox({
            setup: `mkdir -p ${STAGING}/images\n` +
                `printf '%s' ${shellQuote(FAKE_K3S)} > ${STAGING}/k3s\n` +
                `printf '%s' ${shellQuote(FAKE_INSTALLER)} > ${STAGING}/install.sh\n` +
                `echo tarball > ${STAGING}/images/images.tar.zst`,
            runs: [{ command: asRoot(installScript({ role: "agent", paths,
                version: "v1.31.7+k3s1", source: { kind: "airgap", hasImages: true } })),
            umask: "077" }],
            inspect: "stat -c '%a %U' /usr/local/bin/k3s; ls -a /usr/local/bin",
        });
        const run = succeeded(result.runs[0]);
        assert.strictEqual(run.stdout, "installed: k3s version v1.31.7+k3s1 (fake)\n");
        assert.match(result.inspect, /^755 root$/m);
        assert.doesNotMatch(result.inspect, /\.k3s\.new/);
        assert.strictEqual(bytesOf(result, "/data/k3s/agent/images/images.tar.zst").toString(),
            "tarball\n");
        assert.strictEqual(bytesOf(result, "/data/install-env").toString(), [
            "INSTALL_K3S_EXEC=agent", "INSTALL_K3S_SKIP_DOWNLOAD=true",
            "INSTALL_K3S_SKIP_START=true", "INSTALL_K3S_VERSION=v1.31.7+k3s1",
            "K3S_DATA_DIR=/data/k3s", ""].join("\n"));
        assert.strictEqual(statOf(result, "/data/k3s/agent/images").mode, 0o755);
    });

    it("refuses staged airgap files whose digest is not the local file's, installing nothing",
        () => {
        const sha = (text: string) => createHash("sha256").update(text).digest("hex");
        const source = { kind: "airgap" as const, hasImages: false,
            sha256: { binary: sha(FAKE_K3S), installScript: sha(FAKE_INSTALLER) } };
        const stage = (k3s: string) => `mkdir -p ${STAGING}\n` +
            `printf '%s' ${shellQuote(k3s)} > ${STAGING}/k3s\n` +
            `printf '%s' ${shellQuote(FAKE_INSTALLER)} > ${STAGING}/install.sh`;
        const install = asRoot(installScript({ role: "server", paths: k3sPaths(),
            version: "v1.31.7+k3s1", source }));
        const swapped = sandbox({ setup: stage(FAKE_K3S + "# swapped\n"),
            runs: [{ command: install }], inspect: "ls -a /usr/local/bin" });
        assert.notStrictEqual(swapped.runs[0].code, 0);
        assert.match(swapped.runs[0].stderr, /staged airgap files differ from the local ones/);
        assert.doesNotMatch(swapped.inspect, /k3s/);
        const intact = sandbox({ setup: stage(FAKE_K3S), runs: [{ command: install }] });
        assert.strictEqual(succeeded(intact.runs[0]).stdout,
            "installed: k3s version v1.31.7+k3s1 (fake)\n");
    });

    it("imports staged images only when they match the local file's digest", () => {
        const sha = (text: string) => createHash("sha256").update(text).digest("hex");
        const source = { kind: "airgap" as const, hasImages: true, sha256: {
            binary: sha(FAKE_K3S), installScript: sha(FAKE_INSTALLER),
            images: { file: "images.tar.zst", sha256: sha("tarball\n") } } };
        const stage = (tarball: string) => `mkdir -p ${STAGING}/images\n` +
            `printf '%s' ${shellQuote(FAKE_K3S)} > ${STAGING}/k3s\n` +
            `printf '%s' ${shellQuote(FAKE_INSTALLER)} > ${STAGING}/install.sh\n` +
            `printf '%s' ${shellQuote(tarball)} > ${STAGING}/images/images.tar.zst`;
        const install = asRoot(installScript({ role: "agent", paths: k3sPaths(),
            version: "v1.31.7+k3s1", source }));
        const images = "/var/lib/rancher/k3s/agent/images";
        const swapped = sandbox({ setup: stage("other\n"), runs: [{ command: install }],
            inspect: `ls -a ${images}` });
        assert.match(swapped.runs[0].stderr, /staged images differ from the local file/);
        assert.doesNotMatch(swapped.inspect, /images\.tar\.zst/);
        const intact = sandbox({ setup: stage("tarball\n"), runs: [{ command: install }] });
        succeeded(intact.runs[0]);
        assert.strictEqual(bytesOf(intact, `${images}/images.tar.zst`).toString(), "tarball\n");
    });

    it("restarts without blocking and waits until the unit is active", () => {
        const result = sandbox({
            setup: "mkdir -p /run/systemd/system\nprintf 'activating\\nactivating\\nactive\\n' " +
                "> /data/states",
            fakes: { systemctl: FAKE_SYSTEMCTL },
            runs: [{ command: asRoot(restartScript("server", 30)) }],
        });
        const run = succeeded(result.runs[0]);
        assert.strictEqual(run.stdout, "k3s is active\n");
        assert.strictEqual(bytesOf(result, "/data/systemctl-calls").toString(),
            "daemon-reload\nrestart --no-block k3s\nis-active k3s\nis-active k3s\n" +
            "is-active k3s\n");
    });

    it("fails with the unit's log when the agent unit fails to start", () => {
        const result = sandbox({
            setup: "mkdir -p /run/systemd/system\necho failed > /data/states",
            fakes: { systemctl: FAKE_SYSTEMCTL },
            runs: [{ command: asRoot(restartScript("agent", 30)) }],
        });
        assert.strictEqual(result.runs[0].code, 1);
        assert.match(result.runs[0].stderr, /the fake unit log/);
        assert.match(result.runs[0].stderr, /pulumi-k3s: k3s-agent failed to start\n$/);
    });

    it("gives up after readyTimeoutSeconds instead of hanging", () => {
        const started = Date.now();
        const result = sandbox({
            setup: "mkdir -p /run/systemd/system\necho activating > /data/states",
            fakes: { systemctl: FAKE_SYSTEMCTL },
            runs: [{ command: asRoot(restartScript("server", 2)) }],
        });
        assert.strictEqual(result.runs[0].code, 1);
        assert.match(result.runs[0].stderr, /pulumi-k3s: k3s not ready after 2s\n$/);
        assert.ok(Date.now() - started < 15_000);
    });

    it("reads back the generated containerd config once K3s has written it", () => {
        const paths = k3sPaths();
        const config = 'version = 3\n[plugins."io.containerd.cri.v1.runtime".cni]\n';
        const result = sandbox({
            setup: `mkdir -p ${paths.containerdDir}\n` +
                `(sleep 1; printf '%s' '${config}' > ${paths.containerdConfig}) &`,
            runs: [{ command: asRoot(readContainerdConfigScript(paths, 20)) },
                { command: asRoot(readContainerdConfigScript(k3sPaths("/data/k3s"), 1)) }],
        });
        assert.strictEqual(succeeded(result.runs[0]).stdout, config);
        assert.strictEqual(result.runs[1].code, 1);
        assert.match(result.runs[1].stderr,
            /\/data\/k3s\/agent\/etc\/containerd\/config\.toml not written after 1s/);
    });

    it("prints the server token, the separator, then the kubeconfig", () => {
        const paths = k3sPaths("/data/k3s");
        const result = sandbox({
            setup: "mkdir -p /data/k3s/server /etc/rancher/k3s\necho K10x::server:pw > " +
                "/data/k3s/server/token\nprintf 'apiVersion: v1\\n' > /etc/rancher/k3s/k3s.yaml",
            runs: [{ command: asRoot(readCredentialsScript(paths)) }],
        });
        assert.strictEqual(succeeded(result.runs[0]).stdout,
            "K10x::server:pw\n---pulumi-k3s-kubeconfig---\napiVersion: v1\n");
    });

    it("uninstalls with K3S_DATA_DIR set to the data dir, and is a no-op without K3s (c09)",
        () => {
            const command = asRoot(uninstallScript("server", k3sPaths("/data/k3s")));
            const result = sandbox({
                runs: [{ command }, { command, before: "mkdir -p /usr/local/bin\n" +
                    "printf '#!/bin/sh\\necho \"$K3S_DATA_DIR\" > /data/uninstalled\\n' > " +
                    "/usr/local/bin/k3s-uninstall.sh\n" +
                    "chmod 0755 /usr/local/bin/k3s-uninstall.sh" }],
            });
            assert.strictEqual(succeeded(result.runs[0]).stdout,
                "K3s was not installed; nothing to uninstall\n");
            assert.strictEqual(succeeded(result.runs[1]).stdout, "uninstalled K3s\n");
            assert.strictEqual(bytesOf(result, "/data/uninstalled").toString(), "/data/k3s\n");
        });

    it("preflight refuses a node without systemd or OpenRC, and reports systemd's", () => {
        const command = asRoot(preflightScript());
        const result = sandbox({
            runs: [{ command, before: "rm -rf /run/systemd/system" },
                { command, before: "mkdir -p /run/systemd/system", umask: "077" }],
        });
        assert.strictEqual(result.runs[0].code, 1);
        assert.match(result.runs[0].stderr, /pulumi-k3s: no systemd or OpenRC found/);
        const run = succeeded(result.runs[1]);
        assert.match(run.stdout, /^init=systemd$/m);
        assert.match(run.stdout, /^umask=0077$/m);
    });
});
