"use strict";
// node:string_decoder, node:querystring, node:url (legacy parse/format/resolve and the WHATWG
// classes) and node:punycode (RFC 3492).

const { StringFromCharCode, StringPrototypeCharCodeAt, ObjectCreate, ArrayIsArray } = internal.primordials;
const ops = internal.ops;
const registry = internal.require("node_registry");
const nodeBuffer = internal.require("node_buffer");
const urlModule = internal.require("url");

// ---- string_decoder ----------------------------------------------------------------------------

// How many bytes at the end of `bytes` start a UTF-8 sequence that is not complete yet.
function utf8IncompleteTail(bytes) {
  const len = bytes.length;
  for (let back = 1; back <= 3 && back <= len; back++) {
    const b = bytes[len - back];
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = b >= 0xf0 && b <= 0xf4 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 && b < 0xe0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

class StringDecoder {
  constructor(encoding) {
    const enc = nodeBuffer.normalizeEncoding(encoding);
    if (enc === undefined) throw registry.codedError(TypeError, "ERR_UNKNOWN_ENCODING", `Unknown encoding: ${encoding}`);
    this.encoding = enc;
    this.pending = new Uint8Array(0);
  }
  write(buf) {
    if (typeof buf === "string") return buf;
    if (!ArrayBuffer.isView(buf)) throw registry.invalidArgType("buf", "an instance of Buffer, TypedArray, or DataView", buf);
    let bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    if (this.pending.length > 0) {
      const joined = new Uint8Array(this.pending.length + bytes.length);
      joined.set(this.pending);
      joined.set(bytes, this.pending.length);
      bytes = joined;
    }
    let keep = 0;
    switch (this.encoding) {
      case "utf8": keep = utf8IncompleteTail(bytes); break;
      case "utf16le": {
        keep = bytes.length % 2;
        if (keep === 0 && bytes.length >= 2) {
          const last = bytes[bytes.length - 2] | (bytes[bytes.length - 1] << 8);
          if (last >= 0xd800 && last <= 0xdbff) keep = 2;
        }
        break;
      }
      case "base64": case "base64url": keep = bytes.length % 3; break;
    }
    this.pending = bytes.slice(bytes.length - keep);
    return nodeBuffer.decodeBytes(bytes, this.encoding, 0, bytes.length - keep);
  }
  end(buf) {
    let out = buf === undefined ? "" : this.write(buf);
    if (this.pending.length > 0) {
      const rest = this.pending;
      this.pending = new Uint8Array(0);
      out += this.encoding === "utf8" ? "\ufffd" : nodeBuffer.decodeBytes(rest, this.encoding, 0, rest.length);
    }
    return out;
  }
  text(buf, offset) { this.pending = new Uint8Array(0); return this.write(buf.subarray(offset)); }
  get lastNeed() { return this.pending.length; }
}

registry.define("string_decoder", () => ({ StringDecoder }));

// ---- querystring -------------------------------------------------------------------------------

function qsEscape(str) {
  if (typeof str !== "string") {
    if (typeof str === "object") str = String(str);
    else str += "";
  }
  try {
    return encodeURIComponent(str);
  } catch {
    throw registry.codedError(URIError, "ERR_INVALID_URI", "URI malformed");
  }
}

function unescapeBuffer(s, decodeSpaces) {
  const out = new Uint8Array(s.length * 3);
  let o = 0;
  const bytes = ops.utf8Encode(s);
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === 43 && decodeSpaces) { out[o++] = 32; continue; }
    if (c === 37 && i + 2 < bytes.length) {
      const hi = hexVal(bytes[i + 1]), lo = hexVal(bytes[i + 2]);
      if (hi >= 0 && lo >= 0) { out[o++] = hi * 16 + lo; i += 2; continue; }
    }
    out[o++] = c;
  }
  return nodeBuffer.Buffer.from(out.subarray(0, o));
}
function hexVal(c) {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

function qsUnescape(s, decodeSpaces) {
  try {
    return decodeURIComponent(s);
  } catch {
    return unescapeBuffer(s, decodeSpaces).toString();
  }
}

function stringifyPrimitive(v) {
  if (typeof v === "string") return v;
  if (typeof v === "number" && isFinite(v)) return `${v}`;
  if (typeof v === "bigint") return `${v}`;
  if (typeof v === "boolean") return v ? "true" : "false";
  return "";
}

function qsStringify(obj, sep = "&", eq = "=", options = undefined) {
  sep = sep || "&";
  eq = eq || "=";
  const encode = options && typeof options.encodeURIComponent === "function" ? options.encodeURIComponent : querystring.escape;
  if (obj === null || typeof obj !== "object") return "";
  const parts = [];
  for (const key of Object.keys(obj)) {
    const value = obj[key];
    const ks = encode(stringifyPrimitive(key)) + eq;
    if (ArrayIsArray(value)) {
      for (const v of value) parts.push(ks + encode(stringifyPrimitive(v)));
    } else {
      parts.push(ks + encode(stringifyPrimitive(value)));
    }
  }
  return parts.join(sep);
}

function qsParse(qs, sep = "&", eq = "=", options = undefined) {
  const obj = ObjectCreate(null);
  if (typeof qs !== "string" || qs.length === 0) return obj;
  sep = sep ? `${sep}` : "&";
  eq = eq ? `${eq}` : "=";
  let maxKeys = 1000;
  if (options && typeof options.maxKeys === "number") maxKeys = options.maxKeys;
  const custom = options && typeof options.decodeURIComponent === "function" ? options.decodeURIComponent : null;
  const decode = (s) => {
    const withSpaces = s.replace(/\+/g, " ");
    if (custom) { try { return custom(withSpaces); } catch { return querystring.unescape(withSpaces, true); } }
    return querystring.unescape(withSpaces, true);
  };
  let pairs = qs.split(sep);
  if (maxKeys > 0 && pairs.length > maxKeys) pairs = pairs.slice(0, maxKeys);
  for (const pair of pairs) {
    if (pair.length === 0 && pairs.length > 1) continue;
    const idx = pair.indexOf(eq);
    const k = decode(idx >= 0 ? pair.slice(0, idx) : pair);
    const v = idx >= 0 ? decode(pair.slice(idx + eq.length)) : "";
    const existing = obj[k];
    if (existing === undefined) obj[k] = v;
    else if (ArrayIsArray(existing)) existing.push(v);
    else obj[k] = [existing, v];
  }
  return obj;
}

const querystring = {
  escape: qsEscape, unescape: qsUnescape, unescapeBuffer, stringify: qsStringify, parse: qsParse,
  encode: qsStringify, decode: qsParse,
};
registry.define("querystring", () => querystring);

// ---- punycode (RFC 3492) -----------------------------------------------------------------------

const PC = { base: 36, tMin: 1, tMax: 26, skew: 38, damp: 700, initialBias: 72, initialN: 128 };

function ucs2decode(str) {
  const out = [];
  for (let i = 0; i < str.length; i++) {
    const c = StringPrototypeCharCodeAt(str, i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < str.length) {
      const d = StringPrototypeCharCodeAt(str, i + 1);
      if ((d & 0xfc00) === 0xdc00) { out.push(((c & 0x3ff) << 10) + (d & 0x3ff) + 0x10000); i++; continue; }
    }
    out.push(c);
  }
  return out;
}
function ucs2encode(codePoints) { return String.fromCodePoint(...codePoints); }

function adapt(delta, numPoints, firstTime) {
  delta = firstTime ? Math.floor(delta / PC.damp) : delta >> 1;
  delta += Math.floor(delta / numPoints);
  let k = 0;
  while (delta > ((PC.base - PC.tMin) * PC.tMax) >> 1) { delta = Math.floor(delta / (PC.base - PC.tMin)); k += PC.base; }
  return k + Math.floor(((PC.base - PC.tMin + 1) * delta) / (delta + PC.skew));
}
const digitToChar = (d) => String.fromCharCode(d + 22 + 75 * (d < 26));
function charToDigit(c) {
  if (c >= 48 && c < 58) return c - 22;
  if (c >= 65 && c < 91) return c - 65;
  if (c >= 97 && c < 123) return c - 97;
  return PC.base;
}
function punyError(kind) {
  const messages = { overflow: "Overflow: input needs wider integers to process", "not-basic": "Illegal input >= 0x80 (not a basic code point)", "invalid-input": "Invalid input" };
  return new RangeError(messages[kind]);
}

function punyEncode(input) {
  const cps = ucs2decode(input);
  let n = PC.initialN, delta = 0, bias = PC.initialBias;
  let output = "";
  for (const c of cps) if (c < 0x80) output += String.fromCharCode(c);
  const basicLength = output.length;
  let handled = basicLength;
  if (basicLength) output += "-";
  while (handled < cps.length) {
    let m = 0x7fffffff;
    for (const c of cps) if (c >= n && c < m) m = c;
    delta += (m - n) * (handled + 1);
    n = m;
    for (const c of cps) {
      if (c < n) delta++;
      if (c === n) {
        let q = delta;
        for (let k = PC.base; ; k += PC.base) {
          const t = k <= bias ? PC.tMin : k >= bias + PC.tMax ? PC.tMax : k - bias;
          if (q < t) break;
          output += digitToChar(t + ((q - t) % (PC.base - t)));
          q = Math.floor((q - t) / (PC.base - t));
        }
        output += digitToChar(q);
        bias = adapt(delta, handled + 1, handled === basicLength);
        delta = 0;
        handled++;
      }
    }
    delta++;
    n++;
  }
  return output;
}

function punyDecode(input) {
  const output = [];
  let basic = input.lastIndexOf("-");
  if (basic < 0) basic = 0;
  for (let j = 0; j < basic; j++) {
    if (StringPrototypeCharCodeAt(input, j) >= 0x80) throw punyError("not-basic");
    output.push(StringPrototypeCharCodeAt(input, j));
  }
  let i = 0, n = PC.initialN, bias = PC.initialBias;
  for (let index = basic > 0 ? basic + 1 : 0; index < input.length;) {
    const oldi = i;
    for (let w = 1, k = PC.base; ; k += PC.base) {
      if (index >= input.length) throw punyError("invalid-input");
      const digit = charToDigit(StringPrototypeCharCodeAt(input, index++));
      if (digit >= PC.base) throw punyError("invalid-input");
      i += digit * w;
      const t = k <= bias ? PC.tMin : k >= bias + PC.tMax ? PC.tMax : k - bias;
      if (digit < t) break;
      w *= PC.base - t;
    }
    const out = output.length + 1;
    bias = adapt(i - oldi, out, oldi === 0);
    n += Math.floor(i / out);
    i %= out;
    output.splice(i++, 0, n);
  }
  return String.fromCodePoint(...output);
}

function mapDomain(domain, fn) {
  const at = domain.lastIndexOf("@");
  let prefix = "";
  if (at >= 0) { prefix = domain.slice(0, at + 1); domain = domain.slice(at + 1); }
  return prefix + domain.replace(/[\x2E\u3002\uFF0E\uFF61]/g, ".").split(".").map(fn).join(".");
}

const punycode = {
  version: "2.1.0",
  ucs2: { decode: ucs2decode, encode: ucs2encode },
  encode: punyEncode,
  decode: punyDecode,
  toASCII: (domain) => mapDomain(domain, (label) => /[^\0-\x7F]/.test(label) ? `xn--${punyEncode(label)}` : label),
  toUnicode: (domain) => mapDomain(domain, (label) => /^xn--/i.test(label) ? punyDecode(label.slice(4).toLowerCase()) : label),
};
registry.define("punycode", () => punycode);

// ---- url ---------------------------------------------------------------------------------------

function Url() {
  this.protocol = null; this.slashes = null; this.auth = null; this.host = null; this.port = null;
  this.hostname = null; this.hash = null; this.search = null; this.query = null; this.pathname = null;
  this.path = null; this.href = null;
}

const slashedProtocols = new Set(["http:", "https:", "ftp:", "gopher:", "file:", "ws:", "wss:"]);
const hostlessProtocols = new Set(["javascript:", "javascript"]);

function urlParse(url, parseQueryString = false, slashesDenoteHost = false) {
  if (url instanceof Url) return url;
  if (typeof url !== "string") throw registry.invalidArgType("url", "of type string", url);
  const u = new Url();
  let rest = url.trim();
  // Backslashes before the query count as slashes, as browsers do.
  const qIdx = rest.search(/[?#]/);
  rest = qIdx === -1 ? rest.replace(/\\/g, "/") : rest.slice(0, qIdx).replace(/\\/g, "/") + rest.slice(qIdx);

  const hashIdx = rest.indexOf("#");
  if (hashIdx !== -1) { u.hash = rest.slice(hashIdx); rest = rest.slice(0, hashIdx); }
  const searchIdx = rest.indexOf("?");
  if (searchIdx !== -1) {
    u.search = rest.slice(searchIdx);
    u.query = rest.slice(searchIdx + 1);
    rest = rest.slice(0, searchIdx);
  } else if (parseQueryString) {
    u.search = "";
    u.query = {};
  }
  if (parseQueryString && typeof u.query === "string") u.query = qsParse(u.query);

  const proto = /^([a-z0-9.+-]+:)/i.exec(rest);
  let lowerProto;
  if (proto) {
    lowerProto = proto[1].toLowerCase();
    u.protocol = lowerProto;
    rest = rest.slice(proto[1].length);
  }
  if (slashesDenoteHost || proto || /^\/\/[^@/]+@[^@/]+/.test(rest)) {
    const slashes = rest.startsWith("//");
    if (slashes && !(lowerProto && hostlessProtocols.has(lowerProto))) {
      rest = rest.slice(2);
      u.slashes = true;
    }
  }
  if (!hostlessProtocols.has(lowerProto) && (u.slashes || (lowerProto && !slashedProtocols.has(lowerProto)))) {
    let hostEnd = rest.search(/[/?#]/);
    if (hostEnd === -1) hostEnd = rest.length;
    let hostPart = rest.slice(0, hostEnd);
    const at = hostPart.lastIndexOf("@");
    if (at !== -1) {
      u.auth = decodeURIComponent(hostPart.slice(0, at));
      hostPart = hostPart.slice(at + 1);
    }
    rest = rest.slice(hostEnd);
    const portMatch = /:([0-9]*)$/.exec(hostPart);
    if (portMatch) {
      if (portMatch[1] !== "") u.port = portMatch[1];
      hostPart = hostPart.slice(0, hostPart.length - portMatch[0].length);
    }
    let hostname = hostPart;
    const ipv6 = hostname.startsWith("[") && hostname.endsWith("]");
    if (ipv6) hostname = hostname.slice(1, -1);
    hostname = hostname.toLowerCase();
    if (!ipv6 && /[^\x00-\x7f]/.test(hostname)) hostname = punycode.toASCII(hostname);
    u.hostname = hostname;
    u.host = (ipv6 ? `[${hostname}]` : hostname) + (u.port ? `:${u.port}` : "");
    if (ipv6 === false && u.hostname === "" && !u.slashes) u.hostname = null;
    if (slashedProtocols.has(lowerProto) && rest === "") rest = "/";
  }
  // Escape characters Node escapes in the path.
  rest = rest.replace(/[ "'<>`{}|\\^\t\n\r]/g, (c) => encodeURIComponent(c));
  if (rest !== "") u.pathname = rest;
  else if (slashedProtocols.has(lowerProto) && u.hostname) u.pathname = "/";
  if (u.search !== null && typeof u.search === "string") u.search = u.search.replace(/[ "'<>`{}|\\^\t\n\r]/g, (c) => encodeURIComponent(c));
  if (u.hash !== null) u.hash = u.hash.replace(/[ "'<>`{}|\\^\t\n\r]/g, (c) => encodeURIComponent(c));
  if (u.pathname !== null || u.search !== null) u.path = (u.pathname || "") + (u.search || "");
  u.href = urlFormat(u);
  return u;
}

function urlFormat(obj, options = undefined) {
  if (typeof obj === "string") obj = urlParse(obj);
  else if (urlModule.isURL && urlModule.isURL(obj)) {
    const o = { auth: true, fragment: true, search: true, unicode: false, ...(options || {}) };
    let out = `${obj.protocol}`;
    if (obj.host) {
      out += "//";
      if (o.auth && (obj.username || obj.password)) out += obj.username + (obj.password ? `:${obj.password}` : "") + "@";
      out += o.unicode ? punycode.toUnicode(obj.host) : obj.host;
    }
    out += obj.pathname;
    if (o.search) out += obj.search;
    if (o.fragment) out += obj.hash;
    return out;
  } else if (obj === null || typeof obj !== "object") {
    throw registry.invalidArgType("urlObject", "one of type object or string", obj);
  }
  let auth = obj.auth || "";
  if (auth) auth = `${encodeURIComponent(auth).replace(/%3A/i, ":")}@`;
  let protocol = obj.protocol || "";
  let pathname = obj.pathname || "";
  let hash = obj.hash || "";
  let host = "";
  let query = "";
  if (obj.host) host = auth + obj.host;
  else if (obj.hostname) {
    host = auth + (obj.hostname.includes(":") && !obj.hostname.startsWith("[") ? `[${obj.hostname}]` : obj.hostname);
    if (obj.port) host += `:${obj.port}`;
  }
  if (obj.query !== null && typeof obj.query === "object") query = qsStringify(obj.query);
  let search = obj.search || (query && `?${query}`) || "";
  if (protocol && !protocol.endsWith(":")) protocol += ":";
  if (obj.slashes || ((!protocol || slashedProtocols.has(protocol)) && host !== "")) {
    host = `//${host}`;
    if (pathname && pathname[0] !== "/") pathname = `/${pathname}`;
  } else if (protocol === "file:" && host === "" && obj.slashes !== false) {
    host = "//";
  }
  if (hash && hash[0] !== "#") hash = `#${hash}`;
  if (search && search[0] !== "?") search = `?${search}`;
  pathname = pathname.replace(/[?#]/g, encodeURIComponent);
  search = search.replace("#", "%23");
  return protocol + host + pathname + search + hash;
}

function urlResolve(from, to) {
  try {
    const base = new urlModule.URL(from, "resolve://");
    const resolved = new urlModule.URL(to, base);
    if (resolved.protocol === "resolve:") {
      const { pathname, search, hash } = resolved;
      const relativeBase = !from.startsWith("/");
      return (relativeBase ? pathname.slice(1) : pathname) + search + hash;
    }
    return resolved.toString();
  } catch {
    return to;
  }
}

function fileURLToPath(path) {
  const u = typeof path === "string" ? new urlModule.URL(path) : path;
  if (!urlModule.isURL(u)) throw registry.invalidArgType("path", "of type string or an instance of URL", path);
  if (u.protocol !== "file:") throw registry.codedError(TypeError, "ERR_INVALID_URL_SCHEME", "The URL must be of scheme file");
  if (u.hostname !== "") throw registry.codedError(TypeError, "ERR_INVALID_FILE_URL_HOST", 'File URL host must be "localhost" or empty on linux');
  if (/%2f/i.test(u.pathname)) throw registry.codedError(TypeError, "ERR_INVALID_FILE_URL_PATH", "File URL path must not include encoded / characters");
  return decodeURIComponent(u.pathname);
}

function pathToFileURL(filepath) {
  const path = internal.require("node_path").posix;
  let resolved = path.resolve(filepath);
  if (filepath.endsWith("/") && !resolved.endsWith("/")) resolved += "/";
  const u = new urlModule.URL("file://");
  u.pathname = resolved.replace(/%/g, "%25").replace(/\\/g, "%5C").replace(/\n/g, "%0A").replace(/\r/g, "%0D").replace(/\t/g, "%09");
  return u;
}

function urlToHttpOptions(url) {
  const options = {
    protocol: url.protocol,
    hostname: url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname,
    hash: url.hash, search: url.search, pathname: url.pathname, path: `${url.pathname || ""}${url.search || ""}`,
    href: url.href,
  };
  if (url.port !== "") options.port = Number(url.port);
  if (url.username || url.password) options.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return options;
}

function domainToASCII(domain) {
  try { return new urlModule.URL(`http://${domain}`).hostname; } catch { return ""; }
}
function domainToUnicode(domain) {
  try { return punycode.toUnicode(new urlModule.URL(`http://${domain}`).hostname); } catch { return ""; }
}

Url.prototype.parse = function parse(url, parseQueryString, slashesDenoteHost) {
  Object.assign(this, urlParse(url, parseQueryString, slashesDenoteHost));
  return this;
};
Url.prototype.format = function format() { return urlFormat(this); };
Url.prototype.resolve = function resolve(relative) { return urlResolve(urlFormat(this), relative); };

registry.define("url", () => ({
  Url, parse: urlParse, format: urlFormat, resolve: urlResolve, resolveObject: (from, to) => urlParse(urlResolve(from, to)),
  URL: urlModule.URL, URLSearchParams: urlModule.URLSearchParams, domainToASCII, domainToUnicode,
  fileURLToPath, pathToFileURL, urlToHttpOptions,
}));

exports.StringDecoder = StringDecoder;
