/**
 * A local stand-in for the Hugging Face routes that node-llama-cpp 3.21.1 uses for `hf:` URIs, on 127.0.0.1.
 *
 * What node-llama-cpp (and ipull, its downloader) actually send, read from their sources:
 * - `GET {endpoint}v2/{user}/{repo}/manifests/{tag}` with `User-Agent: llama-cpp`, expecting
 *   `{"ggufFile": {"rfilename": ...}}` (Hugging Face also sends `size` and `lfs.sha256`; node-llama-cpp ignores them).
 *   An unknown tag is answered 404, which node-llama-cpp reports as "Cannot get quantization ...".
 * - `GET {endpoint}{user}/{repo}/resolve/main/{rfilename}?download=true` WITHOUT a Range header to learn the size
 *   (ipull 3.9.5 asks with GET, not HEAD: `_fetchDownloadInfoWithHEAD = false`); it reads `Content-Length` and
 *   `Accept-Ranges: bytes` and never reads the body.
 * - Then the same URL with `Range: bytes=a-b` once per 5 MiB chunk stream (3 in parallel); it insists that the
 *   206's Content-Range length equals what it asked for.
 * HEAD is answered too, like the real Hub does.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import crypto from "node:crypto";

export interface HfServerFile {
    user: string;
    repo: string;
    /**
     * The manifest tag that resolves to this file (e.g. "UD-Q4_K_XL"), compared case-insensitively; for a split
     * model, set it on the first part only (the Hub's manifest names the first part).
     */
    quant?: string;
    /** The file's path in the repository (the manifest's `rfilename`). */
    fileName: string;
    data: Buffer;
}

export interface HfServerOptions {
    files: HfServerFile[];
    /**
     * Once the ranged (206) responses have sent this many body bytes in total, destroy the connection that is
     * sending — once — to simulate a dropped connection.
     */
    failAfterBytes?: number;
    /**
     * Added to the size the server announces for a file (Content-Length of a HEAD or of a GET without Range);
     * ranged responses still describe the real bytes. Simulates a server whose metadata disagrees with its file.
     */
    announcedSizeDelta?: number;
    /**
     * The manifest's `size` for the file: "actual" (default, what the Hub does), "announced" (agrees with the
     * announced size), or "omit".
     */
    manifestSize?: "actual" | "announced" | "omit";
    /** The manifest's `lfs.sha256` instead of the file's real one (a manifest that lists another file). */
    manifestSha256?: string;
    /** Wait this long before answering every request. */
    delayMs?: number;
    /** Throttle each response body to about this many bytes per second. */
    bytesPerSecond?: number;
    /** Answer every request with this status (e.g. 503) and no body. */
    failAllWithStatus?: number;
}

export interface HfRequestLogEntry {
    method: string;
    url: string;
    range: string | undefined;
    userAgent: string | undefined;
    /** Whether an Authorization header was sent (its value is not kept). */
    authorized: boolean;
    status: number;
    /** Body bytes sent so far (updated while the response streams). */
    bytesSent: number;
}

export interface HfServer {
    /** With a trailing slash, as node-llama-cpp's `endpoints.huggingFace` wants it. */
    readonly endpoint: string;
    readonly requests: HfRequestLogEntry[];
    /** Body bytes sent by ranged (206) responses since the start or the last clearLog(). */
    readonly rangedBytesServed: number;
    /** Whether `failAfterBytes` has fired. */
    readonly failed: boolean;
    /** Change options for the following requests (e.g. stop throttling before a resume). */
    setOptions(options: Partial<Omit<HfServerOptions, "files">>): void;
    /** Empties the request log and resets rangedBytesServed. */
    clearLog(): void;
    close(): Promise<void>;
}

const WRITE_SLICE_BYTES = 64 * 1024;

/** A throttled response must not keep the process alive after the client or close() ended it. */
function sleepUnlessClosed(res: http.ServerResponse, ms: number): Promise<void> {
    if (res.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
        const done = (): void => {
            clearTimeout(timer);
            res.off("close", done);
            resolve();
        };
        const timer = setTimeout(done, ms);
        res.on("close", done);
    });
}

export function sha256Hex(data: Buffer): string {
    return crypto.createHash("sha256").update(data).digest("hex");
}

export async function startHfServer(initial: HfServerOptions): Promise<HfServer> {
    const options: HfServerOptions = { ...initial };
    const requests: HfRequestLogEntry[] = [];
    let rangedBytesServed = 0;
    let failed = false;

    function findByTag(user: string, repo: string, tag: string): HfServerFile | undefined {
        const candidates = options.files.filter((file) => file.user === user && file.repo === repo);
        if (tag.toLowerCase() === "latest") return candidates[0];
        return candidates.find((file) => file.quant?.toLowerCase() === tag.toLowerCase());
    }

    function findByPath(user: string, repo: string, fileName: string): HfServerFile | undefined {
        return options.files.find((file) => file.user === user && file.repo === repo && file.fileName === fileName);
    }

    function announcedSize(file: HfServerFile): number {
        return Math.max(0, file.data.length + (options.announcedSizeDelta ?? 0));
    }

    async function writeBody(res: http.ServerResponse, entry: HfRequestLogEntry, body: Buffer, ranged: boolean): Promise<void> {
        let offset = 0;
        while (offset < body.length) {
            if (res.destroyed) return;
            let slice = body.subarray(offset, offset + WRITE_SLICE_BYTES);
            let dropAfterWrite = false;
            if (ranged && options.failAfterBytes != null && !failed &&
                rangedBytesServed + slice.length >= options.failAfterBytes) {
                slice = slice.subarray(0, Math.max(0, options.failAfterBytes - rangedBytesServed));
                dropAfterWrite = true;
            }
            res.write(slice);
            offset += slice.length;
            entry.bytesSent += slice.length;
            if (ranged) rangedBytesServed += slice.length;
            if (dropAfterWrite) {
                failed = true;
                // Let the bytes leave before the connection dies, like a real network drop mid-body.
                await sleepUnlessClosed(res, 20);
                res.socket?.destroy();
                return;
            }
            if (options.bytesPerSecond != null && options.bytesPerSecond > 0) {
                await sleepUnlessClosed(res, (slice.length / options.bytesPerSecond) * 1000);
            }
            // Checked after the throttle's sleep: a `drain` that fired during it must not be waited for again.
            if (res.writableNeedDrain && !res.destroyed) {
                await new Promise<void>((resolve) => {
                    const done = (): void => {
                        res.off("drain", done);
                        res.off("close", done);
                        resolve();
                    };
                    res.on("drain", done);
                    res.on("close", done);
                });
            }
        }
        if (!res.destroyed) res.end();
    }

    function parseRange(header: string, size: number): { start: number; end: number } | "unsatisfiable" | undefined {
        const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
        if (match == null) return undefined;
        const [, startText, endText] = match;
        if (startText === "" && endText === "") return undefined;
        if (startText === "") {
            const suffix = Number(endText);
            if (suffix === 0) return "unsatisfiable";
            return { start: Math.max(0, size - suffix), end: size - 1 };
        }
        const start = Number(startText);
        if (start >= size) return "unsatisfiable";
        const end = endText === "" ? size - 1 : Math.min(Number(endText), size - 1);
        if (end < start) return undefined;
        return { start, end };
    }

    async function serveFile(req: http.IncomingMessage, res: http.ServerResponse, entry: HfRequestLogEntry,
        file: HfServerFile): Promise<void> {
        const actualSize = file.data.length;
        const common = {
            "Accept-Ranges": "bytes",
            "Content-Type": "application/octet-stream",
            "ETag": `"${sha256Hex(file.data).slice(0, 16)}"`,
            "Content-Disposition": `attachment; filename="${file.fileName.split("/").pop()}"`
        };
        const range = req.headers.range != null ? parseRange(req.headers.range, actualSize) : undefined;
        if (range === "unsatisfiable") {
            entry.status = 416;
            res.writeHead(416, { ...common, "Content-Range": `bytes */${actualSize}`, "Content-Length": "0" });
            res.end();
            return;
        }
        if (range == null) {
            // The size ipull believes. The connection is closed afterwards so that a body that disagrees with its
            // Content-Length (announcedSizeDelta) cannot confuse a kept-alive connection.
            const announced = announcedSize(file);
            entry.status = 200;
            res.writeHead(200, { ...common, "Content-Length": String(announced), "Connection": "close" });
            if (req.method === "HEAD") {
                res.end();
                return;
            }
            await writeBody(res, entry, file.data.subarray(0, Math.min(announced, actualSize)), false);
            return;
        }
        entry.status = 206;
        res.writeHead(206, {
            ...common,
            "Content-Range": `bytes ${range.start}-${range.end}/${actualSize}`,
            "Content-Length": String(range.end - range.start + 1)
        });
        if (req.method === "HEAD") {
            res.end();
            return;
        }
        await writeBody(res, entry, file.data.subarray(range.start, range.end + 1), true);
    }

    function sendJson(res: http.ServerResponse, entry: HfRequestLogEntry, status: number, body: unknown): void {
        const text = JSON.stringify(body);
        entry.status = status;
        res.writeHead(status, { "Content-Type": "application/json", "Content-Length": String(Buffer.byteLength(text)) });
        res.end(text);
        entry.bytesSent = Buffer.byteLength(text);
    }

    async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
        const entry: HfRequestLogEntry = {
            method: req.method ?? "",
            url: req.url ?? "",
            range: req.headers.range,
            userAgent: req.headers["user-agent"],
            authorized: req.headers.authorization != null,
            status: 0,
            bytesSent: 0
        };
        requests.push(entry);
        if (options.delayMs != null && options.delayMs > 0) await sleepUnlessClosed(res, options.delayMs);
        if (options.failAllWithStatus != null) {
            entry.status = options.failAllWithStatus;
            res.writeHead(options.failAllWithStatus, { "Content-Length": "0" });
            res.end();
            return;
        }
        if (req.method !== "GET" && req.method !== "HEAD") {
            entry.status = 405;
            res.writeHead(405, { "Content-Length": "0" });
            res.end();
            return;
        }
        const url = new URL(req.url ?? "/", "http://127.0.0.1");
        const parts = url.pathname.split("/").slice(1).map((part) => decodeURIComponent(part));

        // v2/{user}/{repo}/manifests/{tag}
        if (parts.length === 5 && parts[0] === "v2" && parts[3] === "manifests") {
            const [, user, repo, , tag] = parts;
            const file = findByTag(user!, repo!, tag!);
            if (file == null) {
                sendJson(res, entry, 404, { error: "The specified tag is not available in the repository." });
                return;
            }
            const mode = options.manifestSize ?? "actual";
            const size = mode === "announced" ? announcedSize(file) : file.data.length;
            sendJson(res, entry, 200, {
                ggufFile: {
                    rfilename: file.fileName,
                    blobId: `sha256:${sha256Hex(file.data)}`,
                    ...(mode === "omit" ? {} : {
                        size, lfs: { sha256: options.manifestSha256 ?? sha256Hex(file.data), size, pointerSize: 134 }
                    })
                }
            });
            return;
        }

        // {user}/{repo}/resolve/{branch}/{file...}
        if (parts.length >= 5 && parts[2] === "resolve") {
            const [user, repo, , branch, ...fileParts] = parts;
            const file = branch === "main" ? findByPath(user!, repo!, fileParts.join("/")) : undefined;
            if (file == null) {
                entry.status = 404;
                res.writeHead(404, { "Content-Length": "0", "X-Error-Code": "EntryNotFound" });
                res.end();
                return;
            }
            await serveFile(req, res, entry, file);
            return;
        }

        entry.status = 404;
        res.writeHead(404, { "Content-Length": "0" });
        res.end();
    }

    const server = http.createServer((req, res) => {
        // A client that walks away mid-body (ipull does, on purpose) is normal here, not a test failure.
        res.on("error", () => undefined);
        req.on("error", () => undefined);
        handle(req, res).catch(() => {
            if (!res.headersSent) res.writeHead(500);
            res.destroy();
        });
    });
    server.on("clientError", (_error, socket) => socket.destroy());

    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
    });
    const { port } = server.address() as AddressInfo;

    return {
        endpoint: `http://127.0.0.1:${port}/`,
        requests,
        get rangedBytesServed() {
            return rangedBytesServed;
        },
        get failed() {
            return failed;
        },
        setOptions(changes) {
            Object.assign(options, changes);
        },
        clearLog() {
            requests.length = 0;
            rangedBytesServed = 0;
        },
        close() {
            return new Promise<void>((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
            });
        }
    };
}
