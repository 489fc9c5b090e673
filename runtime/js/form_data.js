"use strict";
// XMLHttpRequest Standard's FormData, and its two wire formats for bodies:
// multipart/form-data (serialised with a random boundary, parsed by request.formData()) and
// application/x-www-form-urlencoded.

const {
  ArrayAppend, ArrayPrototypeSplice, MathMin, String: StringCtor, StringPrototypeCharCodeAt,
  StringPrototypeIndexOf, StringPrototypeSlice, StringPrototypeToLowerCase, StringPrototypeTrim,
  TypeError: TypeErrorCtor, Uint8Array: Uint8ArrayCtor, TypedArrayPrototypeSet, TypedArrayPrototypeSubarray,
  makeEnumerable,
} = internal.primordials;
const ops = internal.ops;
const encoding = internal.require("encoding");
const urlMod = internal.require("url");
const blob = internal.require("blob");
const { toUSVString, definePairIterable } = internal.require("util");

// An entry's value is a string or a File.
function entryValue(value, filename, argc, ctx) {
  if (blob.isBlob(value)) {
    if (argc < 3 && blob.isFile(value)) return value;
    const name = argc >= 3 && filename !== undefined ? toUSVString(filename) : (blob.isFile(value) ? value.name : "blob");
    const lastModified = blob.isFile(value) ? value.lastModified : undefined;
    return blob.makeFile(blob.blobBytes(value), name, blob.blobType(value), lastModified);
  }
  if (argc >= 3) throw new TypeErrorCtor(`${ctx}: parameter 2 is not of type 'Blob'.`);
  return toUSVString(value);
}

let FD;
class FormData {
  #list = [];

  constructor(form = undefined) {
    if (form !== undefined) {
      throw new TypeErrorCtor("Failed to construct 'FormData': parameter 1 is not of type 'HTMLFormElement' (there are no forms in Workers).");
    }
  }

  append(name, value, filename = undefined) {
    const ctx = "Failed to execute 'append' on 'FormData'";
    const list = fdList(this, "append");
    if (arguments.length < 2) throw new TypeErrorCtor(`${ctx}: 2 arguments required, but only ${arguments.length} present.`);
    ArrayAppend(list, [toUSVString(name), entryValue(value, filename, arguments.length, ctx)]);
  }

  delete(name) {
    const list = fdList(this, "delete");
    const key = toUSVString(name);
    for (let i = list.length - 1; i >= 0; i--) if (list[i][0] === key) ArrayPrototypeSplice(list, i, 1);
  }

  get(name) {
    const list = fdList(this, "get");
    const key = toUSVString(name);
    for (let i = 0; i < list.length; i++) if (list[i][0] === key) return list[i][1];
    return null;
  }

  getAll(name) {
    const list = fdList(this, "getAll");
    const key = toUSVString(name);
    const out = [];
    for (let i = 0; i < list.length; i++) if (list[i][0] === key) ArrayAppend(out, list[i][1]);
    return out;
  }

  has(name) {
    const list = fdList(this, "has");
    const key = toUSVString(name);
    for (let i = 0; i < list.length; i++) if (list[i][0] === key) return true;
    return false;
  }

  set(name, value, filename = undefined) {
    const ctx = "Failed to execute 'set' on 'FormData'";
    const list = fdList(this, "set");
    if (arguments.length < 2) throw new TypeErrorCtor(`${ctx}: 2 arguments required, but only ${arguments.length} present.`);
    const key = toUSVString(name);
    const entry = [key, entryValue(value, filename, arguments.length, ctx)];
    let found = false;
    for (let i = 0; i < list.length; i++) {
      if (list[i][0] !== key) continue;
      if (!found) { list[i] = entry; found = true; } else { ArrayPrototypeSplice(list, i, 1); i--; }
    }
    if (!found) ArrayAppend(list, entry);
  }

  static {
    FD = { is: (v) => typeof v === "object" && v !== null && #list in v, list: (fd) => fd.#list };
  }
}
function fdList(self, method) {
  if (!FD.is(self)) throw new TypeErrorCtor(`Failed to execute '${method}' on 'FormData': Illegal invocation.`);
  return FD.list(self);
}
makeEnumerable(FormData, ["append", "delete", "get", "getAll", "has", "set"]);
definePairIterable(FormData, "FormData", FD.list, (self) => fdList(self, "entries"));

// ---- multipart/form-data serialisation ---------------------------------------------------------

function escapeName(name) {
  let out = "";
  for (let i = 0; i < name.length; i++) {
    const c = name[i];
    out += c === "\"" ? "%22" : c === "\r" ? "%0D" : c === "\n" ? "%0A" : c;
  }
  return out;
}

function randomBoundary() {
  const bytes = new Uint8ArrayCtor(16);
  ops.randomBytes(bytes);
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
  return out;
}

// -> {bytes: Uint8Array, contentType}
function serializeMultipart(fd) {
  const list = FD.list(fd);
  const boundary = randomBoundary();
  const parts = [];
  let total = 0;
  const add = (bytes) => { ArrayAppend(parts, bytes); total += bytes.length; };
  for (let i = 0; i < list.length; i++) {
    const [name, value] = list[i];
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(name)}"`;
    if (typeof value === "string") {
      add(encoding.utf8Encode(`${head}\r\n\r\n`));
      add(encoding.utf8Encode(value));
    } else {
      const type = blob.blobType(value) || "application/octet-stream";
      head += `; filename="${escapeName(value.name)}"\r\nContent-Type: ${type}\r\n\r\n`;
      add(encoding.utf8Encode(head));
      add(blob.blobBytes(value));
    }
    add(encoding.utf8Encode("\r\n"));
  }
  add(encoding.utf8Encode(`--${boundary}--`));
  const out = new Uint8ArrayCtor(total);
  let offset = 0;
  for (let i = 0; i < parts.length; i++) {
    TypedArrayPrototypeSet(out, parts[i], offset);
    offset += parts[i].length;
  }
  return { bytes: out, contentType: `multipart/form-data; boundary=${boundary}` };
}

// ---- parsing -----------------------------------------------------------------------------------

// Splits a header value like `form-data; name="a"; filename=b` into a lower-cased type and params.
function parseParams(value) {
  const params = { __proto__: null };
  let i = StringPrototypeIndexOf(value, ";");
  const type = StringPrototypeToLowerCase(StringPrototypeTrim(i === -1 ? value : StringPrototypeSlice(value, 0, i)));
  while (i !== -1 && i < value.length) {
    i++;
    while (i < value.length && (value[i] === " " || value[i] === "\t")) i++;
    const eq = StringPrototypeIndexOf(value, "=", i);
    const semi = StringPrototypeIndexOf(value, ";", i);
    if (eq === -1 || (semi !== -1 && semi < eq)) { i = semi; continue; }
    const key = StringPrototypeToLowerCase(StringPrototypeTrim(StringPrototypeSlice(value, i, eq)));
    let j = eq + 1;
    let v = "";
    if (value[j] === "\"") {
      j++;
      while (j < value.length && value[j] !== "\"") {
        if (value[j] === "\\" && j + 1 < value.length) j++;
        v += value[j++];
      }
      const next = StringPrototypeIndexOf(value, ";", j);
      i = next;
    } else {
      const end = StringPrototypeIndexOf(value, ";", j);
      v = StringPrototypeTrim(StringPrototypeSlice(value, j, end === -1 ? value.length : end));
      i = end;
    }
    if (!(key in params)) params[key] = v;
  }
  return { type, params };
}

function indexOfBytes(haystack, needle, from) {
  const n = needle.length;
  const first = needle[0];
  const last = haystack.length - n;
  outer: for (let i = from; i <= last; i++) {
    if (haystack[i] !== first) continue;
    for (let j = 1; j < n; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function malformed(detail) {
  return new TypeErrorCtor(`Failed to parse the body as multipart/form-data: ${detail}.`);
}

function parseMultipart(bytes, boundary) {
  const fd = new FormData();
  const list = FD.list(fd);
  const delimiter = encoding.utf8Encode(`--${boundary}`);
  let pos = indexOfBytes(bytes, delimiter, 0);
  if (pos === -1) throw malformed("the boundary does not appear in the body");
  pos += delimiter.length;
  const crlfcrlf = new Uint8ArrayCtor([13, 10, 13, 10]);
  const nextDelimiter = encoding.utf8Encode(`\r\n--${boundary}`);
  for (;;) {
    // After a delimiter: "--" ends the body, CRLF starts a part.
    if (bytes[pos] === 0x2D && bytes[pos + 1] === 0x2D) return fd;
    while (bytes[pos] === 0x20 || bytes[pos] === 0x09) pos++;
    if (bytes[pos] !== 13 || bytes[pos + 1] !== 10) throw malformed("a boundary is not followed by a line break");
    pos += 2;
    const headerEnd = indexOfBytes(bytes, crlfcrlf, pos);
    let headerText;
    let bodyStart;
    if (headerEnd === -1) throw malformed("a part's headers do not end");
    headerText = encoding.utf8Decode(TypedArrayPrototypeSubarray(bytes, pos, headerEnd));
    bodyStart = headerEnd + 4;
    const end = indexOfBytes(bytes, nextDelimiter, bodyStart);
    if (end === -1) throw malformed("the closing boundary is missing");
    let name = null, filename = null, contentType = null;
    const lines = headerText.split("\r\n");
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      const colon = StringPrototypeIndexOf(line, ":");
      if (colon === -1) continue;
      const key = StringPrototypeToLowerCase(StringPrototypeTrim(StringPrototypeSlice(line, 0, colon)));
      const value = StringPrototypeTrim(StringPrototypeSlice(line, colon + 1));
      if (key === "content-disposition") {
        const { type, params } = parseParams(value);
        if (type !== "form-data") throw malformed("a part's Content-Disposition is not form-data");
        if ("name" in params) name = params.name;
        if ("filename" in params) filename = params.filename;
      } else if (key === "content-type") {
        contentType = value;
      }
    }
    if (name === null) throw malformed("a part has no name in its Content-Disposition header");
    const body = TypedArrayPrototypeSubarray(bytes, bodyStart, end);
    if (filename !== null) {
      const copy = new Uint8ArrayCtor(body.length);
      TypedArrayPrototypeSet(copy, body);
      ArrayAppend(list, [name, blob.makeFile(copy, filename, contentType === null ? "text/plain" : StringPrototypeToLowerCase(contentType))]);
    } else {
      ArrayAppend(list, [name, encoding.utf8Decode(body)]);
    }
    pos = end + nextDelimiter.length;
    if (pos > bytes.length) throw malformed("the body ends early");
  }
}

function parseUrlencoded(bytes) {
  const fd = new FormData();
  const list = FD.list(fd);
  const pairs = urlMod.parseFormUrlencoded(encoding.utf8Decode(bytes));
  for (let i = 0; i < pairs.length; i++) ArrayAppend(list, [pairs[i][0], pairs[i][1]]);
  return fd;
}

// Parse a body (Uint8Array) according to its Content-Type header value (string or null).
function parseFormBody(bytes, contentTypeHeader) {
  const { type, params } = parseParams(contentTypeHeader === null ? "" : contentTypeHeader);
  if (type === "multipart/form-data") {
    const boundary = params.boundary;
    if (boundary === undefined || boundary === "") {
      throw new TypeErrorCtor("Failed to parse the body as multipart/form-data: the Content-Type header has no boundary parameter.");
    }
    return parseMultipart(bytes, boundary);
  }
  if (type === "application/x-www-form-urlencoded") return parseUrlencoded(bytes);
  throw new TypeErrorCtor("Unrecognized Content-Type header value. FormData can only parse the following MIME types: multipart/form-data, application/x-www-form-urlencoded");
}

exports.FormData = FormData;
exports.isFormData = FD.is;
exports.serializeMultipart = serializeMultipart;
exports.parseFormBody = parseFormBody;
