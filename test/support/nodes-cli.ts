/**
 * Starts and stops test nodes from the shell, for the demo:
 *   ts-node test/support/nodes-cli.ts start --count 2 --dir D [--sudo 1] [--pwsudo 2]
 *   ts-node test/support/nodes-cli.ts stop --dir D
 * `start` writes D/nodes.json (the NodeRecord list) and leaves the nodes running.
 */
import * as fs from "fs";
import * as path from "path";
import { attachNodes, NodeRecord, nodeRecords, startNodes, stopNodes } from "./nodes";

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function indexes(value: string | undefined): number[] | undefined {
  return value?.split(",").filter((s) => s !== "").map(Number);
}

async function main(args: string[]): Promise<void> {
  const dir = option(args, "--dir");
  if (dir === undefined || !["start", "stop"].includes(args[0])) {
    throw new Error("usage: nodes-cli.ts start --count N --dir D [--sudo i,j] [--pwsudo k] |"
      + " stop --dir D");
  }
  const file = path.join(dir, "nodes.json");
  if (args[0] === "stop") {
    const records = JSON.parse(fs.readFileSync(file, "utf8")) as NodeRecord[];
    await stopNodes(records);
    fs.rmSync(file, { force: true });
    console.log(`stopped ${records.length} node(s)`);
    return;
  }
  const count = Number(option(args, "--count") ?? "1");
  const nodes = await startNodes({
    dir, count, sudoUserIndexes: indexes(option(args, "--sudo")),
    passwordSudoIndexes: indexes(option(args, "--pwsudo")),
  });
  fs.writeFileSync(file, JSON.stringify(nodeRecords(nodes), null, 2) + "\n", { mode: 0o600 });
  for (const node of attachNodes(nodeRecords(nodes))) {
    console.log(`${node.name}: ssh -i ${node.privateKeyFile} -p ${node.port} `
      + `-o UserKnownHostsFile=${node.knownHostsFile} ${node.user}@${node.host}`);
  }
}

main(process.argv.slice(2)).catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
