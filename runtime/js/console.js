"use strict";
// console: Node-like formatting (printf-style specifiers, inspect of objects) printed via
// ops.print(level, text).

const {
  ArrayIsArray, ArrayPrototypeJoin, ArrayAppend, DatePrototypeGetTime, DatePrototypeToISOString,
  ErrorPrototypeToString, FunctionPrototypeToString, JSONStringify, MapPrototypeGetSize, Map: MapCtor,
  MapPrototypeGet, MapPrototypeSet, MapPrototypeDelete, NumberIsNaN, NumberParseFloat, NumberParseInt,
  ObjectGetOwnPropertyNames, ObjectGetOwnPropertySymbols, ObjectGetPrototypeOf, ObjectIs, ObjectKeys,
  ObjectPrototypeHasOwnProperty, ObjectPrototypePropertyIsEnumerable, ObjectPrototypeToString,
  ReflectGetOwnPropertyDescriptor, RegExpPrototypeToString, SafeMapEntries, SetPrototypeGetSize,
  SetPrototypeValues, SetIteratorPrototypeNext, String: StringCtor, StringPrototypeIncludes,
  StringPrototypeRepeat, StringPrototypeReplace, StringPrototypeSlice, StringPrototypeSplit,
  StringPrototypeCharCodeAt, SymbolPrototypeToString, TypedArrayPrototypeGetSymbolToStringTag,
  TypedArrayPrototypeGetLength, ArrayBufferPrototypeGetByteLength, Uint8Array: Uint8ArrayCtor,
  PromisePrototype, NumberPrototypeToString, DataView: DataViewCtor, Error: ErrorCtor,
  WeakMapPrototype, WeakSetPrototype, MathMax, BigIntPrototypeToString, ReflectApply,
} = internal.primordials;
const ops = internal.ops;

const kInspect = Symbol.for("nodejs.util.inspect.custom");
const kBreakLength = 80;

function quote(s) {
  let q = "'";
  if (StringPrototypeIncludes(s, "'")) {
    if (!StringPrototypeIncludes(s, '"')) q = '"';
    else if (!StringPrototypeIncludes(s, "`") && !StringPrototypeIncludes(s, "${")) q = "`";
  }
  let out = q;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    const code = StringPrototypeCharCodeAt(s, i);
    if (c === q || c === "\\") out += "\\" + c;
    else if (c === "\n") out += "\\n";
    else if (c === "\t") out += "\\t";
    else if (c === "\r") out += "\\r";
    else if (code < 0x20 || code === 0x7f) out += "\\x" + StringPrototypeSlice("0" + NumberPrototypeToString(code, 16), -2).toUpperCase();
    else out += c;
  }
  return out + q;
}

function keyString(key) {
  if (typeof key === "symbol") return `[${SymbolPrototypeToString(key)}]`;
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : quote(key);
}

function formatNumber(n) {
  return ObjectIs(n, -0) ? "-0" : `${n}`;
}

function formatPrimitive(value) {
  switch (typeof value) {
    case "string": return quote(value);
    case "number": return formatNumber(value);
    case "bigint": return `${BigIntPrototypeToString(value)}n`;
    case "boolean": return value ? "true" : "false";
    case "undefined": return "undefined";
    case "symbol": return SymbolPrototypeToString(value);
  }
  return "null";
}

function constructorName(obj) {
  let proto = obj;
  while (proto !== null) {
    const desc = ReflectGetOwnPropertyDescriptor(proto, "constructor");
    if (desc !== undefined && typeof desc.value === "function" && desc.value.name !== "") {
      return desc.value.name;
    }
    proto = ObjectGetPrototypeOf(proto);
  }
  return null;
}

function functionDescription(fn) {
  let src = "";
  try { src = FunctionPrototypeToString(fn); } catch { /* revoked proxy etc. */ }
  const name = fn.name;
  if (StringPrototypeSlice(src, 0, 5) === "class") return name ? `[class ${name}]` : "[class (anonymous)]";
  const kind = fn.constructor && fn.constructor.name === "AsyncFunction" ? "AsyncFunction"
    : fn.constructor && fn.constructor.name === "GeneratorFunction" ? "GeneratorFunction"
    : fn.constructor && fn.constructor.name === "AsyncGeneratorFunction" ? "AsyncGeneratorFunction"
    : "Function";
  return name ? `[${kind}: ${name}]` : `[${kind} (anonymous)]`;
}

function formatError(err) {
  let stack;
  try { stack = err.stack; } catch { stack = undefined; }
  if (typeof stack === "string" && stack !== "") return stack;
  try { return `[${ErrorPrototypeToString(err)}]`; } catch { return "[Error]"; }
}

function isError(value) {
  return ObjectPrototypeToString(value) === "[object Error]" || value instanceof ErrorCtor;
}

function reduceToSingle(parts, open, close, indent) {
  if (parts.length === 0) return `${open}${close}`;
  let total = open.length + close.length;
  let multiline = false;
  for (let i = 0; i < parts.length; i++) {
    total += parts[i].length + 2;
    if (StringPrototypeIncludes(parts[i], "\n")) multiline = true;
  }
  if (!multiline && total + indent.length <= kBreakLength) {
    return `${open} ${ArrayPrototypeJoin(parts, ", ")} ${close}`;
  }
  const inner = indent + "  ";
  return `${open}\n${inner}${ArrayPrototypeJoin(parts, `,\n${inner}`)}\n${indent}${close}`;
}

// Node-style inspect. `ctx`: {depth, seen: [], indent, circular: Map}
function formatValue(ctx, value, depth, top) {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) {
    return typeof value === "string" && top ? value : formatPrimitive(value);
  }
  const custom = value[kInspect];
  if (typeof custom === "function" && custom !== inspect) {
    const result = ReflectApply(custom, value, [ctx.depth - depth, { depth: ctx.depth }, inspect]);
    if (result !== value) return typeof result === "string" ? result : formatValue(ctx, result, depth, false);
  }
  for (let i = 0; i < ctx.seen.length; i++) {
    if (ctx.seen[i] === value) {
      let idx = MapPrototypeGet(ctx.circular, value);
      if (idx === undefined) {
        idx = MapPrototypeGetSize(ctx.circular) + 1;
        MapPrototypeSet(ctx.circular, value, idx);
      }
      return `[Circular *${idx}]`;
    }
  }
  ArrayAppend(ctx.seen, value);
  try {
    const out = formatRaw(ctx, value, depth);
    const idx = MapPrototypeGet(ctx.circular, value);
    return idx !== undefined ? `<ref *${idx}> ${out}` : out;
  } finally {
    ctx.seen.length--;
  }
}

function ownEntries(ctx, value, depth, skipIndices) {
  const parts = [];
  const keys = ObjectKeys(value);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (skipIndices && /^(0|[1-9][0-9]*)$/.test(key)) continue;
    ArrayAppend(parts, formatProperty(ctx, value, key, depth));
  }
  const symbols = ObjectGetOwnPropertySymbols(value);
  for (let i = 0; i < symbols.length; i++) {
    if (ObjectPrototypePropertyIsEnumerable(value, symbols[i])) {
      ArrayAppend(parts, formatProperty(ctx, value, symbols[i], depth));
    }
  }
  return parts;
}

function formatProperty(ctx, obj, key, depth) {
  const desc = ReflectGetOwnPropertyDescriptor(obj, key);
  let shown;
  if (desc.get !== undefined || desc.set !== undefined) {
    shown = desc.get && desc.set ? "[Getter/Setter]" : desc.get ? "[Getter]" : "[Setter]";
  } else {
    shown = formatValue(ctx, desc.value, depth + 1, false);
  }
  return `${keyString(key)}: ${shown}`;
}

function prefixFor(value, fallback, size) {
  const name = constructorName(value);
  const sz = size === undefined ? "" : `(${size})`;
  if (name === null) return `[${fallback}${sz}: null prototype] `;
  if (name === fallback) return fallback === "Object" ? "" : `${fallback}${sz} `;
  return `${name}${sz} `;
}

function formatRaw(ctx, value, depth) {
  const indent = StringPrototypeRepeat("  ", ctx.indentLevel);
  if (typeof value === "function") {
    const base = functionDescription(value);
    const keys = ObjectKeys(value);
    if (keys.length === 0) return base;
    if (depth > ctx.depth) return base;
    ctx.indentLevel++;
    try { return reduceToSingle(ownEntries(ctx, value, depth, false), `${base} {`, "}", indent); }
    finally { ctx.indentLevel--; }
  }
  if (isError(value)) {
    const base = formatError(value);
    return base;
  }
  const tag = ObjectPrototypeToString(value);
  if (ArrayIsArray(value)) {
    if (depth > ctx.depth) return "[Array]";
    const parts = [];
    const len = value.length;
    const shown = len > 100 ? 100 : len;
    let holes = 0;
    ctx.indentLevel++;
    try {
      for (let i = 0; i < shown; i++) {
        if (!ObjectPrototypeHasOwnProperty(value, i)) { holes++; continue; }
        if (holes) { ArrayAppend(parts, `<${holes} empty item${holes > 1 ? "s" : ""}>`); holes = 0; }
        ArrayAppend(parts, formatValue(ctx, value[i], depth + 1, false));
      }
      if (holes) ArrayAppend(parts, `<${holes} empty item${holes > 1 ? "s" : ""}>`);
      if (len > shown) ArrayAppend(parts, `... ${len - shown} more item${len - shown > 1 ? "s" : ""}`);
      const extra = ownEntries(ctx, value, depth, true);
      for (let i = 0; i < extra.length; i++) ArrayAppend(parts, extra[i]);
    } finally { ctx.indentLevel--; }
    const prefix = prefixFor(value, "Array", len);
    return reduceToSingle(parts, `${prefix === "Array(" + len + ") " ? "" : prefix}[`, "]", indent);
  }
  const typedTag = TypedArrayPrototypeGetSymbolToStringTag(value);
  if (typedTag !== undefined) {
    const len = TypedArrayPrototypeGetLength(value);
    if (depth > ctx.depth) return `[${typedTag}]`;
    const parts = [];
    const shown = len > 100 ? 100 : len;
    for (let i = 0; i < shown; i++) {
      const v = value[i];
      ArrayAppend(parts, typeof v === "bigint" ? `${v}n` : formatNumber(v));
    }
    if (len > shown) ArrayAppend(parts, `... ${len - shown} more item${len - shown > 1 ? "s" : ""}`);
    return reduceToSingle(parts, `${prefixFor(value, typedTag, len)}[`, "]", indent);
  }
  if (tag === "[object ArrayBuffer]") {
    const bytes = new Uint8ArrayCtor(value);
    let hex = "";
    const n = bytes.length > 50 ? 50 : bytes.length;
    for (let i = 0; i < n; i++) hex += (i ? " " : "") + StringPrototypeSlice("0" + NumberPrototypeToString(bytes[i], 16), -2);
    if (bytes.length > n) hex += ` ... ${bytes.length - n} more byte${bytes.length - n > 1 ? "s" : ""}`;
    return `ArrayBuffer { [Uint8Contents]: <${hex}>, byteLength: ${bytes.length} }`;
  }
  if (tag === "[object Date]") {
    const t = DatePrototypeGetTime(value);
    return NumberIsNaN(t) ? "Invalid Date" : DatePrototypeToISOString(value);
  }
  if (tag === "[object RegExp]") return RegExpPrototypeToString(value);
  if (tag === "[object Map]") {
    const size = MapPrototypeGetSize(value);
    if (depth > ctx.depth) return "[Map]";
    const entries = SafeMapEntries(value);
    const parts = [];
    ctx.indentLevel++;
    try {
      for (let i = 0; i < entries.length; i++) {
        ArrayAppend(parts, `${formatValue(ctx, entries[i][0], depth + 1, false)} => ${formatValue(ctx, entries[i][1], depth + 1, false)}`);
      }
    } finally { ctx.indentLevel--; }
    return reduceToSingle(parts, `${prefixFor(value, "Map", size)}{`, "}", indent);
  }
  if (tag === "[object Set]") {
    const size = SetPrototypeGetSize(value);
    if (depth > ctx.depth) return "[Set]";
    const it = SetPrototypeValues(value);
    const parts = [];
    ctx.indentLevel++;
    try {
      for (;;) {
        const r = SetIteratorPrototypeNext(it);
        if (r.done) break;
        ArrayAppend(parts, formatValue(ctx, r.value, depth + 1, false));
      }
    } finally { ctx.indentLevel--; }
    return reduceToSingle(parts, `${prefixFor(value, "Set", size)}{`, "}", indent);
  }
  if (tag === "[object Promise]") return "Promise { <unknown> }";
  if (tag === "[object WeakMap]") return "WeakMap { <items unknown> }";
  if (tag === "[object WeakSet]") return "WeakSet { <items unknown> }";
  if (tag === "[object Boolean]" || tag === "[object Number]" || tag === "[object String]") {
    return `[${tag.slice(8, -1)}: ${formatPrimitive(value.valueOf())}]`;
  }
  const name = constructorName(value);
  const prefix = name === null ? "[Object: null prototype] " : name === "Object" ? "" : `${name} `;
  if (depth > ctx.depth) return `[${name === null ? "Object: null prototype" : name}]`;
  ctx.indentLevel++;
  let parts;
  try { parts = ownEntries(ctx, value, depth, false); } finally { ctx.indentLevel--; }
  return reduceToSingle(parts, `${prefix}{`, "}", indent);
}

function inspect(value, options = undefined) {
  const depth = options && typeof options.depth === "number" ? options.depth
    : options && options.depth === null ? Infinity : 2;
  const ctx = { depth, seen: [], circular: new MapCtor(), indentLevel: 0 };
  return formatValue(ctx, value, 0, false);
}

function formatArgs(args) {
  let out = "";
  let start = 0;
  if (typeof args[0] === "string" && args.length > 1) {
    const fmt = args[0];
    let argIndex = 1;
    let last = 0;
    let result = "";
    for (let i = 0; i < fmt.length - 1; i++) {
      if (fmt[i] !== "%") continue;
      const c = fmt[i + 1];
      let rep;
      if (c === "%") { result += StringPrototypeSlice(fmt, last, i) + "%"; last = i + 2; i++; continue; }
      if (argIndex >= args.length) continue;
      const arg = args[argIndex];
      switch (c) {
        case "s":
          rep = typeof arg === "string" ? arg
            : typeof arg === "bigint" ? `${arg}n`
            : typeof arg === "object" && arg !== null ? inspect(arg, { depth: 1 })
            : formatPrimitive(arg);
          if (typeof arg === "symbol" || typeof arg === "number" || typeof arg === "boolean" || arg == null) rep = formatPrimitive(arg);
          break;
        case "d": case "i":
          rep = typeof arg === "bigint" ? `${arg}n` : typeof arg === "symbol" ? "NaN"
            : formatNumber(c === "i" ? NumberParseInt(arg) : +arg);
          break;
        case "f": rep = typeof arg === "symbol" ? "NaN" : formatNumber(NumberParseFloat(arg)); break;
        case "j": try { rep = JSONStringify(arg); } catch { rep = "[Circular]"; } break;
        case "o": case "O": rep = inspect(arg, { depth: c === "o" ? 4 : 2 }); break;
        case "c": rep = ""; break;
        default: continue;
      }
      result += StringPrototypeSlice(fmt, last, i) + rep;
      last = i + 2;
      i++;
      argIndex++;
    }
    out = result + StringPrototypeSlice(fmt, last);
    start = argIndex;
    for (let i = start; i < args.length; i++) {
      out += " " + (typeof args[i] === "string" ? args[i] : inspect(args[i]));
    }
    return out;
  }
  for (let i = 0; i < args.length; i++) {
    if (i) out += " ";
    out += typeof args[i] === "string" ? args[i] : inspect(args[i]);
  }
  return out;
}

let groupIndent = "";
function print(level, args) {
  let text = formatArgs(args);
  if (groupIndent !== "") {
    text = groupIndent + ArrayPrototypeJoin(StringPrototypeSplit(text, "\n"), "\n" + groupIndent);
  }
  ops.print(level, text);
}

const counts = new MapCtor();
const timers = new MapCtor();

function label(value) { return value === undefined ? "default" : `${value}`; }

function tableText(data, properties) {
  if (data === null || typeof data !== "object") return formatArgs([data]);
  const rowKeys = ArrayIsArray(data) ? null : ObjectKeys(data);
  const rows = [];
  const columns = [];
  let hasValues = false;
  const indexes = rowKeys ?? ObjectKeys(data);
  for (let r = 0; r < indexes.length; r++) {
    const row = data[indexes[r]];
    const cells = { __proto__: null };
    if (row !== null && typeof row === "object") {
      const keys = properties ?? ObjectKeys(row);
      for (let k = 0; k < keys.length; k++) {
        const key = keys[k];
        if (!columns.includes(key)) ArrayAppend(columns, key);
        if (ObjectPrototypeHasOwnProperty(row, key)) cells[key] = formatValue({ depth: 0, seen: [], circular: new MapCtor(), indentLevel: 0 }, row[key], 1, false);
      }
    } else {
      hasValues = true;
      cells["\u0000Values"] = formatPrimitive(row);
    }
    ArrayAppend(rows, [`${indexes[r]}`, cells]);
  }
  const header = ["(index)"];
  for (let i = 0; i < columns.length; i++) ArrayAppend(header, `${columns[i]}`);
  if (hasValues) ArrayAppend(header, "Values");
  const matrix = [header];
  for (let i = 0; i < rows.length; i++) {
    const line = [rows[i][0]];
    for (let c = 0; c < columns.length; c++) ArrayAppend(line, rows[i][1][columns[c]] ?? "");
    if (hasValues) ArrayAppend(line, rows[i][1]["\u0000Values"] ?? "");
    ArrayAppend(matrix, line);
  }
  const widths = [];
  for (let c = 0; c < header.length; c++) {
    let w = 0;
    for (let r = 0; r < matrix.length; r++) w = MathMax(w, matrix[r][c].length);
    ArrayAppend(widths, w + 2);
  }
  const center = (s, w) => {
    const left = (w - s.length) >> 1;
    return StringPrototypeRepeat(" ", left) + s + StringPrototypeRepeat(" ", w - s.length - left);
  };
  const rule = (l, m, r) => {
    const segs = [];
    for (let c = 0; c < widths.length; c++) ArrayAppend(segs, StringPrototypeRepeat("\u2500", widths[c]));
    return l + ArrayPrototypeJoin(segs, m) + r;
  };
  const renderRow = (cells) => {
    const segs = [];
    for (let c = 0; c < widths.length; c++) ArrayAppend(segs, center(cells[c], widths[c]));
    return "\u2502" + ArrayPrototypeJoin(segs, "\u2502") + "\u2502";
  };
  const lines = [rule("\u250c", "\u252c", "\u2510"), renderRow(matrix[0]), rule("\u251c", "\u253c", "\u2524")];
  for (let r = 1; r < matrix.length; r++) ArrayAppend(lines, renderRow(matrix[r]));
  ArrayAppend(lines, rule("\u2514", "\u2534", "\u2518"));
  return ArrayPrototypeJoin(lines, "\n");
}

const consoleObject = {
  log(...args) { print("log", args); },
  info(...args) { print("info", args); },
  debug(...args) { print("debug", args); },
  warn(...args) { print("warn", args); },
  error(...args) { print("error", args); },
  trace(...args) {
    const err = { name: "Trace", message: formatArgs(args) };
    ErrorCtor.captureStackTrace(err, consoleObject.trace);
    ops.print("error", groupIndent + err.stack);
  },
  assert(condition, ...args) {
    if (condition) return;
    if (args.length === 0) print("error", ["Assertion failed"]);
    else if (typeof args[0] === "string") { args[0] = `Assertion failed: ${args[0]}`; print("error", args); }
    else print("error", ["Assertion failed:", ...args]);
  },
  dir(value, options = undefined) { ops.print("log", groupIndent + inspect(value, options)); },
  dirxml(...args) { print("log", args); },
  table(data, properties = undefined) {
    ops.print("log", tableText(data, properties));
  },
  count(name = undefined) {
    const key = label(name);
    const n = (MapPrototypeGet(counts, key) ?? 0) + 1;
    MapPrototypeSet(counts, key, n);
    print("info", [`${key}: ${n}`]);
  },
  countReset(name = undefined) {
    const key = label(name);
    if (MapPrototypeGet(counts, key) === undefined) print("warn", [`Count for '${key}' does not exist`]);
    else MapPrototypeSet(counts, key, 0);
  },
  group(...args) { if (args.length) print("log", args); groupIndent += "  "; },
  groupCollapsed(...args) { if (args.length) print("log", args); groupIndent += "  "; },
  groupEnd() { groupIndent = StringPrototypeSlice(groupIndent, 0, MathMax(0, groupIndent.length - 2)); },
  time(name = undefined) {
    const key = label(name);
    if (MapPrototypeGet(timers, key) !== undefined) { print("warn", [`Timer '${key}' already exists`]); return; }
    MapPrototypeSet(timers, key, DateNow());
  },
  timeLog(name = undefined, ...data) {
    const key = label(name);
    const start = MapPrototypeGet(timers, key);
    if (start === undefined) { print("warn", [`Timer '${key}' does not exist`]); return; }
    print("info", [`${key}: ${DateNow() - start}ms`, ...data]);
  },
  timeEnd(name = undefined) {
    const key = label(name);
    const start = MapPrototypeGet(timers, key);
    if (start === undefined) { print("warn", [`Timer '${key}' does not exist`]); return; }
    MapPrototypeDelete(timers, key);
    print("info", [`${key}: ${DateNow() - start}ms`]);
  },
  clear() {},
};
const DateNow = internal.primordials.DateNow;

exports.console = consoleObject;
exports.inspect = inspect;
exports.format = formatArgs;
exports.kInspect = kInspect;
