/* regverify for the browser: verify a regledger credential offline with WebCrypto.
 *
 * The same pipeline of named checks, in the same order, with the same words, as the Python verifier
 * (verifier/verify.py, checks.py, result.py, jose.py, trust.py, status.py). Where Python's own parsing decides
 * what is accepted (json.loads, datetime.fromisoformat, int(), str.strip(), repr()), this file reproduces that
 * behaviour, so a token gets the same verdict here as from `regverify`.
 *
 * API (global `regverify`, or module.exports under Node):
 *   await regverify.loadTrust(bundleText, rootJwk, {at, storage, trustOnFirstUse})
 *                                                                   -> trust    (throws regverify.TrustError)
 *     rootJwk: the register's root key; null or undefined refuses ("no root key is pinned") unless
 *     trustOnFirstUse is true, when the root key the bundle carries is taken (and noted; nothing is pinned).
 *   await regverify.verify(token, trust, at, {maxStatusAge})        -> result   (never throws for bad input)
 *     maxStatusAge: BigInt microseconds (default DEFAULT_MAX_STATUS_AGE, 24 hours): older status lists fail the
 *     "status freshness" check and the credential is not valid.
 *   regverify.parseTime(text, what)                                 -> microseconds since 1970 (BigInt)
 *   regverify.parseRootJwk(text)                                    -> the root key as json.loads reads it
 * Times are BigInt microseconds since 1970-01-01T00:00:00Z; `at` may also be a Date or omitted (now).
 * result: {valid, kind, checks: [{name, outcome, reason}], subject, statusAsOf, summary, named, toJSON()} where
 * toJSON() is exactly Python's Verification.to_json(); `named` is the subject as the credential states it, even
 * when it is not valid (null when it cannot be read), for a page to show as a claim, never as a verdict.
 */
(function (root) {
  "use strict";

  // -- constants (verify.py, checks.py, result.py, jose.py, trust.py, status.py)
  const CHECKS = ["format", "header", "key known", "key valid", "signature", "issuer", "validity", "revocation",
    "suspension", "status freshness", "data model", "status"]; // "data model" is made after "format" but listed last
  const REQUIRED = ["format", "header", "key known", "key valid", "signature", "issuer", "validity", "status"];
  const PASS = "pass", FAIL = "fail", NOT_CHECKED = "not checked";
  const FULL_TYPES = ["vc+jwt", "JWT"];
  const BADGE_TYP = "rl-badge+jwt";
  const VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2";
  const PURPOSE_CLAIMS = { revocation: "r", suspension: "s" };
  const ALGORITHMS = ["ES256", "EdDSA", "RS256"];
  const MAX_TOKEN_BYTES = 16 * 1024;
  const TRUST_TYP = "rl-trust+jwt";
  const LIST_TYP = "vc+jwt";
  const PURPOSES = ["revocation", "suspension"];
  const MAX_BUNDLE_BYTES = 1024 * 1024;
  const MAX_ENCODED_CHARS = 4 * 1024 * 1024;
  const MAX_BITSTRING_BYTES = 2 * 1024 * 1024;
  const MIN_ENTRIES = 131072;
  const MAX_LINK = 20000;
  const US = 1000000n;
  const DAY_US = 86400n * US;
  const HOUR_US = 3600n * US;
  const DEFAULT_MAX_STATUS_AGE = 24n * HOUR_US;
  const STATUS_LIST_TYPES = ["BitstringStatusListCredential", "StatusList2021Credential"];
  const NOT_PINNED = "no root key is pinned: give the register's root key (root.json), or trust this bundle's own " +
    "root on first use explicitly";
  const SEQUENCE_KEY = "regverify.sequence";
  // How deep JSON may nest before CPython's json module gives up with RecursionError (a recursion limit of 1000,
  // less the frames below the parser when the regverify command runs): in a token, in the trust bundle, in its
  // status lists. Refusing a constant costs two more levels, naming a duplicate three (Python calls).
  const DEPTH_TOKEN = 991, DEPTH_BUNDLE = 990, DEPTH_LIST = 989, DEPTH_PLAIN = 995;

  class Malformed extends Error { constructor(m) { super(m); this.name = "Malformed"; } }
  class TrustError extends Error { constructor(m) { super(m); this.name = "TrustError"; } }
  class Failed extends Error { constructor(m) { super(m); this.name = "Failed"; } }
  class JsonSyntax extends Error { constructor() { super("invalid JSON"); this.name = "JsonSyntax"; } }

  // -- Python's values: None null, bool, int (Number when safe, else BigInt), float (PyFloat), str, list (Array),
  //    dict (Map, keeping key order)
  class PyFloat { constructor(value) { this.value = value; } }
  const isDict = (v) => v instanceof Map;
  const isStr = (v) => typeof v === "string";
  const isInt = (v) => typeof v === "number" || typeof v === "bigint";
  const isNumber = (v) => isInt(v) || v instanceof PyFloat;
  const get = (d, k) => (d.has(k) ? d.get(k) : null);
  const truthy = (v) => !(v === null || v === false || v === 0 || v === 0n || v === "" ||
    (v instanceof PyFloat && v.value === 0) || (Array.isArray(v) && v.length === 0) || (isDict(v) && v.size === 0));

  function hex(n, width) { return n.toString(16).padStart(width, "0"); }
  const NON_PRINTABLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;

  function strRepr(s) {
    const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
    let out = quote;
    for (const ch of s) {
      const cp = ch.codePointAt(0);
      if (ch === quote || ch === "\\") out += "\\" + ch;
      else if (ch === "\t") out += "\\t";
      else if (ch === "\n") out += "\\n";
      else if (ch === "\r") out += "\\r";
      else if (cp < 0x20 || cp === 0x7f) out += "\\x" + hex(cp, 2);
      else if (cp < 0x7f || !NON_PRINTABLE.test(ch)) out += ch;
      else if (cp <= 0xff) out += "\\x" + hex(cp, 2);
      else if (cp <= 0xffff) out += "\\u" + hex(cp, 4);
      else out += "\\U" + hex(cp, 8);
    }
    return out + quote;
  }

  function floatRepr(x) {
    if (Number.isNaN(x)) return "nan";
    if (x === Infinity) return "inf";
    if (x === -Infinity) return "-inf";
    const sign = x < 0 || Object.is(x, -0) ? "-" : "";
    const [mantissa, exponent] = Math.abs(x).toExponential().split("e");
    const digits = mantissa.replace(".", "");
    const decpt = Number(exponent) + 1;
    if (decpt <= -4 || decpt > 16) {
      const e = decpt - 1;
      return sign + digits[0] + (digits.length > 1 ? "." + digits.slice(1) : "") + "e" + (e < 0 ? "-" : "+") +
        String(Math.abs(e)).padStart(2, "0");
    }
    if (decpt <= 0) return sign + "0." + "0".repeat(-decpt) + digits;
    if (decpt >= digits.length) return sign + digits + "0".repeat(decpt - digits.length) + ".0";
    return sign + digits.slice(0, decpt) + "." + digits.slice(decpt);
  }

  /** Python's repr() of a JSON value. */
  function pyRepr(v) {
    if (v === null || v === undefined) return "None";
    if (v === true) return "True";
    if (v === false) return "False";
    if (typeof v === "number" || typeof v === "bigint") return String(v);
    if (v instanceof PyFloat) return floatRepr(v.value);
    if (isStr(v)) return strRepr(v);
    if (Array.isArray(v)) return "[" + v.map(pyRepr).join(", ") + "]";
    if (isDict(v)) return "{" + Array.from(v, ([k, x]) => strRepr(k) + ": " + pyRepr(x)).join(", ") + "}";
    return String(v);
  }
  /** Python's str() of a JSON value. */
  const pyStr = (v) => (isStr(v) ? v : pyRepr(v));

  /** len() of a Python str: code points. */
  function pyLen(s) {
    if (!/[\uD800-\uDFFF]/.test(s)) return s.length;
    let n = 0;
    for (const _ of s) n++; // eslint-disable-line no-unused-vars
    return n;
  }
  const PY_SPACE = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
  const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "g");
  /** str.strip() with no argument. */
  const pyStrip = (s) => s.replace(PY_STRIP, "");
  const isAscii = (s) => /^[\x00-\x7f]*$/.test(s);
  const thousands = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");

  // -- base64url, exactly as jose.b64url_decode: one spelling only. Python re-encodes the bytes and compares; with
  //    the alphabet and length checked, that differs exactly when the last character leaves bits unused that are not
  //    zero ('R' where the bytes give 'Q'), which is what is checked here.
  const B64 = new Int16Array(128).fill(-1);
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".split("").forEach((c, i) => {
    B64[c.charCodeAt(0)] = i;
  });
  function b64urlDecode(part, what) {
    if (!isStr(part) || !/^[A-Za-z0-9_-]+$/.test(part) || part.length % 4 === 1) {
      throw new Malformed(`the ${what} is not base64url text`);
    }
    const out = new Uint8Array(Math.floor((part.length * 3) / 4));
    let bits = 0, value = 0, o = 0;
    for (let i = 0; i < part.length; i++) {
      value = (value << 6) | B64[part.charCodeAt(i)];
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out[o++] = (value >> bits) & 0xff;
        value &= (1 << bits) - 1;
      }
    }
    if (value !== 0) {
      throw new Malformed(`the ${what} is not canonical base64url text (its last character was altered)`);
    }
    return out;
  }
  function b64url(bytes) {
    let s = "";
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  const asciiBytes = (s) => { const b = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i); return b; };

  // -- JSON as CPython's json.loads reads it: NaN and Infinity are constants, ints are exact, 4300 digits at most,
  //    duplicate names and constants refused in strict mode (jose.parse_object), errors in the order Python meets them.
  function parseJSON(text, strict, limit) {
    let i = 0;
    const n = text.length;
    const syntax = () => new JsonSyntax();
    const ws = () => {
      for (;;) {
        const c = text.charCodeAt(i);
        if (c === 32 || c === 9 || c === 10 || c === 13) i++;
        else return;
      }
    };
    const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/y;

    function constant(name, depth) {
      if (!strict) return new PyFloat(name === "NaN" ? NaN : name === "Infinity" ? Infinity : -Infinity);
      if (depth + 2 > limit) throw syntax();
      throw new Malformed(`the JSON holds ${name}, which is not a JSON number`);
    }
    function string() {
      i++;
      let out = "", start = i;
      for (;;) {
        if (i >= n) throw syntax();
        const c = text.charCodeAt(i);
        if (c === 34) { out += text.slice(start, i); i++; return out; }
        if (c === 92) {
          out += text.slice(start, i);
          const e = text[i + 1];
          i += 2;
          if (e === '"') out += '"';
          else if (e === "\\") out += "\\";
          else if (e === "/") out += "/";
          else if (e === "b") out += "\b";
          else if (e === "f") out += "\f";
          else if (e === "n") out += "\n";
          else if (e === "r") out += "\r";
          else if (e === "t") out += "\t";
          else if (e === "u") {
            const h = text.slice(i, i + 4);
            if (!/^[0-9a-fA-F]{4}$/.test(h)) throw syntax();
            out += String.fromCharCode(parseInt(h, 16));
            i += 4;
          } else throw syntax();
          start = i;
          continue;
        }
        if (c < 0x20) throw syntax();
        i++;
      }
    }
    function number() {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m) throw syntax();
      i = NUMBER.lastIndex;
      if (m[1] !== undefined || m[2] !== undefined) return new PyFloat(Number(m[0]));
      const digits = m[0].replace("-", "");
      if (digits.length > 4300) throw syntax(); // int() refuses more than 4300 digits: a ValueError
      if (digits.length <= 15) { const v = Number(m[0]); return v === 0 ? 0 : v; }
      const big = BigInt(m[0]);
      return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
    }
    function object(depth) {
      i++;
      const pairs = [];
      ws();
      if (text[i] !== "}") {
        for (;;) {
          if (text[i] !== '"') throw syntax();
          const key = string();
          ws();
          if (text[i] !== ":") throw syntax();
          i++;
          ws();
          pairs.push([key, value(depth)]);
          ws();
          if (text[i] === "}") break;
          if (text[i] !== ",") throw syntax();
          i++;
          ws();
        }
      }
      i++;
      const result = new Map();
      if (!strict) { for (const [k, v] of pairs) result.set(k, v); return result; }
      if (depth + 1 > limit) throw syntax(); // object_pairs_hook is a Python call
      for (const [k, v] of pairs) {
        if (result.has(k)) {
          if (depth + 3 > limit) throw syntax();
          throw new Malformed(`the JSON names ${strRepr(k)} twice`);
        }
        result.set(k, v);
      }
      return result;
    }
    function array(depth) {
      i++;
      const items = [];
      ws();
      if (text[i] === "]") { i++; return items; }
      for (;;) {
        items.push(value(depth));
        ws();
        if (text[i] === "]") { i++; return items; }
        if (text[i] !== ",") throw syntax();
        i++;
        ws();
      }
    }
    function value(depth) {
      if (i >= n) throw syntax();
      const c = text[i];
      if (c === '"') return string();
      if (c === "{" || c === "[") {
        if (depth + 1 > limit) throw syntax();
        return c === "{" ? object(depth + 1) : array(depth + 1);
      }
      if (c === "n" && text.startsWith("null", i)) { i += 4; return null; }
      if (c === "t" && text.startsWith("true", i)) { i += 4; return true; }
      if (c === "f" && text.startsWith("false", i)) { i += 5; return false; }
      if (c === "N" && text.startsWith("NaN", i)) { i += 3; return constant("NaN", depth); }
      if (c === "I" && text.startsWith("Infinity", i)) { i += 8; return constant("Infinity", depth); }
      if (c === "-" && text.startsWith("-Infinity", i)) { i += 9; return constant("-Infinity", depth); }
      return number();
    }
    ws();
    const result = value(0);
    ws();
    if (i !== n) throw syntax();
    return result;
  }

  const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

  function parseObject(bytes, what, limit) {
    let text;
    try {
      text = UTF8.decode(bytes);
    } catch (error) {
      throw new Malformed(`the ${what} is not UTF-8 text`);
    }
    let value;
    try {
      value = parseJSON(text, true, limit);
    } catch (error) {
      if (error instanceof Malformed) throw error;
      throw new Malformed(`the ${what} is not valid JSON`);
    }
    if (!isDict(value)) throw new Malformed(`the ${what} is JSON but not an object`);
    return value;
  }

  /** jose.split: a compact JWS, parsed but not verified. */
  function split(token, maxBytes, limit) {
    if (!isStr(token)) throw new Malformed("a token is text");
    const length = pyLen(token);
    if (length > maxBytes) {
      throw new Malformed(`the token is ${thousands(length)} characters long; at most ${thousands(maxBytes)} are accepted`);
    }
    if (!isAscii(token)) throw new Malformed("the token holds characters that are not base64url");
    const parts = token.split(".");
    if (parts.length !== 3) {
      throw new Malformed(`a signed token has three parts separated by dots; this one has ${parts.length}`);
    }
    const header = parseObject(b64urlDecode(parts[0], "token header"), "token header", limit);
    const payload = parseObject(b64urlDecode(parts[1], "token payload"), "token payload", limit);
    return { header, payload, signingInput: asciiBytes(`${parts[0]}.${parts[1]}`),
      signature: b64urlDecode(parts[2], "token signature") };
  }

  // -- times: BigInt microseconds since 1970-01-01T00:00:00Z
  const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December"];
  function daysFromCivil(y, m, d) {
    y -= m <= 2 ? 1 : 0;
    const era = Math.floor(y / 400);
    const yoe = y - era * 400;
    const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
    return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
  }
  function civilFromDays(z) {
    z += 719468;
    const era = Math.floor(z / 146097);
    const doe = z - era * 146097;
    const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
    const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
    const mp = Math.floor((5 * doy + 2) / 153);
    const m = mp < 10 ? mp + 3 : mp - 9;
    return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, doy - Math.floor((153 * mp + 2) / 5) + 1];
  }
  const MIN_US = BigInt(daysFromCivil(1, 1, 1)) * DAY_US;
  const MAX_US = BigInt(daysFromCivil(10000, 1, 1)) * DAY_US; // exclusive
  const floorDiv = (a, b) => { const q = a / b; return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q; };
  function fields(us) {
    const days = floorDiv(us, DAY_US);
    const rest = us - days * DAY_US;
    const [y, m, d] = civilFromDays(Number(days));
    const seconds = Number(rest / US);
    return { y, m, d, H: Math.floor(seconds / 3600), M: Math.floor(seconds / 60) % 60, S: seconds % 60,
      f: Number(rest % US) };
  }
  const p2 = (n) => String(n).padStart(2, "0");
  /** f"{dt:%d %B %Y %H:%M}" */
  const fmtMinute = (us) => { const t = fields(us); return `${p2(t.d)} ${MONTHS[t.m - 1]} ${t.y} ${p2(t.H)}:${p2(t.M)}`; };
  /** f"{dt:%d %B %Y}" */
  const fmtDay = (us) => { const t = fields(us); return `${p2(t.d)} ${MONTHS[t.m - 1]} ${t.y}`; };
  /** f"{dt:%Y-%m-%d %H:%M}" */
  const fmtIsoMinute = (us) => { const t = fields(us); return `${t.y}-${p2(t.m)}-${p2(t.d)} ${p2(t.H)}:${p2(t.M)}`; };
  /** dt.isoformat() of an aware UTC datetime */
  function isoformat(us) {
    const t = fields(us);
    return `${String(t.y).padStart(4, "0")}-${p2(t.m)}-${p2(t.d)}T${p2(t.H)}:${p2(t.M)}:${p2(t.S)}` +
      (t.f ? "." + String(t.f).padStart(6, "0") : "") + "+00:00";
  }

  // datetime.fromisoformat as CPython 3.11's C implementation reads it (on the UTF-8 bytes of the text).
  const INVALID = {};
  function fromIsoformat(text) {
    const cps = Array.from(text);
    if (cps.length < 7) throw INVALID;
    for (const pos of [7, 8, 10]) {
      if (pos > cps.length) break;
      const c = pos < cps.length ? cps[pos].codePointAt(0) : 0;
      if (c >= 0xd800 && c <= 0xdfff) { cps[pos] = "T"; break; }
    }
    for (const ch of cps) { const c = ch.codePointAt(0); if (c >= 0xd800 && c <= 0xdfff) throw INVALID; }
    const bytes = new TextEncoder().encode(cps.join(""));
    let len = bytes.length;
    const at = (k) => (k >= 0 && k < bytes.length ? bytes[k] : 0);
    const isDigit = (k) => at(k) >= 48 && at(k) <= 57;
    const C = (s) => s.charCodeAt(0);
    function digits(p, count) { // parse_digits: [value, p] or null
      let v = 0;
      for (let k = 0; k < count; k++, p++) { if (!isDigit(p)) return null; v = v * 10 + at(p) - 48; }
      return [v, p];
    }
    function separator() {
      if (len === 7) return 7;
      if (at(4) === C("-")) {
        if (at(5) === C("W")) {
          if (len < 8) return -1;
          if (len > 8 && at(8) === C("-")) {
            if (len === 9) return -1;
            if (len > 10 && isDigit(10)) return 8;
            return 10;
          }
          return 8;
        }
        return 10;
      }
      if (at(4) === C("W")) {
        let idx = 7;
        for (; idx < len; ++idx) if (!isDigit(idx)) break;
        if (idx < 9) return idx;
        return idx % 2 === 0 ? 7 : 8;
      }
      return 8;
    }
    // C integer arithmetic of the date helpers (truncating division)
    const div = (a, b) => Math.trunc(a / b);
    const isLeap = (y) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
    const DBM = [0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    const DIM = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    const daysInMonth = (y, m) => (m === 2 && isLeap(y) ? 29 : DIM[m]);
    const daysBeforeYear = (y) => { const yy = y - 1; return yy * 365 + div(yy, 4) - div(yy, 100) + div(yy, 400); };
    const ymdToOrd = (y, m, d) => daysBeforeYear(y) + DBM[m] + (m > 2 && isLeap(y) ? 1 : 0) + d;
    function ordToYmd(ordinal) {
      --ordinal;
      const n400 = div(ordinal, 146097); let n = ordinal % 146097;
      let year = n400 * 400 + 1;
      const n100 = div(n, 36524); n %= 36524;
      const n4 = div(n, 1461); n %= 1461;
      const n1 = div(n, 365); n %= 365;
      year += n100 * 100 + n4 * 4 + n1;
      if (n1 === 4 || n100 === 4) return [year - 1, 12, 31];
      const leap = n1 === 3 && (n4 !== 24 || n100 === 3);
      let month = (n + 50) >> 5;
      let preceding = DBM[month] + (month > 2 && leap ? 1 : 0);
      if (preceding > n) { month -= 1; preceding -= daysInMonth(year, month); }
      return [year, month, n - preceding + 1];
    }
    function isoToYmd(year, week, day) {
      if (week <= 0 || week >= 53) {
        let out = true;
        if (week === 53) {
          const first = (ymdToOrd(year, 1, 1) + 6) % 7;
          if (first === 3 || (first === 2 && isLeap(year))) out = false;
        }
        if (out) return null;
      }
      if (day <= 0 || day >= 8) return null;
      const first = ymdToOrd(year, 1, 1);
      const weekday = (first + 6) % 7;
      let monday = first - weekday;
      if (weekday > 3) monday += 7;
      return ordToYmd(monday + (week - 1) * 7 + day - 1);
    }
    function parseDate(dlen) {
      let r = digits(0, 4);
      if (!r) return null;
      const year = r[0];
      let p = r[1];
      const sep = at(p) === C("-");
      if (sep) ++p;
      if (at(p) === C("W")) {
        p++;
        r = digits(p, 2);
        if (!r) return null;
        const week = r[0];
        p = r[1];
        let day = 1;
        if (p < dlen) {
          if (sep && at(p++) !== C("-")) return null;
          r = digits(p, 1);
          if (!r) return null;
          day = r[0];
        }
        return isoToYmd(year, week, day);
      }
      r = digits(p, 2);
      if (!r) return null;
      const month = r[0];
      p = r[1];
      if (sep && at(p++) !== C("-")) return null;
      r = digits(p, 2);
      if (!r) return null;
      return [year, month, r[0]];
    }
    function hhmmssff(p, end) { // parse_hh_mm_ss_ff -> [rv, h, m, s, us]
      const vals = [0, 0, 0];
      let us = 0, hasSep = true;
      for (let k = 0; k < 3; ++k) {
        const r = digits(p, 2);
        if (!r) return [-3];
        vals[k] = r[0];
        p = r[1];
        const c = at(p++);
        if (k === 0) hasSep = c === C(":");
        if (p >= end) return [c !== 0 ? 1 : 0, vals[0], vals[1], vals[2], 0];
        else if (hasSep && c === C(":")) continue;
        else if (c === C(".") || c === C(",")) break;
        else if (!hasSep) --p;
        else return [-4];
      }
      const remains = end - p;
      const toParse = remains >= 6 ? 6 : remains;
      const r = digits(p, toParse);
      if (!r) return [-3];
      us = r[0];
      p = r[1];
      if (toParse < 6) us *= [100000, 10000, 1000, 100, 10][toParse - 1];
      while (isDigit(p)) ++p;
      return [at(p) !== 0 ? 1 : 0, vals[0], vals[1], vals[2], us];
    }
    function parseTimePart(p, tlen) {
      const end = p + tlen;
      let tz = p;
      do {
        const c = at(tz);
        if (c === C("Z") || c === C("+") || c === C("-")) break;
      } while (++tz < end);
      const t = hhmmssff(p, tz);
      if (t[0] < 0) return [t[0]];
      if (tz === end) return t[0] === 1 ? [-5] : [0, t[1], t[2], t[3], t[4], 0, 0];
      if (at(tz) === C("Z")) return at(tz + 1) !== 0 ? [-5] : [1, t[1], t[2], t[3], t[4], 0, 0];
      const sign = at(tz) === C("-") ? -1 : 1;
      const z = hhmmssff(tz + 1, end);
      if (z[0] !== 0) return [-5];
      return [1, t[1], t[2], t[3], t[4], sign * (z[1] * 3600 + z[2] * 60 + z[3]), sign * z[4]];
    }

    const sepAt = separator();
    const date = parseDate(sepAt);
    if (!date) throw INVALID;
    let time = [0, 0, 0, 0, 0, 0, 0];
    if (len > sepAt) {
      let p = sepAt;
      if ((at(p) & 0x80) === 0) p += 1;
      else p += { 0xe0: 3, 0xf0: 4 }[at(p) & 0xf0] || 2;
      len -= p;
      time = parseTimePart(p, len);
      if (time[0] < 0) throw INVALID;
    }
    const [rv, H, M, S, f, tzSeconds, tzMicro] = time;
    let offset = null;
    if (rv === 1) {
      offset = tzSeconds === 0 ? 0n : BigInt(tzSeconds) * US + BigInt(tzMicro);
      if (offset <= -DAY_US || offset >= DAY_US) throw INVALID;
    }
    const [y, mo, d] = date;
    if (y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || H > 23 || M > 59 || S > 59) {
      throw INVALID;
    }
    const local = BigInt(daysFromCivil(y, mo, d)) * DAY_US + BigInt(((H * 60 + M) * 60 + S)) * US + BigInt(f);
    return { local, offset };
  }

  /** trust.parse_time: an RFC 3339 date-time with an offset (or Z), in UTC. */
  function parseTime(value, what) {
    if (!isStr(value) || pyLen(value) > 40 || !value.toUpperCase().includes("T")) {
      throw new Malformed(`${what} is not an RFC 3339 date-time`);
    }
    let moment;
    try {
      moment = fromIsoformat(value.replace(/z/g, "Z").replace(/Z/g, "+00:00"));
    } catch (error) {
      if (error !== INVALID) throw error;
      throw new Malformed(`${what} is not an RFC 3339 date-time`);
    }
    if (moment.offset === null) throw new Malformed(`${what} has no time zone offset`);
    const utc = moment.local - moment.offset;
    // Python raises OverflowError here (not caught by parse_time); refused as not a usable date-time.
    if (utc < MIN_US || utc >= MAX_US) throw new Malformed(`${what} is not an RFC 3339 date-time`);
    return utc;
  }

  function roundHalfEven(x) {
    const r = Math.round(x);
    return Math.abs(x - r) === 0.5 ? 2 * Math.round(x / 2) : r;
  }
  /** trust.numeric_date: datetime.fromtimestamp(value, UTC). */
  function numericDate(value, what) {
    if (!isNumber(value)) throw new Malformed(`${what} is not a NumericDate (seconds since 1970)`);
    if (typeof value === "bigint") throw new Malformed(`${what} is not a NumericDate (seconds since 1970)`);
    const x = value instanceof PyFloat ? value.value : value;
    if (!(x >= 0 && x < 253402300800)) throw new Malformed(`${what} is not a NumericDate (seconds since 1970)`);
    if (!(value instanceof PyFloat)) return BigInt(x) * US;
    let whole = Math.trunc(x);
    let micro = roundHalfEven((x - whole) * 1e6);
    if (micro >= 1e6) { micro -= 1e6; whole += 1; }
    return BigInt(whole) * US + BigInt(micro);
  }
  /** int(dt.timestamp()): the float quotient us / 10**6, correctly rounded, truncated towards zero. */
  function timestampInt(us) {
    const negative = us < 0n;
    const a = negative ? -us : us;
    if (a === 0n) return 0n;
    const whole = a / US;
    // exponent of the quotient: 2**e <= a / 10**6 < 2**(e+1)
    let e = whole > 0n ? whole.toString(2).length - 1 : -1;
    if (whole === 0n) { while ((a << BigInt(-e)) < US) e--; }
    const shift = 52 - e; // the double's unit is 2**-shift
    const scaled = shift >= 0 ? a << BigInt(shift) : a >> BigInt(-shift);
    let n = scaled / US;
    const rem = scaled % US;
    if (rem * 2n > US || (rem * 2n === US && n % 2n === 1n)) n += 1n;
    const result = shift >= 0 ? n >> BigInt(shift) : n << BigInt(-shift);
    return negative ? -result : result;
  }

  function toMicros(at) {
    if (at === undefined || at === null) return BigInt(Date.now()) * 1000n;
    if (typeof at === "bigint") return at;
    if (at instanceof Date) return BigInt(at.getTime()) * 1000n;
    if (typeof at === "number") return BigInt(Math.round(at)) * 1000n; // milliseconds
    if (isStr(at)) return parseTime(at, "the time");
    throw new TypeError("at: a Date, milliseconds, an RFC 3339 string or BigInt microseconds");
  }

  // -- keys (jose.py)
  const THUMBPRINT_MEMBERS = { EC: ["crv", "kty", "x", "y"], OKP: ["crv", "kty", "x"], RSA: ["e", "kty", "n"] };
  function pyJsonString(s) {
    let out = '"';
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 0x22) out += '\\"';
      else if (c === 0x5c) out += "\\\\";
      else if (c === 0x0a) out += "\\n";
      else if (c === 0x0d) out += "\\r";
      else if (c === 0x09) out += "\\t";
      else if (c === 0x08) out += "\\b";
      else if (c === 0x0c) out += "\\f";
      else if (c < 0x20 || c > 0x7e) out += "\\u" + hex(c, 4);
      else out += s[i];
    }
    return out + '"';
  }
  function thumbprintMembers(jwk) {
    const kty = get(jwk, "kty");
    const members = isStr(kty) && Object.prototype.hasOwnProperty.call(THUMBPRINT_MEMBERS, kty)
      ? THUMBPRINT_MEMBERS[kty] : null;
    if (members === null || !members.every((m) => isStr(get(jwk, m)))) {
      throw new Malformed("the key is not a complete EC, OKP or RSA public JWK");
    }
    return members;
  }
  async function thumbprint(jwk) {
    const members = thumbprintMembers(jwk);
    const canonical = "{" + members.map((m) => pyJsonString(m) + ":" + pyJsonString(jwk.get(m))).join(",") + "}";
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonical));
    return b64url(new Uint8Array(digest));
  }

  const P256 = 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n;
  const P256_B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;
  const bytesToBig = (b) => { let v = 0n; for (const x of b) v = (v << 8n) | BigInt(x); return v; };
  function bigToBytes(v, length) {
    const out = new Uint8Array(length);
    for (let i = length - 1; i >= 0; i--) { out[i] = Number(v & 0xffn); v >>= 8n; }
    return out;
  }
  const bitLength = (v) => (v === 0n ? 0 : v.toString(2).length);
  function modPow(base, exp, mod) {
    let result = 1n;
    base %= mod;
    while (exp > 0n) {
      if (exp & 1n) result = (result * base) % mod;
      base = (base * base) % mod;
      exp >>= 1n;
    }
    return result;
  }
  const integer = (jwk, member) => bytesToBig(b64urlDecode(jwk.get(member), `key member ${member}`));
  const NOT_A_KEY = "the key's numbers do not make a valid public key";

  /** jose.public_key: {alg, crypto (a CryptoKey or null), n, e (RSA)}; refuses as Python does. */
  async function publicKey(jwk) {
    if (!isDict(jwk)) throw new Malformed("a key is a JSON object (JWK)");
    if (["d", "p", "q", "dp", "dq", "qi", "k"].some((m) => jwk.has(m))) {
      throw new Malformed("the key holds private or secret material");
    }
    thumbprintMembers(jwk);
    const kty = jwk.get("kty"), crv = get(jwk, "crv");
    if (kty === "EC" && crv === "P-256") {
      const x = integer(jwk, "x") % P256, y = integer(jwk, "y") % P256; // OpenSSL takes the numbers modulo p
      if ((y * y - (x * x * x - 3n * x + P256_B)) % P256 !== 0n) throw new Malformed(NOT_A_KEY);
      const raw = new Uint8Array(65);
      raw[0] = 4;
      raw.set(bigToBytes(x, 32), 1);
      raw.set(bigToBytes(y, 32), 33);
      let key;
      try {
        key = await crypto.subtle.importKey("raw", raw, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
      } catch (error) {
        throw new Malformed(NOT_A_KEY);
      }
      return { alg: "ES256", crypto: key };
    }
    if (kty === "OKP" && crv === "Ed25519") {
      const raw = b64urlDecode(jwk.get("x"), "key member x");
      if (raw.length !== 32) throw new Malformed(NOT_A_KEY);
      let key = null; // 32 bytes that are no point: Python loads them, and no signature verifies
      try { key = await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]); } catch (e) { /* */ }
      return { alg: "EdDSA", crypto: key };
    }
    if (kty === "RSA") {
      const e = integer(jwk, "e"), n = integer(jwk, "n");
      if (n < 3n || e < 3n || e >= n || (e & 1n) === 0n) throw new Malformed(NOT_A_KEY);
      const bits = bitLength(n);
      if (bits < 2048) throw new Malformed(`an RSA key of ${bits} bits is too weak (2048 at least)`);
      let key = null; // WebCrypto refuses some keys Python takes (a huge exponent...): those are checked with BigInt
      try {
        key = await crypto.subtle.importKey("jwk", { kty: "RSA", n: b64url(bigToBytes(n, Math.ceil(bits / 8))),
          e: b64url(bigToBytes(e, Math.ceil(bitLength(e) / 8))), alg: "RS256", ext: true },
        { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["verify"]);
      } catch (error) { /* */ }
      return { alg: "RS256", crypto: key, n, e, size: Math.ceil(bits / 8) };
    }
    throw new Malformed(`keys of type ${kty} ${pyStr(crv || "")} are not accepted: ES256 (P-256), EdDSA (Ed25519) or RS256`);
  }

  const SHA256_DIGEST_INFO = [0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
    0x05, 0x00, 0x04, 0x20];
  async function rsaVerifyBig(key, input, signature) {
    if (signature.length !== key.size) return false;
    const s = bytesToBig(signature);
    if (s >= key.n) return false;
    const em = bigToBytes(modPow(s, key.e, key.n), key.size);
    const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", input));
    const tail = [0, ...SHA256_DIGEST_INFO, ...hash];
    const padLength = key.size - 2 - tail.length;
    if (padLength < 8 || em[0] !== 0 || em[1] !== 1) return false;
    for (let i = 0; i < padLength; i++) if (em[2 + i] !== 0xff) return false;
    return tail.every((b, i) => em[2 + padLength + i] === b);
  }

  /** jose.signature_valid */
  async function signatureValid(alg, key, input, signature) {
    try {
      if (alg === "ES256") {
        if (signature.length !== 64 || key.alg !== "ES256") return false;
        return await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key.crypto, signature, input);
      }
      if (alg === "EdDSA") {
        if (key.alg !== "EdDSA" || !key.crypto) return false;
        return await crypto.subtle.verify({ name: "Ed25519" }, key.crypto, signature, input);
      }
      if (alg === "RS256") {
        if (key.alg !== "RS256") return false;
        if (!key.crypto) return await rsaVerifyBig(key, input, signature);
        return await crypto.subtle.verify({ name: "RSASSA-PKCS1-v1_5" }, key.crypto, signature, input);
      }
    } catch (error) {
      return false;
    }
    return false;
  }

  // -- status lists (status.py): multibase 'u' + base64url + GZIP, at most 2 MiB once inflated
  const BOMB = {}, TRUNCATED = {}, BAD = {};
  /** Inflate with DecompressionStream, fed in small pieces and read as it comes, stopping past `limit` bytes. */
  async function gunzip(bytes, limit) {
    const stream = new DecompressionStream("gzip");
    const writer = stream.writable.getWriter();
    const reader = stream.readable.getReader();
    let closing = false, stop = false;
    const writing = (async () => {
      try {
        for (let i = 0; i < bytes.length && !stop; i += 1024) await writer.write(bytes.subarray(i, i + 1024));
        if (stop) return "stopped";
        closing = true;
        await writer.close();
        return "ok";
      } catch (error) {
        // browsers refuse bad data as it is written and a cut-short stream on close; Node's zlib says which
        if (error && typeof error.code === "string") return error.code === "Z_BUF_ERROR" ? "truncated" : "bad";
        return closing ? "truncated" : "bad";
      }
    })();
    const chunks = [];
    let total = 0, outcome = "ok";
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.length;
        if (total > limit) { outcome = "bomb"; break; }
        chunks.push(value);
      }
    } catch (error) {
      outcome = "error";
    }
    if (outcome === "bomb") {
      stop = true;
      reader.cancel().catch(() => {});
      writer.abort().catch(() => {});
      await writing.catch(() => {});
      return BOMB;
    }
    const written = await writing;
    if (outcome === "error" || written !== "ok") return written === "truncated" ? TRUNCATED : BAD;
    const data = new Uint8Array(total);
    let offset = 0;
    for (const c of chunks) { data.set(c, offset); offset += c.length; }
    return data;
  }
  /** zlib.decompressobj(wbits=31) reads the first GZIP member and leaves what follows it unread; the stream
   * refuses anything after the member, so on such a refusal the member's end is found by bisection. */
  async function inflateFirstMember(bytes, limit) {
    const whole = await gunzip(bytes, limit);
    if (whole !== BAD) return whole;
    let lo = 1, hi = bytes.length; // the shortest prefix that is not merely cut short
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if ((await gunzip(bytes.subarray(0, mid), limit)) === TRUNCATED) lo = mid + 1;
      else hi = mid;
    }
    const first = await gunzip(bytes.subarray(0, lo), limit);
    return first === TRUNCATED ? BAD : first;
  }
  async function decodeBitstring(encoded) {
    if (!isStr(encoded) || !encoded.startsWith("u")) {
      throw new Malformed("the status list is not multibase base64url text (it must start with 'u')");
    }
    if (pyLen(encoded) > MAX_ENCODED_CHARS) throw new Malformed("the status list is too large to be genuine");
    const compressed = b64urlDecode(encoded.slice(1), "status list");
    const data = await inflateFirstMember(compressed, MAX_BITSTRING_BYTES);
    if (data === BAD) throw new Malformed("the status list is not valid GZIP data");
    if (data === BOMB) {
      throw new Malformed(`the status list expands beyond ${thousands(MAX_BITSTRING_BYTES)} bytes: refused as a compression bomb`);
    }
    if (data === TRUNCATED) throw new Malformed("the status list's GZIP data is cut short");
    if (data.length * 8 < MIN_ENTRIES) {
      throw new Malformed(`the status list has ${thousands(data.length * 8)} entries; at least ${thousands(MIN_ENTRIES)} are required`);
    }
    return { length: data.length * 8, get: (i) => (data[Math.floor(i / 8)] & (0x80 >> (i % 8))) !== 0 };
  }
  class StatusList {
    constructor(purpose, url, validFrom, validUntil, encoded) {
      Object.assign(this, { purpose, url, validFrom, validUntil, encoded });
      this._bits = null;
    }
    /** The bits, decoded once; a bad list fails the check that reads it (Malformed), not the bundle. */
    bits() {
      if (this._bits === null) this._bits = decodeBitstring(this.encoded).then((b) => ({ b }), (e) => ({ e }));
      return this._bits.then((r) => { if (r.e) throw r.e; return r.b; });
    }
  }

  // -- the trust bundle (trust.py)
  function storageGet(storage) {
    if (!storage) return null;
    try {
      const text = storage.getItem(SEQUENCE_KEY);
      return text !== null && /^\s*\d+\s*$/.test(text) ? BigInt(text.trim()) : null;
    } catch (error) {
      return null;
    }
  }
  function storageRemember(storage, sequence) {
    if (!storage) return;
    try {
      const current = storageGet(storage);
      if (current === null || sequence > current) storage.setItem(SEQUENCE_KEY, String(sequence));
    } catch (error) { /* storage refused: nothing is remembered */ }
  }

  /** trust.load_trust: check and read a trust bundle against the pinned root key (a parsed JWK, see
   * parseRootJwk). `storage` (localStorage) remembers the newest bundle number accepted and refuses older ones. */
  async function loadTrust(bundle, rootJwk, options = {}) {
    try {
      return await load(bundle, rootJwk, options.storage || null, options.trustOnFirstUse === true,
        toMicros(options.at));
    } catch (error) {
      if (error instanceof Malformed) throw new TrustError(`the trust bundle is not usable: ${error.message}`);
      throw error;
    }
  }

  async function load(bundle, rootJwk, storage, trustOnFirstUse, at) {
    if (!isStr(bundle)) throw new TrustError("the trust bundle is not usable: it is not text");
    const token = pyStrip(bundle);
    if (pyLen(token) > MAX_BUNDLE_BYTES) throw new TrustError("the trust bundle is too large to be genuine");
    const jws = split(token, MAX_BUNDLE_BYTES, DEPTH_BUNDLE);
    const header = jws.header;
    if (get(header, "typ") !== TRUST_TYP) {
      throw new TrustError(`this is not a regledger trust bundle (its type is ${pyRepr(get(header, "typ"))})`);
    }
    if (!ALGORITHMS.includes(get(header, "alg"))) {
      throw new TrustError(`the trust bundle is signed with ${pyRepr(get(header, "alg"))}, which is not accepted`);
    }
    const notes = [];
    let pinned = rootJwk === undefined ? null : rootJwk;
    const firstUse = pinned === null;
    if (firstUse) {
      // Trust on first use only when asked: anyone can make a bundle that carries their own root key.
      if (!trustOnFirstUse) throw new TrustError(NOT_PINNED);
      const carried = get(header, "jwk");
      if (!isDict(carried) || (await thumbprint(carried)) !== get(header, "kid")) {
        throw new TrustError("no root key is pinned and the bundle does not carry its own root key");
      }
      pinned = carried;
      notes.push(`root key ${pyStr(header.get("kid"))} trusted on first use, and not pinned (no cache directory)`);
    }
    const rootKey = await publicKey(pinned);
    const rootKid = await thumbprint(pinned);
    if (get(header, "kid") !== rootKid) {
      throw new TrustError(`the trust bundle is signed by key ${pyRepr(get(header, "kid"))}, not the pinned root key ${rootKid}`);
    }
    if (header.get("alg") !== rootKey.alg ||
        !(await signatureValid(rootKey.alg, rootKey, jws.signingInput, jws.signature))) {
      throw new TrustError("the trust bundle's signature does not verify with the pinned root key: it was altered " +
        "or not made by the register");
    }
    const payload = jws.payload;
    const sequence = get(payload, "sequence");
    if (!isInt(sequence) || sequence < 0) throw new TrustError("the trust bundle has no valid sequence number");
    const issuer = get(payload, "iss");
    if (!isStr(issuer) || !issuer) throw new TrustError("the trust bundle names no issuer");
    const madeAt = parseTime(get(payload, "made_at"), "the bundle's made_at");
    const refreshAfter = parseTime(get(payload, "refresh_after"), "the bundle's refresh_after");
    const newest = storageGet(storage);
    if (newest !== null && BigInt(sequence) < newest) {
      throw new TrustError(`this trust bundle (number ${sequence}) is older than one already accepted (number ` +
        `${newest}): refusing to go back`);
    }
    const keys = await trustedKeys(get(payload, "keys"));
    const lists = await statusLists(get(payload, "status_lists"), keys, issuer);
    if (at > refreshAfter) {
      notes.push(`the trust bundle was made ${fmtIsoMinute(madeAt)} UTC; a newer one should be fetched`);
    }
    storageRemember(storage, BigInt(sequence));
    return { issuer, keys, statusLists: lists, madeAt, refreshAfter, sequence, rootKid, notes,
      pinnedOnFirstUse: firstUse,
      listFor(purpose) { for (const s of lists.values()) if (s.purpose === purpose) return s; return null; } };
  }

  async function trustedKeys(entries) {
    if (!Array.isArray(entries) || entries.length === 0) throw new TrustError("the trust bundle lists no keys");
    const keys = new Map();
    for (const entry of entries) {
      if (!isDict(entry) || !isDict(get(entry, "jwk"))) {
        throw new TrustError("a key entry of the trust bundle is not an object with a jwk");
      }
      const jwk = entry.get("jwk");
      const key = await publicKey(jwk);
      const kid = await thumbprint(jwk);
      if (get(jwk, "kid") !== kid) {
        throw new TrustError(`key ${pyRepr(get(jwk, "kid"))} in the trust bundle is not named by its thumbprint`);
      }
      const validFrom = parseTime(get(entry, "valid_from"), `key ${kid}'s valid_from`);
      const validUntil = entry.has("valid_until") ? parseTime(entry.get("valid_until"), `key ${kid}'s valid_until`) : null;
      const compromisedSince = entry.has("compromised_since")
        ? parseTime(entry.get("compromised_since"), `key ${kid}'s compromised_since`) : null;
      keys.set(kid, { kid, alg: key.alg, key, validFrom, validUntil, compromisedSince });
    }
    return keys;
  }

  function pyContains(container, item) { // `item in container` for a str item
    if (isStr(container)) return container.includes(item);
    if (Array.isArray(container)) return container.includes(item);
    if (isDict(container)) return container.has(item);
    return false; // Python raises TypeError for a number or true here
  }

  // -- the register's did:web name (verifier/did.py, the same rules)
  const PLAIN_HTTPS = new RegExp("^https://([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*)" +
    "(?::([1-9][0-9]{0,4}))?((?:/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*)/?$");
  /** The did:web DID of a plain https address, or null (did.did_web_of). */
  function didWebOf(address) {
    if (!isStr(address)) return null;
    const found = PLAIN_HTTPS.exec(address);
    if (found === null) return null;
    const name = found[1].toLowerCase() + (found[2] ? `%3A${found[2]}` : "");
    const segments = found[3].split("/").filter((segment) => segment);
    return "did:web:" + [name, ...segments].join(":");
  }
  /** Whether a credential naming `named` names the trusted issuer, or its did:web DID (did.same_issuer). */
  function sameIssuer(named, trusted) {
    if (!isStr(named) || !isStr(trusted)) return false;
    return named === trusted || named === didWebOf(trusted) || didWebOf(named) === trusted;
  }
  /** The key a token's kid names: by thumbprint, or by a DID URL of the issuer's DID (trust._key_named). */
  function keyNamed(keys, kid, issuer) {
    if (!isStr(kid)) return null;
    const found = keys.get(kid);
    if (found !== undefined) return found;
    const hash = kid.indexOf("#");
    if (!kid.startsWith("did:") || hash < 0 || issuer === null) return null;
    const did = kid.slice(0, hash), fragment = kid.slice(hash + 1);
    if (!fragment || !sameIssuer(did, issuer)) return null;
    return keys.get(fragment) || null;
  }

  async function statusLists(lists, keys, issuer) {
    const found = new Map();
    if (lists === null) return found;
    if (!isDict(lists)) throw new TrustError("the trust bundle's status lists are not an object");
    for (const [purpose, token] of lists) {
      if (!PURPOSES.includes(purpose) || !isStr(token)) {
        throw new TrustError(`the trust bundle has an unknown status list ${strRepr(purpose)}`);
      }
      const jws = split(token, MAX_BUNDLE_BYTES, DEPTH_LIST);
      const entry = keyNamed(keys, get(jws.header, "kid"), issuer);
      if (get(jws.header, "typ") !== LIST_TYP || entry === null || get(jws.header, "alg") !== entry.alg) {
        throw new TrustError(`the ${purpose} status list is not signed by a key of the bundle`);
      }
      if (!(await signatureValid(entry.alg, entry.key, jws.signingInput, jws.signature))) {
        throw new TrustError(`the ${purpose} status list's signature does not verify: it was altered`);
      }
      const document = jws.payload;
      const subject = get(document, "credentialSubject");
      const types = get(document, "type");
      if (!isDict(subject) || get(subject, "statusPurpose") !== purpose ||
          !pyContains(truthy(types) ? types : [], "BitstringStatusListCredential")) {
        throw new TrustError(`the ${purpose} status list is not a ${purpose} BitstringStatusListCredential`);
      }
      let listIssuer = get(document, "issuer");
      listIssuer = isDict(listIssuer) ? get(listIssuer, "id") : listIssuer;
      const url = get(document, "id");
      if (!sameIssuer(listIssuer, issuer) || !isStr(url)) throw new TrustError(`the ${purpose} status list is not the issuer's own`);
      const validFrom = parseTime(get(document, "validFrom"), `the ${purpose} list's validFrom`);
      const validUntil = document.has("validUntil")
        ? parseTime(document.get("validUntil"), `the ${purpose} list's validUntil`) : null;
      found.set(url, new StatusList(purpose, url, validFrom, validUntil, get(subject, "encodedList")));
    }
    return found;
  }

  /** root.json as json.loads reads it (duplicates: the last wins; no strictness). null when it is not JSON. */
  function parseRootJwk(text) {
    try {
      return parseJSON(pyStrip(text), false, DEPTH_PLAIN);
    } catch (error) {
      return undefined;
    }
  }

  // -- urllib.parse.urlsplit, the parts verify.py uses
  const SCHEME_CHARS = /^[A-Za-z0-9+\-.]+$/;
  function urlsplit(url) {
    url = url.replace(/^[\x00-\x20]+/, "").replace(/[\t\r\n]/g, "");
    let scheme = "", netloc = "", fragment = "";
    const colon = url.indexOf(":");
    if (colon > 0 && /^[A-Za-z]/.test(url) && SCHEME_CHARS.test(url.slice(0, colon))) {
      scheme = url.slice(0, colon).toLowerCase();
      url = url.slice(colon + 1);
    }
    if (url.startsWith("//")) {
      let end = url.length;
      for (const c of "/?#") { const k = url.indexOf(c, 2); if (k >= 0) end = Math.min(end, k); }
      netloc = url.slice(2, end);
      url = url.slice(end);
      if (netloc.includes("[") !== netloc.includes("]")) throw new Failed("the link is not a valid web address");
    }
    const hash = url.indexOf("#");
    if (hash >= 0) { fragment = url.slice(hash + 1); url = url.slice(0, hash); }
    if (netloc && !isAscii(netloc)) {
      const n = netloc.replace(/[@:#?]/g, "");
      const normal = n.normalize("NFKC");
      if (n !== normal && /[/?#@:]/.test(normal)) throw new Failed("the link is not a valid web address");
    }
    return { scheme, netloc, fragment };
  }

  // -- VC Data Model 2.0 sections 4 and 5 without JSON-LD (data_model.py): the "data model" check, same rules,
  //    same order, same words
  const DM_RULES = { contexts: "4.3 Contexts", identifiers: "4.4 Identifiers", types: "4.5 Types",
    "names and descriptions": "4.6 Names and Descriptions", issuer: "4.7 Issuer",
    "credential subject": "4.8 Credential Subject", "validity period": "4.9 Validity Period", status: "4.10 Status",
    "data schemas": "4.11 Data Schemas", "related resources": "5.3 Integrity of Related Resources",
    "refresh service": "5.4 Refreshing", "terms of use": "5.5 Terms of Use", evidence: "5.6 Evidence" };
  const DM_TYPED = [["credentialStatus", "status"], ["credentialSchema", "data schemas"],
    ["refreshService", "refresh service"], ["termsOfUse", "terms of use"], ["evidence", "evidence"]];
  const LANGUAGE_VALUE_MEMBERS = ["@value", "@language", "@direction"];
  const DM_SCHEME = /^[A-Za-z][A-Za-z0-9+.\-]*$/;
  const DM_AUTHORITY = /^(?:[^@]*@)?(?:\[[^\]]*\]|[^:@\[\]]+)(?::([0-9]*))?$/;
  const DM_NOT_IN_URL = /[\x00-\x20\x7f<>"{}|\\^`]/;
  const DM_DATE_TIME_STAMP =
    /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?(?:Z|([+-])([0-9]{2}):([0-9]{2}))$/;
  const DM_LANGUAGE_TAG = /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/;
  const dmProblem = (rule, path, reason) => ({ rule, path, reason });
  const dmAt = (path, key) => (typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${key}` : key);
  const dmListed = (v) => (Array.isArray(v) ? v : [v]);
  function dmEntries(c, name) {
    if (!c.has(name)) return [];
    const value = c.get(name);
    return Array.isArray(value) ? value.map((item, i) => [dmAt(name, i), item]) : [[name, value]];
  }

  function isUrl(value) {
    if (!isStr(value) || value === "" || pyLen(value) > 8192 || DM_NOT_IN_URL.test(value)) return false;
    const colon = value.indexOf(":");
    if (colon < 0) return false;
    const scheme = value.slice(0, colon), rest = value.slice(colon + 1);
    if (rest === "" || !DM_SCHEME.test(scheme)) return false;
    const lower = scheme.toLowerCase();
    if (lower !== "http" && lower !== "https") return true;
    if (!rest.startsWith("//")) return false;
    const found = DM_AUTHORITY.exec(rest.slice(2).split(/[/?#]/)[0]);
    return found !== null && (!found[1] || Number(found[1]) <= 65535);
  }

  function dmContexts(c) {
    if (!c.has("@context")) return [dmProblem("contexts", "@context", "the credential has no @context")];
    const context = c.get("@context");
    if (!Array.isArray(context) || context.length === 0) {
      return [dmProblem("contexts", "@context", "@context must be a list (an ordered set) of contexts")];
    }
    const found = [];
    if (context[0] !== VC_V2_CONTEXT) {
      found.push(dmProblem("contexts", "@context[0]", `the first context must be ${VC_V2_CONTEXT}`));
    }
    context.forEach((item, i) => {
      if (i === 0) return;
      if (isStr(item)) {
        if (!isUrl(item)) found.push(dmProblem("contexts", `@context[${i}]`, `${pyRepr(item)} is not a well-formed URL`));
      } else if (!isDict(item)) {
        found.push(dmProblem("contexts", `@context[${i}]`, "each context must be a URL or an object"));
      }
    });
    return found;
  }

  function dmIdentifiers(c) { // depth first, in document order, without recursion
    const found = [], stack = [[c, ""]];
    while (stack.length) {
      const [value, path] = stack.pop();
      let children = [];
      if (isDict(value)) {
        for (const [key, item] of value) {
          if (key === "@context") continue;
          const where = dmAt(path, key);
          if (key === "id" && !isUrl(item)) {
            found.push(dmProblem("identifiers", where,
              Array.isArray(item) ? "an id must be a single URL, not a list" : "id must be a URL"));
          } else {
            children.push([item, where]);
          }
        }
      } else if (Array.isArray(value)) {
        children = value.map((item, i) => [item, dmAt(path, i)]);
      }
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
    }
    return found;
  }

  function dmTypeProblem(value) {
    if (value === null) return "it has no type";
    if (!dmListed(value).every((t) => isStr(t) && t !== "") || (Array.isArray(value) && value.length === 0)) {
      return "type must be one or more terms or URLs (strings)";
    }
    return null;
  }

  function dmTypes(c) {
    const found = [];
    const problem = dmTypeProblem(get(c, "type"));
    if (problem) found.push(dmProblem("types", "type", `the credential: ${problem}`));
    else if (!dmListed(c.get("type")).includes("VerifiableCredential")) {
      found.push(dmProblem("types", "type", "the credential's type must include VerifiableCredential"));
    }
    for (const [name, rule] of DM_TYPED) {
      for (const [where, entry] of dmEntries(c, name)) {
        if (!isDict(entry)) {
          found.push(dmProblem(rule, where, `each ${name} entry must be an object`));
          continue;
        }
        const entryProblem = dmTypeProblem(get(entry, "type"));
        if (entryProblem) found.push(dmProblem("types", dmAt(where, "type"), `this ${name} entry: ${entryProblem}`));
      }
    }
    return found;
  }

  function dmLanguageProblem(value) {
    if (isStr(value)) return null;
    if (!isDict(value)) return "must be a string or a language value object";
    const extra = Array.from(value.keys()).filter((key) => !LANGUAGE_VALUE_MEMBERS.includes(key));
    if (extra.length) {
      return `a language value object holds only @value, @language and @direction, not ${extra.join(", ")}`;
    }
    if (!isStr(get(value, "@value"))) return "a language value object's @value must be a string";
    const language = get(value, "@language");
    if (language !== null && !(isStr(language) && DM_LANGUAGE_TAG.test(language))) {
      return "@language must be a language tag (BCP 47)";
    }
    if (value.has("@direction") && !["ltr", "rtl"].includes(value.get("@direction"))) {
      return "@direction must be ltr or rtl";
    }
    return null;
  }

  function dmNames(holder, path) {
    const found = [];
    for (const key of ["name", "description"]) {
      if (!holder.has(key)) continue;
      const value = holder.get(key);
      const items = Array.isArray(value) ? value.map((v, i) => [dmAt(dmAt(path, key), i), v]) : [];
      if (Array.isArray(value) && value.length === 0) {
        found.push(dmProblem("names and descriptions", dmAt(path, key), `${key} must not be an empty list`));
      }
      for (const [where, item] of (items.length ? items : [[dmAt(path, key), value]])) {
        const problem = dmLanguageProblem(item);
        if (problem) found.push(dmProblem("names and descriptions", where, problem));
      }
    }
    return found;
  }

  function dmIssuer(c) {
    if (!c.has("issuer")) return [dmProblem("issuer", "issuer", "the credential has no issuer")];
    const issuer = c.get("issuer");
    if (isDict(issuer)) {
      const found = dmNames(issuer, "issuer");
      if (!issuer.has("id")) found.push(dmProblem("issuer", "issuer.id", "an issuer object must have an id (a URL)"));
      return found;
    }
    return isUrl(issuer) ? []
      : [dmProblem("issuer", "issuer", "the issuer must be a URL or an object whose id is a URL")];
  }

  function dmSubject(c) {
    if (!c.has("credentialSubject")) {
      return [dmProblem("credential subject", "credentialSubject", "the credential has no credentialSubject")];
    }
    const subject = c.get("credentialSubject");
    if (Array.isArray(subject) && subject.length === 0) {
      return [dmProblem("credential subject", "credentialSubject", "credentialSubject must not be an empty list")];
    }
    const found = [];
    for (const [where, entry] of dmEntries(c, "credentialSubject")) {
      if (!isDict(entry)) found.push(dmProblem("credential subject", where, "each credential subject must be an object"));
      else if (entry.size === 0) {
        found.push(dmProblem("credential subject", where, "a credential subject must make at least one claim"));
      }
    }
    return found;
  }

  function dmDaysIn(year, month) {
    if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
    return [4, 6, 9, 11].includes(month) ? 30 : 31;
  }
  function dmDaysFromCivil(year, month, day) { // H. Hinnant's algorithm, as data_model._days_from_civil
    year -= month <= 2 ? 1 : 0;
    const era = Math.floor(year / 400);
    const yearOfEra = year - era * 400;
    const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
    const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
    return era * 146097 + dayOfEra - 719468;
  }
  /** data_model.date_time_stamp: [whole seconds since 1970 UTC, nanoseconds], or null. */
  function dateTimeStamp(value) {
    if (!isStr(value) || pyLen(value) > 64) return null;
    const m = DM_DATE_TIME_STAMP.exec(value);
    if (m === null) return null;
    const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
    if (year < 1 || month < 1 || month > 12 || day < 1 || day > dmDaysIn(year, month)) return null;
    if (hour > 23 || minute > 59 || second > 59) return null;
    let offset = 0;
    if (m[8]) {
      const hours = Number(m[9]), minutes = Number(m[10]);
      if (hours > 14 || minutes > 59 || (hours === 14 && minutes)) return null;
      offset = (hours * 60 + minutes) * 60 * (m[8] === "-" ? -1 : 1);
    }
    const seconds = dmDaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
    return [seconds, Number((m[7] || "").padEnd(9, "0").slice(0, 9))];
  }

  function dmValidity(c) {
    const found = [], moments = new Map();
    for (const key of ["validFrom", "validUntil"]) {
      if (!c.has(key)) continue;
      const moment = dateTimeStamp(c.get(key));
      if (moment === null) {
        found.push(dmProblem("validity period", key, `${key} must be a date-time with a time zone (dateTimeStamp)`));
      } else {
        moments.set(key, moment);
      }
    }
    if (moments.size === 2) {
      const [fromS, fromN] = moments.get("validFrom"), [untilS, untilN] = moments.get("validUntil");
      if (untilS < fromS || (untilS === fromS && untilN < fromN)) {
        found.push(dmProblem("validity period", "validUntil", "validUntil is earlier than validFrom"));
      }
    }
    return found;
  }

  function dmStatus(c) {
    const found = [], seen = new Set();
    for (const [where, entry] of dmEntries(c, "credentialStatus")) {
      const identifier = isDict(entry) ? get(entry, "id") : null;
      if (!isStr(identifier)) continue;
      if (seen.has(identifier)) found.push(dmProblem("status", dmAt(where, "id"), "two status entries have the same id"));
      seen.add(identifier);
    }
    return found;
  }

  function dmSchemas(c) {
    return dmEntries(c, "credentialSchema").filter(([, entry]) => isDict(entry) && !entry.has("id")).map(([where]) =>
      dmProblem("data schemas", dmAt(where, "id"), "a credentialSchema must have an id (the schema's URL)"));
  }

  function dmRelated(c) {
    const found = [], seen = new Set();
    const entries = dmEntries(c, "relatedResource");
    if (c.has("relatedResource") && entries.length === 0) {
      found.push(dmProblem("related resources", "relatedResource", "relatedResource must not be an empty list"));
    }
    for (const [where, entry] of entries) {
      if (!isDict(entry)) {
        found.push(dmProblem("related resources", where, "each related resource must be an object with an id"));
        continue;
      }
      const identifier = get(entry, "id");
      if (identifier === null) {
        found.push(dmProblem("related resources", dmAt(where, "id"), "a related resource must have an id"));
      } else if (isStr(identifier)) {
        if (seen.has(identifier)) {
          found.push(dmProblem("related resources", dmAt(where, "id"), "two related resources have this id"));
        }
        seen.add(identifier);
      }
      if (!entry.has("digestSRI") && !entry.has("digestMultibase")) {
        found.push(dmProblem("related resources", where, "a related resource must have a digestSRI or a digestMultibase"));
      }
    }
    return found;
  }

  /** data_model.problems of a credential read as Python reads it (dicts are Maps). */
  function dataModelProblems(c) {
    if (!isDict(c)) return [dmProblem("types", "", "a credential must be a JSON object")];
    return [...dmContexts(c), ...dmIdentifiers(c), ...dmTypes(c), ...dmNames(c, ""), ...dmIssuer(c),
      ...dmSubject(c), ...dmValidity(c), ...dmStatus(c), ...dmSchemas(c), ...dmRelated(c)];
  }

  /** checks.data_model_check */
  function dataModelCheck(credential) {
    if (credential.kind !== "full") return [NOT_CHECKED, "a QR badge is not a VC Data Model document"];
    const found = dataModelProblems(credential.jws.payload);
    if (found.length === 0) return [PASS, "well formed (VC Data Model 2.0)"];
    return [FAIL, "it breaks VC Data Model 2.0: " +
      found.map((p) => `${p.path}: ${p.reason} (${DM_RULES[p.rule]})`).join("; ")];
  }

  // -- reading a token (verify._read)
  function read(token) {
    if (!isStr(token)) throw new Failed("the credential is not text");
    token = pyStrip(token);
    let origin = null;
    if (token.startsWith("data:application/vc+jwt,")) {
      token = token.slice("data:application/vc+jwt,".length);
    } else if (token.startsWith("https://") || token.startsWith("http://")) {
      if (pyLen(token) > MAX_LINK) throw new Failed("the link is too long to be a badge link");
      const parts = urlsplit(token);
      if (!parts.fragment) throw new Failed("the link carries no credential (nothing after '#')");
      origin = `${parts.scheme}://${parts.netloc}`;
      token = parts.fragment;
    }
    const jws = split(token, MAX_TOKEN_BYTES, DEPTH_TOKEN);
    return get(jws.header, "typ") === BADGE_TYP ? readCompact(jws, origin) : readFull(jws, origin);
  }

  function readFull(jws, origin) {
    const payload = jws.payload;
    for (const claim of ["vc", "vp"]) {
      if (payload.has(claim)) {
        throw new Failed(`the token wraps the credential in a '${claim}' claim; a vc+jwt is the credential itself`);
      }
    }
    const context = get(payload, "@context");
    if (!Array.isArray(context) || context.length === 0 || context[0] !== VC_V2_CONTEXT) {
      throw new Failed("the token is not a W3C Verifiable Credential 2.0 (its @context)");
    }
    const types = get(payload, "type");
    if (!Array.isArray(types) || !types.includes("VerifiableCredential")) {
      throw new Failed("the token is not a Verifiable Credential (its type)");
    }
    if (types.some((t) => STATUS_LIST_TYPES.includes(t))) {
      throw new Failed("this is a status list, not a credential about a person");
    }
    const issuer = get(payload, "issuer");
    const issuerId = isDict(issuer) ? get(issuer, "id") : issuer;
    if (!isStr(issuerId)) throw new Failed("the credential names no issuer");
    if (get(jws.header, "typ") === OB3_TYP) {
      const problem = ob3Problem(jws.header, payload);
      if (problem) throw new Failed(problem);
    }
    const kid = get(jws.header, "kid");
    const credential = { kind: "full", jws, origin, kid, issuedAt: null, validFrom: null, validUntil: null,
      issuer: issuerId, statuses: null, subject: null };
    const iss = get(payload, "iss");
    if (iss !== null && iss !== issuerId) {
      throw new Failed(`the token's iss (${pyStr(iss)}) is not the credential's issuer (${issuerId})`);
    }
    if (payload.has("iat")) {
      if (isStr(payload.get("iat"))) throw new Failed("the token's iat is text, not a NumericDate");
      credential.issuedAt = numericDate(payload.get("iat"), "the token's iat");
    }
    if (payload.has("validFrom")) credential.validFrom = parseTime(payload.get("validFrom"), "validFrom");
    if (payload.has("validUntil")) credential.validUntil = parseTime(payload.get("validUntil"), "validUntil");
    for (const [claim, value] of [["nbf", credential.validFrom], ["exp", credential.validUntil]]) {
      if (!payload.has(claim)) continue;
      const moment = numericDate(payload.get(claim), `the token's ${claim}`);
      if (value !== null && timestampInt(value) !== timestampInt(moment)) {
        throw new Failed(`the token's ${claim} disagrees with the credential's own dates`);
      }
      if (value === null && claim === "nbf") credential.validFrom = moment;
      else if (value === null) credential.validUntil = moment;
    }
    if (credential.issuedAt === null) credential.issuedAt = credential.validFrom;
    credential.statuses = fullStatuses(get(payload, "credentialStatus"));
    credential.unchecked = uncheckedStatuses(payload);
    credential.subject = fullSubject(payload, credential.validUntil);
    return credential;
  }

  const ND = /^\p{Nd}+$/u;
  function digitValue(cp) { // a decimal digit's value: its place in its run of ten
    let start = cp;
    while (ND.test(String.fromCodePoint(start - 1))) start--;
    return (cp - start) % 10;
  }
  function fullStatuses(status) {
    const entries = Array.isArray(status) ? status : status !== null ? [status] : [];
    const found = new Map();
    for (const entry of entries) {
      if (!isDict(entry) || get(entry, "type") !== "BitstringStatusListEntry") continue;
      const purpose = get(entry, "statusPurpose"), url = get(entry, "statusListCredential");
      const index = get(entry, "statusListIndex");
      // (a list or object as the purpose makes Python raise TypeError: unhashable)
      if (!isStr(purpose) || !Object.prototype.hasOwnProperty.call(PURPOSE_CLAIMS, purpose) || !isStr(url)) continue;
      // str.isdigit() and int(); digits that are not decimal (superscripts...) make Python's int() raise
      if (!isStr(index) || !ND.test(index) || pyLen(index) > 12) {
        throw new Failed(`the ${purpose} status entry's index is not a number`);
      }
      if (found.has(purpose)) throw new Failed(`the credential has two ${purpose} status entries`);
      let value = 0;
      for (const ch of index) value = value * 10 + digitValue(ch.codePointAt(0));
      found.set(purpose, [url, value]);
    }
    return found;
  }

  // checks.unchecked_statuses: why each status entry is one the status checks cannot read, in the same words
  const CHECKED_STATUS = new Map([["BitstringStatusListEntry", ["revocation", "suspension"]]]);
  const CANNOT = "its status cannot be checked";
  function uncheckedStatuses(payload) {
    const status = get(payload, "credentialStatus");
    const entries = Array.isArray(status) ? status : status === null ? [] : [status];
    const found = [];
    entries.forEach((entry, i) => {
      const where = Array.isArray(status) ? `credentialStatus[${i}]` : "credentialStatus";
      if (!isDict(entry)) {
        found.push(`${where} is not an object: ${CANNOT}`);
        return;
      }
      const kind = get(entry, "type"), purpose = get(entry, "statusPurpose");
      const purposes = isStr(kind) && CHECKED_STATUS.has(kind) ? CHECKED_STATUS.get(kind) : null;
      if (purposes === null) {
        found.push(`${where} is of type ${pyRepr(kind)}, which this verifier does not know: ${CANNOT}`);
      } else if (purpose === null) {
        found.push(`${where} does not say its purpose (statusPurpose): ${CANNOT}`);
      } else if (!purposes.includes(purpose)) {
        found.push(`${where} has the purpose ${pyRepr(purpose)}, which this verifier does not check: ${CANNOT}`);
      } else if (!isStr(get(entry, "statusListCredential"))) {
        found.push(`${where} does not name its status list (statusListCredential): ${CANNOT}`);
      }
    });
    return found;
  }

  // checks.status_entries_check: the "status" check
  function statusEntriesCheck(credential, cannot) {
    const found = [...cannot, ...(credential.unchecked || [])];
    if (found.length) return [NOT_CHECKED, found.join("; ")];
    if (credential.statuses && credential.statuses.size) {
      return [PASS, "every status entry is one this verifier checked"];
    }
    return [PASS, "the credential carries no status entry"];
  }

  function fullSubject(payload, validUntil) {
    const subject = get(payload, "credentialSubject");
    if (!isDict(subject)) return null;
    const identifiers = get(subject, "identifier");
    const list = Array.isArray(identifiers) && truthy(identifiers) ? identifiers : [];
    const names = list.filter((i) => isDict(i) && get(i, "identityType") === "name" && get(i, "hashed") === false)
      .map((i) => get(i, "identityHash"));
    const achievement = isDict(get(subject, "achievement")) ? subject.get("achievement") : new Map();
    const level = get(achievement, "name"), code = get(achievement, "humanCode");
    const number = get(subject, "licenseNumber");
    if (names.length === 0 || !isStr(names[0]) || !isStr(level) || !isStr(number)) return null;
    return { name: names[0], registration_number: number, level: isStr(code) ? `${level} (${code})` : level,
      valid_until: validUntil !== null ? fmtDay(validUntil) : "no end date" };
  }

  function readCompact(jws, origin) {
    const claims = jws.payload;
    const expected = [["i", isStr], ["nbf", isInt], ["exp", isInt], ["n", isStr], ["rn", isStr], ["lv", isStr]];
    for (const [claim, kind] of expected) {
      if (!kind(get(claims, claim))) throw new Failed(`the badge's '${claim}' is missing or of the wrong type`);
    }
    for (const claim of ["r", "s"]) {
      if (!claims.has(claim)) continue;
      const v = claims.get(claim);
      if (!isInt(v) || !(v >= 0 && v < 2 ** 40)) throw new Failed(`the badge's status index '${claim}' is not a number`);
    }
    let id;
    try {
      id = b64urlDecode(claims.get("i"), "credential id");
    } catch (error) {
      if (!(error instanceof Malformed)) throw error;
    }
    if (!id || id.length !== 16) throw new Failed("the badge's credential id is not valid");
    const validFrom = numericDate(claims.get("nbf"), "the badge's nbf");
    const validUntil = numericDate(claims.get("exp"), "the badge's exp");
    const statuses = new Map();
    for (const [purpose, claim] of Object.entries(PURPOSE_CLAIMS)) {
      if (claims.has(claim)) statuses.set(purpose, [null, Number(claims.get(claim))]);
    }
    return { kind: "compact", jws, origin, kid: null, issuedAt: validFrom, validFrom, validUntil, issuer: null,
      statuses, subject: { name: claims.get("n"), registration_number: claims.get("rn"), level: claims.get("lv"),
        valid_until: fmtDay(validUntil) } };
  }

  // -- the checks' rules
  function headerProblem(header, kind) {
    const alg = get(header, "alg");
    if (!ALGORITHMS.includes(alg)) {
      return `the signing algorithm ${pyRepr(alg)} is not accepted (only ${ALGORITHMS.join(", ")})`;
    }
    if (header.has("crit")) return "the token demands extensions this verifier does not know ('crit')";
    const typ = get(header, "typ");
    if (kind === "full") {
      if (!FULL_TYPES.includes(typ)) return `the token's type ${pyRepr(typ)} is not a credential's (vc+jwt)`;
      if (!isStr(get(header, "kid"))) return "the token does not say which key signed it (no 'kid')";
      if (header.has("cty") && header.get("cty") !== "vc") {
        return `the token's content type ${pyRepr(header.get("cty"))} is not a credential's`;
      }
    }
    return null;
  }

  // Open Badges 3.0 section 8.2 (its JWT proof format), as verifier.checks.ob3_problem
  const OB3_TYP = "JWT";
  const OB3_HEADERS = ["alg", "kid", "jwk", "typ"];
  const OB3_CLAIMS = [["iss", null], ["jti", "id"], ["sub", "credentialSubject.id"], ["nbf", null]];
  function ob3Problem(header, payload) {
    const extra = [...header.keys()].filter((name) => !OB3_HEADERS.includes(name)).sort();
    if (extra.length) {
      return "an Open Badges 3.0 JWT carries only the alg, kid, jwk and typ headers (OB 3.0 section 8.2.3); " +
        `this one also has ${extra.join(", ")}`;
    }
    const jwk = get(header, "jwk");
    if (jwk !== null && (!isDict(jwk) || jwk.has("d"))) {
      return "the token's jwk header is not a public key (OB 3.0 section 8.2.3)";
    }
    const missing = OB3_CLAIMS.map(([claim]) => claim).filter((claim) => !payload.has(claim));
    if (payload.has("validUntil") && !payload.has("exp")) missing.push("exp");
    if (missing.length) {
      return `an Open Badges 3.0 JWT must carry the claim(s) ${missing.join(", ")} (OB 3.0 section 8.2.4.1)`;
    }
    const subject = get(payload, "credentialSubject");
    const fields = { id: get(payload, "id"), "credentialSubject.id": isDict(subject) ? get(subject, "id") : null };
    for (const [claim, field] of OB3_CLAIMS) {
      const value = payload.get(claim);
      if (field !== null && (!isStr(value) || value !== fields[field])) {
        return `the token's ${claim} is not the credential's ${field} (OB 3.0 section 8.2.6.1)`;
      }
    }
    return null;
  }

  function keyProblem(key, issuedAt) {
    if (issuedAt === null) return "the credential does not say when it was issued";
    const when = `${fmtMinute(issuedAt)} UTC`;
    if (key.compromisedSince !== null) { // a signer chooses its own dates: nothing a stolen key signed can be told apart
      return `the key that signed it was reported compromised (${fmtMinute(key.compromisedSince)} UTC), so no ` +
        "credential it signed can be trusted: ask the holder for their re-issued credential";
    }
    if (key.validFrom !== null && issuedAt < key.validFrom) return `signed on ${when}, before the key came into service`;
    if (key.validUntil !== null && issuedAt >= key.validUntil) return `signed on ${when}, after the key was retired`;
    return null;
  }

  function issuerProblem(credential, trust) {
    if (credential.kind === "compact") credential.issuer = trust.issuer || "the trusted issuer";
    else if (trust.issuer !== null && !sameIssuer(credential.issuer, trust.issuer)) { // or its did:web DID
      return `the credential names ${credential.issuer} as its issuer, not ${trust.issuer}`;
    }
    if (credential.origin && trust.issuer && (trust.issuer.startsWith("https://") || trust.issuer.startsWith("http://"))) {
      const parts = urlsplit(trust.issuer);
      if (credential.origin !== `${parts.scheme}://${parts.netloc}`) {
        return `the link points at ${credential.origin}, not at ${trust.issuer}`;
      }
    }
    return null;
  }

  async function status(purpose, credential, trust) {
    const entry = credential.statuses ? credential.statuses.get(purpose) : undefined;
    if (entry === undefined && purpose === "suspension" && credential.statuses && credential.statuses.has("revocation")) {
      return [NOT_CHECKED, "no suspension entry: a suspension revokes this credential (the revocation check)", null];
    }
    if (entry === undefined) return [NOT_CHECKED, `the credential has no ${purpose} entry`, null];
    const [url, index] = entry;
    const list = url === null ? trust.listFor(purpose) : trust.statusLists.get(url) || null;
    if (list === null && url === null) return [NOT_CHECKED, `the trust bundle has no ${purpose} list: ${CANNOT}`, null];
    if (list === null) {
      return [NOT_CHECKED, `the ${purpose} entry names a status list this register does not publish (${url}): ` +
        CANNOT, null];
    }
    if (list.purpose !== purpose) {
      return [FAIL, `the ${purpose} entry names the register's ${list.purpose} list (${list.url}): an entry must ` +
        "name a list of its own purpose", null];
    }
    let bits;
    try {
      bits = await list.bits();
    } catch (error) {
      if (!(error instanceof Malformed)) throw error;
      return [FAIL, `the ${purpose} list cannot be read: ${error.message}`, null];
    }
    if (!(index >= 0 && index < bits.length)) return [FAIL, `the ${purpose} index ${index} is outside the list`, null];
    if (bits.get(index)) {
      const word = purpose === "revocation" ? "revoked" : "suspended";
      return [FAIL, `${word} (status as of ${fmtMinute(list.validFrom)} UTC)`, list];
    }
    return [PASS, purpose === "revocation" ? "not revoked" : "not suspended", list];
  }

  function gFormat(x) { // f"{x:g}"
    if (x === 0) return Object.is(x, -0) ? "-0" : "0";
    if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
    const exp = Number(x.toExponential(5).split("e")[1]);
    const strip = (s) => (s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s);
    if (exp < -4 || exp >= 6) {
      const [m] = x.toExponential(5).split("e");
      return strip(m) + "e" + (exp < 0 ? "-" : "+") + String(Math.abs(exp)).padStart(2, "0");
    }
    return strip(x.toFixed(5 - exp));
  }
  function duration(age) { // verify._duration of a timedelta (microseconds)
    const days = floorDiv(age, DAY_US);
    if (days >= 2n && age - days * DAY_US === 0n) return `${days} days`;
    const hours = Number(age) / 1e6 / 3600;
    return `${gFormat(hours)} hour` + (hours === 1 ? "" : "s");
  }

  class Verification {
    constructor(valid, kind, checks, subject, statusAsOf) {
      Object.assign(this, { valid, kind, checks, subject, statusAsOf });
      this.summary = this.makeSummary();
    }
    makeSummary() {
      if (this.valid && this.subject) {
        const s = this.subject;
        const status = this.statusAsOf !== null ? `; status as of ${fmtMinute(this.statusAsOf)} UTC` : "";
        return `Valid: ${s.name} holds ${s.level}, registration number ${s.registration_number}, until ` +
          `${s.valid_until}${status}.`;
      }
      if (this.valid) return "Valid: the credential verifies, but it does not name a registrant in the register's form.";
      const failed = this.checks.filter((c) => c.outcome === FAIL);
      if (failed.length) return "Not valid: " + failed.map((c) => c.reason).join("; ") + ".";
      const missing = this.checks.filter((c) => REQUIRED.includes(c.name) && c.outcome !== PASS);
      return "Not valid: " + missing.map((c) => c.reason).join("; ") + ".";
    }
    /** Python's Verification.to_json() */
    toJSON() {
      return { valid: this.valid, kind: this.kind, summary: this.summary,
        checks: this.checks.map((c) => ({ name: c.name, outcome: c.outcome, reason: c.reason })),
        subject: this.subject ? { ...this.subject } : null,
        status_as_of: this.statusAsOf !== null ? isoformat(this.statusAsOf) : null };
    }
  }

  function result(checks, credential, statusAsOf) {
    const ordered = CHECKS.map((name) => checks.get(name));
    const valid = credential !== null && ordered.every((c) => c.outcome !== FAIL) &&
      REQUIRED.every((name) => checks.get(name).outcome === PASS);
    const verification = new Verification(valid, credential ? credential.kind : null, ordered,
      valid && credential ? credential.subject : null, statusAsOf);
    // Who the credential names, as read and whether or not it verified (not part of toJSON(), which is Python's):
    // the page shows it, clearly marked, beside a "not valid" verdict, so that an employer sees whose it is.
    verification.named = credential ? credential.subject : null;
    return verification;
  }

  /** verify.verify: the fixed pipeline of named checks. Never throws for bad input. */
  async function verify(token, trust, at, options = {}) {
    at = toMicros(at);
    const maxStatusAge = options.maxStatusAge !== undefined ? BigInt(options.maxStatusAge) : DEFAULT_MAX_STATUS_AGE;
    const checks = new Map();
    let credential = null;
    const record = (name, outcome, reason) => checks.set(name, { name, outcome, reason });
    const skipRest = (reason) => {
      for (const name of CHECKS) if (!checks.has(name)) record(name, NOT_CHECKED, reason);
      return result(checks, credential, null);
    };
    const trusted = trust.issuer || "the trusted issuer";

    // format
    try {
      credential = read(token);
    } catch (error) {
      if (!(error instanceof Failed || error instanceof Malformed)) {
        if (!(error instanceof RangeError)) throw error;
        error = new Malformed("the token payload is not valid JSON"); // too deep for this engine's stack
      }
      record("format", FAIL, error.message);
      return skipRest("the credential could not be read");
    }
    record("format", PASS, credential.kind !== "full" ? "a QR badge credential"
      : get(credential.jws.header, "typ") === OB3_TYP ? "a full credential (Open Badges 3.0 JWT)"
        : "a full credential (vc+jwt)");
    record("data model", ...dataModelCheck(credential));

    // header
    const header = credential.jws.header;
    const alg = get(header, "alg");
    const problem = headerProblem(header, credential.kind);
    if (problem) {
      record("header", FAIL, problem);
      return skipRest("the token's header is not acceptable");
    }
    record("header", PASS, `signed with ${alg}`);

    // key known, signature (a badge names no key: the bundle's keys with its algorithm are tried)
    const { signingInput, signature } = credential.jws;
    let key, signed;
    if (credential.kind === "full") {
      key = keyNamed(trust.keys, credential.kid, trust.issuer); // by thumbprint, or the issuer's DID URL
      if (key === null || key.alg !== alg) {
        record("key known", FAIL, `the credential was signed with key ${credential.kid}, which the trust bundle ` +
          "does not list");
        return skipRest("the signing key is unknown");
      }
      record("key known", PASS, `key ${key.kid} of ${trusted}`);
      signed = await signatureValid(alg, key.key, signingInput, signature);
    } else {
      const candidates = Array.from(trust.keys.values()).filter((k) => k.alg === alg);
      if (candidates.length === 0) {
        record("key known", FAIL, `the trust bundle has no ${alg} key to check this badge with`);
        return skipRest("the signing key is unknown");
      }
      key = null;
      for (const k of candidates) {
        if (await signatureValid(alg, k.key, signingInput, signature)) { key = k; break; }
      }
      signed = key !== null;
      if (key === null) {
        record("key known", FAIL, "no key in the trust bundle made this badge's signature");
        record("key valid", NOT_CHECKED, "the signing key is unknown");
        record("signature", FAIL, `the signature does not verify: the badge was altered or not issued by ${trusted}`);
        return skipRest("the signature does not verify");
      }
      record("key known", PASS, `key ${key.kid} of ${trusted}`);
    }

    // key valid at issue
    const keyIssue = keyProblem(key, credential.issuedAt);
    if (keyIssue) record("key valid", FAIL, keyIssue);
    else record("key valid", PASS, "the key was in service when the credential was issued");

    if (!signed) {
      record("signature", FAIL, `the signature does not verify: the credential was altered or not issued by ${trusted}`);
      return skipRest("the signature does not verify");
    }
    record("signature", PASS, "the signature verifies");
    if (keyIssue) return skipRest("the signing key was not valid when the credential was issued");

    // issuer
    let issuerIssue;
    try {
      issuerIssue = issuerProblem(credential, trust);
    } catch (error) {
      if (!(error instanceof Failed)) throw error;
      issuerIssue = error.message; // Python raises ValueError from urlsplit for such an issuer address
    }
    record("issuer", issuerIssue ? FAIL : PASS, issuerIssue || `issued by ${credential.issuer}`);

    // validity window
    if (credential.validFrom !== null && at < credential.validFrom) {
      record("validity", FAIL, `not valid before ${fmtMinute(credential.validFrom)} UTC`);
    } else if (credential.validUntil !== null && at >= credential.validUntil) {
      record("validity", FAIL, `expired on ${fmtMinute(credential.validUntil)} UTC`);
    } else {
      const until = credential.validUntil !== null ? ` until ${fmtDay(credential.validUntil)}` : "";
      record("validity", PASS, `within its validity period${until}`);
    }

    // status
    const used = [], cannot = []; // cannot: entries it reads whose list the trust bundle does not carry
    for (const purpose of ["revocation", "suspension"]) {
      const [outcome, reason, list] = await status(purpose, credential, trust);
      record(purpose, outcome, reason);
      if (list !== null) used.push(list);
      if (outcome === NOT_CHECKED && credential.statuses && credential.statuses.has(purpose)) cannot.push(reason);
    }
    let statusAsOf = null;
    for (const s of used) if (statusAsOf === null || s.validFrom < statusAsOf) statusAsOf = s.validFrom;
    if (statusAsOf === null) {
      record("status freshness", NOT_CHECKED, "no status list was consulted");
    } else if (at - statusAsOf > maxStatusAge) {
      record("status freshness", FAIL, `could not confirm current status: the status is as of ` +
        `${fmtMinute(statusAsOf)} UTC, more than ${duration(maxStatusAge)} ago; fetch a newer trust bundle`);
    } else {
      record("status freshness", PASS, `status as of ${fmtMinute(statusAsOf)} UTC`);
    }
    record("status", ...statusEntriesCheck(credential, cannot));
    return result(checks, credential, statusAsOf);
  }

  /** verify() that cannot reject, whatever happens (a last line for the page). */
  async function verifySafely(token, trust, at, options) {
    try {
      return await verify(token, trust, at, options);
    } catch (error) {
      const checks = new Map();
      checks.set("format", { name: "format", outcome: FAIL, reason: "the credential could not be read" });
      for (const name of CHECKS.slice(1)) {
        checks.set(name, { name, outcome: NOT_CHECKED, reason: "the credential could not be read" });
      }
      return result(checks, null, null);
    }
  }

  /** The origin of a web address as verify.py compares it: f"{scheme}://{netloc}" of urlsplit (null if none). */
  function linkOrigin(url) {
    try {
      const parts = urlsplit(url);
      return parts.scheme && parts.netloc ? `${parts.scheme}://${parts.netloc}` : null;
    } catch (error) {
      return null;
    }
  }

  const api = { CHECKS, REQUIRED, Malformed, TrustError, loadTrust, verify, verifySafely, parseTime, parseRootJwk, linkOrigin,
    formatMinute: fmtMinute, formatDay: fmtDay, isoformat, SEQUENCE_KEY, DEFAULT_MAX_STATUS_AGE, HOUR_US, DAY_US,
    _internals: { dataModelProblems, dateTimeStamp, isUrl, parseJSON, pyRepr, fromIsoformat, numericDate, timestampInt, b64urlDecode, urlsplit, gFormat,
      decodeBitstring, floatRepr, split, didWebOf, sameIssuer } };
  root.regverify = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
