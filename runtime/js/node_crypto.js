"use strict";
// node:crypto: hashes, HMACs, ciphers (all Transform streams, as in Node), random values, key
// derivation (PBKDF2, HKDF, scrypt), KeyObjects for secret and asymmetric keys with PEM/DER/JWK
// import and export, sign/verify, RSA encryption and key pair generation, over the OpenSSL ops of
// api/node_crypto.cc; webcrypto and subtle are the global crypto's.

const {
  ObjectDefineProperty, ObjectSetPrototypeOf, ObjectFreeze, ReflectApply, NumberIsInteger, NumberIsSafeInteger,
  Symbol: SymbolCtor, Error: ErrorCtor, TypeError: TypeErrorCtor, RangeError: RangeErrorCtor,
  Uint8Array: Uint8ArrayCtor, ArrayBufferIsView, ArrayPrototypePush, StringPrototypeToLowerCase,
  MathFloor, MathMin, ArrayBufferPrototypeSlice, ArrayPrototypeFilter, ArrayPrototypeIncludes,
  StringPrototypeStartsWith, StringPrototypeSlice,
} = internal.primordials;
const ops = internal.ops;
const registry = internal.require("node_registry");
const timers = internal.require("timers");
const { Buffer } = internal.require("node_buffer");
const { StringDecoder } = internal.require("node_text");
const { Transform, Writable } = internal.require("node_stream");
const cryptoGlobal = internal.require("crypto");
const subtleModule = internal.require("subtle");
const encoding = internal.require("encoding");

const codedError = registry.codedError;
const invalidArgType = registry.invalidArgType;
function nextTick(fn, ...args) { timers.queueMicrotask(() => ReflectApply(fn, undefined, args)); }
function later(fn) { timers.setTimeout(fn, 0); }

// ---- argument helpers ----------------------------------------------------------------------------

function isBytesLike(v) { return ArrayBufferIsView(v) || v instanceof ArrayBuffer || v instanceof SharedArrayBuffer; }
function viewBytes(v) {
  if (v instanceof Uint8ArrayCtor) return v;
  if (ArrayBufferIsView(v)) return new Uint8ArrayCtor(v.buffer, v.byteOffset, v.byteLength);
  return new Uint8ArrayCtor(v);
}
function asBuffer(bytes) { return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength); }

// Data a function hashes or encrypts: a string in `enc`, or any ArrayBufferView.
function dataBytes(data, enc, name = "data") {
  if (typeof data === "string") return Buffer.from(data, enc || "utf8");
  if (ArrayBufferIsView(data)) return viewBytes(data);
  throw invalidArgType(name, "of type string or an instance of Buffer, TypedArray, or DataView", data);
}
// A password, salt, key or similar: a string, ArrayBuffer or view (a KeyObject where allowed).
function binaryLike(value, name, allowKeyObject = false) {
  if (typeof value === "string") return Buffer.from(value, "utf8");
  if (isBytesLike(value)) return viewBytes(value);
  if (allowKeyObject && value instanceof KeyObject && value.type === "secret") return value[kKeyData];
  throw invalidArgType(name, "of type string or an instance of ArrayBuffer, Buffer, TypedArray, or DataView", value);
}
function encodeOutput(bytes, enc) {
  const buf = asBuffer(bytes);
  return enc !== undefined && enc !== "buffer" ? buf.toString(enc) : buf;
}
function validateString(value, name) {
  if (typeof value !== "string") throw invalidArgType(name, "of type string", value);
}
function validateInt(value, name, min, max) {
  if (typeof value !== "number") throw invalidArgType(name, "of type number", value);
  if (!NumberIsInteger(value)) {
    throw codedError(RangeErrorCtor, "ERR_OUT_OF_RANGE", `The value of "${name}" is out of range. It must be an integer. Received ${value}`);
  }
  if (value < min || value > max) {
    throw codedError(RangeErrorCtor, "ERR_OUT_OF_RANGE",
      `The value of "${name}" is out of range. It must be >= ${min} && <= ${max}. Received ${value}`);
  }
}
function validateCallback(cb) { registry.validateFunction(cb, "callback"); }

// Node's names for digests: lower case; "RSA-SHA256" style names are OpenSSL aliases too.
function digestName(name) { return StringPrototypeToLowerCase(name); }

// ---- LazyTransform -------------------------------------------------------------------------------

// Hash, Hmac and the ciphers are Transform streams, but most callers only use update()/digest():
// their stream state is set up the first time something touches it.
const kOptions = SymbolCtor("kOptions");
function LazyTransform(options) { this[kOptions] = options; }
ObjectSetPrototypeOf(LazyTransform.prototype, Transform.prototype);
ObjectSetPrototypeOf(LazyTransform, Transform);
for (const prop of ["_readableState", "_writableState"]) {
  ObjectDefineProperty(LazyTransform.prototype, prop, {
    configurable: true, enumerable: true,
    get() {
      ReflectApply(Transform, this, [this[kOptions]]);
      this._writableState.decodeStrings = false; // strings reach update() with their encoding
      return this[prop];
    },
    set(value) {
      ObjectDefineProperty(this, prop, { value, enumerable: true, configurable: true, writable: true });
    },
  });
}

// ---- Hash and Hmac -------------------------------------------------------------------------------

const kHandle = SymbolCtor("kHandle");
const kFinalized = SymbolCtor("kFinalized");

function hashFinalized() { return codedError(ErrorCtor, "ERR_CRYPTO_HASH_FINALIZED", "Digest already called"); }

function Hash(algorithm, options) {
  if (!(this instanceof Hash)) return new Hash(algorithm, options);
  const xofLen = options && options.outputLength;
  if (xofLen !== undefined) validateInt(xofLen, "options.outputLength", 0, 2 ** 32 - 1);
  if (algorithm instanceof Hash) {
    if (algorithm[kFinalized]) throw hashFinalized();
    this[kHandle] = ops.nodeHashCopy(algorithm[kHandle], xofLen);
  } else {
    validateString(algorithm, "algorithm");
    try {
      this[kHandle] = ops.nodeHashNew(digestName(algorithm), xofLen);
    } catch (e) {
      throw codedError(ErrorCtor, "ERR_OSSL_EVP_UNSUPPORTED", e.message);
    }
  }
  this[kFinalized] = false;
  ReflectApply(LazyTransform, this, [options]);
}
ObjectSetPrototypeOf(Hash.prototype, LazyTransform.prototype);
ObjectSetPrototypeOf(Hash, LazyTransform);
Hash.prototype.copy = function copy(options) { return new Hash(this, options); };
Hash.prototype.update = function update(data, inputEncoding) {
  if (this[kFinalized]) throw hashFinalized();
  ops.nodeHashUpdate(this[kHandle], dataBytes(data, inputEncoding));
  return this;
};
Hash.prototype.digest = function digest(outputEncoding) {
  if (this[kFinalized]) throw hashFinalized();
  this[kFinalized] = true;
  return encodeOutput(ops.nodeHashDigest(this[kHandle]), outputEncoding);
};
Hash.prototype._transform = function(chunk, enc, cb) { this.update(chunk, enc); cb(); };
Hash.prototype._flush = function(cb) { this.push(this.digest()); cb(); };

function Hmac(hmac, key, options) {
  if (!(this instanceof Hmac)) return new Hmac(hmac, key, options);
  validateString(hmac, "hmac");
  const keyBytes = binaryLike(key, "key", true);
  try {
    this[kHandle] = ops.nodeHmacNew(digestName(hmac), keyBytes);
  } catch (e) {
    throw codedError(TypeErrorCtor, "ERR_CRYPTO_INVALID_DIGEST", `Invalid digest: ${hmac}`);
  }
  this[kFinalized] = false;
  ReflectApply(LazyTransform, this, [options]);
}
ObjectSetPrototypeOf(Hmac.prototype, LazyTransform.prototype);
ObjectSetPrototypeOf(Hmac, LazyTransform);
Hmac.prototype.update = Hash.prototype.update;
Hmac.prototype.digest = function digest(outputEncoding) {
  if (this[kFinalized]) throw hashFinalized();
  this[kFinalized] = true;
  return encodeOutput(ops.nodeHmacDigest(this[kHandle]), outputEncoding);
};
Hmac.prototype.update = function update(data, inputEncoding) {
  if (this[kFinalized]) throw hashFinalized();
  ops.nodeHmacUpdate(this[kHandle], dataBytes(data, inputEncoding));
  return this;
};
Hmac.prototype._transform = Hash.prototype._transform;
Hmac.prototype._flush = Hash.prototype._flush;

function hash(algorithm, data, outputEncoding = "hex") {
  validateString(algorithm, "algorithm");
  if (typeof data !== "string" && !ArrayBufferIsView(data)) {
    throw invalidArgType("data", "of type string or an instance of Buffer, TypedArray, or DataView", data);
  }
  return new Hash(algorithm).update(data).digest(outputEncoding);
}

// ---- random values -------------------------------------------------------------------------------

const kMaxLength = 2 ** 31 - 1;
function fillRandom(view) {
  for (let off = 0; off < view.byteLength; off += 65536) {
    ops.randomBytes(view.subarray(off, MathMin(view.byteLength, off + 65536)));
  }
}
function randomBytes(size, callback) {
  validateInt(size, "size", 0, kMaxLength);
  if (callback !== undefined) validateCallback(callback);
  const buf = Buffer.allocUnsafe(size);
  fillRandom(buf);
  if (callback === undefined) return buf;
  later(() => callback(null, buf));
  return undefined;
}
function fillRange(buf, offset, size) {
  if (!isBytesLike(buf)) throw invalidArgType("buf", "an instance of ArrayBuffer or ArrayBufferView", buf);
  const bytes = viewBytes(buf);
  const elementSize = ArrayBufferIsView(buf) && buf.BYTES_PER_ELEMENT ? buf.BYTES_PER_ELEMENT : 1;
  offset = offset === undefined ? 0 : offset;
  validateInt(offset, "offset", 0, bytes.byteLength / elementSize);
  offset *= elementSize;
  if (size === undefined) size = bytes.byteLength - offset;
  else {
    validateInt(size, "size", 0, (bytes.byteLength - offset) / elementSize);
    size *= elementSize;
  }
  fillRandom(bytes.subarray(offset, offset + size));
}
function randomFillSync(buf, offset, size) {
  fillRange(buf, offset, size);
  return buf;
}
function randomFill(buf, offset, size, callback) {
  if (typeof offset === "function") { callback = offset; offset = undefined; size = undefined; }
  else if (typeof size === "function") { callback = size; size = undefined; }
  validateCallback(callback);
  fillRange(buf, offset, size);
  later(() => callback(null, buf));
}
const kRandomIntMax = 2 ** 48;
function randomInt(min, max, callback) {
  if (typeof max === "undefined" || typeof max === "function") { callback = max; max = min; min = 0; }
  if (callback !== undefined) validateCallback(callback);
  if (!NumberIsSafeInteger(min)) throw invalidArgType("min", "a safe integer", min);
  if (!NumberIsSafeInteger(max)) throw invalidArgType("max", "a safe integer", max);
  if (max <= min) {
    throw codedError(RangeErrorCtor, "ERR_OUT_OF_RANGE",
      `The value of "max" is out of range. It must be greater than the value of "min" (${min}). Received ${max}`);
  }
  const range = max - min;
  if (range > kRandomIntMax) {
    throw codedError(RangeErrorCtor, "ERR_OUT_OF_RANGE",
      `The value of "max - min" is out of range. It must be <= ${kRandomIntMax}. Received ${range}`);
  }
  // Rejection sampling over 48-bit values keeps the distribution uniform.
  const limit = kRandomIntMax - (kRandomIntMax % range);
  const b = new Uint8ArrayCtor(6);
  let n;
  do {
    ops.randomBytes(b);
    n = b[0] * 2 ** 40 + b[1] * 2 ** 32 + b[2] * 2 ** 24 + b[3] * 2 ** 16 + b[4] * 2 ** 8 + b[5];
  } while (n >= limit);
  const value = min + (n % range);
  if (callback === undefined) return value;
  later(() => callback(null, value));
  return undefined;
}
function randomUUID(options) {
  if (options !== undefined && (options === null || typeof options !== "object")) {
    throw invalidArgType("options", "of type object", options);
  }
  return cryptoGlobal.crypto.randomUUID();
}
function getRandomValues(array) { return cryptoGlobal.crypto.getRandomValues(array); }

function timingSafeEqual(a, b) {
  if (!isBytesLike(a)) throw invalidArgType("buf1", "an instance of ArrayBuffer, Buffer, TypedArray, or DataView", a);
  if (!isBytesLike(b)) throw invalidArgType("buf2", "an instance of ArrayBuffer, Buffer, TypedArray, or DataView", b);
  const x = viewBytes(a), y = viewBytes(b);
  if (x.byteLength !== y.byteLength) {
    throw codedError(RangeErrorCtor, "ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH", "Input buffers must have the same byte length");
  }
  return ops.cryptoTimingSafeEqual(x, y);
}

// ---- key derivation ------------------------------------------------------------------------------

function pbkdf2Args(password, salt, iterations, keylen, digest) {
  const p = binaryLike(password, "password");
  const s = binaryLike(salt, "salt");
  validateInt(iterations, "iterations", 1, kMaxLength);
  validateInt(keylen, "keylen", 0, kMaxLength);
  validateString(digest, "digest");
  return [p, s, iterations, keylen, digestName(digest)];
}
function runPbkdf2(args, digest) {
  try {
    return asBuffer(ReflectApply(ops.nodePbkdf2, ops, args));
  } catch {
    throw codedError(TypeErrorCtor, "ERR_CRYPTO_INVALID_DIGEST", `Invalid digest: ${digest}`);
  }
}
function pbkdf2Sync(password, salt, iterations, keylen, digest) {
  return runPbkdf2(pbkdf2Args(password, salt, iterations, keylen, digest), digest);
}
function pbkdf2(password, salt, iterations, keylen, digest, callback) {
  if (typeof digest === "function") { callback = digest; digest = undefined; }
  const args = pbkdf2Args(password, salt, iterations, keylen, digest);
  validateCallback(callback);
  later(() => {
    let out;
    try { out = runPbkdf2(args, digest); } catch (e) { callback(e); return; }
    callback(null, out);
  });
}

function hkdfArgs(digest, ikm, salt, info, keylen) {
  validateString(digest, "digest");
  const key = binaryLike(ikm, "ikm", true);
  const s = binaryLike(salt, "salt");
  const i = binaryLike(info, "info");
  validateInt(keylen, "length", 0, kMaxLength);
  if (i.byteLength > 1024) {
    throw codedError(RangeErrorCtor, "ERR_OUT_OF_RANGE",
      `The value of "info" is out of range. It must be <= 1024 bytes. Received ${i.byteLength}`);
  }
  return [digestName(digest), key, s, i, keylen];
}
function runHkdf(args) {
  const digestLen = (() => {
    try { return ops.nodeHashDigest(ops.nodeHashNew(args[0], undefined)).byteLength; } catch { return 0; }
  })();
  if (digestLen === 0) throw codedError(TypeErrorCtor, "ERR_CRYPTO_INVALID_DIGEST", `Invalid digest: ${args[0]}`);
  if (args[4] > 255 * digestLen) throw codedError(RangeErrorCtor, "ERR_CRYPTO_INVALID_KEYLEN", "Invalid key length");
  const out = ReflectApply(ops.nodeHkdf, ops, args);
  return ArrayBufferPrototypeSlice(out.buffer, out.byteOffset, out.byteOffset + out.byteLength);
}
function hkdfSync(digest, ikm, salt, info, keylen) { return runHkdf(hkdfArgs(digest, ikm, salt, info, keylen)); }
function hkdf(digest, ikm, salt, info, keylen, callback) {
  const args = hkdfArgs(digest, ikm, salt, info, keylen);
  validateCallback(callback);
  later(() => {
    let out;
    try { out = runHkdf(args); } catch (e) { callback(e); return; }
    callback(null, out);
  });
}

function scryptArgs(password, salt, keylen, options) {
  const p = binaryLike(password, "password");
  const s = binaryLike(salt, "salt");
  validateInt(keylen, "keylen", 0, kMaxLength);
  options = options || {};
  const pick = (a, b, def) => {
    if (options[a] !== undefined && options[b] !== undefined) {
      throw codedError(TypeErrorCtor, "ERR_INCOMPATIBLE_OPTION_PAIR", `Option "${a}" cannot be used in combination with option "${b}"`);
    }
    return options[a] !== undefined ? options[a] : options[b] !== undefined ? options[b] : def;
  };
  const N = pick("N", "cost", 16384);
  const r = pick("r", "blockSize", 8);
  const par = pick("p", "parallelization", 1);
  const maxmem = options.maxmem !== undefined ? options.maxmem : 32 * 1024 * 1024;
  validateInt(N, "N", 0, 2 ** 53 - 1);
  validateInt(r, "r", 0, kMaxLength);
  validateInt(par, "p", 0, kMaxLength);
  validateInt(maxmem, "maxmem", 0, 2 ** 53 - 1);
  if (N < 2 || (N & (N - 1)) !== 0) throw codedError(RangeErrorCtor, "ERR_CRYPTO_INVALID_SCRYPT_PARAMS", "Invalid scrypt params: N must be a power of 2 greater than 1");
  if (128 * N * r > maxmem) throw codedError(RangeErrorCtor, "ERR_CRYPTO_INVALID_SCRYPT_PARAMS", "Invalid scrypt params: memory limit exceeded");
  return [p, s, N, r, par, maxmem, keylen];
}
function runScrypt(args) {
  try {
    return asBuffer(ReflectApply(ops.nodeScrypt, ops, args));
  } catch (e) {
    throw codedError(RangeErrorCtor, "ERR_CRYPTO_INVALID_SCRYPT_PARAMS", `Invalid scrypt params: ${e.message}`);
  }
}
function scryptSync(password, salt, keylen, options) { return runScrypt(scryptArgs(password, salt, keylen, options)); }
function scrypt(password, salt, keylen, options, callback) {
  if (typeof options === "function") { callback = options; options = undefined; }
  const args = scryptArgs(password, salt, keylen, options);
  validateCallback(callback);
  later(() => {
    let out;
    try { out = runScrypt(args); } catch (e) { callback(e); return; }
    callback(null, out);
  });
}

// ---- ciphers -------------------------------------------------------------------------------------

const kDecoder = SymbolCtor("kDecoder");
const kAead = SymbolCtor("kAead");

function cipherInfoOf(name) { return typeof name === "string" ? ops.nodeCipherInfo(StringPrototypeToLowerCase(name)) : undefined; }

function CipherBase(encrypt, cipher, key, iv, options) {
  validateString(cipher, "cipher");
  const info = cipherInfoOf(cipher);
  if (info === undefined) throw codedError(ErrorCtor, "ERR_CRYPTO_UNKNOWN_CIPHER", "Unknown cipher");
  const keyBytes = binaryLike(key, "key", true);
  let ivBytes = null;
  if (iv !== null) ivBytes = binaryLike(iv, "iv");
  const aead = info.mode === "gcm" || info.mode === "ccm" || info.mode === "ocb" || StringPrototypeToLowerCase(cipher) === "chacha20-poly1305";
  let authTagLength = options && options.authTagLength;
  if (authTagLength !== undefined) {
    validateInt(authTagLength, "options.authTagLength", 0, 2 ** 31 - 1);
    if (!aead || authTagLength < 4 || authTagLength > 16 || (info.mode === "gcm" && authTagLength < 12 && authTagLength !== 4 && authTagLength !== 8)) {
      throw codedError(TypeErrorCtor, "ERR_CRYPTO_INVALID_AUTH_TAG", `Invalid authentication tag length: ${authTagLength}`);
    }
  } else if (info.mode === "ccm") {
    throw codedError(TypeErrorCtor, "ERR_CRYPTO_INVALID_AUTH_TAG", "authTagLength required for aes-ccm");
  }
  if (keyBytes.byteLength !== info.keyLength) throw codedError(RangeErrorCtor, "ERR_CRYPTO_INVALID_KEYLEN", "Invalid key length");
  const ivLen = ivBytes === null ? 0 : ivBytes.byteLength;
  if (!aead && ivLen !== info.ivLength) throw codedError(TypeErrorCtor, "ERR_CRYPTO_INVALID_IV", "Invalid initialization vector");
  if (aead && ivLen === 0) throw codedError(TypeErrorCtor, "ERR_CRYPTO_INVALID_IV", "Invalid initialization vector");
  try {
    this[kHandle] = ops.nodeCipherNew(StringPrototypeToLowerCase(cipher), keyBytes, ivBytes, encrypt, authTagLength);
  } catch (e) {
    throw codedError(ErrorCtor, "ERR_CRYPTO_INVALID_IV", e.message);
  }
  this[kAead] = aead;
  this[kDecoder] = null;
  this[kFinalized] = false;
  ReflectApply(LazyTransform, this, [options]);
}
ObjectSetPrototypeOf(CipherBase.prototype, LazyTransform.prototype);

function cipherOutput(self, bytes, outputEncoding) {
  if (outputEncoding === undefined || outputEncoding === "buffer") return asBuffer(bytes);
  if (self[kDecoder] === null || self[kDecoder].encodingName !== outputEncoding) {
    self[kDecoder] = new StringDecoder(outputEncoding);
    self[kDecoder].encodingName = outputEncoding;
  }
  return self[kDecoder].write(asBuffer(bytes));
}
CipherBase.prototype.update = function update(data, inputEncoding, outputEncoding) {
  if (this[kFinalized]) throw codedError(ErrorCtor, "ERR_CRYPTO_INVALID_STATE", "Invalid state for operation update");
  const bytes = dataBytes(data, inputEncoding);
  return cipherOutput(this, ops.nodeCipherUpdate(this[kHandle], bytes), outputEncoding);
};
CipherBase.prototype.final = function final(outputEncoding) {
  if (this[kFinalized]) throw codedError(ErrorCtor, "ERR_CRYPTO_INVALID_STATE", "Invalid state for operation final");
  this[kFinalized] = true;
  let bytes;
  try {
    bytes = ops.nodeCipherFinal(this[kHandle]);
  } catch (e) {
    const err = new ErrorCtor(e.message);
    if (e.message === "bad decrypt") err.code = "ERR_OSSL_BAD_DECRYPT";
    else if (e.message === "wrong final block length") err.code = "ERR_OSSL_WRONG_FINAL_BLOCK_LENGTH";
    throw err;
  }
  let out = cipherOutput(this, bytes, outputEncoding);
  if (typeof out === "string" && this[kDecoder] !== null) out += this[kDecoder].end();
  return out;
};
CipherBase.prototype.setAutoPadding = function setAutoPadding(ap = true) {
  if (this[kFinalized]) throw codedError(ErrorCtor, "ERR_CRYPTO_INVALID_STATE", "Invalid state for operation setAutoPadding");
  ops.nodeCipherSetAutoPadding(this[kHandle], !!ap);
  return this;
};
CipherBase.prototype.setAAD = function setAAD(buffer, options) {
  if (!ArrayBufferIsView(buffer)) throw invalidArgType("buffer", "an instance of Buffer, TypedArray, or DataView", buffer);
  const plaintextLength = options && options.plaintextLength;
  if (this[kFinalized] || !this[kAead]) throw codedError(ErrorCtor, "ERR_CRYPTO_INVALID_STATE", "Invalid state for operation setAAD");
  ops.nodeCipherSetAAD(this[kHandle], viewBytes(buffer), plaintextLength);
  return this;
};
CipherBase.prototype._transform = function(chunk, enc, cb) { this.push(this.update(chunk, enc)); cb(); };
CipherBase.prototype._flush = function(cb) {
  try { this.push(this.final()); } catch (e) { cb(e); return; }
  cb();
};

function Cipheriv(cipher, key, iv, options) {
  if (!(this instanceof Cipheriv)) return new Cipheriv(cipher, key, iv, options);
  ReflectApply(CipherBase, this, [true, cipher, key, iv, options]);
}
ObjectSetPrototypeOf(Cipheriv.prototype, CipherBase.prototype);
ObjectSetPrototypeOf(Cipheriv, Transform);
Cipheriv.prototype.getAuthTag = function getAuthTag() {
  try {
    return asBuffer(ops.nodeCipherGetAuthTag(this[kHandle]));
  } catch {
    throw codedError(ErrorCtor, "ERR_CRYPTO_INVALID_STATE", "Invalid state for operation getAuthTag");
  }
};

function Decipheriv(cipher, key, iv, options) {
  if (!(this instanceof Decipheriv)) return new Decipheriv(cipher, key, iv, options);
  ReflectApply(CipherBase, this, [false, cipher, key, iv, options]);
}
ObjectSetPrototypeOf(Decipheriv.prototype, CipherBase.prototype);
ObjectSetPrototypeOf(Decipheriv, Transform);
Decipheriv.prototype.setAuthTag = function setAuthTag(tag, encoding) {
  const bytes = dataBytes(tag, encoding, "buffer");
  if (this[kFinalized] || !this[kAead]) throw codedError(ErrorCtor, "ERR_CRYPTO_INVALID_STATE", "Invalid state for operation setAuthTag");
  if (bytes.byteLength < 4 || bytes.byteLength > 16) {
    throw codedError(TypeErrorCtor, "ERR_CRYPTO_INVALID_AUTH_TAG", `Invalid authentication tag length: ${bytes.byteLength}`);
  }
  ops.nodeCipherSetAuthTag(this[kHandle], bytes);
  return this;
};

function createCipheriv(cipher, key, iv, options) { return new Cipheriv(cipher, key, iv, options); }
function createDecipheriv(cipher, key, iv, options) { return new Decipheriv(cipher, key, iv, options); }

function getCipherInfo(nameOrNid, options) {
  if (typeof nameOrNid !== "string") throw invalidArgType("nameOrNid", "of type string", nameOrNid);
  const info = cipherInfoOf(nameOrNid);
  if (info === undefined) return undefined;
  const out = { name: StringPrototypeToLowerCase(info.name), nid: info.nid, blockSize: info.blockSize,
    ivLength: info.ivLength, keyLength: info.keyLength, mode: info.mode };
  if (out.mode === "stream" || out.ivLength === 0) delete out.ivLength;
  if (options && options.keyLength !== undefined && options.keyLength !== out.keyLength) return undefined;
  return out;
}

const cipherList = ObjectFreeze([
  "aes-128-cbc", "aes-128-ccm", "aes-128-cfb", "aes-128-ctr", "aes-128-ecb", "aes-128-gcm", "aes-128-ocb", "aes-128-ofb",
  "aes-192-cbc", "aes-192-ccm", "aes-192-cfb", "aes-192-ctr", "aes-192-ecb", "aes-192-gcm", "aes-192-ocb", "aes-192-ofb",
  "aes-256-cbc", "aes-256-ccm", "aes-256-cfb", "aes-256-ctr", "aes-256-ecb", "aes-256-gcm", "aes-256-ocb", "aes-256-ofb",
  "aes128", "aes192", "aes256", "chacha20", "chacha20-poly1305", "des-ede3-cbc", "id-aes128-gcm", "id-aes192-gcm",
  "id-aes256-gcm",
]);
const hashList = ObjectFreeze([
  "RSA-MD5", "RSA-SHA1", "RSA-SHA224", "RSA-SHA256", "RSA-SHA384", "RSA-SHA512", "blake2b512", "blake2s256",
  "md5", "md5-sha1", "ripemd160", "sha1", "sha224", "sha256", "sha3-224", "sha3-256", "sha3-384", "sha3-512",
  "sha384", "sha512", "sha512-224", "sha512-256", "shake128", "shake256",
]);
const curveList = ObjectFreeze(["prime256v1", "secp256k1", "secp384r1", "secp521r1"]);
function getCiphers() { return ArrayPrototypeFilter(cipherList, (c) => cipherInfoOf(c) !== undefined); }
function getHashes() {
  return ArrayPrototypeFilter(hashList, (h) => {
    try { ops.nodeHashNew(StringPrototypeToLowerCase(h), undefined); return true; } catch { return false; }
  });
}
function getCurves() { return [...curveList]; }

// ---- KeyObject -----------------------------------------------------------------------------------

const kKeyData = SymbolCtor("kKeyData");     // secret: Uint8Array; asymmetric: canonical DER
const kKeyInfo = SymbolCtor("kKeyInfo");     // asymmetric: { kind, modulusLength, ... }
const kKeyType = SymbolCtor("kKeyType");
const kConstructKey = SymbolCtor("kConstructKey");

class KeyObject {
  constructor(type, handle) {
    if (type !== "secret" && type !== "public" && type !== "private") {
      throw codedError(TypeErrorCtor, "ERR_INVALID_ARG_VALUE", `The argument 'type' is invalid. Received '${type}'`);
    }
    if (handle !== kConstructKey) throw codedError(TypeErrorCtor, "ERR_INVALID_ARG_TYPE", "The \"handle\" argument must be of type object.");
    this[kKeyType] = type;
  }
  get type() { return this[kKeyType]; }
  equals(otherKeyObject) {
    if (!(otherKeyObject instanceof KeyObject)) throw invalidArgType("otherKeyObject", "an instance of KeyObject", otherKeyObject);
    if (otherKeyObject.type !== this.type) return false;
    const a = this[kKeyData], b = otherKeyObject[kKeyData];
    return a.byteLength === b.byteLength && ops.cryptoTimingSafeEqual(a, b);
  }
  static from(key) {
    const slots = subtleModule.cryptoKeySlots(key);
    if (slots === null) throw invalidArgType("key", "an instance of CryptoKey", key);
    // A secret key's material is its bytes; an asymmetric key's is { der, isPrivate }.
    if (slots.type === "secret") return new SecretKeyObject(new Uint8ArrayCtor(viewBytes(slots.material)));
    const der = new Uint8ArrayCtor(viewBytes(slots.material.der));
    const isPrivate = slots.type === "private";
    return makeAsymmetric({ ...ops.nodeKeyDetails(der, isPrivate), der, isPrivate });
  }
}

class SecretKeyObject extends KeyObject {
  constructor(bytes) {
    super("secret", kConstructKey);
    this[kKeyData] = bytes;
  }
  get symmetricKeySize() { return this[kKeyData].byteLength; }
  export(options) {
    if (options !== undefined && (options === null || typeof options !== "object")) throw invalidArgType("options", "of type object", options);
    if (options && options.format === "jwk") return { kty: "oct", k: asBuffer(this[kKeyData]).toString("base64url") };
    if (options && options.format !== undefined && options.format !== "buffer") {
      throw codedError(TypeErrorCtor, "ERR_INVALID_ARG_VALUE", `The property 'options.format' must be one of: undefined, 'buffer', 'jwk'. Received '${options.format}'`);
    }
    return Buffer.from(this[kKeyData]);
  }
}

const jwkCurveNames = { prime256v1: "P-256", secp384r1: "P-384", secp521r1: "P-521", secp256k1: "secp256k1" };
const jwkCurveToNode = { "P-256": "prime256v1", "P-384": "secp384r1", "P-521": "secp521r1" };

class AsymmetricKeyObject extends KeyObject {
  constructor(type, der, info) {
    super(type, kConstructKey);
    this[kKeyData] = der;
    this[kKeyInfo] = info;
  }
  get asymmetricKeyType() { return this[kKeyInfo].kind; }
  get asymmetricKeyDetails() {
    const info = this[kKeyInfo];
    if (info.kind === "rsa" || info.kind === "rsa-pss") {
      let e = 0n;
      const eb = info.publicExponent;
      for (let i = 0; i < eb.length; i++) e = (e << 8n) | BigInt(eb[i]);
      return { modulusLength: info.modulusLength, publicExponent: e };
    }
    if (info.kind === "ec") return { namedCurve: info.namedCurve };
    return {};
  }
  export(options) {
    if (options === undefined || options === null || typeof options !== "object") throw invalidArgType("options", "of type object", options);
    const isPrivate = this.type === "private";
    const format = options.format === undefined ? "pem" : options.format;
    if (format === "jwk") return exportJwk(this, isPrivate);
    if (format !== "pem" && format !== "der") {
      throw codedError(TypeErrorCtor, "ERR_INVALID_ARG_VALUE", `The property 'options.format' must be one of: 'pem', 'der', 'jwk'. Received '${format}'`);
    }
    const type = options.type;
    const kind = this[kKeyInfo].kind;
    const allowed = isPrivate ? ["pkcs1", "pkcs8", "sec1"] : ["pkcs1", "spki"];
    if (!ArrayPrototypeIncludes(allowed, type)) {
      throw codedError(TypeErrorCtor, "ERR_INVALID_ARG_VALUE", `The property 'options.type' is invalid. Received ${type === undefined ? "undefined" : `'${type}'`}`);
    }
    if (type === "pkcs1" && kind !== "rsa") {
      throw codedError(TypeErrorCtor, "ERR_CRYPTO_INCOMPATIBLE_KEY_OPTIONS", `The selected key encoding pkcs1 can only be used for RSA keys.`);
    }
    if (type === "sec1" && kind !== "ec") {
      throw codedError(TypeErrorCtor, "ERR_CRYPTO_INCOMPATIBLE_KEY_OPTIONS", `The selected key encoding sec1 can only be used for EC keys.`);
    }
    let cipher, passphrase;
    if (isPrivate && options.cipher !== undefined) {
      validateString(options.cipher, "options.cipher");
      if (cipherInfoOf(options.cipher) === undefined) throw codedError(ErrorCtor, "ERR_CRYPTO_UNKNOWN_CIPHER", "Unknown cipher");
      if (format === "der" && type !== "pkcs8") {
        throw codedError(TypeErrorCtor, "ERR_CRYPTO_INCOMPATIBLE_KEY_OPTIONS", `The selected key encoding ${type} does not support encryption.`);
      }
      cipher = options.cipher;
      passphrase = binaryLike(options.passphrase === undefined ? "" : options.passphrase, "options.passphrase");
    }
    const out = ops.nodeKeyExport(this[kKeyData], isPrivate, format, type, cipher, passphrase);
    return format === "pem" ? encoding.latin1String(out) : asBuffer(out);
  }
  toCryptoKey() {
    throw codedError(TypeErrorCtor, "ERR_METHOD_NOT_IMPLEMENTED", "KeyObject.toCryptoKey() is not implemented in Colony");
  }
}

function exportJwk(key, isPrivate) {
  const info = key[kKeyInfo];
  const fields = ops.cryptoExportJwk(key[kKeyData], isPrivate);
  const b64 = (name) => Buffer.from(fields[name]).toString("base64url");
  const jwk = {};
  if (info.kind === "rsa") {
    jwk.kty = "RSA";
    for (const f of isPrivate ? ["n", "e", "d", "p", "q", "dp", "dq", "qi"] : ["n", "e"]) if (fields[f]) jwk[f] = b64(f);
  } else if (info.kind === "ec") {
    const crv = jwkCurveNames[info.namedCurve];
    if (crv === undefined) throw codedError(ErrorCtor, "ERR_CRYPTO_JWK_UNSUPPORTED_CURVE", `Unsupported JWK EC curve: ${info.namedCurve}.`);
    jwk.kty = "EC"; jwk.crv = crv; jwk.x = b64("x"); jwk.y = b64("y");
    if (isPrivate) jwk.d = b64("d");
  } else if (info.kind === "ed25519" || info.kind === "x25519") {
    jwk.crv = info.kind === "ed25519" ? "Ed25519" : "X25519";
    jwk.x = b64("x");
    if (isPrivate) jwk.d = b64("d");
    jwk.kty = "OKP";
  } else {
    throw codedError(ErrorCtor, "ERR_CRYPTO_JWK_UNSUPPORTED_KEY_TYPE", "Unsupported JWK Key Type.");
  }
  return jwk;
}

class PublicKeyObject extends AsymmetricKeyObject {
  constructor(der, info) { super("public", der, info); }
}
class PrivateKeyObject extends AsymmetricKeyObject {
  constructor(der, info) { super("private", der, info); }
}

function makeAsymmetric(parsed) {
  const info = { kind: parsed.kind, modulusLength: parsed.modulusLength, publicExponent: parsed.publicExponent,
    namedCurve: parsed.namedCurve };
  return parsed.isPrivate ? new PrivateKeyObject(parsed.der, info) : new PublicKeyObject(parsed.der, info);
}

function createSecretKey(key, enc) {
  if (typeof key === "string") return new SecretKeyObject(Buffer.from(key, enc || "utf8"));
  if (!isBytesLike(key)) throw invalidArgType("key", "of type string or an instance of ArrayBuffer, Buffer, TypedArray, or DataView", key);
  const b = viewBytes(key);
  return new SecretKeyObject(new Uint8ArrayCtor(b));
}

function importJwk(jwk, wantPrivate) {
  if (jwk === null || typeof jwk !== "object") throw invalidArgType("key.key", "of type object", jwk);
  const field = (name) => (typeof jwk[name] === "string" ? Buffer.from(jwk[name], "base64url") : undefined);
  let kind, curve;
  const fields = {};
  if (jwk.kty === "RSA") {
    kind = "RSA";
    for (const f of ["n", "e", "d", "p", "q", "dp", "dq", "qi"]) { const v = field(f); if (v !== undefined) fields[f] = v; }
  } else if (jwk.kty === "EC") {
    kind = "EC"; curve = jwk.crv;
    if (jwkCurveToNode[curve] === undefined) throw codedError(TypeErrorCtor, "ERR_CRYPTO_INVALID_JWK", "Invalid JWK EC key");
    for (const f of ["x", "y", "d"]) { const v = field(f); if (v !== undefined) fields[f] = v; }
  } else if (jwk.kty === "OKP") {
    kind = jwk.crv;
    if (kind !== "Ed25519" && kind !== "X25519") throw codedError(TypeErrorCtor, "ERR_CRYPTO_INVALID_JWK", "Invalid JWK OKP key");
    for (const f of ["x", "d"]) { const v = field(f); if (v !== undefined) fields[f] = v; }
  } else {
    throw codedError(TypeErrorCtor, "ERR_CRYPTO_INVALID_JWK", "Invalid JWK key");
  }
  if (wantPrivate && fields.d === undefined) throw codedError(TypeErrorCtor, "ERR_CRYPTO_INVALID_JWK", "Invalid JWK private key");
  let imported;
  try {
    imported = ops.cryptoImportJwk(kind, curve, fields);
  } catch (e) {
    throw codedError(TypeErrorCtor, "ERR_CRYPTO_INVALID_JWK", `Invalid JWK data: ${e.message}`);
  }
  let der = new Uint8ArrayCtor(imported.der);
  let isPrivate = imported.isPrivate;
  const details = ops.nodeKeyDetails(der, isPrivate);
  if (isPrivate && !wantPrivate) { der = details.publicDer; isPrivate = false; }
  return makeAsymmetric({ ...details, der, isPrivate });
}

// Parses createPublicKey/createPrivateKey input: a PEM string, a Buffer, or { key, format, type,
// passphrase, encoding }; a KeyObject or CryptoKey is also accepted for public keys.
function prepareAsymmetric(key, wantPrivate) {
  const name = "key";
  if (typeof key === "string" || isBytesLike(key)) key = { key };
  if (key === null || typeof key !== "object") {
    throw invalidArgType(name, "of type string or an instance of ArrayBuffer, Buffer, TypedArray, DataView, or KeyObject", key);
  }
  if (key instanceof KeyObject) {
    if (key.type === "private" && !wantPrivate) {
      return makeAsymmetric({ ...ops.nodeKeyDetails(key[kKeyInfo].publicDer || publicDerOf(key), false),
        der: key[kKeyInfo].publicDer || publicDerOf(key), isPrivate: false });
    }
    if (key.type === "secret" || (wantPrivate && key.type !== "private")) {
      throw codedError(TypeErrorCtor, "ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE", `Invalid key object type ${key.type}, expected ${wantPrivate ? "private" : "public"}.`);
    }
    return key;
  }
  const format = key.format === undefined ? "pem" : key.format;
  if (format === "jwk") return importJwk(key.key, wantPrivate);
  if (format !== "pem" && format !== "der") {
    throw codedError(TypeErrorCtor, "ERR_INVALID_ARG_VALUE", `The property 'key.format' must be one of: 'pem', 'der', 'jwk'. Received '${format}'`);
  }
  let data = key.key;
  if (key.key instanceof KeyObject) return prepareAsymmetric(key.key, wantPrivate);
  if (typeof data === "string") data = Buffer.from(data, key.encoding || "utf8");
  else if (isBytesLike(data)) data = viewBytes(data);
  else throw invalidArgType("key.key", "of type string or an instance of ArrayBuffer, Buffer, TypedArray, or DataView", data);
  if (format === "der" && key.type === undefined) {
    throw codedError(TypeErrorCtor, "ERR_INVALID_ARG_VALUE", "The property 'key.type' is invalid. Received undefined");
  }
  const passphrase = key.passphrase === undefined ? undefined : binaryLike(key.passphrase, "key.passphrase");
  let parsed;
  try {
    parsed = ops.nodeKeyParse(data, format, key.type || "", wantPrivate, passphrase);
  } catch (e) {
    if (e instanceof TypeErrorCtor) throw codedError(TypeErrorCtor, "ERR_MISSING_PASSPHRASE", e.message);
    const err = new ErrorCtor(e.message);
    err.code = "ERR_OSSL_UNSUPPORTED";
    throw err;
  }
  if (!wantPrivate && parsed.isPrivate) parsed = { ...parsed, der: parsed.publicDer, isPrivate: false };
  return makeAsymmetric(parsed);
}
function publicDerOf(key) {
  const details = ops.nodeKeyDetails(key[kKeyData], true);
  key[kKeyInfo].publicDer = details.publicDer;
  return details.publicDer;
}

function createPublicKey(key) { return prepareAsymmetric(key, false); }
function createPrivateKey(key) { return prepareAsymmetric(key, true); }

// ---- key pairs -----------------------------------------------------------------------------------

function encodeGenerated(key, encodingOptions) {
  if (encodingOptions === undefined) return key;
  if (encodingOptions === null || typeof encodingOptions !== "object") {
    throw invalidArgType("options.publicKeyEncoding", "of type object", encodingOptions);
  }
  return key.export(encodingOptions);
}

function generateKeyPairSync(type, options = {}) {
  validateString(type, "type");
  if (options === null || typeof options !== "object") throw invalidArgType("options", "of type object", options);
  let args;
  if (type === "rsa" || type === "rsa-pss") {
    validateInt(options.modulusLength, "options.modulusLength", 0, 2 ** 32 - 1);
    const e = options.publicExponent === undefined ? 0x10001 : options.publicExponent;
    validateInt(e, "options.publicExponent", 0, 2 ** 32 - 1);
    args = [type, options.modulusLength, e, undefined];
  } else if (type === "ec") {
    validateString(options.namedCurve, "options.namedCurve");
    args = [type, 0, 0, jwkCurveToNode[options.namedCurve] || options.namedCurve];
  } else if (type === "ed25519" || type === "x25519" || type === "ed448" || type === "x448") {
    args = [type, 0, 0, undefined];
  } else {
    throw codedError(TypeErrorCtor, "ERR_INVALID_ARG_VALUE",
      `The argument 'type' must be a supported key type. Received '${type}'`);
  }
  let pair;
  try {
    pair = ReflectApply(ops.nodeKeyGenerate, ops, args);
  } catch (e) {
    if (type === "ec") throw codedError(TypeErrorCtor, "ERR_CRYPTO_INVALID_CURVE", "Invalid EC curve name");
    throw e;
  }
  const privDetails = ops.nodeKeyDetails(pair[0], true);
  const privateKey = makeAsymmetric({ ...privDetails, der: pair[0], isPrivate: true });
  const publicKey = makeAsymmetric({ ...privDetails, der: pair[1], isPrivate: false });
  return {
    publicKey: encodeGenerated(publicKey, options.publicKeyEncoding),
    privateKey: encodeGenerated(privateKey, options.privateKeyEncoding),
  };
}
function generateKeyPair(type, options, callback) {
  if (typeof options === "function") { callback = options; options = undefined; }
  validateCallback(callback);
  const { publicKey, privateKey } = generateKeyPairSync(type, options);
  later(() => callback(null, publicKey, privateKey));
}
function generateKeySync(type, options) {
  validateString(type, "type");
  if (type !== "hmac" && type !== "aes") {
    throw codedError(TypeErrorCtor, "ERR_INVALID_ARG_VALUE", `The argument 'type' must be a supported key type. Received '${type}'`);
  }
  const length = options && options.length;
  if (type === "aes") {
    if (length !== 128 && length !== 192 && length !== 256) {
      throw codedError(TypeErrorCtor, "ERR_INVALID_ARG_VALUE", `The property 'options.length' must be one of: 128, 192, 256. Received ${length}`);
    }
  } else {
    validateInt(length, "options.length", 8, 2 ** 31 - 1);
  }
  return new SecretKeyObject(new Uint8ArrayCtor(randomBytes(MathFloor(length / 8))));
}
function generateKey(type, options, callback) {
  validateCallback(callback);
  const key = generateKeySync(type, options);
  later(() => callback(null, key));
}

// ---- sign / verify -------------------------------------------------------------------------------

const RSA_PKCS1_PADDING = 1, RSA_NO_PADDING = 3, RSA_PKCS1_OAEP_PADDING = 4, RSA_PKCS1_PSS_PADDING = 6;
const RSA_PSS_SALTLEN_DIGEST = -1, RSA_PSS_SALTLEN_MAX_SIGN = -2, RSA_PSS_SALTLEN_AUTO = -2;

function keyAndOptions(key, wantPrivate) {
  let options = {};
  if (key !== null && typeof key === "object" && !(key instanceof KeyObject) && !isBytesLike(key)) options = key;
  const keyObject = prepareAsymmetric(key, wantPrivate);
  return { keyObject, options };
}
function signOptions(options) {
  const padding = options.padding;
  const saltLength = options.saltLength;
  if (padding !== undefined) validateInt(padding, "options.padding", 0, 2 ** 31 - 1);
  if (saltLength !== undefined) validateInt(saltLength, "options.saltLength", -3, 2 ** 31 - 1);
  const dsaEncoding = options.dsaEncoding === undefined ? "der" : options.dsaEncoding;
  if (dsaEncoding !== "der" && dsaEncoding !== "ieee-p1363") {
    throw codedError(TypeErrorCtor, "ERR_INVALID_ARG_VALUE", `The property 'options.dsaEncoding' is invalid. Received '${dsaEncoding}'`);
  }
  return { padding, saltLength, p1363: dsaEncoding === "ieee-p1363" };
}
function signOneShot(algorithm, data, key, callback) {
  if (algorithm !== null && algorithm !== undefined) validateString(algorithm, "algorithm");
  const bytes = dataBytes(data, undefined);
  const { keyObject, options } = keyAndOptions(key, true);
  const { padding, saltLength, p1363 } = signOptions(options);
  const run = () => asBuffer(ops.nodeSign(algorithm == null ? undefined : digestName(algorithm), keyObject[kKeyData],
    bytes, padding, saltLength, p1363));
  if (callback === undefined) return run();
  validateCallback(callback);
  later(() => { let s; try { s = run(); } catch (e) { callback(e); return; } callback(null, s); });
  return undefined;
}
function verifyOneShot(algorithm, data, key, signature, callback) {
  if (algorithm !== null && algorithm !== undefined) validateString(algorithm, "algorithm");
  const bytes = dataBytes(data, undefined);
  const { keyObject, options } = keyAndOptions(key, false);
  const sig = dataBytes(signature, undefined, "signature");
  const { padding, saltLength, p1363 } = signOptions(options);
  const run = () => ops.nodeVerify(algorithm == null ? undefined : digestName(algorithm), keyObject[kKeyData], bytes,
    padding, saltLength, p1363, sig);
  if (callback === undefined) return run();
  validateCallback(callback);
  later(() => { let r; try { r = run(); } catch (e) { callback(e); return; } callback(null, r); });
  return undefined;
}

const kChunks = SymbolCtor("kChunks");
const kAlgorithm = SymbolCtor("kAlgorithm");

function collectChunk(self, data, enc) {
  if (self[kFinalized]) throw codedError(ErrorCtor, "ERR_CRYPTO_SIGN_KEY_REQUIRED", "Signature already produced");
  ArrayPrototypePush(self[kChunks], new Uint8ArrayCtor(dataBytes(data, enc)));
  return self;
}
function joined(chunks) { return Buffer.concat(chunks); }

function Sign(algorithm, options) {
  if (!(this instanceof Sign)) return new Sign(algorithm, options);
  initSignVerify(this, algorithm, options);
}
function initSignVerify(self, algorithm, options) {
  validateString(algorithm, "algorithm");
  try {
    const name = digestName(algorithm);
    ops.nodeHashNew(StringPrototypeStartsWith(name, "rsa-") ? StringPrototypeSlice(name, 4) : name, undefined);
  } catch {
    throw codedError(ErrorCtor, "ERR_CRYPTO_INVALID_DIGEST", `Invalid digest: ${algorithm}`);
  }
  self[kAlgorithm] = algorithm;
  self[kChunks] = [];
  self[kFinalized] = false;
  ReflectApply(Writable, self, [options]);
}
ObjectSetPrototypeOf(Sign.prototype, Writable.prototype);
ObjectSetPrototypeOf(Sign, Writable);
Sign.prototype._write = function(chunk, enc, cb) { collectChunk(this, chunk, enc); cb(); };
Sign.prototype.update = function update(data, enc) { return collectChunk(this, data, enc); };
Sign.prototype.sign = function sign(privateKey, outputEncoding) {
  if (privateKey === undefined || privateKey === null) throw codedError(ErrorCtor, "ERR_CRYPTO_SIGN_KEY_REQUIRED", "No key provided to sign");
  const sig = signOneShot(this[kAlgorithm], joined(this[kChunks]), privateKey);
  this[kFinalized] = true;
  return outputEncoding !== undefined && outputEncoding !== "buffer" ? sig.toString(outputEncoding) : sig;
};

function Verify(algorithm, options) {
  if (!(this instanceof Verify)) return new Verify(algorithm, options);
  initSignVerify(this, algorithm, options);
}
ObjectSetPrototypeOf(Verify.prototype, Writable.prototype);
ObjectSetPrototypeOf(Verify, Writable);
Verify.prototype._write = Sign.prototype._write;
Verify.prototype.update = Sign.prototype.update;
Verify.prototype.verify = function verify(object, signature, sigEncoding) {
  const sig = typeof signature === "string" ? Buffer.from(signature, sigEncoding || "utf8") : signature;
  const ok = verifyOneShot(this[kAlgorithm], joined(this[kChunks]), object, sig);
  this[kFinalized] = true;
  return ok;
};

function createSign(algorithm, options) { return new Sign(algorithm, options); }
function createVerify(algorithm, options) { return new Verify(algorithm, options); }

// ---- RSA encryption ------------------------------------------------------------------------------

function rsaCrypt(isPrivateKey, encrypt, defaultPadding) {
  return (key, buffer) => {
    const { keyObject, options } = keyAndOptions(key, isPrivateKey);
    const padding = options.padding === undefined ? defaultPadding : options.padding;
    const oaepHash = options.oaepHash === undefined ? "sha1" : options.oaepHash;
    const label = options.oaepLabel === undefined ? undefined : viewBytes(options.oaepLabel);
    const data = dataBytes(buffer, options.encoding, "buffer");
    try {
      return asBuffer(ops.nodeRsaCrypt(keyObject[kKeyData], keyObject.type === "private", encrypt, padding,
        digestName(oaepHash), label, data));
    } catch (e) {
      const err = new ErrorCtor(e.message);
      err.code = encrypt ? "ERR_OSSL_RSA_ENCRYPT_FAILED" : "ERR_OSSL_RSA_DECRYPT_FAILED";
      throw err;
    }
  };
}

// ---- module --------------------------------------------------------------------------------------

const cryptoConstants = ObjectFreeze({
  RSA_PKCS1_PADDING, RSA_NO_PADDING, RSA_PKCS1_OAEP_PADDING, RSA_PKCS1_PSS_PADDING, RSA_X931_PADDING: 5,
  RSA_SSLV23_PADDING: 2, RSA_PSS_SALTLEN_DIGEST, RSA_PSS_SALTLEN_MAX_SIGN, RSA_PSS_SALTLEN_AUTO,
  POINT_CONVERSION_COMPRESSED: 2, POINT_CONVERSION_UNCOMPRESSED: 4, POINT_CONVERSION_HYBRID: 6,
  defaultCoreCipherList: "", defaultCipherList: "", OPENSSL_VERSION_NUMBER: 0x30000000,
});

function unsupported(name) {
  return { [name]() { throw registry.notImplemented(`crypto.${name}`); } }[name];
}

// ---- ECDH ----------------------------------------------------------------------------------------

const kEcdhState = SymbolCtor("kEcdhState");
function ecdhForm(format) {
  if (format === undefined || format === "uncompressed") return 4;
  if (format === "compressed") return 2;
  // workerd's BoringSSL has no hybrid encoding; it fails the same way here.
  if (format === "hybrid") throw new ErrorCtor("Failed to get public key length");
  throw codedError(TypeErrorCtor, "ERR_INVALID_ARG_VALUE",
    `The argument 'format' must be one of: 'compressed', 'uncompressed', 'hybrid'. Received '${format}'`);
}
function ecdhInput(key, enc, name) {
  if (typeof key === "string") return Buffer.from(key, enc || "utf8");
  if (isBytesLike(key)) return viewBytes(key);
  throw invalidArgType(name, "of type string or an instance of ArrayBuffer, Buffer, TypedArray, or DataView", key);
}
function ecdhPoint(curve, point, format) {
  const form = ecdhForm(format);
  return form === 4 ? point : ops.nodeEcPointConvert(curve, point, form);
}
function invalidPeerKey() {
  return codedError(ErrorCtor, "ERR_CRYPTO_ECDH_INVALID_PUBLIC_KEY", "Failed to set point");
}

class ECDH {
  constructor(curve) {
    validateString(curve, "curve");
    try {
      ops.nodeEcdhGenerate(curve);
    } catch {
      throw codedError(ErrorCtor, "ERR_CRYPTO_INVALID_CURVE", "Invalid curve");
    }
    this[kEcdhState] = { curve, privateKey: undefined, publicKey: undefined };
  }
  generateKeys(encoding, format) {
    const state = this[kEcdhState];
    const [priv, pub] = ops.nodeEcdhGenerate(state.curve);
    state.privateKey = priv;
    state.publicKey = pub;
    return this.getPublicKey(encoding, format);
  }
  getPublicKey(encoding, format) {
    const state = this[kEcdhState];
    if (state.publicKey === undefined) throw codedError(ErrorCtor, "ERR_CRYPTO_INVALID_STATE", "Failed to get ECDH public key");
    return encodeOutput(ecdhPoint(state.curve, state.publicKey, format), encoding);
  }
  getPrivateKey(encoding) {
    const state = this[kEcdhState];
    if (state.privateKey === undefined) throw codedError(ErrorCtor, "ERR_CRYPTO_INVALID_STATE", "Failed to get ECDH private key");
    return encodeOutput(state.privateKey, encoding);
  }
  setPrivateKey(key, encoding) {
    const state = this[kEcdhState];
    const bytes = ecdhInput(key, encoding, "key");
    let pub;
    try {
      pub = ops.nodeEcdhPublic(state.curve, bytes);
    } catch {
      throw codedError(ErrorCtor, "ERR_CRYPTO_INVALID_KEYTYPE", "Private key is not valid for specified curve.");
    }
    state.privateKey = new Uint8ArrayCtor(bytes);
    state.publicKey = pub;
  }
  setPublicKey(key, encoding) {
    const state = this[kEcdhState];
    const bytes = ecdhInput(key, encoding, "key");
    try {
      state.publicKey = ops.nodeEcPointConvert(state.curve, bytes, 4);
    } catch {
      throw invalidPeerKey();
    }
  }
  computeSecret(key, inputEncoding, outputEncoding) {
    const state = this[kEcdhState];
    const peer = ecdhInput(key, inputEncoding, "key");
    if (state.privateKey === undefined) throw codedError(ErrorCtor, "ERR_CRYPTO_INVALID_STATE", "Failed to compute ECDH key");
    let secret;
    try {
      secret = ops.nodeEcdhCompute(state.curve, state.privateKey, peer);
    } catch {
      throw invalidPeerKey();
    }
    return encodeOutput(secret, outputEncoding);
  }
  static convertKey(key, curve, inputEncoding, outputEncoding, format) {
    validateString(curve, "curve");
    const bytes = ecdhInput(key, inputEncoding, "key");
    let point;
    try {
      point = ops.nodeEcPointConvert(curve, bytes, ecdhForm(format));
    } catch (e) {
      if (e.code === "ERR_INVALID_ARG_VALUE") throw e;
      throw invalidPeerKey();
    }
    return encodeOutput(point, outputEncoding);
  }
}
function createECDH(curve) { return new ECDH(curve); }

// ---- Diffie-Hellman -------------------------------------------------------------------------------

const kDhState = SymbolCtor("kDhState");
function dhBytes(value, enc, name) {
  if (typeof value === "number") {
    const out = [];
    for (let v = value; v > 0; v = MathFloor(v / 256)) ArrayPrototypePush(out, v % 256);
    return Uint8ArrayCtor.from(out.reverse());
  }
  return ecdhInput(value, enc, name);
}

class DiffieHellman {
  constructor(sizeOrKey, keyEncoding, generator, genEncoding) {
    if (typeof sizeOrKey !== "number" && typeof sizeOrKey !== "string" && !isBytesLike(sizeOrKey)) {
      throw invalidArgType("sizeOrKey", "of type number or string or an instance of ArrayBuffer, Buffer, TypedArray, or DataView", sizeOrKey);
    }
    if (typeof keyEncoding === "number" || isBytesLike(keyEncoding)) {
      genEncoding = generator;
      generator = keyEncoding;
      keyEncoding = undefined;
    }
    const prime = typeof sizeOrKey === "number" ? ops.nodeDhPrime(sizeOrKey) : dhBytes(sizeOrKey, keyEncoding, "sizeOrKey");
    const gen = dhBytes(generator === undefined ? 2 : generator, genEncoding, "generator");
    this[kDhState] = { prime: new Uint8ArrayCtor(prime), generator: new Uint8ArrayCtor(gen), privateKey: undefined, publicKey: undefined };
    ObjectDefineProperty(this, "verifyError", { value: 0, enumerable: true });
  }
  generateKeys(encoding) {
    const state = this[kDhState];
    const [priv, pub] = ops.nodeDhKeys(state.prime, state.generator, state.privateKey);
    state.privateKey = priv;
    state.publicKey = pub;
    return encodeOutput(pub, encoding);
  }
  computeSecret(key, inputEncoding, outputEncoding) {
    const state = this[kDhState];
    const peer = ecdhInput(key, inputEncoding, "key");
    if (state.privateKey === undefined) throw new ErrorCtor("No private key");
    let secret;
    try {
      secret = ops.nodeDhCompute(state.prime, state.privateKey, peer);
    } catch (e) {
      throw new RangeErrorCtor(`DiffieHellman computeSecret() failed: ${e.message}`);
    }
    return encodeOutput(secret, outputEncoding);
  }
  getPrime(encoding) { return encodeOutput(this[kDhState].prime, encoding); }
  getGenerator(encoding) { return encodeOutput(this[kDhState].generator, encoding); }
  getPublicKey(encoding) {
    const key = this[kDhState].publicKey;
    if (key === undefined) throw new ErrorCtor("No public key");
    return encodeOutput(key, encoding);
  }
  getPrivateKey(encoding) {
    const key = this[kDhState].privateKey;
    if (key === undefined) throw new ErrorCtor("No private key");
    return encodeOutput(key, encoding);
  }
  setPublicKey(key, encoding) { this[kDhState].publicKey = new Uint8ArrayCtor(ecdhInput(key, encoding, "key")); }
  setPrivateKey(key, encoding) { this[kDhState].privateKey = new Uint8ArrayCtor(ecdhInput(key, encoding, "key")); }
}

class DiffieHellmanGroup {
  constructor(name) {
    validateString(name, "name");
    const prime = ops.nodeDhGroup(name);
    if (prime === undefined) {
      throw new ErrorCtor("Failed to init DiffieHellmanGroup: invalid group. Only groups {modp14, modp15, modp16, modp17, modp18} are supported.");
    }
    this[kDhState] = { prime, generator: Uint8ArrayCtor.of(2), privateKey: undefined, publicKey: undefined };
    // DH_NOT_SUITABLE_GENERATOR, as workerd reports for these groups.
    ObjectDefineProperty(this, "verifyError", { value: 8, enumerable: true });
  }
}
for (const name of ["generateKeys", "computeSecret", "getPrime", "getGenerator", "getPublicKey", "getPrivateKey"]) {
  DiffieHellmanGroup.prototype[name] = DiffieHellman.prototype[name];
}
function createDiffieHellman(sizeOrKey, keyEncoding, generator, genEncoding) {
  return new DiffieHellman(sizeOrKey, keyEncoding, generator, genEncoding);
}
function getDiffieHellman(name) { return new DiffieHellmanGroup(name); }

// ---- X509Certificate: a certificate parsed natively (runtime/api/node_x509.cc) ----------------

const kX509 = SymbolCtor("kX509");
// X509_CHECK_FLAG_* of OpenSSL, for checkHost's and checkEmail's options.
const kCheckAlwaysSubject = 0x1, kCheckNoWildcards = 0x2, kCheckNoPartialWildcards = 0x4,
  kCheckMultiLabelWildcards = 0x8, kCheckSingleLabelSubdomains = 0x10, kCheckNeverSubject = 0x20;
const kNistCurves = { prime256v1: "P-256", secp384r1: "P-384", secp521r1: "P-521" };

function checkFlags(options) {
  if (options === undefined) return 0;
  if (options === null || typeof options !== "object") throw invalidArgType("options", "of type object", options);
  let flags = 0;
  if (options.subject === "always") flags |= kCheckAlwaysSubject;
  else if (options.subject === "never") flags |= kCheckNeverSubject;
  else if (options.subject !== undefined && options.subject !== "default") throw new ErrorCtor("Invalid subject option");
  if (options.wildcards === false) flags |= kCheckNoWildcards;
  if (options.partialWildcards === false) flags |= kCheckNoPartialWildcards;
  if (options.multiLabelWildcards === true) flags |= kCheckMultiLabelWildcards;
  if (options.singleLabelSubdomains === true) flags |= kCheckSingleLabelSubdomains;
  return flags;
}

// "C=US\nO=Example" as { C: "US", O: "Example" } (a repeated attribute becomes an array).
function nameObject(text) {
  const out = { __proto__: null };
  for (const line of text.split("\n")) {
    const at = line.indexOf("=");
    if (at <= 0) continue;
    const key = line.slice(0, at), value = line.slice(at + 1);
    out[key] = out[key] === undefined ? value : [].concat(out[key], value);
  }
  return { ...out };
}

class X509Certificate {
  constructor(buffer) {
    if (typeof buffer === "string") buffer = Buffer.from(buffer);
    else if (!isBytesLike(buffer)) throw invalidArgType("buffer", "of type string or an instance of Buffer, TypedArray, or DataView", buffer);
    const bytes = viewBytes(buffer);
    try {
      this[kX509] = ops.nodeX509Parse(bytes);
    } catch {
      const shown = Buffer.from(bytes.subarray(0, 50)).toString("hex").replace(/(..)(?!$)/g, "$1 ");
      throw codedError(TypeErrorCtor, "ERR_INVALID_ARG_VALUE", `The argument 'buffer' is not a valid certificate. Received <Buffer ${shown}${bytes.byteLength > 50 ? " ..." : ""}>`);
    }
  }
  get ca() { return this[kX509].ca; }
  get fingerprint() { return this[kX509].fingerprint; }
  get fingerprint256() { return this[kX509].fingerprint256; }
  get fingerprint512() { return this[kX509].fingerprint512; }
  get infoAccess() { return this[kX509].infoAccess; }
  get issuer() { return this[kX509].issuer; }
  get issuerCertificate() { return undefined; }
  get keyUsage() { const usage = this[kX509].keyUsage; return usage === undefined ? undefined : [...usage]; }
  get publicKey() {
    const der = this[kX509].publicKeyDer;
    return makeAsymmetric({ ...ops.nodeKeyDetails(der, false), der, isPrivate: false });
  }
  get raw() { return Buffer.from(this[kX509].der); }
  get serialNumber() { return this[kX509].serialNumber; }
  get subject() { return this[kX509].subject; }
  get subjectAltName() { return this[kX509].subjectAltName; }
  get validFrom() { return this[kX509].validFrom; }
  get validTo() { return this[kX509].validTo; }

  checkHost(name, options) {
    if (typeof name !== "string") throw invalidArgType("name", "of type string", name);
    return ops.nodeX509Check(this[kX509].der, "host", name, checkFlags(options));
  }
  checkEmail(email, options) {
    if (typeof email !== "string") throw invalidArgType("email", "of type string", email);
    return ops.nodeX509Check(this[kX509].der, "email", email, checkFlags(options));
  }
  checkIP(ip) {
    if (typeof ip !== "string") throw invalidArgType("ip", "of type string", ip);
    return ops.nodeX509Check(this[kX509].der, "ip", ip, 0);
  }
  checkIssued(otherCert) {
    if (!(otherCert instanceof X509Certificate)) throw invalidArgType("otherCert", "an instance of X509Certificate", otherCert);
    return ops.nodeX509CheckIssued(this[kX509].der, otherCert[kX509].der);
  }
  checkPrivateKey(pkey) {
    if (!(pkey instanceof KeyObject) || pkey.type !== "private") throw invalidArgType("pkey", "an instance of KeyObject", pkey);
    return ops.nodeX509CheckPrivateKey(this[kX509].der, pkey[kKeyData]);
  }
  verify(pkey) {
    if (!(pkey instanceof KeyObject) || pkey.type !== "public") throw invalidArgType("pkey", "an instance of KeyObject", pkey);
    return ops.nodeX509Verify(this[kX509].der, pkey[kKeyData]);
  }
  toString() { return this[kX509].pem; }
  toJSON() { return this[kX509].pem; }
  // The shape of tls' peer certificates (getPeerCertificate()).
  toLegacyObject() {
    const x = this[kX509];
    const key = this.publicKey;
    const details = key.asymmetricKeyDetails || {};
    const rsa = key.asymmetricKeyType === "rsa" || key.asymmetricKeyType === "rsa-pss";
    const ec = key.asymmetricKeyType === "ec";
    const jwk = rsa || ec ? key.export({ format: "jwk" }) : null;
    const fromB64 = (v) => Buffer.from(v, "base64url");
    const infoAccess = {};
    for (const line of (x.infoAccess || "").split("\n")) {
      const at = line.indexOf(":");
      if (at <= 0) continue;
      const k = line.slice(0, at), v = line.slice(at + 1);
      (infoAccess[k] ||= []).push(v);
    }
    return {
      subject: nameObject(x.subject),
      subjectAltName: x.subjectAltName || "",
      infoAccess,
      issuer: nameObject(x.issuer),
      ca: x.ca,
      modulus: rsa ? fromB64(jwk.n).toString("hex").toUpperCase() : undefined,
      bits: rsa ? details.modulusLength : ec ? fromB64(jwk.x).length * 8 : undefined,
      exponent: rsa ? `0x${details.publicExponent.toString(16)}` : undefined,
      // An EC key's point; an RSA key's SubjectPublicKeyInfo.
      pubkey: ec ? Buffer.concat([Buffer.from([4]), fromB64(jwk.x), fromB64(jwk.y)])
        : rsa ? Buffer.from(x.publicKeyDer) : undefined,
      asn1Curve: ec ? details.namedCurve : undefined,
      nistCurve: ec ? kNistCurves[details.namedCurve] : undefined,
      valid_from: x.validFrom,
      valid_to: x.validTo,
      fingerprint: x.fingerprint,
      fingerprint256: x.fingerprint256,
      fingerprint512: x.fingerprint512,
      serialNumber: x.serialNumber,
      ext_key_usage: this.keyUsage,
      raw: this.raw,
    };
  }
}

// The secret two KeyObjects agree on (ECDH on one curve, X25519, X448), as a Buffer.
function diffieHellman(options) {
  if (options === null || typeof options !== "object") throw invalidArgType("options", "of type object", options);
  const { privateKey, publicKey } = options;
  for (const [name, key, type] of [["options.privateKey", privateKey, "private"], ["options.publicKey", publicKey, "public"]]) {
    if (!(key instanceof KeyObject)) throw invalidArgType(name, "an instance of KeyObject", key);
    if (key.type !== type) throw invalidArgType(name, `${type} key`, key);
  }
  const kind = privateKey.asymmetricKeyType;
  if (publicKey.asymmetricKeyType !== kind) {
    throw codedError(TypeErrorCtor, "ERR_INVALID_ARG_VALUE",
      `The property 'options.publicKey.asymmetricKeyType' must equal privateKey.asymmetricKeyType. Received '${publicKey.asymmetricKeyType}'`);
  }
  if (kind !== "ec" && kind !== "x25519" && kind !== "x448") {
    throw codedError(ErrorCtor, "ERR_CRYPTO_INCOMPATIBLE_KEY", `Incompatible key types for Diffie-Hellman: ${kind} and ${kind}`);
  }
  let secret;
  try {
    secret = ops.cryptoDerive(privateKey[kKeyData], publicKey[kKeyData]);
  } catch {
    // Keys of two different curves.
    throw new ErrorCtor("Failed to derive shared diffie-hellman secret");
  }
  return Buffer.from(secret);
}

function build() {
  const webcrypto = cryptoGlobal.crypto;
  const mod = {
    constants: cryptoConstants,
    Hash, Hmac, createHash(algorithm, options) { return new Hash(algorithm, options); },
    createHmac(hmac, key, options) { return new Hmac(hmac, key, options); },
    hash, getHashes, getCiphers, getCurves, getCipherInfo,
    randomBytes, pseudoRandomBytes: randomBytes, randomFill, randomFillSync, randomInt, randomUUID, getRandomValues,
    timingSafeEqual, pbkdf2, pbkdf2Sync, hkdf, hkdfSync, scrypt, scryptSync,
    Cipheriv, Decipheriv, createCipheriv, createDecipheriv,
    KeyObject, SecretKeyObject, PublicKeyObject, PrivateKeyObject, X509Certificate,
    createSecretKey, createPublicKey, createPrivateKey,
    generateKeyPair, generateKeyPairSync, generateKey, generateKeySync,
    Sign, Verify, createSign, createVerify, sign: signOneShot, verify: verifyOneShot,
    publicEncrypt: rsaCrypt(false, true, RSA_PKCS1_OAEP_PADDING),
    privateDecrypt: rsaCrypt(true, false, RSA_PKCS1_OAEP_PADDING),
    privateEncrypt: rsaCrypt(true, true, RSA_PKCS1_PADDING),
    publicDecrypt: rsaCrypt(false, false, RSA_PKCS1_PADDING),
    webcrypto, subtle: webcrypto.subtle, CryptoKey: cryptoGlobal.CryptoKey,
    getFips() { return 0; },
    setFips(v) { if (v) throw registry.notImplemented("crypto.setFips"); },
    secureHeapUsed() { return { total: 0, min: 0, used: 0, utilization: 0 }; },
    setEngine: unsupported("setEngine"),
    DiffieHellman, DiffieHellmanGroup, createDiffieHellman,
    createDiffieHellmanGroup: getDiffieHellman, getDiffieHellman,
    diffieHellman,
    ECDH, createECDH,
    generatePrime: unsupported("generatePrime"),
    generatePrimeSync: unsupported("generatePrimeSync"),
    checkPrime: unsupported("checkPrime"),
    checkPrimeSync: unsupported("checkPrimeSync"),
  };
  ObjectDefineProperty(mod, "fips", { get() { return false; }, enumerable: true, configurable: true });
  return mod;
}

registry.define("crypto", build);
