/**
 * Records what the engine tells a test: the text it prints (stdout and stderr) and its
 * structured events. Everything is also appended to files under the test's folder, so the
 * secret scan covers exactly what a user's terminal and event log would have received.
 *
 * The Pulumi Node SDK (3.248.0) reports each RegisterResource response, secret values in
 * plain text, as a debug-level diagnostic. Those traces go to a file of their own, so a scan
 * can tell the SDK's leak from this library's.
 */
import * as fs from "fs";
import * as path from "path";

import { EngineEvent, OpType } from "@pulumi/pulumi/automation";

/** The callbacks every Automation API operation takes. */
export interface EngineCallbacks {
    onOutput: (out: string) => void;
    onError: (err: string) => void;
    onEvent: (event: EngineEvent) => void;
}

export class EngineLog {
    private readonly outputFile: string;
    private readonly eventFile: string;
    /** Debug diagnostics in which the SDK prints an RPC response. */
    readonly sdkTraceFile: string;
    private events: EngineEvent[] = [];

    constructor(readonly dir: string) {
        fs.mkdirSync(dir, { recursive: true });
        this.outputFile = path.join(dir, "engine-output.log");
        this.eventFile = path.join(dir, "engine-events.jsonl");
        this.sdkTraceFile = path.join(dir, "sdk-rpc-traces.jsonl");
    }

    /** Callbacks for one operation; its events replace those of the previous operation. */
    operation(): EngineCallbacks {
        this.events = [];
        return {
            onOutput: (out) => fs.appendFileSync(this.outputFile, out),
            onError: (err) => fs.appendFileSync(this.outputFile, err),
            onEvent: (event) => {
                this.events.push(event);
                fs.appendFileSync(isSdkRpcTrace(event) ? this.sdkTraceFile : this.eventFile,
                    JSON.stringify(event) + "\n");
            },
        };
    }

    /** The output and event files this log wrote, SDK traces aside, for a secret scan. */
    files(): string[] {
        return [this.outputFile, this.eventFile].filter((f) => fs.existsSync(f));
    }

    /** Names of the resources whose operation failed in the last operation. */
    failedSteps(): string[] {
        return this.events.flatMap((event) => {
            const urn = event.resOpFailedEvent?.metadata.urn;
            return urn ? [urn.slice(urn.lastIndexOf("::") + 2)] : [];
        });
    }

    /**
     * The steps of the last operation other than `same`, by resource name (the last part of
     * the URN), each with the ops the engine announced for it in order.
     */
    changedSteps(): Map<string, OpType[]> {
        const steps = new Map<string, OpType[]>();
        for (const event of this.events) {
            const meta = event.resourcePreEvent?.metadata;
            if (!meta || meta.op === "same") {
                continue;
            }
            const name = meta.urn.slice(meta.urn.lastIndexOf("::") + 2);
            steps.set(name, [...(steps.get(name) ?? []), meta.op]);
        }
        return steps;
    }
}

function isSdkRpcTrace(event: EngineEvent): boolean {
    const diagnostic = event.diagnosticEvent;
    // The SDK's type leaves "debug" out of the severities, but the engine does send it.
    const severity: string | undefined = diagnostic?.severity;
    return severity === "debug" && /^\w+ RPC finished: /.test(diagnostic!.message);
}
