/**
 * Node and cluster args for the unit tests, and readers for what the mocks recorded.
 */
import * as pulumi from "@pulumi/pulumi";

import { K3sNode } from "../../components/node";
import { K3sNodeArgs } from "../../components/args/node";
import { plain, recordResources, Registered, settle, StepOutputs } from "../support/mocks";

export const PRIVATE_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-key\n" +
    "-----END OPENSSH PRIVATE KEY-----\n";

/** A join token that breaks naive quoting: `$`, both quotes, a backslash (c10). */
export const HOSTILE_TOKEN = `K10ab$HOME::server:"it's"\\n$(id)\`x\``;

/** A first server on v1.31.7, flannel, default data dir. */
export function serverArgs(over: Partial<K3sNodeArgs> = {}): K3sNodeArgs {
    return {
        connection: { host: "10.0.0.11", privateKey: PRIVATE_KEY },
        role: "server",
        version: "v1.31.7+k3s1",
        ...over,
    };
}

/** An agent joining https://10.0.0.11:6443 with a token. */
export function agentArgs(over: Partial<K3sNodeArgs> = {}): K3sNodeArgs {
    return serverArgs({
        role: "agent", serverUrl: "https://10.0.0.11:6443", token: "K10abc::server:pw", ...over,
    });
}

/** Registers one node under fresh mocks and waits for every registration. */
export async function registerNode(
    name: string, args: K3sNodeArgs, outputs?: StepOutputs,
): Promise<{ node: K3sNode; registered: Registered[] }> {
    const registered = await recordResources(outputs);
    const node = new K3sNode(name, args);
    await settle();
    return { node, registered };
}

/** The resource registered under `name`; fails the test when there is none. */
export function find(registered: Registered[], name: string): Registered {
    const found = registered.find((r) => r.name === name);
    if (!found) {
        throw new Error(`no resource ${name}; registered: ` +
            registered.map((r) => r.name).join(", "));
    }
    return found;
}

/** The step names of a node's children, in registration order, without the node prefix. */
export function stepNames(registered: Registered[], node: string): string[] {
    return registered
        .filter((r) => r.type.startsWith("command:remote:") && r.name.startsWith(`${node}-`))
        .map((r) => r.name.slice(node.length + 1));
}

/** The script a step's `create` (or `delete`) runs, without the `sh -c` wrapper. */
export function scriptOf(registered: Registered[], name: string,
    key: "create" | "update" | "delete" = "create"): string {
    const text = String(plain(find(registered, name).inputs[key]) ?? "");
    const match = /<<'PULUMI_K3S_STEP'\n([\s\S]*)PULUMI_K3S_STEP\n\)"$/.exec(text);
    if (!match) {
        throw new Error(`${name}.${key} is not a wrapped step script:\n${text}`);
    }
    return match[1];
}

/**
 * The text a script writes to `path`: the quoted `content=` word before the write, unquoted,
 * or the fill (e.g. `printf '%s' "$new"`) when the bytes come from elsewhere.
 */
export function writtenContent(script: string, path: string): string {
    const word = String.raw`'(?:[^']|'\\'')*'|[^\s']+`;
    const target = path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const pattern = new RegExp(String.raw`(?:content=(` + word + ")\\n)?mkdir -p \\S+\\n" +
        String.raw`if (.*) \| cmp -s - ` + target + " ");
    const match = pattern.exec(script);
    if (!match) {
        throw new Error(`the script writes no ${path}:\n${script}`);
    }
    return match[2] === `printf '%s' "$content"` ? unquote(match[1]) : match[2];
}

/** Reverses shellQuote for one word. */
export function unquote(word: string): string {
    if (!word.startsWith("'")) {
        return word;
    }
    return word.slice(1, -1).replace(/'\\''/g, "'");
}

/** Every `create` and `delete` text of every command, secrets unwrapped. */
export function allCommandTexts(registered: Registered[]): string[] {
    return registered
        .filter((r) => r.type === "command:remote:Command")
        .flatMap((r) => [plain(r.inputs.create), plain(r.inputs.delete)])
        .filter((t): t is string => typeof t === "string");
}

/** Runs `construct` and returns what it threw; fails when it threw nothing. */
export function thrown(construct: () => unknown): Error {
    try {
        construct();
    } catch (err) {
        return err as Error;
    }
    throw new Error("expected the constructor to throw");
}

export { pulumi };
