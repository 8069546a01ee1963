/**
 * Python value semantics the chat template relies on, as transformers renders it: `json.loads` / `json.dumps(x,
 * ensure_ascii=False)`, `str()` / `repr()`, `str.strip()`, truthiness and the `in` operator.
 *
 * A Python value is represented by plain JS values:
 * - `null` is None, booleans are bool, strings are str;
 * - a `number` is an int when `Number.isInteger` holds and a float otherwise (NaN and ±Infinity are floats);
 *   a `bigint` is an int; a {@link PyFloat} is a float whatever its value (JSON `1.0` must stay `1.0`);
 * - arrays are lists; a `Map` or a plain object is a dict. A plain object cannot keep integer-like keys in their
 *   original order (JS lists them first), which is why {@link parsePythonJson} returns Maps;
 * - `undefined` is jinja2's Undefined (a missing key): properties whose value is `undefined` do not exist.
 */

/** A float whose value happens to be integral, e.g. JSON `1.0`, which Python renders `1.0`, not `1`. */
export class PyFloat {
    constructor(readonly value: number) {}
}

export type PyMapping = ReadonlyMap<string, unknown> | Readonly<Record<string, unknown>>;

export class PythonJsonError extends Error {}

export function isPyMapping(value: unknown): value is PyMapping {
    return value instanceof Map || (typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof PyFloat));
}

/** The dict's items in insertion order; keys whose value is `undefined` do not exist. */
export function pyItems(mapping: PyMapping): [string, unknown][] {
    const entries: [string, unknown][] = mapping instanceof Map ? [...mapping.entries()] : Object.entries(mapping);
    return entries.filter(([, value]) => value !== undefined);
}

/** jinja2's `obj.key` / `obj[key]` on a dict; `undefined` (Undefined) for anything else or a missing key. */
export function pyGet(value: unknown, key: string): unknown {
    if (value instanceof Map) return value.get(key);
    if (isPyMapping(value)) return Object.prototype.hasOwnProperty.call(value, key) ? (value as Record<string, unknown>)[key] : undefined;
    return undefined;
}

export function isPyInt(value: unknown): value is number | bigint {
    return typeof value === "bigint" || (typeof value === "number" && Number.isInteger(value));
}

export function isPyFloat(value: unknown): boolean {
    return value instanceof PyFloat || (typeof value === "number" && !Number.isInteger(value));
}

export function pyTruthy(value: unknown): boolean {
    if (value === undefined || value === null || value === false) return false;
    if (value === true) return true;
    if (typeof value === "number") return value !== 0;
    if (typeof value === "bigint") return value !== 0n;
    if (value instanceof PyFloat) return value.value !== 0;
    if (typeof value === "string" || Array.isArray(value)) return value.length > 0;
    if (isPyMapping(value)) return pyItems(value).length > 0;
    return true;
}

/** jinja2's `is iterable`: what Python's `iter()` accepts among JSON values. */
export function isPyIterable(value: unknown): boolean {
    return typeof value === "string" || Array.isArray(value) || isPyMapping(value);
}

/** Python's `for x in value` over a str (code points), list (items) or dict (keys). */
export function pyIterate(value: unknown): unknown[] {
    if (typeof value === "string") return [...value];
    if (Array.isArray(value)) return value.map((item: unknown) => item === undefined ? null : item);
    if (isPyMapping(value)) return pyItems(value).map(([key]) => key);
    throw new TypeError(`'${pyTypeName(value)}' object is not iterable`);
}

/** Python's `needle in container` for a str needle; a TypeError (thrown) for a container that is not one. */
export function pyContains(container: unknown, needle: string): boolean {
    if (typeof container === "string") return container.includes(needle);
    if (Array.isArray(container)) return container.some((item) => item === needle);
    if (isPyMapping(container)) return pyGet(container, needle) !== undefined;
    throw new TypeError(`argument of type '${pyTypeName(container)}' is not iterable`);
}

export function pyTypeName(value: unknown): string {
    if (value === undefined) return "Undefined";
    if (value === null) return "NoneType";
    if (typeof value === "boolean") return "bool";
    if (typeof value === "string") return "str";
    if (isPyInt(value)) return "int";
    if (isPyFloat(value)) return "float";
    if (Array.isArray(value)) return "list";
    if (isPyMapping(value)) return "dict";
    return typeof value;
}

// Python's str.isspace() set: JS's trim() differs (it strips U+FEFF, keeps U+001C–U+001F and U+0085).
const PY_WHITESPACE = new Set([
    0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680,
    0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a,
    0x2028, 0x2029, 0x202f, 0x205f, 0x3000
]);

/** All Python whitespace characters are in the BMP, so checking UTF-16 code units is exact. */
export function isPyWhitespace(char: string): boolean {
    return char.length > 0 && PY_WHITESPACE.has(char.charCodeAt(0));
}

export function pyLstrip(text: string): string {
    let start = 0;
    while (start < text.length && PY_WHITESPACE.has(text.charCodeAt(start))) start++;
    return text.slice(start);
}

export function pyRstrip(text: string): string {
    let end = text.length;
    while (end > 0 && PY_WHITESPACE.has(text.charCodeAt(end - 1))) end--;
    return text.slice(0, end);
}

/** Python's `str.strip()` (jinja2's `|trim`). */
export function pyStrip(text: string): string {
    return pyLstrip(pyRstrip(text));
}

/** `str.lstrip(chars)` / `str.rstrip(chars)` for a single character. */
export function pyLstripChar(text: string, char: string): string {
    let start = 0;
    while (start < text.length && text[start] === char) start++;
    return text.slice(start);
}

export function pyRstripChar(text: string, char: string): string {
    let end = text.length;
    while (end > 0 && text[end - 1] === char) end--;
    return text.slice(0, end);
}

/** Python's `repr(float)`: the shortest round-trip digits, fixed notation for 1e-4 <= |x| < 1e16, else `1e+16`. */
export function pyFloatRepr(value: number): string {
    if (Number.isNaN(value)) return "nan";
    if (value === Infinity) return "inf";
    if (value === -Infinity) return "-inf";
    if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
    const sign = value < 0 ? "-" : "";
    // toExponential() without an argument gives the shortest digits that round-trip, as Python's repr does.
    const [mantissa, exponentText] = Math.abs(value).toExponential().split("e");
    const digits = mantissa.replace(".", "");
    const pointPosition = Number(exponentText) + 1;
    if (pointPosition > -4 && pointPosition <= 16) {
        if (pointPosition <= 0) return `${sign}0.${"0".repeat(-pointPosition)}${digits}`;
        if (pointPosition >= digits.length) return `${sign}${digits}${"0".repeat(pointPosition - digits.length)}.0`;
        return `${sign}${digits.slice(0, pointPosition)}.${digits.slice(pointPosition)}`;
    }
    const exponent = pointPosition - 1;
    const significand = digits.length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
    return `${sign}${significand}e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
}

function pyIntText(value: number | bigint): string {
    if (typeof value === "bigint") return value.toString();
    // String(1e21) is "1e+21"; Python prints every digit of an int.
    return Math.abs(value) < 1e21 ? String(value === 0 ? 0 : value) : BigInt(value).toString();
}

function floatValue(value: unknown): number {
    return value instanceof PyFloat ? value.value : value as number;
}

/** `json.dumps(value, ensure_ascii=False)`: separators `", "` / `": "`, key order kept, `/` and non-ASCII unescaped. */
export function pyJsonDumps(value: unknown): string {
    const parts: string[] = [];
    writeJson(value, parts);
    return parts.join("");
}

function writeJson(value: unknown, out: string[]): void {
    if (value === null || value === undefined) out.push("null");
    else if (value === true) out.push("true");
    else if (value === false) out.push("false");
    else if (typeof value === "string") out.push(pyJsonString(value));
    else if (isPyInt(value)) out.push(pyIntText(value));
    else if (isPyFloat(value)) {
        const number = floatValue(value);
        if (Number.isNaN(number)) out.push("NaN");
        else if (number === Infinity) out.push("Infinity");
        else if (number === -Infinity) out.push("-Infinity");
        else out.push(pyFloatRepr(number));
    } else if (Array.isArray(value)) {
        out.push("[");
        value.forEach((item: unknown, index) => {
            if (index > 0) out.push(", ");
            writeJson(item, out);
        });
        out.push("]");
    } else if (isPyMapping(value)) {
        out.push("{");
        pyItems(value).forEach(([key, item], index) => {
            if (index > 0) out.push(", ");
            out.push(pyJsonString(key), ": ");
            writeJson(item, out);
        });
        out.push("}");
    } else {
        throw new TypeError(`Object of type ${typeof value} is not JSON serializable`);
    }
}

const JSON_SHORT_ESCAPES: Record<string, string> = {
    "\"": "\\\"", "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"
};

/** Python's `encode_basestring`: unlike JSON.stringify it leaves lone surrogates as they are. */
export function pyJsonString(text: string): string {
    return `"${text.replace(/[\u0000-\u001f"\\]/g, (char) =>
        JSON_SHORT_ESCAPES[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`)}"`;
}

/** Python's `str(value)`: jinja2's `{{ value }}` and `|string`. */
export function pyStr(value: unknown): string {
    if (value === undefined) return "";
    return typeof value === "string" ? value : pyRepr(value);
}

/** Python's `repr(value)`, as `str()` of a list or dict prints its items. */
export function pyRepr(value: unknown): string {
    if (value === undefined || value === null) return "None";
    if (value === true) return "True";
    if (value === false) return "False";
    if (typeof value === "string") return pyStringRepr(value);
    if (isPyInt(value)) return pyIntText(value);
    if (isPyFloat(value)) return pyFloatRepr(floatValue(value));
    if (Array.isArray(value)) return `[${value.map((item: unknown) => pyRepr(item)).join(", ")}]`;
    if (isPyMapping(value)) return `{${pyItems(value).map(([key, item]) => `${pyStringRepr(key)}: ${pyRepr(item)}`).join(", ")}}`;
    return String(value);
}

const NOT_PRINTABLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;

function pyStringRepr(text: string): string {
    const quote = text.includes("'") && !text.includes("\"") ? "\"" : "'";
    let out = quote;
    for (const char of text) {
        const code = char.codePointAt(0)!;
        if (char === quote || char === "\\") out += `\\${char}`;
        else if (char === "\t") out += "\\t";
        else if (char === "\n") out += "\\n";
        else if (char === "\r") out += "\\r";
        else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
        else if (code < 0x7f || char === " " || !NOT_PRINTABLE.test(char)) out += char;
        else if (code <= 0xff) out += `\\x${code.toString(16).padStart(2, "0")}`;
        else if (code <= 0xffff) out += `\\u${code.toString(16).padStart(4, "0")}`;
        else out += `\\U${code.toString(16).padStart(8, "0")}`;
    }
    return out + quote;
}

/**
 * Python's `json.loads`: objects become Maps (key order as written, a repeated key keeps its first position and
 * its last value), `1.0` becomes a {@link PyFloat}, integers beyond 2^53 become bigints, and `NaN`, `Infinity`,
 * `-Infinity` are accepted. Throws {@link PythonJsonError} with the position of the problem.
 */
export function parsePythonJson(text: string): unknown {
    return new PythonJsonParser(text).parseDocument();
}

const NUMBER_PATTERN = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/y;
const JSON_ESCAPES: Record<string, string> = { "\"": "\"", "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
const MAX_DEPTH = 1000;

class PythonJsonParser {
    private pos = 0;

    constructor(private readonly text: string) {}

    parseDocument(): unknown {
        this.skipWhitespace();
        const value = this.parseValue(0);
        this.skipWhitespace();
        if (this.pos < this.text.length) this.fail("extra data after the JSON value");
        return value;
    }

    private fail(what: string): never {
        const before = this.text.slice(0, this.pos);
        const line = before.split("\n").length;
        const column = this.pos - before.lastIndexOf("\n");
        throw new PythonJsonError(`invalid JSON: ${what} at line ${line} column ${column}`);
    }

    private skipWhitespace(): void {
        const text = this.text;
        while (this.pos < text.length) {
            const char = text[this.pos];
            if (char !== " " && char !== "\t" && char !== "\n" && char !== "\r") break;
            this.pos++;
        }
    }

    private parseValue(depth: number): unknown {
        if (depth > MAX_DEPTH) this.fail("nesting too deep");
        const text = this.text;
        const char = text[this.pos];
        if (char === "{") return this.parseObject(depth);
        if (char === "[") return this.parseArray(depth);
        if (char === "\"") return this.parseString();
        for (const [literal, value] of LITERALS) {
            if (text.startsWith(literal, this.pos)) {
                this.pos += literal.length;
                return value;
            }
        }
        NUMBER_PATTERN.lastIndex = this.pos;
        const match = NUMBER_PATTERN.exec(text);
        if (!match) this.fail(char === undefined ? "unexpected end of input" : "expecting a value");
        this.pos += match[0].length;
        if (match[1] !== undefined || match[2] !== undefined) {
            const number = Number(match[0]);
            return Number.isInteger(number) ? new PyFloat(number) : number;
        }
        const integer = Number(match[0]);
        if (Number.isSafeInteger(integer)) return integer === 0 ? 0 : integer;
        return BigInt(match[0]);
    }

    private parseObject(depth: number): Map<string, unknown> {
        const result = new Map<string, unknown>();
        this.pos++;
        this.skipWhitespace();
        if (this.text[this.pos] === "}") {
            this.pos++;
            return result;
        }
        for (;;) {
            if (this.text[this.pos] !== "\"") this.fail("expecting a property name enclosed in double quotes");
            const key = this.parseString();
            this.skipWhitespace();
            if (this.text[this.pos] !== ":") this.fail("expecting ':' delimiter");
            this.pos++;
            this.skipWhitespace();
            result.set(key, this.parseValue(depth + 1));
            this.skipWhitespace();
            const char = this.text[this.pos++];
            if (char === "}") return result;
            if (char !== ",") {
                this.pos--;
                this.fail("expecting ',' delimiter");
            }
            this.skipWhitespace();
        }
    }

    private parseArray(depth: number): unknown[] {
        const result: unknown[] = [];
        this.pos++;
        this.skipWhitespace();
        if (this.text[this.pos] === "]") {
            this.pos++;
            return result;
        }
        for (;;) {
            result.push(this.parseValue(depth + 1));
            this.skipWhitespace();
            const char = this.text[this.pos++];
            if (char === "]") return result;
            if (char !== ",") {
                this.pos--;
                this.fail("expecting ',' delimiter");
            }
            this.skipWhitespace();
        }
    }

    private parseString(): string {
        const text = this.text;
        this.pos++;
        let out = "";
        let chunkStart = this.pos;
        for (;;) {
            if (this.pos >= text.length) this.fail("unterminated string");
            const code = text.charCodeAt(this.pos);
            if (code === 0x22) {
                out += text.slice(chunkStart, this.pos);
                this.pos++;
                return out;
            }
            if (code < 0x20) this.fail("invalid control character in a string");
            if (code !== 0x5c) {
                this.pos++;
                continue;
            }
            out += text.slice(chunkStart, this.pos);
            const escape = text[this.pos + 1];
            if (escape === "u") {
                const hex = text.slice(this.pos + 2, this.pos + 6);
                if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail("invalid \\uXXXX escape");
                out += String.fromCharCode(parseInt(hex, 16));
                this.pos += 6;
            } else if (escape !== undefined && JSON_ESCAPES[escape] !== undefined) {
                out += JSON_ESCAPES[escape];
                this.pos += 2;
            } else {
                this.fail("invalid \\escape");
            }
            chunkStart = this.pos;
        }
    }
}

const LITERALS: [string, unknown][] = [
    ["null", null], ["true", true], ["false", false],
    ["NaN", NaN], ["Infinity", Infinity], ["-Infinity", -Infinity]
];
