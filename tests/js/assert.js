// Minimal assertions for Colony's JS tests (no node:assert in Workers).

function show(v) {
  try { return typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v) ?? String(v); } catch { return String(v); }
}

export function ok(value, message = "expected a truthy value") {
  if (!value) throw new Error(`${message} (got ${show(value)})`);
}

export function equal(actual, expected, message = "") {
  if (!Object.is(actual, expected)) {
    throw new Error(`${message ? message + ": " : ""}expected ${show(expected)}, got ${show(actual)}`);
  }
}

function deepEq(a, b) {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    if (a.constructor !== b.constructor || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
    return true;
  }
  const ka = Object.keys(a), kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!deepEq(a[k], b[k])) return false;
  return true;
}

export function deepEqual(actual, expected, message = "") {
  if (!deepEq(actual, expected)) {
    throw new Error(`${message ? message + ": " : ""}expected ${show(expected)}, got ${show(actual)}`);
  }
}

function checkError(err, expected, context) {
  if (expected === undefined) return;
  if (typeof expected === "function") {
    if (!(err instanceof expected)) throw new Error(`${context}: expected ${expected.name}, got ${err && err.name}: ${err && err.message}`);
  } else if (typeof expected === "string") {
    if (!err || err.name !== expected) throw new Error(`${context}: expected error named ${expected}, got ${err && err.name}: ${err && err.message}`);
  }
}

export function throws(fn, expected, message = "expected an exception") {
  try {
    fn();
  } catch (err) {
    checkError(err, expected, message);
    return err;
  }
  throw new Error(message);
}

export async function rejects(promiseOrFn, expected, message = "expected a rejection") {
  try {
    await (typeof promiseOrFn === "function" ? promiseOrFn() : promiseOrFn);
  } catch (err) {
    checkError(err, expected, message);
    return err;
  }
  throw new Error(message);
}
