/**
 * Shell safety of the paths a node's steps take: `dataDir`, `cni.migrateFrom` folders and
 * `cni.migratePlugins` names full of quotes, substitutions, spaces, newlines and non-ASCII.
 * Each is refused naming its property, or the generated scripts, run for real in a private
 * mount namespace, create and name exactly that path, and no substitution ever runs.
 */
import * as assert from "assert";
import * as fc from "fast-check";
import * as YAML from "yaml";

import { planNode } from "../../components/args/plan";
import { readContainerdConfigScript } from "../../components/steps/service";
import { shellQuote } from "../../components/steps/shell";
import { bytesOf, disposeSandboxes, sandbox, succeeded } from "../scripts/sandbox";
import { asRoot, cniDirCommand, configCommand, serverArgs, templateCommand }
    from "../scripts/steps";
import { CANARY_CHECK, hostile, namesProperty, refusal, segment } from "./support/hostile";

/** Plugin names, mostly of the accepted syntax so that the copy runs. */
const plugin = fc.oneof({ arbitrary: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,15}$/),
    weight: 3 }, { arbitrary: hostile, weight: 1 });

describe("shell safety of paths, executed (property-based)", () => {
    afterEach(disposeSandboxes);

    it("a dataDir under /data is refused naming `dataDir`, or the CNI dir, template, " +
        "config.yaml and the verify step's message all name it literally", async () => {
        await fc.assert(fc.asyncProperty(fc.array(segment, { minLength: 1, maxLength: 2 }),
            async (parts) => {
                const dataDir = `/data/${parts.join("/")}`;
                const over = { dataDir, cni: { mode: "custom" as const } };
                const refused = refusal(() => planNode("n1", serverArgs(over)));
                if (refused) {
                    assert.ok(namesProperty(refused, "dataDir"), refused.message);
                    return;
                }
                const paths = planNode("n1", serverArgs(over)).paths;
                const result = sandbox({
                    runs: [{ command: cniDirCommand(over) }, { command: templateCommand(over) },
                        { command: await configCommand(over) },
                        { command: asRoot(readContainerdConfigScript(paths, 1)) }],
                    inspect: CANARY_CHECK,
                });
                result.runs.slice(0, 3).forEach((run) => succeeded(run));
                assert.ok(result.runs[2].listing.includes(`\n${paths.cniBinDir} drwxr-xr-x `),
                    `no ${paths.cniBinDir} in\n${result.runs[2].listing}`);
                const template = planNode("n1", serverArgs(over)).cni.template!;
                assert.strictEqual(bytesOf(result, template.path).toString(), template.content);
                const config = YAML.parse(bytesOf(result, paths.configFile).toString());
                assert.strictEqual(config["data-dir"], dataDir);
                assert.strictEqual(result.runs[3].stderr,
                    `pulumi-k3s: ${paths.containerdConfig} not written after 1s\n`);
                assert.strictEqual(result.inspect, "");
            }), { numRuns: 10 });
    });

    it("plugin names and migrateFrom folders are refused naming them, or a found plugin is " +
        "copied byte for byte and a missing one is reported by its literal name and folders",
    () => {
        fc.assert(fc.property(plugin, plugin, segment, (found, missing, folder) => {
            fc.pre(found !== missing);
            const from = `/opt/cni/${folder}`;
            const over = { cni: { migratePlugins: [found, missing], migrateFrom: [from] } };
            const refused = refusal(() => planNode("n1", serverArgs(over)));
            if (refused) {
                const named = ["cni.migratePlugins[0]", "cni.migratePlugins[1]",
                    "cni.migrateFrom[0]"].filter((p) => namesProperty(refused, p));
                assert.ok(named.length > 0, refused.message);
                return;
            }
            const result = sandbox({
                setup: `mkdir -p ${shellQuote(from)}\n` +
                    `printf 'plugin\\n' > ${shellQuote(`${from}/${found}`)}`,
                runs: [{ command: cniDirCommand(over) }],
                inspect: CANARY_CHECK,
            });
            const run = succeeded(result.runs[0]);
            const cni = "/var/lib/rancher/k3s/data/cni";
            assert.strictEqual(bytesOf(result, `${cni}/${found}`).toString(), "plugin\n");
            assert.ok(run.stdout.includes(`plugin ${found}: from ${from}/${found}\n`), run.stdout);
            assert.strictEqual(run.stderr, `plugin ${missing}: not found in ${from}\n`);
            assert.strictEqual(result.inspect, "");
        }), { numRuns: 15 });
    });
});
