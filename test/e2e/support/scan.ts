/**
 * Byte scans for secrets in what a run leaves behind: files, logs and argv samples. A secret
 * is looked for as written and, through its distinctive parts, in any quoted or escaped form.
 */
import * as fs from "fs";
import * as path from "path";

/** A secret and the fragments of it that no escaping changes. */
export interface Needle {
    label: string;
    bytes: Buffer;
}

/**
 * Needles for a private key in OpenSSH or PEM text: the whole text and each base64 line of
 * its body, which survive JSON or shell quoting unchanged.
 */
export function keyNeedles(label: string, privateKey: string): Needle[] {
    const body = privateKey.split("\n").filter((line) => /^[A-Za-z0-9+/=]{40,}$/.test(line));
    if (body.length === 0) {
        throw new Error(`${label}: no base64 body found in the key`);
    }
    return [privateKey.trim(), ...body].map((text, i) => ({
        label: i === 0 ? `${label} (whole key)` : `${label} (line ${i})`,
        bytes: Buffer.from(text),
    }));
}

/** Needles for a token: the whole token and a fragment of it free of shell-special bytes. */
export function tokenNeedles(label: string, token: string, plainPart: string): Needle[] {
    if (!token.includes(plainPart) || !/^[A-Za-z0-9-]{16,}$/.test(plainPart)) {
        throw new Error(`${label}: the plain part must be 16+ letters, digits or - of the token`);
    }
    return [{ label, bytes: Buffer.from(token) },
        { label: `${label} (plain part)`, bytes: Buffer.from(plainPart) }];
}

/** Every regular file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
    return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => path.join(entry.parentPath, entry.name));
}

/** `label in file` for every needle found in any of the files; empty when clean. */
export function findNeedles(files: string[], needles: Needle[]): string[] {
    const hits: string[] = [];
    for (const file of files) {
        const bytes = fs.readFileSync(file);
        for (const needle of needles) {
            if (bytes.includes(needle.bytes)) {
                hits.push(`${needle.label} in ${file}`);
            }
        }
    }
    return hits;
}
