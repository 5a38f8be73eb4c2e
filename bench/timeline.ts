/**
 * With BENCH_TIMELINE set, prints when each resource of an operation started and finished,
 * as the engine's events reached this process (they are read from a log file polled every
 * 200 ms, so times are that coarse). For finding what a run waits on.
 */
import { EngineEvent } from "@pulumi/pulumi/automation";

export function timeline(): { onEvent: (event: EngineEvent) => void; print: () => void } {
    const start = performance.now();
    const began = new Map<string, number>();
    const ended = new Map<string, number>();
    const name = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);
    return {
        onEvent: (event) => {
            const now = (performance.now() - start) / 1000;
            const pre = event.resourcePreEvent?.metadata;
            const done = event.resOutputsEvent?.metadata;
            if (pre) {
                began.set(name(pre.urn), now);
            }
            if (done) {
                ended.set(name(done.urn), now);
            }
        },
        print: () => {
            if (!process.env.BENCH_TIMELINE) {
                return;
            }
            for (const [resource, at] of [...began].sort((a, b) => a[1] - b[1])) {
                const end = ended.get(resource);
                console.log(`  ${resource.padEnd(44)} ${at.toFixed(2)} s -> ` +
                    `${end === undefined ? "?" : end.toFixed(2)} s`);
            }
        },
    };
}
