"use strict";
// node:path, node:path/posix and node:path/win32. The working directory of a Worker is "/".

const registry = internal.require("node_registry");

function validateString(value, name) {
  if (typeof value !== "string") throw registry.invalidArgType(name, "of type string", value);
}

// Resolves "." and ".." segments of `segments` (already split); `allowAboveRoot` keeps leading "..".
function normalizeSegments(segments, allowAboveRoot) {
  const out = [];
  for (const seg of segments) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (allowAboveRoot) out.push("..");
    } else {
      out.push(seg);
    }
  }
  return out;
}

function makeFormat(sep) {
  return function format(obj) {
    if (obj === null || typeof obj !== "object") throw registry.invalidArgType("pathObject", "of type object", obj);
    const dir = obj.dir || obj.root;
    const base = obj.base || `${obj.name || ""}${obj.ext ? (obj.ext[0] === "." ? "" : ".") + obj.ext : ""}`;
    if (!dir) return base;
    return dir === obj.root ? `${dir}${base}` : `${dir}${sep}${base}`;
  };
}

// Splits a final path component into [name, ext] the way extname() sees it.
function splitExt(base) {
  const dot = base.lastIndexOf(".");
  if (dot <= 0 || base === "..") return [base, ""];
  return [base.slice(0, dot), base.slice(dot)];
}

// ---- posix -------------------------------------------------------------------------------------

const posix = {
  sep: "/",
  delimiter: ":",
  resolve(...args) {
    let resolved = "";
    let absolute = false;
    for (let i = args.length - 1; i >= -1 && !absolute; i--) {
      const p = i >= 0 ? args[i] : "/";
      validateString(p, `paths[${i}]`);
      if (p.length === 0) continue;
      resolved = `${p}/${resolved}`;
      absolute = p.charCodeAt(0) === 47;
    }
    const norm = normalizeSegments(resolved.split("/"), !absolute).join("/");
    return absolute ? `/${norm}` : norm.length > 0 ? norm : ".";
  },
  normalize(path) {
    validateString(path, "path");
    if (path.length === 0) return ".";
    const absolute = path.charCodeAt(0) === 47;
    const trailing = path.charCodeAt(path.length - 1) === 47;
    let norm = normalizeSegments(path.split("/"), !absolute).join("/");
    if (norm.length === 0) {
      if (absolute) return "/";
      return trailing ? "./" : ".";
    }
    if (trailing) norm += "/";
    return absolute ? `/${norm}` : norm;
  },
  isAbsolute(path) { validateString(path, "path"); return path.length > 0 && path.charCodeAt(0) === 47; },
  join(...args) {
    if (args.length === 0) return ".";
    let joined;
    for (let i = 0; i < args.length; i++) {
      validateString(args[i], "path");
      if (args[i].length > 0) joined = joined === undefined ? args[i] : `${joined}/${args[i]}`;
    }
    return joined === undefined ? "." : posix.normalize(joined);
  },
  relative(from, to) {
    validateString(from, "from");
    validateString(to, "to");
    if (from === to) return "";
    const f = posix.resolve(from).split("/").filter(Boolean);
    const t = posix.resolve(to).split("/").filter(Boolean);
    let i = 0;
    while (i < f.length && i < t.length && f[i] === t[i]) i++;
    return [...f.slice(i).map(() => ".."), ...t.slice(i)].join("/");
  },
  toNamespacedPath(path) { return path; },
  dirname(path) {
    validateString(path, "path");
    if (path.length === 0) return ".";
    const hasRoot = path.charCodeAt(0) === 47;
    let end = -1;
    let matchedSlash = true;
    for (let i = path.length - 1; i >= 1; --i) {
      if (path.charCodeAt(i) === 47) {
        if (!matchedSlash) { end = i; break; }
      } else {
        matchedSlash = false;
      }
    }
    if (end === -1) return hasRoot ? "/" : ".";
    if (hasRoot && end === 1) return "//";
    return path.slice(0, end);
  },
  basename(path, suffix) {
    if (suffix !== undefined) validateString(suffix, "suffix");
    validateString(path, "path");
    let end = path.length;
    while (end > 0 && path.charCodeAt(end - 1) === 47) end--;
    if (end === 0) return "";
    const start = path.lastIndexOf("/", end - 1) + 1;
    let base = path.slice(start, end);
    if (suffix !== undefined && suffix.length > 0 && suffix.length < base.length + 1 && base.endsWith(suffix) && base !== suffix) {
      base = base.slice(0, base.length - suffix.length);
    }
    return base;
  },
  extname(path) {
    validateString(path, "path");
    return splitExt(posix.basename(path))[1];
  },
  format: makeFormat("/"),
  parse(path) {
    validateString(path, "path");
    const ret = { root: "", dir: "", base: "", ext: "", name: "" };
    if (path.length === 0) return ret;
    if (path.charCodeAt(0) === 47) ret.root = "/";
    ret.base = posix.basename(path);
    [ret.name, ret.ext] = splitExt(ret.base);
    let end = path.length;
    while (end > 1 && path.charCodeAt(end - 1) === 47) end--;
    const trimmed = path.slice(0, end);
    const slash = trimmed.lastIndexOf("/");
    if (slash > 0) ret.dir = trimmed.slice(0, slash);
    else if (slash === 0) ret.dir = "/";
    if (ret.base === "" && ret.root) ret.dir = "/";
    return ret;
  },
  matchesGlob(path, pattern) {
    validateString(path, "path");
    validateString(pattern, "pattern");
    return globToRegExp(pattern).test(path);
  },
};

function globToRegExp(pattern) {
  let re = "^";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") {
      if (pattern[i + 1] === "*") { re += ".*"; i++; if (pattern[i + 1] === "/") i++; }
      else re += "[^/]*";
    } else if (c === "?") re += "[^/]";
    else if (c === "[") { const close = pattern.indexOf("]", i); if (close > i) { re += pattern.slice(i, close + 1).replace("[!", "[^"); i = close; } else re += "\\["; }
    else if (c === "{") { const close = pattern.indexOf("}", i); if (close > i) { re += `(?:${pattern.slice(i + 1, close).split(",").map(escapeRe).join("|")})`; i = close; } else re += "\\{"; }
    else re += escapeRe(c);
  }
  return new RegExp(`${re}$`);
}
function escapeRe(s) { return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"); }

// ---- win32 -------------------------------------------------------------------------------------

const isSep = (c) => c === "/" || c === "\\";

// Splits a Windows path into [root ("C:\\", "\\\\server\\share\\", "C:", "\\", ""), rest].
function winRoot(path) {
  if (path.length >= 2 && isSep(path[0]) && isSep(path[1])) {
    const m = /^[\\/]{2}([^\\/]+)[\\/]+([^\\/]+)([\\/]?)/.exec(path);
    if (m) return [`\\\\${m[1]}\\${m[2]}\\`, path.slice(m[0].length), true, ""];
    return ["\\", path.replace(/^[\\/]+/, ""), true, ""];
  }
  if (/^[a-zA-Z]:/.test(path)) {
    const device = path.slice(0, 2);
    if (isSep(path[2])) return [`${device}\\`, path.slice(3), true, device];
    return [device, path.slice(2), false, device];
  }
  if (isSep(path[0])) return ["\\", path.slice(1), true, ""];
  return ["", path, false, ""];
}

const win32 = {
  sep: "\\",
  delimiter: ";",
  resolve(...args) {
    let device = "";
    let tail = "";
    let absolute = false;
    for (let i = args.length - 1; i >= -1; i--) {
      let p;
      if (i >= 0) { p = args[i]; validateString(p, `paths[${i}]`); if (p.length === 0) continue; }
      else if (device.length === 0) p = "\\";
      else p = `${device}\\`;
      const [root, rest, isAbs, dev] = winRoot(p);
      if (dev.length > 0 && device.length > 0 && dev.toLowerCase() !== device.toLowerCase()) continue;
      if (device.length === 0 && (dev.length > 0 || root.startsWith("\\\\"))) device = root.startsWith("\\\\") ? root.slice(0, -1) : dev;
      if (!absolute) {
        tail = `${rest}\\${tail}`;
        absolute = isAbs;
      }
      if (absolute && device.length > 0) break;
    }
    const norm = normalizeSegments(tail.split(/[\\/]+/), !absolute).join("\\");
    const result = device + (absolute ? "\\" : "") + norm;
    return result || ".";
  },
  normalize(path) {
    validateString(path, "path");
    if (path.length === 0) return ".";
    const [root, rest, isAbs] = winRoot(path);
    const trailing = isSep(path[path.length - 1]);
    let tail = normalizeSegments(rest.split(/[\\/]+/), !isAbs).join("\\");
    if (tail.length === 0 && !isAbs) tail = ".";
    if (tail.length > 0 && trailing) tail += "\\";
    return root + tail;
  },
  isAbsolute(path) {
    validateString(path, "path");
    return path.length > 0 && (isSep(path[0]) || /^[a-zA-Z]:[\\/]/.test(path));
  },
  join(...args) {
    if (args.length === 0) return ".";
    let joined;
    for (let i = 0; i < args.length; i++) {
      validateString(args[i], "path");
      if (args[i].length > 0) joined = joined === undefined ? args[i] : `${joined}\\${args[i]}`;
    }
    if (joined === undefined) return ".";
    // A first argument like "\\\\server" must not turn into a UNC root by accident.
    if (!(args[0].length >= 2 && isSep(args[0][0]) && isSep(args[0][1]))) joined = joined.replace(/^[\\/]{2,}/, "\\");
    return win32.normalize(joined);
  },
  relative(from, to) {
    validateString(from, "from");
    validateString(to, "to");
    const f = win32.resolve(from), t = win32.resolve(to);
    if (f.toLowerCase() === t.toLowerCase()) return "";
    const fp = f.split("\\").filter(Boolean), tp = t.split("\\").filter(Boolean);
    if (fp[0].toLowerCase() !== tp[0].toLowerCase()) return t;
    let i = 0;
    while (i < fp.length && i < tp.length && fp[i].toLowerCase() === tp[i].toLowerCase()) i++;
    return [...fp.slice(i).map(() => ".."), ...tp.slice(i)].join("\\");
  },
  toNamespacedPath(path) {
    if (typeof path !== "string" || path.length === 0) return path;
    const resolved = win32.resolve(path);
    if (/^[a-zA-Z]:\\/.test(resolved)) return `\\\\?\\${resolved}`;
    if (resolved.startsWith("\\\\") && resolved[2] !== "?" && resolved[2] !== ".") return `\\\\?\\UNC\\${resolved.slice(2)}`;
    return path;
  },
  dirname(path) {
    validateString(path, "path");
    if (path.length === 0) return ".";
    const [root, rest] = winRoot(path);
    let end = rest.length;
    while (end > 0 && isSep(rest[end - 1])) end--;
    let i = end - 1;
    while (i >= 0 && !isSep(rest[i])) i--;
    if (i < 0) return root.length > 0 ? root : ".";
    while (i > 0 && isSep(rest[i - 1])) i--;
    return root + rest.slice(0, i) || root || ".";
  },
  basename(path, suffix) {
    if (suffix !== undefined) validateString(suffix, "suffix");
    validateString(path, "path");
    const rest = winRoot(path)[1];
    let end = rest.length;
    while (end > 0 && isSep(rest[end - 1])) end--;
    let start = end - 1;
    while (start >= 0 && !isSep(rest[start])) start--;
    let base = rest.slice(start + 1, end);
    if (suffix !== undefined && suffix.length > 0 && base !== suffix && base.toLowerCase().endsWith(suffix.toLowerCase())) {
      base = base.slice(0, base.length - suffix.length);
    }
    return base;
  },
  extname(path) { validateString(path, "path"); return splitExt(win32.basename(path))[1]; },
  format: makeFormat("\\"),
  parse(path) {
    validateString(path, "path");
    const ret = { root: "", dir: "", base: "", ext: "", name: "" };
    if (path.length === 0) return ret;
    const [root] = winRoot(path);
    ret.root = root;
    ret.base = win32.basename(path);
    [ret.name, ret.ext] = splitExt(ret.base);
    ret.dir = ret.base.length === 0 ? root : win32.dirname(path);
    if (ret.dir === "." && root === "") ret.dir = "";
    return ret;
  },
  matchesGlob(path, pattern) {
    validateString(path, "path");
    validateString(pattern, "pattern");
    return globToRegExp(pattern.replace(/\\/g, "/")).test(path.replace(/\\/g, "/"));
  },
};

posix.posix = posix;
posix.win32 = win32;
win32.posix = posix;
win32.win32 = win32;
posix._makeLong = posix.toNamespacedPath;
win32._makeLong = win32.toNamespacedPath;

registry.define("path", () => posix);
registry.define("path/posix", () => posix);
registry.define("path/win32", () => win32);

exports.posix = posix;
exports.win32 = win32;
