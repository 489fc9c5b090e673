"use strict";
// WHATWG URL Standard: the basic URL parser (with state overrides for setters), host parsing
// (IPv4, IPv6, opaque hosts, domains through UTS #46 IDNA), serialisation, URL and
// URLSearchParams (application/x-www-form-urlencoded) with the live query binding.

const {
  ArrayAppend, ArrayPrototypeJoin, ArrayPrototypeSlice, ArrayPrototypeSplice, MathFloor, NumberParseInt,
  String: StringCtor, StringFromCodePoint, StringPrototypeCodePointAt, StringPrototypeCharCodeAt,
  StringPrototypeToLowerCase, StringPrototypeSlice, StringPrototypeIndexOf, ObjectKeys,
  TypeError: TypeErrorCtor, NumberPrototypeToString, makeEnumerable, ObjectDefineProperty,
} = internal.primordials;
const { utf8Encode, utf8Decode } = internal.require("encoding");
const ops = internal.ops;
const { definePairIterable, toUSVString } = internal.require("util");

// ---- percent-encoding -------------------------------------------------------------------------

const hexDigits = "0123456789ABCDEF";
const isC0ControlSet = (c) => c < 0x20 || c > 0x7E;
const isFragmentSet = (c) => isC0ControlSet(c) || c === 0x20 || c === 0x22 || c === 0x3C || c === 0x3E || c === 0x60;
const isQuerySet = (c) => isC0ControlSet(c) || c === 0x20 || c === 0x22 || c === 0x23 || c === 0x3C || c === 0x3E;
const isSpecialQuerySet = (c) => isQuerySet(c) || c === 0x27;
const isPathSet = (c) => isQuerySet(c) || c === 0x3F || c === 0x5E || c === 0x60 || c === 0x7B || c === 0x7D;
const isUserinfoSet = (c) => isPathSet(c) || c === 0x2F || c === 0x3A || c === 0x3B || c === 0x3D ||
  c === 0x40 || (c >= 0x5B && c <= 0x5D) || c === 0x7C;
const isComponentSet = (c) => isUserinfoSet(c) || (c >= 0x24 && c <= 0x26) || c === 0x2B || c === 0x2C;
const isFormSet = (c) => isComponentSet(c) || c === 0x21 || (c >= 0x27 && c <= 0x29) || c === 0x7E;

function pctByte(b) { return "%" + hexDigits[b >> 4] + hexDigits[b & 15]; }

// Percent-encode code point `cp` (UTF-8) if it is in `set`.
function encodeCodePoint(cp, set) {
  if (cp < 0x80) return set(cp) ? pctByte(cp) : StringFromCodePoint(cp);
  const bytes = utf8Encode(StringFromCodePoint(cp));
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += pctByte(bytes[i]);
  return out;
}

// True when every code unit of `s` is ASCII, and so is its own UTF-8, byte for byte.
function isAscii(s) {
  for (let i = 0; i < s.length; i++) if (StringPrototypeCharCodeAt(s, i) >= 0x80) return false;
  return true;
}

// True when decoding `s` (percent-decoding, and with `plus` turning "+" into a space) gives `s`
// back: ASCII without "%" (or "+"). URLs usually are, and then need no encoding round trip.
function decodesToItself(s, plus) {
  for (let i = 0; i < s.length; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    if (c >= 0x80 || c === 0x25 || (plus && c === 0x2B)) return false;
  }
  return true;
}

function encodeString(s, set, spaceAsPlus = false) {
  let out = "";
  // ASCII text is its own UTF-8: read its code units rather than encode it.
  const ascii = isAscii(s);
  const bytes = ascii ? null : utf8Encode(s);
  const length = ascii ? s.length : bytes.length;
  for (let i = 0; i < length; i++) {
    const b = ascii ? StringPrototypeCharCodeAt(s, i) : bytes[i];
    if (spaceAsPlus && b === 0x20) out += "+";
    else if (b >= 0x80 || set(b)) out += pctByte(b);
    else out += StringFromCodePoint(b);
  }
  return out;
}

function hexValue(c) {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

// Percent-decode a byte sequence.
function percentDecodeBytes(bytes) {
  const out = new internal.primordials.Uint8Array(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x25 && i + 2 < bytes.length) {
      const h = hexValue(bytes[i + 1]), l = hexValue(bytes[i + 2]);
      if (h >= 0 && l >= 0) { out[n++] = h * 16 + l; i += 2; continue; }
    }
    out[n++] = b;
  }
  return out.subarray(0, n);
}

// ---- hosts ------------------------------------------------------------------------------------

function isForbiddenHost(c) {
  return c === 0 || c === 0x09 || c === 0x0A || c === 0x0D || c === 0x20 || c === 0x23 || c === 0x2F ||
    c === 0x3A || c === 0x3C || c === 0x3E || c === 0x3F || c === 0x40 || c === 0x5B || c === 0x5C ||
    c === 0x5D || c === 0x5E || c === 0x7C;
}
function isForbiddenDomain(c) {
  return isForbiddenHost(c) || c <= 0x1F || c === 0x25 || c === 0x7F;
}

const failure = null;

function parseIPv4Number(s) {
  if (s === "") return NaN;
  let radix = 10;
  if (s.length >= 2 && s[0] === "0" && (s[1] === "x" || s[1] === "X")) { s = StringPrototypeSlice(s, 2); radix = 16; }
  else if (s.length >= 2 && s[0] === "0") { s = StringPrototypeSlice(s, 1); radix = 8; }
  if (s === "") return 0;
  const re = radix === 10 ? /^[0-9]+$/ : radix === 16 ? /^[0-9A-Fa-f]+$/ : /^[0-7]+$/;
  if (!re.test(s)) return NaN;
  return NumberParseInt(s, radix);
}

function endsInANumber(s) {
  const parts = s.split(".");
  if (parts[parts.length - 1] === "") {
    if (parts.length === 1) return false;
    parts.length--;
  }
  const last = parts[parts.length - 1];
  if (last !== "" && /^[0-9]+$/.test(last)) return true;
  return !(parseIPv4Number(last) !== parseIPv4Number(last)); // not NaN
}

function parseIPv4(s) {
  const parts = s.split(".");
  if (parts[parts.length - 1] === "" && parts.length > 1) parts.length--;
  if (parts.length > 4) return failure;
  const nums = [];
  for (let i = 0; i < parts.length; i++) {
    const n = parseIPv4Number(parts[i]);
    if (n !== n) return failure;
    ArrayAppend(nums, n);
  }
  for (let i = 0; i < nums.length - 1; i++) if (nums[i] > 255) return failure;
  if (nums[nums.length - 1] >= 256 ** (5 - nums.length)) return failure;
  let ipv4 = nums[nums.length - 1];
  for (let i = 0; i < nums.length - 1; i++) ipv4 += nums[i] * 256 ** (3 - i);
  return ipv4;
}

function serializeIPv4(n) {
  const parts = [];
  for (let i = 3; i >= 0; i--) ArrayAppend(parts, `${MathFloor(n / 256 ** i) % 256}`);
  return ArrayPrototypeJoin(parts, ".");
}

function parseIPv6(input) {
  const addr = [0, 0, 0, 0, 0, 0, 0, 0];
  let piece = 0, compress = null, p = 0;
  const c = (i) => (i < input.length ? StringPrototypeCharCodeAt(input, i) : -1);
  if (c(p) === 0x3A) {
    if (c(p + 1) !== 0x3A) return failure;
    p += 2;
    compress = ++piece;
  }
  while (c(p) !== -1) {
    if (piece === 8) return failure;
    if (c(p) === 0x3A) {
      if (compress !== null) return failure;
      p++;
      compress = ++piece;
      continue;
    }
    let value = 0, length = 0;
    while (length < 4 && hexValue(c(p)) >= 0) { value = value * 16 + hexValue(c(p)); p++; length++; }
    if (c(p) === 0x2E) {
      if (length === 0) return failure;
      p -= length;
      if (piece > 6) return failure;
      let numbersSeen = 0;
      while (c(p) !== -1) {
        let ipv4Piece = null;
        if (numbersSeen > 0) {
          if (c(p) === 0x2E && numbersSeen < 4) p++;
          else return failure;
        }
        if (!(c(p) >= 0x30 && c(p) <= 0x39)) return failure;
        while (c(p) >= 0x30 && c(p) <= 0x39) {
          const n = c(p) - 0x30;
          if (ipv4Piece === null) ipv4Piece = n;
          else if (ipv4Piece === 0) return failure;
          else ipv4Piece = ipv4Piece * 10 + n;
          if (ipv4Piece > 255) return failure;
          p++;
        }
        addr[piece] = addr[piece] * 0x100 + ipv4Piece;
        numbersSeen++;
        if (numbersSeen === 2 || numbersSeen === 4) piece++;
      }
      if (numbersSeen !== 4) return failure;
      break;
    } else if (c(p) === 0x3A) {
      p++;
      if (c(p) === -1) return failure;
    } else if (c(p) !== -1) {
      return failure;
    }
    addr[piece] = value;
    piece++;
  }
  if (compress !== null) {
    let swaps = piece - compress;
    piece = 7;
    while (piece !== 0 && swaps > 0) {
      const t = addr[piece]; addr[piece] = addr[compress + swaps - 1]; addr[compress + swaps - 1] = t;
      piece--; swaps--;
    }
  } else if (piece !== 8) {
    return failure;
  }
  return addr;
}

function serializeIPv6(addr) {
  // Longest run (length > 1) of zero pieces is compressed; first such run wins a tie.
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (addr[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && addr[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  let out = "";
  let ignore0 = false;
  for (let i = 0; i < 8; i++) {
    if (ignore0 && addr[i] === 0) continue;
    ignore0 = false;
    if (best === i) {
      out += i === 0 ? "::" : ":";
      ignore0 = true;
      continue;
    }
    out += NumberPrototypeToString(addr[i], 16);
    if (i !== 7) out += ":";
  }
  return `[${out}]`;
}

// ---- domain to ASCII (UTS #46) ----------------------------------------------------------------

// True when `domain` is ASCII and none of its labels starts with "xn--" (any case): domain to
// ASCII is then only lower-casing.
function isPlainAsciiDomain(domain) {
  let labelStart = 0;
  for (let i = 0; i < domain.length; i++) {
    const c = StringPrototypeCharCodeAt(domain, i);
    if (c >= 0x80) return false;
    if (c === 0x2E) {
      labelStart = i + 1;
    } else if (i === labelStart + 3 && c === 0x2D && StringPrototypeCharCodeAt(domain, i - 1) === 0x2D &&
               (StringPrototypeCharCodeAt(domain, i - 2) | 0x20) === 0x6E &&
               (StringPrototypeCharCodeAt(domain, i - 3) | 0x20) === 0x78) {
      return false;
    }
  }
  return true;
}

// The URL Standard's domain to ASCII (beStrict false): UTS #46 ToASCII, non-transitional, with
// CheckBidi and CheckJoiners, without STD3 rules, hyphen or DNS length checks (done natively by
// ICU). Returns null on failure.
function domainToASCII(domain) {
  const result = isPlainAsciiDomain(domain) ? StringPrototypeToLowerCase(domain) : ops.domainToASCII(domain);
  if (result === null || result === "") return null;
  return result;
}

function parseOpaqueHost(input) {
  for (let i = 0; i < input.length; i++) {
    const c = StringPrototypeCharCodeAt(input, i);
    if (c !== 0x25 && isForbiddenHost(c)) return failure;
  }
  let out = "";
  for (let i = 0; i < input.length;) {
    const cp = StringPrototypeCodePointAt(input, i);
    out += encodeCodePoint(cp, isC0ControlSet);
    i += cp > 0xFFFF ? 2 : 1;
  }
  return out;
}

// Returns the serialized host, or null on failure.
function parseHost(input, isOpaque) {
  if (input[0] === "[") {
    if (input[input.length - 1] !== "]") return failure;
    const addr = parseIPv6(StringPrototypeSlice(input, 1, -1));
    return addr === failure ? failure : serializeIPv6(addr);
  }
  if (isOpaque) return parseOpaqueHost(input);
  const domain = decodesToItself(input, false) ? input : utf8Decode(percentDecodeBytes(utf8Encode(input)));
  const asciiDomain = domainToASCII(domain);
  if (asciiDomain === null) return failure;
  for (let i = 0; i < asciiDomain.length; i++) {
    if (isForbiddenDomain(StringPrototypeCharCodeAt(asciiDomain, i))) return failure;
  }
  if (endsInANumber(asciiDomain)) {
    const ipv4 = parseIPv4(asciiDomain);
    return ipv4 === failure ? failure : serializeIPv4(ipv4);
  }
  return asciiDomain;
}

// ---- the basic URL parser ---------------------------------------------------------------------

const specialPorts = { __proto__: null, "ftp": 21, "file": null, "http": 80, "https": 443, "ws": 80, "wss": 443 };
const isSpecialScheme = (s) => s in specialPorts;
const isAsciiAlpha = (c) => (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A);
const isAsciiDigit = (c) => c >= 0x30 && c <= 0x39;
const isAsciiAlnum = (c) => isAsciiAlpha(c) || isAsciiDigit(c);

function isWindowsDriveLetter(s, normalizedOnly) {
  return s.length === 2 && isAsciiAlpha(StringPrototypeCharCodeAt(s, 0)) &&
    (s[1] === ":" || (!normalizedOnly && s[1] === "|"));
}
function startsWithWindowsDriveLetter(cps, p) {
  if (cps.length - p < 2) return false;
  if (!isAsciiAlpha(cps[p]) || (cps[p + 1] !== 0x3A && cps[p + 1] !== 0x7C)) return false;
  if (cps.length - p === 2) return true;
  const c = cps[p + 2];
  return c === 0x2F || c === 0x5C || c === 0x3F || c === 0x23;
}
function isSingleDot(s) { return s === "." || StringPrototypeToLowerCase(s) === "%2e"; }
function isDoubleDot(s) {
  const l = StringPrototypeToLowerCase(s);
  return l === ".." || l === ".%2e" || l === "%2e." || l === "%2e%2e";
}

function newRecord() {
  return { scheme: "", username: "", password: "", host: null, port: null, path: [], opaque: false, query: null, fragment: null };
}
function copyRecord(r) {
  return { ...r, path: r.opaque ? r.path : ArrayPrototypeSlice(r.path) };
}

function shortenPath(url) {
  const path = url.path;
  if (url.scheme === "file" && path.length === 1 && isWindowsDriveLetter(path[0], true)) return;
  if (path.length) path.length--;
}

const S = {
  schemeStart: 1, scheme: 2, noScheme: 3, specialRelativeOrAuthority: 4, pathOrAuthority: 5,
  relative: 6, relativeSlash: 7, specialAuthoritySlashes: 8, specialAuthorityIgnoreSlashes: 9,
  authority: 10, host: 11, hostname: 12, port: 13, file: 14, fileSlash: 15, fileHost: 16,
  pathStart: 17, path: 18, opaquePath: 19, query: 20, fragment: 21,
};

function toCodePoints(s) {
  const cps = [];
  for (let i = 0; i < s.length;) {
    const cp = StringPrototypeCodePointAt(s, i);
    ArrayAppend(cps, cp);
    i += cp > 0xFFFF ? 2 : 1;
  }
  return cps;
}

// ---- the common case: a special URL already in serialised form ------------------------------

// Code units that the path, special query and fragment states copy as they are (`/`, `?` and `#`
// aside): the printable ASCII their percent-encode sets leave alone, less `\`, a path separator
// in special URLs.
const kCopiedInPath = 1, kCopiedInQuery = 2, kCopiedInFragment = 4;
const copiedAsIs = new internal.primordials.Uint8Array(128);
for (let c = 0x21; c < 0x7F; c++) {
  copiedAsIs[c] = (!isPathSet(c) && c !== 0x5C ? kCopiedInPath : 0) |
    (!isSpecialQuerySet(c) ? kCopiedInQuery : 0) | (!isFragmentSet(c) ? kCopiedInFragment : 0);
}

// True when the dotted-quad `host` is an IPv4 address as the host parser serialises one: four
// decimal numbers up to 255 without leading zeros.
function isSerializedIPv4(host) {
  let parts = 0, value = 0, digits = 0;
  for (let i = 0; i <= host.length; i++) {
    const c = i < host.length ? StringPrototypeCharCodeAt(host, i) : 0x2E;
    if (c === 0x2E) {
      if (digits === 0 || value > 255 || ++parts > 4) return false;
      value = 0; digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits === 1 && value === 0) return false;
      value = value * 10 + (c - 0x30);
      digits++;
    } else {
      return false;
    }
  }
  return parts === 4;
}

// The record of `input` when it is an absolute URL with a special scheme (other than file) that
// the basic parser would leave as it is: lower-case scheme and host (ASCII letters, digits, `-`
// and `.`, no punycode label, a dotted-quad IPv4 address as serialised), a port without leading
// zeros, no credentials, no `.`/`..` segments, and only code units each component copies as they
// are. Whatever the base URL, such an input parses the same. Returns undefined for any other
// input, which the basic parser then handles.
function parseSerializedSpecialURL(input) {
  const schemeEnd = StringPrototypeIndexOf(input, "://");
  if (schemeEnd < 2 || schemeEnd > 5) return undefined;
  const scheme = StringPrototypeSlice(input, 0, schemeEnd);
  const defaultPort = specialPorts[scheme];
  if (defaultPort === undefined || defaultPort === null) return undefined;  // not special, or file
  const n = input.length;
  const hostStart = schemeEnd + 3;
  let i = hostStart, portStart = -1, lastLabel = hostStart;
  for (; i < n; i++) {
    const c = StringPrototypeCharCodeAt(input, i);
    if (c === 0x2F || c === 0x3F || c === 0x23) break;
    if (portStart !== -1) {
      if (c < 0x30 || c > 0x39) return undefined;
    } else if (c === 0x3A) {
      portStart = i + 1;
    } else if (c === 0x2E) {
      lastLabel = i + 1;
    } else if (!((c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c === 0x2D)) {
      return undefined;
    }
  }
  const hostEnd = portStart === -1 ? i : portStart - 1;
  if (hostEnd === hostStart || lastLabel === hostEnd) return undefined;
  const host = StringPrototypeSlice(input, hostStart, hostEnd);
  if (!isPlainAsciiDomain(host)) return undefined;
  // A host whose last label starts with a digit is an IPv4 address or a failure.
  const lastFirst = StringPrototypeCharCodeAt(input, lastLabel);
  if (lastFirst >= 0x30 && lastFirst <= 0x39 && !isSerializedIPv4(host)) return undefined;
  let port = null;
  if (portStart !== -1) {
    const digits = i - portStart;
    if (digits === 0 || digits > 5 || (digits > 1 && StringPrototypeCharCodeAt(input, portStart) === 0x30)) {
      return undefined;
    }
    port = NumberParseInt(StringPrototypeSlice(input, portStart, i), 10);
    if (port > 65535) return undefined;
    if (port === defaultPort) port = null;
  }
  const path = [];
  if (i < n && StringPrototypeCharCodeAt(input, i) === 0x2F) {
    let segmentStart = ++i;
    for (;; i++) {
      const c = i < n ? StringPrototypeCharCodeAt(input, i) : 0x23;
      if (c === 0x2F || c === 0x3F || c === 0x23) {
        const segment = StringPrototypeSlice(input, segmentStart, i);
        const first = StringPrototypeCharCodeAt(input, segmentStart);
        if ((first === 0x2E || first === 0x25) && (isSingleDot(segment) || isDoubleDot(segment))) return undefined;
        ArrayAppend(path, segment);
        if (c !== 0x2F) break;
        segmentStart = i + 1;
      } else if (c >= 0x80 || !(copiedAsIs[c] & kCopiedInPath)) {
        return undefined;
      }
    }
  } else {
    ArrayAppend(path, "");
  }
  let query = null, fragment = null;
  if (i < n && StringPrototypeCharCodeAt(input, i) === 0x3F) {
    const queryStart = ++i;
    for (; i < n; i++) {
      const c = StringPrototypeCharCodeAt(input, i);
      if (c === 0x23) break;
      if (c >= 0x80 || !(copiedAsIs[c] & kCopiedInQuery)) return undefined;
    }
    query = StringPrototypeSlice(input, queryStart, i);
  }
  if (i < n) {  // at "#"
    const fragmentStart = ++i;
    for (; i < n; i++) {
      const c = StringPrototypeCharCodeAt(input, i);
      if (c >= 0x80 || !(copiedAsIs[c] & kCopiedInFragment)) return undefined;
    }
    fragment = StringPrototypeSlice(input, fragmentStart);
  }
  return { scheme, username: "", password: "", host, port, path, opaque: false, query, fragment };
}

// Returns a URL record, or null on failure. With `url` + `stateOverride` it modifies `url` in
// place and returns it (or null on failure / "return" per the spec's setter rules).
function basicParse(input, base = null, url = null, stateOverride = 0) {
  if (url === null) {
    const serialized = parseSerializedSpecialURL(input);
    if (serialized !== undefined) return serialized;
    url = newRecord();
    // Strip leading/trailing C0 control or space.
    let start = 0, end = input.length;
    while (start < end && StringPrototypeCharCodeAt(input, start) <= 0x20) start++;
    while (end > start && StringPrototypeCharCodeAt(input, end - 1) <= 0x20) end--;
    input = StringPrototypeSlice(input, start, end);
  }
  input = input.replace(/[\t\n\r]/g, "");
  const cps = toCodePoints(input);
  const EOF = -1;
  let state = stateOverride || S.schemeStart;
  let buffer = "";
  let atSignSeen = false, insideBrackets = false, passwordTokenSeen = false;
  let p = 0;
  for (;; p++) {
    const c = p < cps.length ? cps[p] : EOF;
    switch (state) {
      case S.schemeStart:
        if (c !== EOF && isAsciiAlpha(c)) {
          buffer += StringPrototypeToLowerCase(StringFromCodePoint(c));
          state = S.scheme;
        } else if (!stateOverride) {
          state = S.noScheme;
          p--;
        } else {
          return failure;
        }
        break;
      case S.scheme:
        if (c !== EOF && (isAsciiAlnum(c) || c === 0x2B || c === 0x2D || c === 0x2E)) {
          buffer += StringPrototypeToLowerCase(StringFromCodePoint(c));
        } else if (c === 0x3A) {
          if (stateOverride) {
            if (isSpecialScheme(url.scheme) !== isSpecialScheme(buffer)) return url;
            if ((url.username !== "" || url.password !== "" || url.port !== null) && buffer === "file") return url;
            if (url.scheme === "file" && url.host === "") return url;
          }
          url.scheme = buffer;
          if (stateOverride) {
            if (url.port === specialPorts[url.scheme]) url.port = null;
            return url;
          }
          buffer = "";
          if (url.scheme === "file") {
            state = S.file;
          } else if (isSpecialScheme(url.scheme) && base !== null && base.scheme === url.scheme) {
            state = S.specialRelativeOrAuthority;
          } else if (isSpecialScheme(url.scheme)) {
            state = S.specialAuthoritySlashes;
          } else if (cps[p + 1] === 0x2F) {
            state = S.pathOrAuthority;
            p++;
          } else {
            url.path = "";
            url.opaque = true;
            state = S.opaquePath;
          }
        } else if (!stateOverride) {
          buffer = "";
          state = S.noScheme;
          p = -1;
        } else {
          return failure;
        }
        break;
      case S.noScheme:
        if (base === null || (base.opaque && c !== 0x23)) return failure;
        if (base.opaque && c === 0x23) {
          url.scheme = base.scheme;
          url.path = base.path;
          url.opaque = true;
          url.query = base.query;
          url.fragment = "";
          state = S.fragment;
        } else if (base.scheme !== "file") {
          state = S.relative;
          p--;
        } else {
          state = S.file;
          p--;
        }
        break;
      case S.specialRelativeOrAuthority:
        if (c === 0x2F && cps[p + 1] === 0x2F) {
          state = S.specialAuthorityIgnoreSlashes;
          p++;
        } else {
          state = S.relative;
          p--;
        }
        break;
      case S.pathOrAuthority:
        if (c === 0x2F) state = S.authority;
        else { state = S.path; p--; }
        break;
      case S.relative:
        url.scheme = base.scheme;
        if (c === 0x2F) {
          state = S.relativeSlash;
        } else if (isSpecialScheme(url.scheme) && c === 0x5C) {
          state = S.relativeSlash;
        } else {
          url.username = base.username; url.password = base.password; url.host = base.host;
          url.port = base.port; url.path = ArrayPrototypeSlice(base.path); url.query = base.query;
          if (c === 0x3F) { url.query = ""; state = S.query; }
          else if (c === 0x23) { url.fragment = ""; state = S.fragment; }
          else if (c !== EOF) {
            url.query = null;
            shortenPath(url);
            state = S.path;
            p--;
          }
        }
        break;
      case S.relativeSlash:
        if (isSpecialScheme(url.scheme) && (c === 0x2F || c === 0x5C)) {
          state = S.specialAuthorityIgnoreSlashes;
        } else if (c === 0x2F) {
          state = S.authority;
        } else {
          url.username = base.username; url.password = base.password; url.host = base.host; url.port = base.port;
          state = S.path;
          p--;
        }
        break;
      case S.specialAuthoritySlashes:
        if (c === 0x2F && cps[p + 1] === 0x2F) {
          state = S.specialAuthorityIgnoreSlashes;
          p++;
        } else {
          state = S.specialAuthorityIgnoreSlashes;
          p--;
        }
        break;
      case S.specialAuthorityIgnoreSlashes:
        if (c !== 0x2F && c !== 0x5C) { state = S.authority; p--; }
        break;
      case S.authority:
        if (c === 0x40) {
          if (atSignSeen) buffer = "%40" + buffer;
          atSignSeen = true;
          const bcps = toCodePoints(buffer);
          for (let i = 0; i < bcps.length; i++) {
            const cp = bcps[i];
            if (cp === 0x3A && !passwordTokenSeen) { passwordTokenSeen = true; continue; }
            const enc = encodeCodePoint(cp, isUserinfoSet);
            if (passwordTokenSeen) url.password += enc;
            else url.username += enc;
          }
          buffer = "";
        } else if (c === EOF || c === 0x2F || c === 0x3F || c === 0x23 || (isSpecialScheme(url.scheme) && c === 0x5C)) {
          if (atSignSeen && buffer === "") return failure;
          p -= toCodePoints(buffer).length + 1;
          buffer = "";
          state = S.host;
        } else {
          buffer += StringFromCodePoint(c);
        }
        break;
      case S.host:
      case S.hostname:
        if (stateOverride && url.scheme === "file") {
          p--;
          state = S.fileHost;
        } else if (c === 0x3A && !insideBrackets) {
          if (buffer === "") return failure;
          if (stateOverride === S.hostname) return failure;
          const host = parseHost(buffer, !isSpecialScheme(url.scheme));
          if (host === failure) return failure;
          url.host = host;
          buffer = "";
          state = S.port;
        } else if (c === EOF || c === 0x2F || c === 0x3F || c === 0x23 || (isSpecialScheme(url.scheme) && c === 0x5C)) {
          p--;
          if (isSpecialScheme(url.scheme) && buffer === "") return failure;
          if (stateOverride && buffer === "" && (url.username !== "" || url.password !== "" || url.port !== null)) {
            return failure;
          }
          const host = parseHost(buffer, !isSpecialScheme(url.scheme));
          if (host === failure) return failure;
          url.host = host;
          buffer = "";
          state = S.pathStart;
          if (stateOverride) return url;
        } else {
          if (c === 0x5B) insideBrackets = true;
          if (c === 0x5D) insideBrackets = false;
          buffer += StringFromCodePoint(c);
        }
        break;
      case S.port:
        if (c !== EOF && isAsciiDigit(c)) {
          buffer += StringFromCodePoint(c);
        } else if (c === EOF || c === 0x2F || c === 0x3F || c === 0x23 || (isSpecialScheme(url.scheme) && c === 0x5C) || stateOverride) {
          if (buffer !== "") {
            const port = NumberParseInt(buffer, 10);
            if (port > 65535) return failure;
            url.port = specialPorts[url.scheme] === port ? null : port;
            buffer = "";
            if (stateOverride) return url;
          }
          if (stateOverride) return failure;
          state = S.pathStart;
          p--;
        } else {
          return failure;
        }
        break;
      case S.file:
        url.scheme = "file";
        url.host = "";
        if (c === 0x2F || c === 0x5C) {
          state = S.fileSlash;
        } else if (base !== null && base.scheme === "file") {
          url.host = base.host;
          url.path = ArrayPrototypeSlice(base.path);
          url.query = base.query;
          if (c === 0x3F) { url.query = ""; state = S.query; }
          else if (c === 0x23) { url.fragment = ""; state = S.fragment; }
          else if (c !== EOF) {
            url.query = null;
            if (!startsWithWindowsDriveLetter(cps, p)) shortenPath(url);
            else url.path = [];
            state = S.path;
            p--;
          }
        } else {
          state = S.path;
          p--;
        }
        break;
      case S.fileSlash:
        if (c === 0x2F || c === 0x5C) {
          state = S.fileHost;
        } else {
          if (base !== null && base.scheme === "file") {
            url.host = base.host;
            if (!startsWithWindowsDriveLetter(cps, p) && base.path.length > 0 && isWindowsDriveLetter(base.path[0], true)) {
              ArrayAppend(url.path, base.path[0]);
            }
          }
          state = S.path;
          p--;
        }
        break;
      case S.fileHost:
        if (c === EOF || c === 0x2F || c === 0x5C || c === 0x3F || c === 0x23) {
          p--;
          if (!stateOverride && isWindowsDriveLetter(buffer, false)) {
            state = S.path;
          } else if (buffer === "") {
            url.host = "";
            if (stateOverride) return url;
            state = S.pathStart;
          } else {
            let host = parseHost(buffer, false);
            if (host === failure) return failure;
            if (host === "localhost") host = "";
            url.host = host;
            if (stateOverride) return url;
            buffer = "";
            state = S.pathStart;
          }
        } else {
          buffer += StringFromCodePoint(c);
        }
        break;
      case S.pathStart:
        if (isSpecialScheme(url.scheme)) {
          state = S.path;
          if (c !== 0x2F && c !== 0x5C) p--;
        } else if (!stateOverride && c === 0x3F) {
          url.query = ""; state = S.query;
        } else if (!stateOverride && c === 0x23) {
          url.fragment = ""; state = S.fragment;
        } else if (c !== EOF) {
          state = S.path;
          if (c !== 0x2F) p--;
        } else if (stateOverride && url.host === null) {
          ArrayAppend(url.path, "");
        }
        break;
      case S.path:
        if (c === EOF || c === 0x2F || (isSpecialScheme(url.scheme) && c === 0x5C) ||
            (!stateOverride && (c === 0x3F || c === 0x23))) {
          const slash = c === 0x2F || (isSpecialScheme(url.scheme) && c === 0x5C);
          if (isDoubleDot(buffer)) {
            shortenPath(url);
            if (!slash) ArrayAppend(url.path, "");
          } else if (isSingleDot(buffer) && !slash) {
            ArrayAppend(url.path, "");
          } else if (!isSingleDot(buffer)) {
            if (url.scheme === "file" && url.path.length === 0 && isWindowsDriveLetter(buffer, false)) {
              buffer = buffer[0] + ":";
            }
            ArrayAppend(url.path, buffer);
          }
          buffer = "";
          if (c === 0x3F) { url.query = ""; state = S.query; }
          if (c === 0x23) { url.fragment = ""; state = S.fragment; }
        } else {
          buffer += encodeCodePoint(c, isPathSet);
        }
        break;
      case S.opaquePath:
        if (c === 0x3F) { url.query = ""; state = S.query; }
        else if (c === 0x23) { url.fragment = ""; state = S.fragment; }
        else if (c === 0x20) {
          const next = cps[p + 1];
          if (next === 0x3F || next === 0x23) url.path += "%20";
          else url.path += " ";
        } else if (c !== EOF) {
          url.path += encodeCodePoint(c, isC0ControlSet);
        }
        break;
      case S.query:
        if ((!stateOverride && c === 0x23) || c === EOF) {
          const set = isSpecialScheme(url.scheme) ? isSpecialQuerySet : isQuerySet;
          url.query += encodeString(buffer, set);
          buffer = "";
          if (c === 0x23) { url.fragment = ""; state = S.fragment; }
        } else if (c !== EOF) {
          buffer += StringFromCodePoint(c);
        }
        break;
      case S.fragment:
        if (c !== EOF) url.fragment += encodeCodePoint(c, isFragmentSet);
        break;
    }
    // Stop once EOF has been processed without the pointer being moved back.
    if (p >= cps.length) break;
  }
  return url;
}

function serializePath(url) {
  if (url.opaque) return url.path;
  let out = "";
  for (let i = 0; i < url.path.length; i++) out += "/" + url.path[i];
  return out;
}

function serializeURL(url, excludeFragment = false) {
  let out = url.scheme + ":";
  if (url.host !== null) {
    out += "//";
    if (url.username !== "" || url.password !== "") {
      out += url.username;
      if (url.password !== "") out += ":" + url.password;
      out += "@";
    }
    out += url.host;
    if (url.port !== null) out += ":" + url.port;
  }
  if (url.host === null && !url.opaque && url.path.length > 1 && url.path[0] === "") out += "/.";
  out += serializePath(url);
  if (url.query !== null) out += "?" + url.query;
  if (!excludeFragment && url.fragment !== null) out += "#" + url.fragment;
  return out;
}

function serializeOrigin(url) {
  switch (url.scheme) {
    case "blob": {
      if (url.opaque) {
        const inner = basicParse(url.path);
        if (inner !== null && (inner.scheme === "http" || inner.scheme === "https")) return serializeOrigin(inner);
      }
      return "null";
    }
    case "ftp": case "http": case "https": case "ws": case "wss":
      return `${url.scheme}://${url.host}${url.port !== null ? ":" + url.port : ""}`;
    default:
      return "null";
  }
}

// ---- application/x-www-form-urlencoded --------------------------------------------------------

function formDecode(bytes) {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x2B) bytes[i] = 0x20;
  return utf8Decode(percentDecodeBytes(bytes));
}

function parseFormUrlencoded(input) {
  const list = [];
  for (let start = 0, end; start < input.length; start = end + 1) {
    end = StringPrototypeIndexOf(input, "&", start);
    if (end === -1) end = input.length;
    if (end === start) continue;
    const seq = StringPrototypeSlice(input, start, end);
    const eq = StringPrototypeIndexOf(seq, "=");
    const name = eq === -1 ? seq : StringPrototypeSlice(seq, 0, eq);
    const value = eq === -1 ? "" : StringPrototypeSlice(seq, eq + 1);
    ArrayAppend(list, [decodesToItself(name, true) ? name : formDecode(utf8Encode(name)),
      decodesToItself(value, true) ? value : formDecode(utf8Encode(value))]);
  }
  return list;
}

function serializeFormUrlencoded(list) {
  let out = "";
  for (let i = 0; i < list.length; i++) {
    if (i) out += "&";
    out += encodeString(list[i][0], isFormSet, true) + "=" + encodeString(list[i][1], isFormSet, true);
  }
  return out;
}

// ---- URLSearchParams --------------------------------------------------------------------------

let paramsInternals;

class URLSearchParams {
  #list = [];
  #url = null; // the URL object whose query this reflects

  constructor(init = "") {
    if (init !== null && (typeof init === "object" || typeof init === "function")) {
      const iterator = init[Symbol.iterator];
      if (iterator !== undefined) {
        if (typeof iterator !== "function") {
          throw new TypeErrorCtor("Failed to construct 'URLSearchParams': The provided value cannot be converted to a sequence.");
        }
        for (const pair of init) {
          if (pair === null || (typeof pair !== "object" && typeof pair !== "function") || typeof pair[Symbol.iterator] !== "function") {
            throw new TypeErrorCtor("Failed to construct 'URLSearchParams': The provided value cannot be converted to a sequence.");
          }
          const items = [...pair];
          if (items.length !== 2) {
            throw new TypeErrorCtor("Failed to construct 'URLSearchParams': Sequence initializer must only contain pair elements.");
          }
          ArrayAppend(this.#list, [toUSVString(items[0]), toUSVString(items[1])]);
        }
      } else {
        // A record: its own enumerable string keys, then each one's value.
        const keys = ObjectKeys(init);
        for (let i = 0; i < keys.length; i++) {
          const key = keys[i];
          const name = toUSVString(key);
          const value = toUSVString(init[key]);
          let found = false;
          for (let j = 0; j < this.#list.length; j++) {
            if (this.#list[j][0] === name) { this.#list[j][1] = value; found = true; break; }
          }
          if (!found) ArrayAppend(this.#list, [name, value]);
        }
      }
    } else {
      let s = toUSVString(init);
      if (s[0] === "?") s = StringPrototypeSlice(s, 1);
      this.#list = parseFormUrlencoded(s);
    }
  }

  #update() {
    const url = this.#url;
    if (url === null) return;
    const serialized = serializeFormUrlencoded(this.#list);
    urlInternals.setQueryFromParams(url, serialized === "" ? null : serialized);
  }

  get size() { return this.#list.length; }

  append(name, value) {
    if (arguments.length < 2) throw argCount("append", "URLSearchParams", 2, arguments.length);
    ArrayAppend(this.#list, [toUSVString(name), toUSVString(value)]);
    this.#update();
  }
  delete(name, value = undefined) {
    if (arguments.length < 1) throw argCount("delete", "URLSearchParams", 1, 0);
    name = toUSVString(name);
    const v = value === undefined ? undefined : toUSVString(value);
    const list = this.#list;
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i][0] === name && (v === undefined || list[i][1] === v)) ArrayPrototypeSplice(list, i, 1);
    }
    this.#update();
  }
  get(name) {
    if (arguments.length < 1) throw argCount("get", "URLSearchParams", 1, 0);
    name = toUSVString(name);
    const list = this.#list;
    for (let i = 0; i < list.length; i++) if (list[i][0] === name) return list[i][1];
    return null;
  }
  getAll(name) {
    if (arguments.length < 1) throw argCount("getAll", "URLSearchParams", 1, 0);
    name = toUSVString(name);
    const out = [];
    const list = this.#list;
    for (let i = 0; i < list.length; i++) if (list[i][0] === name) ArrayAppend(out, list[i][1]);
    return out;
  }
  has(name, value = undefined) {
    if (arguments.length < 1) throw argCount("has", "URLSearchParams", 1, 0);
    name = toUSVString(name);
    const v = value === undefined ? undefined : toUSVString(value);
    const list = this.#list;
    for (let i = 0; i < list.length; i++) {
      if (list[i][0] === name && (v === undefined || list[i][1] === v)) return true;
    }
    return false;
  }
  set(name, value) {
    if (arguments.length < 2) throw argCount("set", "URLSearchParams", 2, arguments.length);
    name = toUSVString(name);
    value = toUSVString(value);
    const list = this.#list;
    let found = false;
    for (let i = 0; i < list.length; i++) {
      if (list[i][0] !== name) continue;
      if (!found) { list[i][1] = value; found = true; }
      else { ArrayPrototypeSplice(list, i, 1); i--; }
    }
    if (!found) ArrayAppend(list, [name, value]);
    this.#update();
  }
  sort() {
    // Stable insertion sort by UTF-16 code units of the name.
    const list = this.#list;
    for (let i = 1; i < list.length; i++) {
      const item = list[i];
      let j = i - 1;
      while (j >= 0 && list[j][0] > item[0]) { list[j + 1] = list[j]; j--; }
      list[j + 1] = item;
    }
    this.#update();
  }
  toString() {
    return serializeFormUrlencoded(this.#list);
  }

  static {
    paramsInternals = {
      list: (p) => p.#list,
      setList: (p, list) => { p.#list = list; },
      attach: (p, url) => { p.#url = url; },
      isParams: (v) => typeof v === "object" && v !== null && #list in v,
    };
  }
}
makeEnumerable(URLSearchParams, ["size", "append", "delete", "get", "getAll", "has", "set", "sort", "toString"]);
definePairIterable(URLSearchParams, "URLSearchParams", paramsInternals.list, (self) => {
  if (!paramsInternals.isParams(self)) throw new TypeErrorCtor("Illegal invocation: not a URLSearchParams.");
});

function argCount(method, iface, needed, got) {
  return new TypeErrorCtor(`Failed to execute '${method}' on '${iface}': ${needed} argument${needed > 1 ? "s" : ""} required, but only ${got} present.`);
}

// ---- URL --------------------------------------------------------------------------------------

let urlInternals;

function parseOrThrow(url, base, method) {
  let baseRecord = null;
  if (base !== undefined) {
    baseRecord = basicParse(toUSVString(base));
    if (baseRecord === null) throw new TypeErrorCtor(`${method}: Invalid base URL: ${toUSVString(base)}`);
  }
  const record = basicParse(toUSVString(url), baseRecord);
  if (record === null) throw new TypeErrorCtor(`${method}: Invalid URL string: ${toUSVString(url)}`);
  return record;
}

class URL {
  #url;
  #params = null;  // made on first use of searchParams

  constructor(url, base = undefined) {
    if (arguments.length < 1) {
      throw new TypeErrorCtor("Failed to construct 'URL': 1 argument required, but only 0 present.");
    }
    this.#url = parseOrThrow(url, base, "Failed to construct 'URL'");
  }

  static canParse(url, base = undefined) {
    if (arguments.length < 1) {
      throw new TypeErrorCtor("Failed to execute 'canParse' on 'URL': 1 argument required, but only 0 present.");
    }
    let baseRecord = null;
    if (base !== undefined) {
      baseRecord = basicParse(toUSVString(base));
      if (baseRecord === null) return false;
    }
    return basicParse(toUSVString(url), baseRecord) !== null;
  }

  static parse(url, base = undefined) {
    if (arguments.length < 1) {
      throw new TypeErrorCtor("Failed to execute 'parse' on 'URL': 1 argument required, but only 0 present.");
    }
    try { return new URL(url, base); } catch { return null; }
  }

  #updateParams() {
    if (this.#params === null) return;
    paramsInternals.setList(this.#params, this.#url.query === null ? [] : parseFormUrlencoded(this.#url.query));
  }

  get href() { return serializeURL(this.#url); }
  set href(value) {
    const record = basicParse(toUSVString(value));
    if (record === null) throw new TypeErrorCtor(`Failed to set the 'href' property on 'URL': Invalid URL string: ${toUSVString(value)}`);
    this.#url = record;
    this.#updateParams();
  }
  get origin() { return serializeOrigin(this.#url); }
  get protocol() { return this.#url.scheme + ":"; }
  set protocol(value) {
    this.#setter(toUSVString(value) + ":", S.schemeStart);
  }
  get username() { return this.#url.username; }
  set username(value) {
    const url = this.#url;
    if (url.host === null || url.host === "" || url.scheme === "file") return;
    url.username = encodeString(toUSVString(value), isUserinfoSet);
  }
  get password() { return this.#url.password; }
  set password(value) {
    const url = this.#url;
    if (url.host === null || url.host === "" || url.scheme === "file") return;
    url.password = encodeString(toUSVString(value), isUserinfoSet);
  }
  get host() {
    const url = this.#url;
    if (url.host === null) return "";
    return url.port === null ? url.host : `${url.host}:${url.port}`;
  }
  set host(value) {
    if (this.#url.opaque) return;
    this.#setter(toUSVString(value), S.host);
  }
  get hostname() { return this.#url.host ?? ""; }
  set hostname(value) {
    if (this.#url.opaque) return;
    this.#setter(toUSVString(value), S.hostname);
  }
  get port() { return this.#url.port === null ? "" : `${this.#url.port}`; }
  set port(value) {
    const url = this.#url;
    if (url.host === null || url.host === "" || url.scheme === "file") return;
    const s = toUSVString(value);
    if (s === "") { url.port = null; return; }
    this.#setter(s, S.port);
  }
  get pathname() { return serializePath(this.#url); }
  set pathname(value) {
    const url = this.#url;
    if (url.opaque) return;
    const saved = url.path;
    url.path = [];
    if (basicParse(toUSVString(value), null, url, S.pathStart) === null) url.path = saved;
  }
  get search() {
    const q = this.#url.query;
    return q === null || q === "" ? "" : "?" + q;
  }
  set search(value) {
    const url = this.#url;
    let input = toUSVString(value);
    if (input === "") {
      url.query = null;
      this.#updateParams();
      stripTrailingSpacesFromOpaquePath(url);
      return;
    }
    if (input[0] === "?") input = StringPrototypeSlice(input, 1);
    url.query = "";
    basicParse(input, null, url, S.query);
    this.#updateParams();
  }
  get searchParams() {
    if (this.#params === null) {
      this.#params = new URLSearchParams(this.#url.query ?? "");
      paramsInternals.attach(this.#params, this);
    }
    return this.#params;
  }
  get hash() {
    const f = this.#url.fragment;
    return f === null || f === "" ? "" : "#" + f;
  }
  set hash(value) {
    const url = this.#url;
    let input = toUSVString(value);
    if (input === "") {
      url.fragment = null;
      stripTrailingSpacesFromOpaquePath(url);
      return;
    }
    if (input[0] === "#") input = StringPrototypeSlice(input, 1);
    url.fragment = "";
    basicParse(input, null, url, S.fragment);
  }
  toString() { return serializeURL(this.#url); }
  toJSON() { return serializeURL(this.#url); }

  // Run the basic parser with a state override on a copy, committing only on success.
  #setter(input, state) {
    const copy = copyRecord(this.#url);
    const result = basicParse(input, null, copy, state);
    if (result !== null) this.#url = copy;
  }

  static {
    urlInternals = {
      setQueryFromParams: (u, query) => {
        u.#url.query = query;
        if (query === null) stripTrailingSpacesFromOpaquePath(u.#url);
      },
      record: (u) => u.#url,
      isURL: (v) => typeof v === "object" && v !== null && #url in v,
    };
  }
}
makeEnumerable(URL, ["href", "origin", "protocol", "username", "password", "host", "hostname", "port",
  "pathname", "search", "searchParams", "hash", "toString", "toJSON"]);

function stripTrailingSpacesFromOpaquePath(url) {
  if (!url.opaque || url.fragment !== null || url.query !== null) return;
  let end = url.path.length;
  while (end > 0 && url.path[end - 1] === " ") end--;
  url.path = StringPrototypeSlice(url.path, 0, end);
}

exports.URL = URL;
exports.URLSearchParams = URLSearchParams;
exports.parseURL = (input, base) => {
  const baseRecord = base === undefined ? null : basicParse(base);
  const r = basicParse(input, baseRecord);
  return r === null ? null : serializeURL(r);
};
exports.isURL = urlInternals.isURL;
exports.isURLSearchParams = paramsInternals.isParams;
exports.serializeFormUrlencoded = (params) => serializeFormUrlencoded(paramsInternals.list(params));
exports.parseFormUrlencoded = parseFormUrlencoded;
