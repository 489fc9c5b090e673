// An R2 backend speaking workerd's R2 binding protocol, keeping the bucket in memory (for
// r2-protocol-test). Multipart parts other than the last must be at least kMinPart bytes (R2's
// 5 MiB made test-sized).
const kMinPart = 5;
const objects = new Map();  // key -> {name, version, size, etag, uploaded, httpFields, customFields, checksums, bytes}
const uploads = new Map();  // uploadId -> {key, httpFields, customFields, parts: Map(part -> {etag, bytes})}
let counter = 0;

const enc = new TextEncoder();
const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");

function fail(status, v4code, message, meta) {
  const headers = { "cf-r2-error": JSON.stringify({ version: 1, v4code, message }) };
  if (meta === undefined) return new Response(null, { status, headers });
  const json = enc.encode(JSON.stringify(meta));
  headers["cf-r2-metadata-size"] = `${json.length}`;
  return new Response(json, { status, headers });
}
const noSuchKey = () => fail(404, 10007, "The specified key does not exist.");
const noSuchUpload = () => fail(404, 10024, "The specified multipart upload does not exist.");

function answer(meta, bytes) {
  const json = enc.encode(JSON.stringify(meta));
  const body = new Uint8Array(json.length + (bytes ? bytes.length : 0));
  body.set(json);
  if (bytes) body.set(bytes, json.length);
  return new Response(body, { headers: { "cf-r2-metadata-size": `${json.length}` } });
}

function describe(o, http = true, custom = true) {
  const { bytes, ...meta } = o;
  if (!http) delete meta.httpFields;
  if (!custom) delete meta.customFields;
  return meta;
}

function holds(cond, o) {
  if (!cond) return true;
  const match = (list) => list.some((e) => e.type === "wildcard" || e.value === o.etag);
  if (cond.etagMatches && !match(cond.etagMatches)) return false;
  if (cond.etagDoesNotMatch && match(cond.etagDoesNotMatch)) return false;
  if (cond.uploadedBefore !== undefined && o.uploaded > Number(cond.uploadedBefore)) return false;
  if (cond.uploadedAfter !== undefined && o.uploaded <= Number(cond.uploadedAfter)) return false;
  return true;
}

async function store(key, bytes, fields, etag, checksums) {
  const o = {
    name: key, version: `v${++counter}`, size: bytes.length, etag, uploaded: Date.now(),
    httpFields: fields.httpFields || {}, customFields: fields.customFields || [], checksums, bytes,
  };
  objects.set(key, o);
  return o;
}

export default {
  async fetch(request) {
    let req;
    let value = null;
    if (request.method === "GET") {
      req = JSON.parse(request.headers.get("cf-r2-request"));
    } else {
      const all = new Uint8Array(await request.arrayBuffer());
      const size = Number(request.headers.get("cf-r2-metadata-size"));
      req = JSON.parse(new TextDecoder().decode(all.subarray(0, size)));
      value = all.slice(size);
    }
    const o = objects.get(req.object);
    switch (req.method) {
      case "head":
        return o ? answer(describe(o)) : noSuchKey();
      case "get": {
        if (!o) return noSuchKey();
        if (!holds(req.onlyIf, o)) return fail(412, 10031, "At least one of the pre-conditions you specified did not hold.", describe(o));
        let offset = 0;
        let length = o.size;
        if (req.range) {
          if (req.range.suffix !== undefined) {
            length = Math.min(Number(req.range.suffix), o.size);
            offset = o.size - length;
          } else {
            offset = Number(req.range.offset || 0);
            length = Math.min(req.range.length === undefined ? o.size : Number(req.range.length), o.size - offset);
          }
        } else if (req.rangeHeader) {
          const [, a, b] = /^bytes=(\d+)-(\d+)$/.exec(req.rangeHeader);
          offset = Number(a);
          length = Number(b) - offset + 1;
        }
        if (offset > o.size) return fail(416, 10039, "The requested range is not satisfiable");
        return answer({ ...describe(o), range: { offset, length } }, o.bytes.subarray(offset, offset + length));
      }
      case "put": {
        if (req.onlyIf && (o ? !holds(req.onlyIf, o) : req.onlyIf.etagMatches)) {
          return fail(412, 10031, "At least one of the pre-conditions you specified did not hold.");
        }
        const md5 = hex(await crypto.subtle.digest("MD5", value));
        if (req.md5 !== undefined && hex(Uint8Array.from(atob(req.md5), (c) => c.charCodeAt(0))) !== md5) {
          return fail(400, 10037, "The Content-MD5 you specified did not match what we received.");
        }
        return answer(describe(await store(req.object, value, req, md5, { 0: md5 })));
      }
      case "delete":
        for (const key of req.objects || [req.object]) objects.delete(key);
        return answer({});
      case "list": {
        const include = req.include || [];
        const limit = req.limit === undefined ? 1000 : req.limit;
        const after = req.cursor || req.startAfter || "";
        const keys = [...objects.keys()].filter((k) => k.startsWith(req.prefix || "") && k > after).sort();
        const out = [];
        const prefixes = [];
        let last;
        for (const key of keys) {
          const at = req.delimiter ? key.indexOf(req.delimiter, (req.prefix || "").length) : -1;
          const group = at === -1 ? null : key.slice(0, at + req.delimiter.length);
          if (group !== null && prefixes.includes(group)) { last = key; continue; }
          if (out.length + prefixes.length >= limit) {
            return answer({ objects: out, truncated: true, cursor: last, delimitedPrefixes: prefixes });
          }
          if (group !== null) prefixes.push(group);
          else out.push(describe(objects.get(key), include.includes(0), include.includes(1)));
          last = key;
        }
        return answer({ objects: out, truncated: false, delimitedPrefixes: prefixes });
      }
      case "createMultipartUpload": {
        const uploadId = `upload-${++counter}`;
        uploads.set(uploadId, { key: req.object, httpFields: req.httpFields, customFields: req.customFields, parts: new Map() });
        return answer({ uploadId });
      }
      case "uploadPart": {
        const upload = uploads.get(req.uploadId);
        if (!upload || upload.key !== req.object) return noSuchUpload();
        const etag = `part-${++counter}`;
        upload.parts.set(req.partNumber, { etag, bytes: value });
        return answer({ etag });
      }
      case "completeMultipartUpload": {
        const upload = uploads.get(req.uploadId);
        if (!upload || upload.key !== req.object) return noSuchUpload();
        const parts = [...req.parts].sort((a, b) => a.part - b.part).map(({ part, etag }) => {
          const stored = upload.parts.get(part);
          return stored && stored.etag === etag ? stored : null;
        });
        if (parts.includes(null)) return fail(400, 10025, "One or more of the specified parts could not be found.");
        if (parts.slice(0, -1).some((p) => p.bytes.length < kMinPart)) {
          return fail(400, 10011, "Your proposed upload is smaller than the minimum allowed object size.");
        }
        const bytes = new Uint8Array(parts.reduce((n, p) => n + p.bytes.length, 0));
        const digests = new Uint8Array(parts.length * 16);
        let at = 0;
        for (const [i, p] of parts.entries()) {
          bytes.set(p.bytes, at);
          at += p.bytes.length;
          digests.set(new Uint8Array(await crypto.subtle.digest("MD5", p.bytes)), i * 16);
        }
        uploads.delete(req.uploadId);
        const etag = `${hex(await crypto.subtle.digest("MD5", digests))}-${parts.length}`;
        return answer(describe(await store(req.object, bytes, upload, etag, {})));
      }
      case "abortMultipartUpload":
        if (!uploads.delete(req.uploadId)) return noSuchUpload();
        return answer({});
      default:
        return fail(400, 10029, "Metadata missing or invalid");
    }
  },
};
