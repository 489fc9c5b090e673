"use strict";
// node:assert and node:assert/strict: AssertionError with Node's generated messages, the legacy
// (loose) and strict comparison functions, throws/rejects with every kind of expected error.

const {
  ObjectIs, ObjectKeys, ObjectDefineProperty, ObjectPrototypeHasOwnProperty, ObjectAssign,
  ErrorCaptureStackTrace, Error: ErrorCtor, TypeError: TypeErrorCtor, RegExpPrototypeExec,
  ReflectApply, Promise: PromiseCtor, StringPrototypeSplit, ArrayPrototypeJoin,
} = internal.primordials;
const registry = internal.require("node_registry");
const compare = internal.require("node_compare");
const nodeUtil = internal.require("node_util");

const inspectDeep = (v) => nodeUtil.inspect(v, { depth: 1000, sorted: true });
const inspectShort = (v) => nodeUtil.inspect(v, { depth: 2 });
const isRegExp = nodeUtil.types.isRegExp;

const captureStack = typeof ErrorCaptureStackTrace === "function" ? ErrorCaptureStackTrace : Error.captureStackTrace;

// ---- diffs for generated messages --------------------------------------------------------------

function lineDiff(actualLines, expectedLines) {
  const n = actualLines.length, m = expectedLines.length;
  if (n * m > 250000) {
    return [...actualLines.map((l) => `+ ${l}`), ...expectedLines.map((l) => `- ${l}`)];
  }
  // Longest common subsequence table, then walk it.
  const lcs = [];
  for (let i = 0; i <= n; i++) lcs.push(new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = actualLines[i] === expectedLines[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out = [];
  let i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && actualLines[i] === expectedLines[j]) { out.push(`  ${actualLines[i]}`); i++; j++; }
    else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) { out.push(`+ ${actualLines[i]}`); i++; }
    else { out.push(`- ${expectedLines[j]}`); j++; }
  }
  return out;
}

const kHeaders = {
  deepStrictEqual: "Expected values to be strictly deep-equal:",
  strictEqual: "Expected values to be strictly equal:",
  strictEqualObject: 'Expected "actual" to be reference-equal to "expected":',
  deepEqual: "Expected values to be loosely deep-equal:",
  notDeepStrictEqual: 'Expected "actual" not to be strictly deep-equal to:',
  notStrictEqual: 'Expected "actual" to be strictly unequal to:',
  notStrictEqualObject: 'Expected "actual" not to be reference-equal to "expected":',
  notDeepEqual: 'Expected "actual" not to be loosely deep-equal to:',
  notIdentical: "Values identical but not reference-equal:",
};

function generatedMessage(actual, expected, operator) {
  if (operator === "deepStrictEqual" || operator === "strictEqual") {
    const a = inspectDeep(actual), e = inspectDeep(expected);
    const aLines = StringPrototypeSplit(a, "\n"), eLines = StringPrototypeSplit(e, "\n");
    if (operator === "strictEqual" && a === e &&
        ((typeof actual === "object" && actual !== null) || typeof actual === "function")) {
      return `Values have the same structure but are not reference-equal:\n\n${aLines.map((l) => `    ${l}`).join("\n")}\n`;
    }
    const header = kHeaders[operator];
    if (aLines.length === 1 && eLines.length === 1 && a !== e &&
        (typeof actual !== "object" || actual === null) && (typeof expected !== "object" || expected === null) &&
        a.length + e.length < 120) {
      return `${header}\n\n${a} !== ${e}\n`;
    }
    return `${header}\n+ actual - expected\n\n${ArrayPrototypeJoin(lineDiff(aLines, eLines), "\n")}`;
  }
  if (operator === "notDeepStrictEqual" || operator === "notStrictEqual") {
    const a = inspectDeep(actual);
    const lines = StringPrototypeSplit(a, "\n");
    let header = kHeaders[operator];
    if (operator === "notStrictEqual" && ((typeof actual === "object" && actual !== null) || typeof actual === "function")) {
      header = kHeaders.notStrictEqualObject;
    }
    if (lines.length > 30) { lines.length = 26; lines.push("..."); }
    return lines.length === 1 ? `${header} ${lines[0]}` : `${header}\n\n${lines.join("\n")}\n`;
  }
  if (operator === "deepEqual" || operator === "notDeepEqual") {
    const middle = operator === "deepEqual" ? "should loosely deep-equal" : "should not loosely deep-equal";
    return `${kHeaders[operator]}\n\n${inspectShort(actual)}\n\n${middle}\n\n${inspectShort(expected)}`;
  }
  return `${inspectShort(actual)} ${operator} ${inspectShort(expected)}`;
}

class AssertionError extends ErrorCtor {
  constructor(options) {
    if (typeof options !== "object" || options === null) {
      throw registry.invalidArgType("options", "of type object", options);
    }
    const { message, operator, stackStartFn, details } = options;
    let { actual, expected } = options;
    if (message != null) {
      super(`${message}`);
    } else {
      super(generatedMessage(actual, expected, operator));
    }
    this.generatedMessage = message == null;
    ObjectDefineProperty(this, "name", { value: "AssertionError [ERR_ASSERTION]", enumerable: false, writable: true, configurable: true });
    this.code = "ERR_ASSERTION";
    if (details) {
      this.actual = undefined;
      this.expected = undefined;
      this.operator = undefined;
    } else {
      this.actual = actual;
      this.expected = expected;
      this.operator = operator;
    }
    if (captureStack) captureStack(this, stackStartFn || this.constructor);
    // Read the stack once so it carries the "[ERR_ASSERTION]" tag, then drop the own name.
    void this.stack;
    delete this.name;
  }
  toString() { return `${this.name} [${this.code}]: ${this.message}`; }
}
ObjectDefineProperty(AssertionError.prototype, "name", { value: "AssertionError", writable: true, configurable: true, enumerable: false });

function innerFail(obj) {
  if (obj.message instanceof ErrorCtor) throw obj.message;
  throw new AssertionError(obj);
}

function typeError(code, message) { return registry.codedError(TypeErrorCtor, code, message); }

// ---- expected-error checks ---------------------------------------------------------------------

function checkIsPromise(value) {
  return value !== null && typeof value === "object" && typeof value.then === "function" && typeof value.catch === "function";
}

function compareExceptionKey(actual, expected, key, message, keys, fn) {
  const a = actual[key], e = expected[key];
  if (isRegExp(e) && typeof a === "string") {
    if (RegExpPrototypeExec(e, a) !== null) return;
  } else if (key in actual && compare.isDeepStrictEqual(a, e)) {
    return;
  }
  if (!message) {
    // Show only the compared keys, as Node does.
    const shownA = {}, shownE = {};
    for (const k of keys) {
      if (k in actual) shownA[k] = actual[k];
      shownE[k] = expected[k];
    }
    const err = new AssertionError({ actual: shownA, expected: shownE, operator: "deepStrictEqual", stackStartFn: fn });
    err.actual = actual;
    err.expected = expected;
    err.operator = fn.name;
    throw err;
  }
  innerFail({ actual, expected, message, operator: fn.name, stackStartFn: fn });
}

function expectedException(actual, expected, message, fn) {
  let generated = false;
  let throwError = false;
  if (typeof expected !== "function") {
    if (isRegExp(expected)) {
      const str = `${actual}`;
      if (RegExpPrototypeExec(expected, str) !== null) return;
      if (!message) {
        generated = true;
        message = `The input did not match the regular expression ${nodeUtil.inspect(expected)}. Input:\n\n${nodeUtil.inspect(str)}\n`;
      }
      throwError = true;
    } else if (typeof actual !== "object" || actual === null) {
      const err = new AssertionError({ actual, expected, message, operator: "deepStrictEqual", stackStartFn: fn });
      err.operator = fn.name;
      throw err;
    } else {
      const keys = ObjectKeys(expected);
      if (expected instanceof ErrorCtor) keys.push("name", "message");
      else if (keys.length === 0) throw typeError("ERR_INVALID_ARG_VALUE", "The argument 'error' may not be an empty object. Received {}");
      for (const key of keys) {
        if (typeof actual[key] === "string" && isRegExp(expected[key]) && RegExpPrototypeExec(expected[key], actual[key]) !== null) continue;
        compareExceptionKey(actual, expected, key, message, keys, fn);
      }
      return;
    }
  } else if (expected.prototype !== undefined && actual instanceof expected) {
    return;
  } else if (ErrorCtor.isPrototypeOf(expected) || expected === ErrorCtor) {
    if (!message) {
      generated = true;
      message = "The error is expected to be an instance of " +
        `"${expected.name}". Received `;
      if (actual instanceof ErrorCtor || nodeUtil.isError(actual)) {
        message += `"${actual.constructor && actual.constructor.name || actual.name}"`;
        if (actual.message) message += `\n\nError message:\n\n${actual.message}`;
      } else {
        message += `"${nodeUtil.inspect(actual, { depth: -1 })}"`;
      }
    }
    throwError = true;
  } else {
    const res = ReflectApply(expected, {}, [actual]);
    if (res !== true) {
      if (!message) {
        generated = true;
        const name = expected.name ? `"${expected.name}" ` : "";
        message = `The ${name}validation function is expected to return "true". Received ${nodeUtil.inspect(res)}`;
        if (actual instanceof ErrorCtor || nodeUtil.isError(actual)) message += `\n\nCaught error:\n\n${actual}`;
      }
      throwError = true;
    }
  }
  if (throwError) {
    const err = new AssertionError({ actual, expected, message, operator: fn.name, stackStartFn: fn });
    err.generatedMessage = generated;
    throw err;
  }
}

const NO_EXCEPTION = Symbol("no exception");

function getActual(fn) {
  registry.validateFunction(fn, "fn");
  try { fn(); } catch (e) { return e; }
  return NO_EXCEPTION;
}

async function waitForActual(promiseFn) {
  let resultPromise;
  if (typeof promiseFn === "function") {
    resultPromise = promiseFn();
    if (!checkIsPromise(resultPromise)) {
      throw typeError("ERR_INVALID_RETURN_VALUE",
        `Expected instance of Promise to be returned from the "promiseFn" function but got ${resultPromise === null ? "null" : typeof resultPromise}.`);
    }
  } else if (checkIsPromise(promiseFn)) {
    resultPromise = promiseFn;
  } else {
    throw registry.invalidArgType("promiseFn", "of type function or an instance of Promise", promiseFn);
  }
  try { await resultPromise; } catch (e) { return e; }
  return NO_EXCEPTION;
}

function expectsError(stackStartFn, actual, error, message) {
  if (typeof error === "string") {
    if (arguments.length === 4) {
      throw registry.invalidArgType("error", "of type function or an instance of Error, RegExp, or Object", error);
    }
    if (typeof actual === "object" && actual !== null) {
      if (actual.message === error) {
        throw typeError("ERR_AMBIGUOUS_ARGUMENT", `The "error/message" argument is ambiguous. The error message "${actual.message}" is identical to the message.`);
      }
    } else if (actual === error) {
      throw typeError("ERR_AMBIGUOUS_ARGUMENT", `The "error/message" argument is ambiguous. The error "${actual}" is identical to the message.`);
    }
    message = error;
    error = undefined;
  } else if (error != null && typeof error !== "object" && typeof error !== "function") {
    throw registry.invalidArgType("error", "of type function or an instance of Error, RegExp, or Object", error);
  }
  if (actual === NO_EXCEPTION) {
    let details = "";
    if (error && error.name) details += ` (${error.name})`;
    details += message ? `: ${message}` : ".";
    const fnType = stackStartFn.name === "rejects" ? "rejection" : "exception";
    innerFail({ actual: undefined, expected: error, operator: stackStartFn.name,
      message: `Missing expected ${fnType}${details}`, stackStartFn });
  }
  if (error && !(typeof error === "object" && ObjectKeys(error).length === 0 && !(error instanceof ErrorCtor) && false)) {
    expectedException(actual, error, message, stackStartFn);
  }
}

function hasMatchingError(actual, expected) {
  if (typeof expected !== "function") {
    if (isRegExp(expected)) return RegExpPrototypeExec(expected, `${actual}`) !== null;
    throw registry.invalidArgType("expected", "of type function or an instance of RegExp", expected);
  }
  if (expected.prototype !== undefined && actual instanceof expected) return true;
  if (ErrorCtor.isPrototypeOf(expected)) return false;
  return ReflectApply(expected, {}, [actual]) === true;
}

function expectsNoError(stackStartFn, actual, error, message) {
  if (actual === NO_EXCEPTION) return;
  if (typeof error === "string") { message = error; error = undefined; }
  if (!error || hasMatchingError(actual, error)) {
    const details = message ? `: ${message}` : ".";
    const fnType = stackStartFn.name === "doesNotReject" ? "rejection" : "exception";
    innerFail({ actual, expected: error, operator: stackStartFn.name,
      message: `Got unwanted ${fnType}${details}\nActual message: "${actual && actual.message}"`, stackStartFn });
  }
  throw actual;
}

// ---- the assert functions ----------------------------------------------------------------------

function makeAssert(strictMode) {
  function okImpl(fn, argLen, value, message) {
    if (value) return;
    let generated = false;
    if (argLen === 0) {
      generated = true;
      message = "No value argument passed to `assert.ok()`";
    } else if (message == null) {
      generated = true;
      message = `${inspectShort(value)} == true`;
    } else if (message instanceof ErrorCtor) {
      throw message;
    }
    const err = new AssertionError({ actual: value, expected: true, message, operator: "==", stackStartFn: fn });
    err.generatedMessage = generated;
    throw err;
  }
  const assert = function ok(...args) { okImpl(assert, args.length, ...args); };

  function fail(actual, expected, message, operator, stackStartFn) {
    const argsLen = arguments.length;
    let internalMessage = false;
    if (actual == null && argsLen <= 1) {
      internalMessage = true;
      message = "Failed";
    } else if (argsLen === 1) {
      message = actual;
      actual = undefined;
    } else {
      if (argsLen === 2) operator = "!=";
    }
    if (message instanceof ErrorCtor) throw message;
    const errArgs = { actual, expected, operator: operator === undefined ? "fail" : operator, stackStartFn: stackStartFn || fail, message };
    const err = new AssertionError(errArgs);
    if (internalMessage) err.generatedMessage = true;
    throw err;
  }

  function ok(...args) { okImpl(ok, args.length, ...args); }

  function equal(actual, expected, message) {
    if (arguments.length < 2) throw typeError("ERR_MISSING_ARGS", 'The "actual" and "expected" arguments must be specified');
    // eslint-disable-next-line eqeqeq
    if (actual != expected && (!Number.isNaN(actual) || !Number.isNaN(expected))) {
      innerFail({ actual, expected, message, operator: "==", stackStartFn: equal });
    }
  }
  function notEqual(actual, expected, message) {
    if (arguments.length < 2) throw typeError("ERR_MISSING_ARGS", 'The "actual" and "expected" arguments must be specified');
    // eslint-disable-next-line eqeqeq
    if (actual == expected || (Number.isNaN(actual) && Number.isNaN(expected))) {
      innerFail({ actual, expected, message, operator: "!=", stackStartFn: notEqual });
    }
  }
  function deepEqual(actual, expected, message) {
    if (arguments.length < 2) throw typeError("ERR_MISSING_ARGS", 'The "actual" and "expected" arguments must be specified');
    if (!compare.isDeepEqual(actual, expected)) innerFail({ actual, expected, message, operator: "deepEqual", stackStartFn: deepEqual });
  }
  function notDeepEqual(actual, expected, message) {
    if (arguments.length < 2) throw typeError("ERR_MISSING_ARGS", 'The "actual" and "expected" arguments must be specified');
    if (compare.isDeepEqual(actual, expected)) innerFail({ actual, expected, message, operator: "notDeepEqual", stackStartFn: notDeepEqual });
  }
  function deepStrictEqual(actual, expected, message) {
    if (arguments.length < 2) throw typeError("ERR_MISSING_ARGS", 'The "actual" and "expected" arguments must be specified');
    if (!compare.isDeepStrictEqual(actual, expected)) innerFail({ actual, expected, message, operator: "deepStrictEqual", stackStartFn: deepStrictEqual });
  }
  function notDeepStrictEqual(actual, expected, message) {
    if (arguments.length < 2) throw typeError("ERR_MISSING_ARGS", 'The "actual" and "expected" arguments must be specified');
    if (compare.isDeepStrictEqual(actual, expected)) innerFail({ actual, expected, message, operator: "notDeepStrictEqual", stackStartFn: notDeepStrictEqual });
  }
  function strictEqual(actual, expected, message) {
    if (arguments.length < 2) throw typeError("ERR_MISSING_ARGS", 'The "actual" and "expected" arguments must be specified');
    if (!ObjectIs(actual, expected)) innerFail({ actual, expected, message, operator: "strictEqual", stackStartFn: strictEqual });
  }
  function notStrictEqual(actual, expected, message) {
    if (arguments.length < 2) throw typeError("ERR_MISSING_ARGS", 'The "actual" and "expected" arguments must be specified');
    if (ObjectIs(actual, expected)) innerFail({ actual, expected, message, operator: "notStrictEqual", stackStartFn: notStrictEqual });
  }
  function partialDeepStrictEqual(actual, expected, message) {
    if (arguments.length < 2) throw typeError("ERR_MISSING_ARGS", 'The "actual" and "expected" arguments must be specified');
    if (!isPartial(actual, expected)) innerFail({ actual, expected, message, operator: "partialDeepStrictEqual", stackStartFn: partialDeepStrictEqual });
  }
  function throws(promiseFn, ...args) { expectsError(throws, getActual(promiseFn), ...args); }
  async function rejects(promiseFn, ...args) { expectsError(rejects, await waitForActual(promiseFn), ...args); }
  function doesNotThrow(fn, ...args) { expectsNoError(doesNotThrow, getActual(fn), ...args); }
  async function doesNotReject(fn, ...args) { expectsNoError(doesNotReject, await waitForActual(fn), ...args); }
  function ifError(err) {
    if (err !== null && err !== undefined) {
      let message = "ifError got unwanted exception: ";
      if (typeof err === "object" && typeof err.message === "string") {
        if (err.message.length === 0 && err.constructor) message += err.constructor.name;
        else message += err.message;
      } else {
        message += nodeUtil.inspect(err);
      }
      const newErr = new AssertionError({ actual: err, expected: null, operator: "ifError", message, stackStartFn: ifError });
      const origStack = err.stack;
      if (typeof origStack === "string" && typeof newErr.stack === "string") {
        const lines = origStack.split("\n").slice(1);
        newErr.stack = `${newErr.stack}\n${lines.join("\n")}`;
      }
      throw newErr;
    }
  }
  function matchImpl(string, regexp, message, fn) {
    if (!isRegExp(regexp)) throw registry.invalidArgType("regexp", "an instance of RegExp", regexp);
    const matchWanted = fn === match;
    if (typeof string !== "string" || (RegExpPrototypeExec(regexp, string) !== null) !== matchWanted) {
      if (message instanceof ErrorCtor) throw message;
      const generated = !message;
      message = message || (typeof string !== "string"
        ? `The "string" argument must be of type string. Received type ${typeof string} (${nodeUtil.inspect(string)})`
        : (matchWanted ? "The input did not match the regular expression " : "The input was expected to not match the regular expression ") +
          `${nodeUtil.inspect(regexp)}. Input:\n\n${nodeUtil.inspect(string)}\n`);
      const err = new AssertionError({ actual: string, expected: regexp, message, operator: fn.name, stackStartFn: fn });
      err.generatedMessage = generated;
      throw err;
    }
  }
  function match(string, regexp, message) { matchImpl(string, regexp, message, match); }
  function doesNotMatch(string, regexp, message) { matchImpl(string, regexp, message, doesNotMatch); }

  const members = {
    fail, ok, equal: strictMode ? strictEqual : equal, notEqual: strictMode ? notStrictEqual : notEqual,
    deepEqual: strictMode ? deepStrictEqual : deepEqual, notDeepEqual: strictMode ? notDeepStrictEqual : notDeepEqual,
    deepStrictEqual, notDeepStrictEqual, strictEqual, notStrictEqual, partialDeepStrictEqual,
    throws, rejects, doesNotThrow, doesNotReject, ifError, match, doesNotMatch, AssertionError,
  };
  ObjectAssign(assert, members);
  return assert;
}

function isPartial(actual, expected) {
  if (typeof expected !== "object" || expected === null || typeof actual !== "object" || actual === null) {
    return ObjectIs(actual, expected);
  }
  if (Object.getPrototypeOf(actual) !== Object.getPrototypeOf(expected)) return false;
  if (Array.isArray(expected)) {
    let j = 0;
    for (let i = 0; i < expected.length; i++) {
      while (j < actual.length && !isPartial(actual[j], expected[i])) j++;
      if (j === actual.length) return false;
      j++;
    }
    return true;
  }
  if (expected instanceof Map) {
    for (const [k, v] of expected) if (!actual.has(k) || !isPartial(actual.get(k), v)) return false;
    return true;
  }
  if (expected instanceof Set) {
    for (const v of expected) {
      if (actual.has(v)) continue;
      let found = false;
      for (const w of actual) if (isPartial(w, v)) { found = true; break; }
      if (!found) return false;
    }
    return true;
  }
  if (!(Object.prototype.toString.call(actual) === Object.prototype.toString.call(expected))) return false;
  if (typeof expected.getTime === "function" || expected instanceof RegExp || ArrayBuffer.isView(expected)) {
    return compare.isDeepStrictEqual(actual, expected);
  }
  for (const key of Reflect.ownKeys(expected)) {
    if (!Object.prototype.propertyIsEnumerable.call(expected, key)) continue;
    if (!ObjectPrototypeHasOwnProperty(actual, key) || !isPartial(actual[key], expected[key])) return false;
  }
  return true;
}

function build() {
  const assert = makeAssert(false);
  const strict = makeAssert(true);
  assert.strict = strict;
  strict.strict = strict;
  // `new Assert(options)`: an object with the assert functions, strict unless {strict: false}.
  class Assert {
    constructor(options = {}) {
      const source = options && options.strict === false ? makeAssert(false) : makeAssert(true);
      for (const key of ObjectKeys(source)) {
        if (key !== "AssertionError") this[key] = source[key];
      }
    }
  }
  assert.Assert = Assert;
  strict.Assert = Assert;
  return assert;
}

registry.define("assert", build);
registry.define("assert/strict", () => registry.load("assert").strict);

exports.AssertionError = AssertionError;
