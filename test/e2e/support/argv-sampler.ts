/**
 * Samples the command line of every process on the machine (test nodes share its PID
 * namespace) in a child process, so a busy test process cannot slow the sampling down.
 * Each command line not seen before is appended to a file as it was read: NUL-separated
 * arguments, then a newline. A scan of that file for a secret's bytes then tells whether the
 * secret ever stood in any argv long enough to be seen.
 *
 *     const sampler = await startArgvSampler(file);
 *     ...
 *     const stats = await sampler.stop();
 */
import { spawn } from "child_process";
import * as fs from "fs";

/** What one sampling run did. */
export interface SamplerStats {
    /** Full passes over /proc. */
    samples: number;
    /** Distinct command lines seen. */
    distinct: number;
    /** Milliseconds between the first and the last pass. */
    elapsedMs: number;
}

export interface ArgvSampler {
    /** Ends the sampling and returns its statistics. */
    stop(): Promise<SamplerStats>;
}

/** Samples every `intervalMs` until stopped, or for `maxSeconds` at most. */
export async function startArgvSampler(
    file: string, intervalMs = 50, maxSeconds = 900,
): Promise<ArgvSampler> {
    fs.writeFileSync(file, "");
    const child = spawn(process.execPath,
        ["-r", require.resolve("ts-node/register/transpile-only"), __filename, file,
            String(intervalMs),
            String(maxSeconds)],
        { stdio: ["ignore", "pipe", "inherit"] });
    const statsText = new Promise<string>((resolve) => {
        let text = "";
        child.stdout.on("data", (b: Buffer) => { text += b.toString("utf8"); });
        child.on("close", () => resolve(text));
    });
    await waitFor(() => fs.statSync(file).size > 0, 30_000,
        () => child.exitCode !== null, "the argv sampler did not start");
    return {
        stop: async () => {
            child.kill("SIGTERM");
            const text = await statsText;
            const last = text.trim().split("\n").pop() ?? "";
            if (!last.startsWith("{")) {
                throw new Error(`the argv sampler printed no statistics: ${text}`);
            }
            return JSON.parse(last) as SamplerStats;
        },
    };
}

async function waitFor(ready: () => boolean, ms: number, dead: () => boolean, what: string):
    Promise<void> {
    const deadline = Date.now() + ms;
    while (!ready()) {
        if (dead() || Date.now() > deadline) {
            throw new Error(what);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
    }
}

function readCmdline(pid: string): Buffer | undefined {
    try {
        return fs.readFileSync(`/proc/${pid}/cmdline`);
    } catch {
        return undefined;
    }
}

/** The child: samples until SIGTERM or the time limit, then prints its statistics. */
function sample(file: string, intervalMs: number, maxSeconds: number): void {
    const seen = new Set<string>();
    const out = fs.openSync(file, "a");
    const start = Date.now();
    let samples = 0;
    const finish = () => {
        fs.closeSync(out);
        const stats: SamplerStats = { samples, distinct: seen.size, elapsedMs: Date.now() - start };
        process.stdout.write(JSON.stringify(stats) + "\n", () => process.exit(0));
    };
    const pass = () => {
        for (const pid of fs.readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
            const cmdline = readCmdline(pid);
            const key = cmdline?.toString("latin1");
            if (cmdline && cmdline.length > 0 && !seen.has(key!)) {
                seen.add(key!);
                fs.writeSync(out, Buffer.concat([cmdline, Buffer.from("\n")]));
            }
        }
        samples++;
        if (Date.now() - start > maxSeconds * 1000) {
            finish();
            return;
        }
        timer = setTimeout(pass, intervalMs);
    };
    let timer = setTimeout(pass, 0);
    process.on("SIGTERM", () => {
        clearTimeout(timer);
        finish();
    });
}

if (require.main === module) {
    const [file, intervalMs, maxSeconds] = process.argv.slice(2);
    sample(file, Number(intervalMs), Number(maxSeconds));
}
