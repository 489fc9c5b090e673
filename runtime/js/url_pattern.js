"use strict";
// The URL Pattern standard's URLPattern: the tokenizer and pattern parser for pattern strings,
// part lists turned into regular expressions and back into normalised pattern strings, the
// constructor string parser, URLPatternInit processing, and matching. Fixed text is canonicalised
// with the URL class of url.js (its accessors are captured here before user code runs).

const {
  ArrayAppend, ArrayPrototypeJoin, ArrayPrototypeSlice, FunctionPrototypeCall, NumberParseInt, ObjectDefineProperty,
  ObjectPrototypeHasOwnProperty, ReflectGetOwnPropertyDescriptor, RegExp: RegExpCtor, RegExpPrototypeExec,
  String: StringCtor, StringPrototypeCharCodeAt, StringPrototypeCodePointAt, StringPrototypeIndexOf,
  StringPrototypeLastIndexOf, StringPrototypeSlice, StringPrototypeToLowerCase, TypeError: TypeErrorCtor, makeEnumerable, setToStringTag,
} = internal.primordials;
const { URL } = internal.require("url");
const { toUSVString } = internal.require("util");

// ---- the URL accessors used for canonicalisation ----------------------------------------------

function accessor(name) {
  const desc = ReflectGetOwnPropertyDescriptor(URL.prototype, name);
  return {
    get: (u) => FunctionPrototypeCall(desc.get, u),
    set: desc.set === undefined ? undefined : (u, v) => FunctionPrototypeCall(desc.set, u, v),
  };
}
const U = {
  href: accessor("href"), protocol: accessor("protocol"), username: accessor("username"),
  password: accessor("password"), hostname: accessor("hostname"), port: accessor("port"),
  pathname: accessor("pathname"), search: accessor("search"), hash: accessor("hash"),
};

function tryParseURL(input, base = undefined) {
  try {
    return new URL(input, base);
  } catch {
    return null;
  }
}

const specialPorts = { __proto__: null, "ftp": "21", "file": "", "http": "80", "https": "443", "ws": "80", "wss": "443" };
const isSpecialScheme = (s) => ObjectPrototypeHasOwnProperty(specialPorts, s);

function fail(what) {
  return new TypeErrorCtor(`Failed to construct 'URLPattern': ${what}`);
}

// ---- code points --------------------------------------------------------------------------------

function codePoints(s) {
  const out = [];
  for (let i = 0; i < s.length;) {
    const cp = StringPrototypeCodePointAt(s, i);
    const len = cp > 0xFFFF ? 2 : 1;
    ArrayAppend(out, StringPrototypeSlice(s, i, i + len));
    i += len;
  }
  return out;
}

const idStart = /^[$_\p{ID_Start}]$/u;
const idPart = /^[$_\u200C\u200D\p{ID_Continue}]$/u;
function isValidNameCodePoint(cp, first) {
  return RegExpPrototypeExec(first ? idStart : idPart, cp) !== null;
}
const isAsciiCp = (cp) => cp.length === 1 && StringPrototypeCharCodeAt(cp, 0) < 0x80;
const isAsciiDigit = (c) => c >= "0" && c <= "9" && c.length === 1;

// ---- tokenizer ----------------------------------------------------------------------------------

// A token: { type, index, value }, index counted in code points.
function tokenize(input, strict) {
  const cps = codePoints(input);
  const tokens = [];
  let index = 0;
  let next = 0;
  let cp = "";
  const substr = (start, len) => ArrayPrototypeJoin(ArrayPrototypeSlice(cps, start, start + len), "");
  const getNext = () => { cp = cps[next]; next++; };
  const seek = (i) => { next = i; getNext(); };
  const add = (type, nextPos, valuePos, valueLen) => {
    ArrayAppend(tokens, { type, index, value: substr(valuePos, valueLen) });
    index = nextPos;
  };
  const addDefault = (type, nextPos, valuePos) => add(type, nextPos, valuePos, nextPos - valuePos);
  const error = (nextPos, valuePos) => {
    if (strict) throw fail(`the pattern "${input}" is not valid (at code point ${valuePos}).`);
    addDefault("invalid-char", nextPos, valuePos);
  };

  while (index < cps.length) {
    seek(index);
    if (cp === "*") { addDefault("asterisk", next, index); continue; }
    if (cp === "+" || cp === "?") { addDefault("other-modifier", next, index); continue; }
    if (cp === "\\") {
      if (index === cps.length - 1) { error(next, index); continue; }
      const escapedIndex = next;
      getNext();
      addDefault("escaped-char", next, escapedIndex);
      continue;
    }
    if (cp === "{") { addDefault("open", next, index); continue; }
    if (cp === "}") { addDefault("close", next, index); continue; }
    if (cp === ":") {
      let namePos = next;
      const nameStart = namePos;
      while (namePos < cps.length) {
        seek(namePos);
        if (!isValidNameCodePoint(cp, namePos === nameStart)) break;
        namePos = next;
      }
      if (namePos <= nameStart) { error(nameStart, index); continue; }
      addDefault("name", namePos, nameStart);
      continue;
    }
    if (cp === "(") {
      let depth = 1;
      let pos = next;
      const start = pos;
      let bad = false;
      while (pos < cps.length) {
        seek(pos);
        if (!isAsciiCp(cp)) { error(start, index); bad = true; break; }
        if (pos === start && cp === "?") { error(start, index); bad = true; break; }
        if (cp === "\\") {
          if (pos === cps.length - 1) { error(start, index); bad = true; break; }
          getNext();
          if (!isAsciiCp(cp)) { error(start, index); bad = true; break; }
          pos = next;
          continue;
        }
        if (cp === ")") {
          depth--;
          if (depth === 0) { pos = next; break; }
        } else if (cp === "(") {
          depth++;
          if (pos === cps.length - 1) { error(start, index); bad = true; break; }
          const temp = next;
          getNext();
          if (cp !== "?") { error(start, index); bad = true; break; }
          next = temp;
        }
        pos = next;
      }
      if (bad) continue;
      if (depth !== 0) { error(start, index); continue; }
      const len = pos - start - 1;
      if (len === 0) { error(start, index); continue; }
      add("regexp", pos, start, len);
      continue;
    }
    addDefault("char", next, index);
  }
  addDefault("end", index, index);
  return tokens;
}

// ---- pattern parser -----------------------------------------------------------------------------

const kFullWildcard = ".*";

function escapeRegexpString(s) {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "." || c === "+" || c === "*" || c === "?" || c === "^" || c === "$" || c === "{" ||
        c === "}" || c === "(" || c === ")" || c === "[" || c === "]" || c === "|" || c === "/" ||
        c === "\\") {
      out += "\\";
    }
    out += c;
  }
  return out;
}

function escapePatternString(s) {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "+" || c === "*" || c === "?" || c === ":" || c === "{" || c === "}" || c === "(" ||
        c === ")" || c === "\\") {
      out += "\\";
    }
    out += c;
  }
  return out;
}

function segmentWildcardRegexp(options) {
  return `[^${escapeRegexpString(options.delimiter)}]+?`;
}

function modifierString(modifier) {
  if (modifier === "zero-or-more") return "*";
  if (modifier === "optional") return "?";
  if (modifier === "one-or-more") return "+";
  return "";
}

// A part: { type, value, modifier, name, prefix, suffix }.
function parsePatternString(input, options, encode) {
  const tokens = tokenize(input, true);
  const parts = [];
  const segmentWildcard = segmentWildcardRegexp(options);
  let pending = "";
  let index = 0;
  let nextNumericName = 0;

  const tryConsume = (type) => {
    const token = tokens[index];
    if (token.type !== type) return null;
    index++;
    return token;
  };
  const tryConsumeModifier = () => tryConsume("other-modifier") ?? tryConsume("asterisk");
  const tryConsumeRegexpOrWildcard = (nameToken) => {
    const token = tryConsume("regexp");
    if (nameToken === null && token === null) return tryConsume("asterisk");
    return token;
  };
  const consumeRequired = (type) => {
    const token = tryConsume(type);
    if (token === null) {
      const at = tokens[index];
      throw fail(`the pattern "${input}" is not valid: unexpected ${at.type === "end" ? "end" : `"${at.value}"`} at code point ${at.index}.`);
    }
    return token;
  };
  const consumeText = () => {
    let result = "";
    for (;;) {
      const token = tryConsume("char") ?? tryConsume("escaped-char");
      if (token === null) return result;
      result += token.value;
    }
  };
  const flushPending = () => {
    if (pending === "") return;
    const value = encode(pending);
    pending = "";
    ArrayAppend(parts, { type: "fixed-text", value, modifier: "none", name: "", prefix: "", suffix: "" });
  };
  const addPart = (prefix, nameToken, regexpToken, suffix, modifierToken) => {
    let modifier = "none";
    if (modifierToken !== null) {
      if (modifierToken.value === "?") modifier = "optional";
      else if (modifierToken.value === "*") modifier = "zero-or-more";
      else if (modifierToken.value === "+") modifier = "one-or-more";
    }
    if (nameToken === null && regexpToken === null && modifier === "none") {
      pending += prefix;
      return;
    }
    flushPending();
    if (nameToken === null && regexpToken === null) {
      if (prefix === "") return;
      ArrayAppend(parts, { type: "fixed-text", value: encode(prefix), modifier, name: "", prefix: "", suffix: "" });
      return;
    }
    let regexpValue;
    if (regexpToken === null) regexpValue = segmentWildcard;
    else if (regexpToken.type === "asterisk") regexpValue = kFullWildcard;
    else regexpValue = regexpToken.value;
    let type = "regexp";
    if (regexpValue === segmentWildcard) { type = "segment-wildcard"; regexpValue = ""; }
    else if (regexpValue === kFullWildcard) { type = "full-wildcard"; regexpValue = ""; }
    let name = "";
    if (nameToken !== null) name = nameToken.value;
    else name = StringCtor(nextNumericName++);
    for (let i = 0; i < parts.length; i++) {
      if (parts[i].name === name) throw fail(`the pattern "${input}" uses the group name "${name}" twice.`);
    }
    ArrayAppend(parts, { type, value: regexpValue, modifier, name, prefix: encode(prefix), suffix: encode(suffix) });
  };

  while (index < tokens.length) {
    const charToken = tryConsume("char");
    let nameToken = tryConsume("name");
    let regexpToken = tryConsumeRegexpOrWildcard(nameToken);
    if (nameToken !== null || regexpToken !== null) {
      let prefix = charToken !== null ? charToken.value : "";
      if (prefix !== "" && prefix !== options.prefix) {
        pending += prefix;
        prefix = "";
      }
      flushPending();
      const modifierToken = tryConsumeModifier();
      addPart(prefix, nameToken, regexpToken, "", modifierToken);
      continue;
    }
    const fixedToken = charToken ?? tryConsume("escaped-char");
    if (fixedToken !== null) {
      pending += fixedToken.value;
      continue;
    }
    const openToken = tryConsume("open");
    if (openToken !== null) {
      const prefix = consumeText();
      nameToken = tryConsume("name");
      regexpToken = tryConsumeRegexpOrWildcard(nameToken);
      const suffix = consumeText();
      consumeRequired("close");
      const modifierToken = tryConsumeModifier();
      addPart(prefix, nameToken, regexpToken, suffix, modifierToken);
      continue;
    }
    flushPending();
    consumeRequired("end");
  }
  return parts;
}

// ---- part lists -> regular expressions and pattern strings --------------------------------------

function generateRegexp(parts, options) {
  let result = "^";
  const names = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (part.type === "fixed-text") {
      if (part.modifier === "none") result += escapeRegexpString(part.value);
      else result += `(?:${escapeRegexpString(part.value)})${modifierString(part.modifier)}`;
      continue;
    }
    ArrayAppend(names, part.name);
    let value = part.value;
    if (part.type === "segment-wildcard") value = segmentWildcardRegexp(options);
    else if (part.type === "full-wildcard") value = kFullWildcard;
    const prefix = escapeRegexpString(part.prefix);
    const suffix = escapeRegexpString(part.suffix);
    if (part.prefix === "" && part.suffix === "") {
      if (part.modifier === "none" || part.modifier === "optional") {
        result += `(${value})${modifierString(part.modifier)}`;
      } else {
        result += `((?:${value})${modifierString(part.modifier)})`;
      }
      continue;
    }
    if (part.modifier === "none" || part.modifier === "optional") {
      result += `(?:${prefix}(${value})${suffix})${modifierString(part.modifier)}`;
      continue;
    }
    result += `(?:${prefix}((?:${value})(?:${suffix}${prefix}(?:${value}))*)${suffix})`;
    if (part.modifier === "zero-or-more") result += "?";
  }
  result += "$";
  return { source: result, names };
}

function generatePatternString(parts, options) {
  let result = "";
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const previous = i > 0 ? parts[i - 1] : null;
    const next = i < parts.length - 1 ? parts[i + 1] : null;
    if (part.type === "fixed-text") {
      if (part.modifier === "none") {
        result += escapePatternString(part.value);
        continue;
      }
      result += `{${escapePatternString(part.value)}}${modifierString(part.modifier)}`;
      continue;
    }
    const customName = !isAsciiDigit(part.name[0]);
    let needsGrouping = part.suffix !== "" || (part.prefix !== "" && part.prefix !== options.prefix);
    if (!needsGrouping && customName && part.type === "segment-wildcard" && part.modifier === "none" &&
        next !== null && next.prefix === "" && next.suffix === "") {
      if (next.type === "fixed-text") {
        needsGrouping = next.value !== "" && isValidNameCodePoint(codePoints(next.value)[0], false);
      } else {
        needsGrouping = isAsciiDigit(next.name[0]);
      }
    }
    if (!needsGrouping && part.prefix === "" && previous !== null && previous.type === "fixed-text" &&
        previous.value !== "" && codePointsLast(previous.value) === options.prefix) {
      needsGrouping = true;
    }
    if (needsGrouping) result += "{";
    result += escapePatternString(part.prefix);
    if (customName) result += `:${part.name}`;
    if (part.type === "regexp") {
      result += `(${part.value})`;
    } else if (part.type === "segment-wildcard" && !customName) {
      result += `(${segmentWildcardRegexp(options)})`;
    } else if (part.type === "full-wildcard") {
      if (!customName && (previous === null || previous.type === "fixed-text" || previous.modifier !== "none" ||
          needsGrouping || part.prefix !== "")) {
        result += "*";
      } else {
        result += `(${kFullWildcard})`;
      }
    }
    if (part.type === "segment-wildcard" && customName && part.suffix !== "" &&
        isValidNameCodePoint(codePoints(part.suffix)[0], false)) {
      result += "\\";
    }
    result += escapePatternString(part.suffix);
    if (needsGrouping) result += "}";
    result += modifierString(part.modifier);
  }
  return result;
}

function codePointsLast(s) {
  const cps = codePoints(s);
  return cps[cps.length - 1];
}

// ---- components -----------------------------------------------------------------------------------

let regexpFlags = "u";
try {
  new RegExpCtor("", "v");
  regexpFlags = "v";
} catch {
  // This V8 predates the `v` flag; `u` parses every pattern the tokenizer lets through.
}

const defaultOptions = { delimiter: "", prefix: "", ignoreCase: false };
const hostnameOptions = { delimiter: ".", prefix: "", ignoreCase: false };
const pathnameOptions = { delimiter: "/", prefix: "/", ignoreCase: false };

// A component: { pattern, regexp, names, hasRegExpGroups }.
function compileComponent(input, encode, options) {
  const parts = parsePatternString(input, options, encode);
  const { source, names } = generateRegexp(parts, options);
  let regexp;
  try {
    regexp = new RegExpCtor(source, options.ignoreCase ? `${regexpFlags}i` : regexpFlags);
  } catch (e) {
    throw fail(`the pattern "${input}" has an invalid regular expression: ${e.message}`);
  }
  let hasRegExpGroups = false;
  for (let i = 0; i < parts.length; i++) if (parts[i].type === "regexp") hasRegExpGroups = true;
  return { pattern: generatePatternString(parts, options), regexp, names, hasRegExpGroups };
}

function protocolMatchesSpecialScheme(component) {
  for (const scheme in specialPorts) {
    if (RegExpPrototypeExec(component.regexp, scheme) !== null) return true;
  }
  return false;
}

function hostnameIsIPv6(input) {
  const cps = codePoints(input);
  if (cps.length < 2) return false;
  if (cps[0] === "[") return true;
  if ((cps[0] === "{" || cps[0] === "\\") && cps[1] === "[") return true;
  return false;
}

// ---- canonicalisation (encoding callbacks) --------------------------------------------------------

const c0OrSpace = (c) => c <= 0x20;

function canonicalizeProtocol(value) {
  if (value === "") return value;
  if (c0OrSpace(StringPrototypeCharCodeAt(value, 0)) || c0OrSpace(StringPrototypeCharCodeAt(value, value.length - 1))) {
    throw fail(`"${value}" is not a valid protocol.`);
  }
  const url = tryParseURL(`${value}://dummy.test`);
  if (url === null) throw fail(`"${value}" is not a valid protocol.`);
  return StringPrototypeSlice(U.protocol.get(url), 0, -1);
}

function canonicalizeUsername(value) {
  if (value === "") return value;
  const url = new URL("https://dummy.invalid/");
  U.username.set(url, value);
  return U.username.get(url);
}

function canonicalizePassword(value) {
  if (value === "") return value;
  const url = new URL("https://dummy.invalid/");
  U.password.set(url, value);
  return U.password.get(url);
}

// The URL hostname setter leaves the host alone when the value is not a valid host; trying two
// different starting hosts tells a failure apart from a value equal to the starting host.
function canonicalizeHostname(value, protocol = undefined) {
  if (value === "") return value;
  const scheme = protocol !== undefined && protocol !== "" && !isSpecialScheme(protocol) &&
    tryParseURL(`${protocol}://h/`) !== null ? protocol : "https";
  const attempt = (start) => {
    const url = new URL(`${scheme}://${start}/`);
    U.hostname.set(url, value);
    return U.hostname.get(url);
  };
  const first = attempt("colony-a.invalid");
  if (first !== "colony-a.invalid") return first;
  const second = attempt("colony-b.invalid");
  if (second !== "colony-b.invalid") return second;
  throw fail(`"${value}" is not a valid hostname.`);
}

function canonicalizeIPv6Hostname(value) {
  let result = "";
  const cps = codePoints(value);
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i];
    const isHex = c.length === 1 && ((c >= "0" && c <= "9") || (c >= "a" && c <= "f") || (c >= "A" && c <= "F"));
    if (!isHex && c !== "[" && c !== "]" && c !== ":") throw fail(`"${value}" is not a valid IPv6 hostname.`);
    result += StringPrototypeToLowerCase(c);
  }
  return result;
}

// As the URL parser's port state with a state override: the leading digits are the port (tabs and
// newlines are ignored), and a value that does not start with a digit is not a port.
function canonicalizePort(value, protocol = undefined) {
  if (value === "") return value;
  let digits = "";
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === "\t" || c === "\n" || c === "\r") continue;
    if (!isAsciiDigit(c)) break;
    digits += c;
  }
  if (digits === "") throw fail(`"${value}" is not a valid port.`);
  const port = NumberParseInt(digits, 10);
  if (port > 65535) throw fail(`"${value}" is not a valid port.`);
  const serialized = StringCtor(port);
  if (protocol !== undefined && isSpecialScheme(protocol) && specialPorts[protocol] === serialized) return "";
  return serialized;
}

function canonicalizePathname(value) {
  if (value === "") return value;
  const leadingSlash = value[0] === "/";
  const url = new URL("colony-dummy://dummy.invalid/");
  U.pathname.set(url, leadingSlash ? value : `/-${value}`);
  const result = U.pathname.get(url);
  return leadingSlash ? result : StringPrototypeSlice(result, 2);
}

function canonicalizeOpaquePathname(value) {
  if (value === "") return value;
  // "-" keeps a leading "/" from starting a hierarchical path; a trailing "x" (when nothing ends
  // the path early) keeps the parser's trimming of trailing spaces off the value.
  const cut = StringPrototypeIndexOf(value, "?") !== -1 || StringPrototypeIndexOf(value, "#") !== -1;
  const url = tryParseURL(`colony-dummy:-${value}${cut ? "" : "x"}`);
  if (url === null) throw fail(`"${value}" is not a valid pathname.`);
  const path = StringPrototypeSlice(U.pathname.get(url), 1);
  return cut ? path : StringPrototypeSlice(path, 0, -1);
}

function canonicalizeSearch(value) {
  if (value === "") return value;
  const url = new URL("colony-dummy://dummy.invalid/");
  U.search.set(url, `?${value}`);
  return StringPrototypeSlice(U.search.get(url), 1);
}

function canonicalizeHash(value) {
  if (value === "") return value;
  const url = new URL("colony-dummy://dummy.invalid/");
  U.hash.set(url, `#${value}`);
  return StringPrototypeSlice(U.hash.get(url), 1);
}

// ---- URLPatternInit processing ----------------------------------------------------------------------

const componentNames = ["protocol", "username", "password", "hostname", "port", "pathname", "search", "hash"];

function escapeBase(input, type) {
  return type === "pattern" ? escapePatternString(input) : input;
}

function isAbsolutePathname(input, type) {
  if (input === "") return false;
  if (input[0] === "/") return true;
  if (type === "url") return false;
  if (input.length < 2) return false;
  return (input[0] === "\\" || input[0] === "{") && input[1] === "/";
}

function hasOpaquePath(url) {
  const href = U.href.get(url);
  const scheme = U.protocol.get(url);
  return href[scheme.length] !== "/";
}

// `init` is a dictionary of present members (strings); `values` the starting values (or null).
function processInit(init, type, values) {
  const result = { __proto__: null };
  for (let i = 0; i < componentNames.length; i++) {
    const name = componentNames[i];
    if (values[name] !== null && values[name] !== undefined) result[name] = values[name];
  }
  const has = (name) => init[name] !== undefined;
  let baseURL = null;
  if (has("baseURL")) {
    baseURL = tryParseURL(init.baseURL);
    if (baseURL === null) throw fail(`the base URL "${init.baseURL}" is not a valid URL.`);
    const scheme = StringPrototypeSlice(U.protocol.get(baseURL), 0, -1);
    if (!has("protocol")) result.protocol = escapeBase(scheme, type);
    if (type !== "pattern" && !has("protocol") && !has("hostname") && !has("port") && !has("username")) {
      result.username = escapeBase(U.username.get(baseURL), type);
    }
    if (type !== "pattern" && !has("protocol") && !has("hostname") && !has("port") && !has("username") &&
        !has("password")) {
      result.password = escapeBase(U.password.get(baseURL), type);
    }
    if (!has("protocol") && !has("hostname")) {
      result.hostname = escapeBase(U.hostname.get(baseURL), type);
    }
    if (!has("protocol") && !has("hostname") && !has("port")) {
      result.port = U.port.get(baseURL);
    }
    if (!has("protocol") && !has("hostname") && !has("port") && !has("pathname")) {
      result.pathname = escapeBase(U.pathname.get(baseURL), type);
    }
    if (!has("protocol") && !has("hostname") && !has("port") && !has("pathname") && !has("search")) {
      result.search = escapeBase(StringPrototypeSlice(U.search.get(baseURL), 1), type);
    }
    if (!has("protocol") && !has("hostname") && !has("port") && !has("pathname") && !has("search") &&
        !has("hash")) {
      result.hash = escapeBase(StringPrototypeSlice(U.hash.get(baseURL), 1), type);
    }
  }
  if (has("protocol")) {
    let value = init.protocol;
    if (value !== "" && value[value.length - 1] === ":") value = StringPrototypeSlice(value, 0, -1);
    result.protocol = type === "pattern" ? value : canonicalizeProtocol(value);
  }
  if (has("username")) {
    result.username = type === "pattern" ? init.username : canonicalizeUsername(init.username);
  }
  if (has("password")) {
    result.password = type === "pattern" ? init.password : canonicalizePassword(init.password);
  }
  if (has("hostname")) {
    result.hostname = type === "pattern" ? init.hostname : canonicalizeHostname(init.hostname, result.protocol);
  }
  if (has("port")) {
    result.port = type === "pattern" ? init.port : canonicalizePort(init.port, result.protocol);
  }
  if (has("pathname")) {
    let pathname = init.pathname;
    if (baseURL !== null && !hasOpaquePath(baseURL) && !isAbsolutePathname(pathname, type)) {
      const basePath = escapeBase(U.pathname.get(baseURL), type);
      const slash = StringPrototypeLastIndexOf(basePath, "/");
      if (slash !== -1) pathname = StringPrototypeSlice(basePath, 0, slash + 1) + pathname;
    }
    if (type !== "pattern") {
      const protocol = result.protocol ?? "";
      pathname = protocol === "" || isSpecialScheme(protocol)
        ? canonicalizePathname(pathname) : canonicalizeOpaquePathname(pathname);
    }
    result.pathname = pathname;
  }
  if (has("search")) {
    let value = init.search;
    if (value !== "" && value[0] === "?") value = StringPrototypeSlice(value, 1);
    result.search = type === "pattern" ? value : canonicalizeSearch(value);
  }
  if (has("hash")) {
    let value = init.hash;
    if (value !== "" && value[0] === "#") value = StringPrototypeSlice(value, 1);
    result.hash = type === "pattern" ? value : canonicalizeHash(value);
  }
  return result;
}

// ---- the constructor string parser -------------------------------------------------------------------

function parseConstructorString(input) {
  const tokens = tokenize(input, false);
  const cps = codePoints(input);
  const result = { __proto__: null };
  let componentStart = 0;
  let tokenIndex = 0;
  let tokenIncrement = 1;
  let groupDepth = 0;
  let ipv6Depth = 0;
  let protocolIsSpecial = false;
  let state = "init";

  const safeToken = (i) => (i < tokens.length ? tokens[i] : tokens[tokens.length - 1]);
  const isNonSpecialChar = (i, value) => {
    const token = safeToken(i);
    if (token.value !== value) return false;
    return token.type === "char" || token.type === "escaped-char" || token.type === "invalid-char";
  };
  const isProtocolSuffix = () => isNonSpecialChar(tokenIndex, ":");
  const nextIsAuthoritySlashes = () => isNonSpecialChar(tokenIndex + 1, "/") && isNonSpecialChar(tokenIndex + 2, "/");
  const isIdentityTerminator = () => isNonSpecialChar(tokenIndex, "@");
  const isPasswordPrefix = () => isNonSpecialChar(tokenIndex, ":");
  const isPortPrefix = () => isNonSpecialChar(tokenIndex, ":");
  const isPathnameStart = () => isNonSpecialChar(tokenIndex, "/");
  const isSearchPrefix = () => {
    if (isNonSpecialChar(tokenIndex, "?")) return true;
    if (tokens[tokenIndex].value !== "?") return false;
    if (tokenIndex - 1 < 0) return true;
    const previous = safeToken(tokenIndex - 1);
    return !(previous.type === "name" || previous.type === "regexp" || previous.type === "close" ||
      previous.type === "asterisk");
  };
  const isHashPrefix = () => isNonSpecialChar(tokenIndex, "#");
  const isGroupOpen = () => tokens[tokenIndex].type === "open";
  const isGroupClose = () => tokens[tokenIndex].type === "close";
  const isIPv6Open = () => isNonSpecialChar(tokenIndex, "[");
  const isIPv6Close = () => isNonSpecialChar(tokenIndex, "]");
  const makeComponentString = () => {
    const token = tokens[tokenIndex];
    const start = safeToken(componentStart).index;
    return ArrayPrototypeJoin(ArrayPrototypeSlice(cps, start, token.index), "");
  };
  const rewind = () => { tokenIndex = componentStart; tokenIncrement = 0; };
  const rewindAndSetState = (s) => { rewind(); state = s; };
  const changeState = (newState, skip) => {
    if (state !== "init" && state !== "authority" && state !== "done") result[state] = makeComponentString();
    if (state !== "init" && newState !== "done") {
      const early = state === "protocol" || state === "authority" || state === "username" || state === "password";
      if (early && (newState === "port" || newState === "pathname" || newState === "search" || newState === "hash") &&
          result.hostname === undefined) {
        result.hostname = "";
      }
      if ((early || state === "hostname" || state === "port") && (newState === "search" || newState === "hash") &&
          result.pathname === undefined) {
        result.pathname = protocolIsSpecial ? "/" : "";
      }
      if ((early || state === "hostname" || state === "port" || state === "pathname") && newState === "hash" &&
          result.search === undefined) {
        result.search = "";
      }
    }
    state = newState;
    tokenIndex += skip;
    componentStart = tokenIndex;
    tokenIncrement = 0;
  };
  const computeProtocolMatchesSpecialScheme = () => {
    const component = compileComponent(makeComponentString(), canonicalizeProtocol, defaultOptions);
    if (protocolMatchesSpecialScheme(component)) protocolIsSpecial = true;
  };

  while (tokenIndex < tokens.length) {
    tokenIncrement = 1;
    if (tokens[tokenIndex].type === "end") {
      if (state === "init") {
        rewind();
        if (isHashPrefix()) changeState("hash", 1);
        else if (isSearchPrefix()) changeState("search", 1);
        else changeState("pathname", 0);
        tokenIndex += tokenIncrement;
        continue;
      }
      if (state === "authority") {
        rewindAndSetState("hostname");
        tokenIndex += tokenIncrement;
        continue;
      }
      changeState("done", 0);
      break;
    }
    if (isGroupOpen()) {
      groupDepth++;
      tokenIndex += tokenIncrement;
      continue;
    }
    if (groupDepth > 0) {
      if (isGroupClose()) {
        groupDepth--;
      } else {
        tokenIndex += tokenIncrement;
        continue;
      }
    }
    switch (state) {
      case "init":
        if (isProtocolSuffix()) rewindAndSetState("protocol");
        break;
      case "protocol":
        if (isProtocolSuffix()) {
          computeProtocolMatchesSpecialScheme();
          let nextState = "pathname";
          let skip = 1;
          if (nextIsAuthoritySlashes()) {
            nextState = "authority";
            skip = 3;
          } else if (protocolIsSpecial) {
            nextState = "authority";
          }
          changeState(nextState, skip);
        }
        break;
      case "authority":
        if (isIdentityTerminator()) rewindAndSetState("username");
        else if (isPathnameStart() || isSearchPrefix() || isHashPrefix()) rewindAndSetState("hostname");
        break;
      case "username":
        if (isPasswordPrefix()) changeState("password", 1);
        else if (isIdentityTerminator()) changeState("hostname", 1);
        break;
      case "password":
        if (isIdentityTerminator()) changeState("hostname", 1);
        break;
      case "hostname":
        if (isIPv6Open()) ipv6Depth++;
        else if (isIPv6Close()) ipv6Depth--;
        else if (isPortPrefix() && ipv6Depth === 0) changeState("port", 1);
        else if (isPathnameStart()) changeState("pathname", 0);
        else if (isSearchPrefix()) changeState("search", 1);
        else if (isHashPrefix()) changeState("hash", 1);
        break;
      case "port":
        if (isPathnameStart()) changeState("pathname", 0);
        else if (isSearchPrefix()) changeState("search", 1);
        else if (isHashPrefix()) changeState("hash", 1);
        break;
      case "pathname":
        if (isSearchPrefix()) changeState("search", 1);
        else if (isHashPrefix()) changeState("hash", 1);
        break;
      case "search":
        if (isHashPrefix()) changeState("hash", 1);
        break;
      default:
        break;
    }
    tokenIndex += tokenIncrement;
  }
  if (result.hostname !== undefined && result.port === undefined) result.port = "";
  return result;
}

// ---- WebIDL conversions ----------------------------------------------------------------------------

const initMembers = ["baseURL", "hash", "hostname", "password", "pathname", "port", "protocol", "search", "username"];

function toInit(value, context) {
  const init = { __proto__: null };
  if (value === undefined || value === null) return init;
  if (typeof value !== "object" && typeof value !== "function") {
    throw new TypeErrorCtor(`${context}: the input is not a string or a URLPatternInit dictionary.`);
  }
  for (let i = 0; i < initMembers.length; i++) {
    const member = value[initMembers[i]];
    if (member !== undefined) init[initMembers[i]] = toUSVString(member);
  }
  return init;
}

const isDictionaryInput = (v) => v === undefined || v === null || typeof v === "object" || typeof v === "function";

// The input as the result's `inputs` holds it: the string, or a plain object of present members.
function initAsObject(init) {
  const out = {};
  for (let i = 0; i < initMembers.length; i++) {
    const name = initMembers[i];
    if (init[name] !== undefined) out[name] = init[name];
  }
  return out;
}

// ---- URLPattern ----------------------------------------------------------------------------------------

function createPattern(input, baseURL, ignoreCase) {
  let init;
  if (!isDictionaryInput(input)) {
    const string = toUSVString(input);
    init = parseConstructorString(string);
    if (baseURL === null && init.protocol === undefined) {
      throw fail(`the relative pattern "${string}" needs a base URL.`);
    }
    if (baseURL !== null) init.baseURL = baseURL;
  } else {
    if (baseURL !== null) throw fail("a base URL cannot be given with a URLPatternInit dictionary.");
    init = toInit(input, "Failed to construct 'URLPattern'");
  }
  const processed = processInit(init, "pattern", { __proto__: null });
  for (let i = 0; i < componentNames.length; i++) {
    if (processed[componentNames[i]] === undefined) processed[componentNames[i]] = "*";
  }
  if (isSpecialScheme(processed.protocol) && processed.port === specialPorts[processed.protocol]) {
    processed.port = "";
  }
  const pattern = { __proto__: null };
  pattern.protocol = compileComponent(processed.protocol, canonicalizeProtocol, defaultOptions);
  pattern.username = compileComponent(processed.username, canonicalizeUsername, defaultOptions);
  pattern.password = compileComponent(processed.password, canonicalizePassword, defaultOptions);
  const literalProtocol = pattern.protocol.names.length === 0 && pattern.protocol.pattern === processed.protocol
    ? processed.protocol : undefined;
  pattern.hostname = hostnameIsIPv6(processed.hostname)
    ? compileComponent(processed.hostname, canonicalizeIPv6Hostname, hostnameOptions)
    : compileComponent(processed.hostname, (v) => canonicalizeHostname(v, literalProtocol), hostnameOptions);
  pattern.port = compileComponent(processed.port, canonicalizePort, defaultOptions);
  const compileOptions = { delimiter: "", prefix: "", ignoreCase };
  if (protocolMatchesSpecialScheme(pattern.protocol)) {
    pattern.pathname = compileComponent(processed.pathname, canonicalizePathname,
      { delimiter: "/", prefix: "/", ignoreCase });
  } else {
    pattern.pathname = compileComponent(processed.pathname, canonicalizeOpaquePathname, compileOptions);
  }
  pattern.search = compileComponent(processed.search, canonicalizeSearch, compileOptions);
  pattern.hash = compileComponent(processed.hash, canonicalizeHash, compileOptions);
  return pattern;
}

function componentResult(component, input, execResult) {
  const groups = {};
  for (let i = 1; i < execResult.length; i++) {
    // A data property even for a group named "__proto__".
    ObjectDefineProperty(groups, component.names[i - 1], {
      value: execResult[i], writable: true, enumerable: true, configurable: true,
    });
  }
  return { input, groups };
}

function match(pattern, input, baseURLString, method) {
  const values = { protocol: "", username: "", password: "", hostname: "", port: "", pathname: "", search: "", hash: "" };
  const inputs = [];
  if (isDictionaryInput(input)) {
    if (baseURLString !== undefined) {
      throw new TypeErrorCtor(`Failed to execute '${method}' on 'URLPattern': a base URL cannot be given with a URLPatternInit dictionary.`);
    }
    const init = toInit(input, `Failed to execute '${method}' on 'URLPattern'`);
    ArrayAppend(inputs, initAsObject(init));
    let applied;
    try {
      applied = processInit(init, "url", values);
    } catch {
      return null;
    }
    for (let i = 0; i < componentNames.length; i++) values[componentNames[i]] = applied[componentNames[i]];
  } else {
    const string = toUSVString(input);
    ArrayAppend(inputs, string);
    let base;
    if (baseURLString !== undefined) {
      const baseString = toUSVString(baseURLString);
      if (tryParseURL(baseString) === null) return null;
      base = baseString;
      ArrayAppend(inputs, baseString);
    }
    const url = tryParseURL(string, base);
    if (url === null) return null;
    values.protocol = StringPrototypeSlice(U.protocol.get(url), 0, -1);
    values.username = U.username.get(url);
    values.password = U.password.get(url);
    values.hostname = U.hostname.get(url);
    values.port = U.port.get(url);
    values.pathname = U.pathname.get(url);
    values.search = StringPrototypeSlice(U.search.get(url), 1);
    values.hash = StringPrototypeSlice(U.hash.get(url), 1);
  }
  const execResults = { __proto__: null };
  for (let i = 0; i < componentNames.length; i++) {
    const name = componentNames[i];
    const r = RegExpPrototypeExec(pattern[name].regexp, values[name]);
    if (r === null) return null;
    execResults[name] = r;
  }
  const result = { inputs };
  for (let i = 0; i < componentNames.length; i++) {
    const name = componentNames[i];
    result[name] = componentResult(pattern[name], values[name], execResults[name]);
  }
  return result;
}

function toOptions(value, context) {
  if (value === undefined || value === null) return false;
  if (typeof value !== "object" && typeof value !== "function") {
    throw new TypeErrorCtor(`${context}: the options are not a URLPatternOptions dictionary.`);
  }
  return !!value.ignoreCase;
}

let patternOf;

class URLPattern {
  #pattern;

  constructor(input = undefined, baseURL = undefined, options = undefined) {
    const context = "Failed to construct 'URLPattern'";
    let base = null;
    let opts;
    // Overloads: (input, baseURL, options) when the second argument is not a dictionary,
    // otherwise (input, options).
    if (arguments.length >= 2 && !isDictionaryInput(baseURL)) {
      base = toUSVString(baseURL);
      opts = options;
    } else {
      opts = baseURL;
    }
    this.#pattern = createPattern(input, base, toOptions(opts, context));
  }

  get protocol() { return patternOf(this, "protocol").pattern; }
  get username() { return patternOf(this, "username").pattern; }
  get password() { return patternOf(this, "password").pattern; }
  get hostname() { return patternOf(this, "hostname").pattern; }
  get port() { return patternOf(this, "port").pattern; }
  get pathname() { return patternOf(this, "pathname").pattern; }
  get search() { return patternOf(this, "search").pattern; }
  get hash() { return patternOf(this, "hash").pattern; }
  get hasRegExpGroups() {
    for (let i = 0; i < componentNames.length; i++) {
      if (patternOf(this, componentNames[i]).hasRegExpGroups) return true;
    }
    return false;
  }

  test(input = undefined, baseURL = undefined) {
    patternOf(this, "protocol");
    return match(this.#pattern, input, baseURL, "test") !== null;
  }

  exec(input = undefined, baseURL = undefined) {
    patternOf(this, "protocol");
    return match(this.#pattern, input, baseURL, "exec");
  }

  static {
    patternOf = (self, name) => {
      if (typeof self !== "object" || self === null || !(#pattern in self)) {
        throw new TypeErrorCtor("Illegal invocation: 'this' is not a URLPattern.");
      }
      return self.#pattern[name];
    };
  }
}
makeEnumerable(URLPattern, ["protocol", "username", "password", "hostname", "port", "pathname", "search",
  "hash", "hasRegExpGroups", "test", "exec"]);
setToStringTag(URLPattern, "URLPattern");

exports.URLPattern = URLPattern;
