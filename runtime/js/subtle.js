"use strict";
// SubtleCrypto and CryptoKey (W3C Web Cryptography API) over the native crypto ops
// (runtime/api/crypto_*.cc). This file normalizes algorithms, checks keys and usages, and converts
// key formats (JWK members, base64url); the ops do the cryptography on OpenSSL 3.
//
// Keys hold their material in a private slot: the bytes of a secret key, or the DER of an
// asymmetric key (PKCS#8 for private keys, SPKI for public keys). Every operation runs
// synchronously inside the call and hands back a settled promise; errors become rejections with
// the DOMException the specification names for the step that failed.

const {
  ArrayBufferIsView, ArrayBufferPrototypeGetByteLength, ArrayPrototypeIncludes, ArrayPrototypeJoin,
  DataViewPrototypeGetBuffer, DataViewPrototypeGetByteOffset, DataViewPrototypeGetByteLength,
  JSONParse, JSONStringify, MathCeil, MathTrunc, NumberIsFinite, ObjectFreeze, ObjectKeys, PromiseReject,
  PromiseResolve, ReflectApply, SharedArrayBufferPrototypeGetByteLength, StringPrototypeCharCodeAt,
  StringPrototypeToUpperCase, StringPrototypeSplit, StringPrototypeTrim, StringPrototypeStartsWith, String: StringCtor, TypeError: TypeErrorCtor, TypedArrayPrototypeGetBuffer,
  TypedArrayPrototypeGetByteLength, TypedArrayPrototypeGetByteOffset, TypedArrayPrototypeGetSymbolToStringTag,
  TypedArrayPrototypeSlice, Uint8Array: Uint8ArrayCtor, ArrayAppend, makeEnumerable,
  setToStringTag, ObjectPrototypeHasOwnProperty, Number: NumberCtor, ObjectSetPrototypeOf, ObjectPrototype,
} = internal.primordials;
const { DOMException } = internal.require("dom_exception");
const ops = internal.ops;

// ---- small helpers ----------------------------------------------------------------------------

function domError(name, message) { return new DOMException(message, name); }

// Calls a native op; its Error becomes the DOMException `errorName`.
function native(errorName, name, ...args) {
  try {
    return ReflectApply(ops[name], ops, args);
  } catch (e) {
    throw domError(errorName, e && e.message !== undefined ? e.message : StringCtor(e));
  }
}

function isArrayBuffer(v) {
  try { ArrayBufferPrototypeGetByteLength(v); return true; } catch { return false; }
}
function isSharedArrayBuffer(v) {
  try { SharedArrayBufferPrototypeGetByteLength(v); return true; } catch { return false; }
}

// A Uint8Array over the bytes of a BufferSource (no copy), or a TypeError naming the argument.
function viewOf(value, what) {
  if (ArrayBufferIsView(value)) {
    if (TypedArrayPrototypeGetSymbolToStringTag(value) !== undefined) {
      return new Uint8ArrayCtor(TypedArrayPrototypeGetBuffer(value), TypedArrayPrototypeGetByteOffset(value),
        TypedArrayPrototypeGetByteLength(value));
    }
    return new Uint8ArrayCtor(DataViewPrototypeGetBuffer(value), DataViewPrototypeGetByteOffset(value),
      DataViewPrototypeGetByteLength(value));
  }
  if (isArrayBuffer(value) || isSharedArrayBuffer(value)) return new Uint8ArrayCtor(value);
  throw new TypeErrorCtor(`${what} is not of type 'BufferSource'.`);
}
// A copy of a BufferSource's bytes.
function copyOf(value, what) { return TypedArrayPrototypeSlice(viewOf(value, what)); }

const b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const b64values = new Uint8ArrayCtor(128).fill(255);
for (let i = 0; i < 64; i++) b64values[StringPrototypeCharCodeAt(b64chars, i)] = i;
b64values[43] = 62; // '+' and '/' too, as lenient decoders do
b64values[47] = 63;

function base64urlEncode(bytes) {
  let s = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    s += b64chars[n >> 18] + b64chars[(n >> 12) & 63] + b64chars[(n >> 6) & 63] + b64chars[n & 63];
  }
  if (i + 1 === bytes.length) {
    const n = bytes[i] << 16;
    s += b64chars[n >> 18] + b64chars[(n >> 12) & 63];
  } else if (i + 2 === bytes.length) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    s += b64chars[n >> 18] + b64chars[(n >> 12) & 63] + b64chars[(n >> 6) & 63];
  }
  return s;
}

// Decodes base64url (padding optional); null when the text is not base64url.
function base64urlDecode(text) {
  let len = text.length;
  while (len > 0 && text[len - 1] === "=") len--;
  if (len % 4 === 1) return null;
  const out = new Uint8ArrayCtor((len * 3) >> 2);
  let acc = 0, bits = 0, o = 0;
  for (let i = 0; i < len; i++) {
    const c = StringPrototypeCharCodeAt(text, i);
    const v = c < 128 ? b64values[c] : 255;
    if (v === 255) return null;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 255;
    }
  }
  return out;
}

function bytesToBuffer(bytes) {
  return TypedArrayPrototypeGetBuffer(TypedArrayPrototypeSlice(bytes));
}

// ---- CryptoKey --------------------------------------------------------------------------------

const kConstruct = Symbol("CryptoKey construction");
const usageOrder = ["encrypt", "decrypt", "sign", "verify", "deriveKey", "deriveBits", "wrapKey", "unwrapKey"];

// CryptoKeys are host objects that structuredClone() and postMessage() refuse, as in workerd: the
// base constructor returns the object the class's private fields are then installed on.
function UncloneableCryptoKeyBase() {
  return ops.newUncloneable("CryptoKey", new.target.prototype);
}

class CryptoKey extends UncloneableCryptoKeyBase {
  #type; #extractable; #algorithm; #usages; #material;

  constructor(key = undefined, type, extractable, algorithm, usages, material) {
    if (key !== kConstruct) throw new TypeErrorCtor("Illegal constructor");
    super();
    this.#type = type;
    this.#extractable = extractable;
    this.#algorithm = algorithm;
    this.#usages = usages;
    this.#material = material;
  }

  get type() { return slots(this).type; }
  get extractable() { return slots(this).extractable; }
  get algorithm() { return slots(this).algorithm; }
  get usages() { return slots(this).usages; }

  static slots(key) {
    if (key === null || typeof key !== "object" || !(#type in key)) return null;
    return { type: key.#type, extractable: key.#extractable, algorithm: key.#algorithm, usages: key.#usages, material: key.#material };
  }
}
makeEnumerable(CryptoKey, ["type", "extractable", "algorithm", "usages"]);
ObjectSetPrototypeOf(CryptoKey.prototype, ObjectPrototype);
const keySlots = CryptoKey.slots;
delete CryptoKey.slots;

function slots(key) {
  const s = keySlots(key);
  if (s === null) throw new TypeErrorCtor("Illegal invocation: not a CryptoKey.");
  return s;
}

// Usages in canonical order, without duplicates.
function sortUsages(usages) {
  const out = [];
  for (let i = 0; i < usageOrder.length; i++) {
    if (ArrayPrototypeIncludes(usages, usageOrder[i])) ArrayAppend(out, usageOrder[i]);
  }
  return out;
}

function makeKey(type, extractable, algorithm, usages, material) {
  return new CryptoKey(kConstruct, type, extractable, algorithm, ObjectFreeze(sortUsages(usages)), material);
}

// The key, checked to be a CryptoKey for `algName` that allows `usage` (InvalidAccessError).
function checkKey(key, what, algName, usage) {
  const s = keySlots(key);
  if (s === null) throw new TypeErrorCtor(`${what} is not of type 'CryptoKey'.`);
  if (s.algorithm.name !== algName) {
    throw domError("InvalidAccessError",
      `Requested algorithm "${algName}" does not match this CryptoKey's algorithm "${s.algorithm.name}".`);
  }
  if (usage !== undefined && !ArrayPrototypeIncludes(s.usages, usage)) {
    throw domError("InvalidAccessError", `Requested key usage "${usage}" does not match any usage listed in this CryptoKey.`);
  }
  return s;
}

// ---- algorithm normalization ------------------------------------------------------------------

const hashNames = ["SHA-1", "SHA-256", "SHA-384", "SHA-512", "MD5"];

// Member converters: each takes the value and the context and returns the normalized value.
function hashMember(value) {
  const alg = normalizeAlgorithm(value, "digest");
  return alg.name;
}
function bytesMember(value, what) { return copyOf(value, what); }
// WebIDL unsigned long / octet conversions (no [EnforceRange]: wrap modulo 2^32 / 2^8).
function ulongMember(value) {
  const n = NumberCtor(value);
  if (!NumberIsFinite(n)) return 0;
  const t = MathTrunc(n);
  return ((t % 4294967296) + 4294967296) % 4294967296;
}
function octetMember(value) { return ulongMember(value) & 255; }
function stringMember(value) { return StringCtor(value); }
function keyMember(value, what) {
  if (keySlots(value) === null) throw new TypeErrorCtor(`${what} is not of type 'CryptoKey'.`);
  return value;
}

// Dictionary members per parameter type: [name, converter, required].
const dictionaries = {
  __proto__: null,
  None: [],
  Hash: [["hash", hashMember, true]],
  HmacImport: [["hash", hashMember, true], ["length", ulongMember, false]],
  HmacKeyGen: [["hash", hashMember, true], ["length", ulongMember, false]],
  RsaHashedKeyGen: [["modulusLength", ulongMember, true], ["publicExponent", bytesMember, true], ["hash", hashMember, true]],
  RsaPss: [["saltLength", ulongMember, true]],
  RsaOaep: [["label", bytesMember, false]],
  EcKeyGen: [["namedCurve", stringMember, true]],
  EcKeyImport: [["namedCurve", stringMember, true]],
  EcdhKeyDerive: [["public", keyMember, true]],
  AesKeyGen: [["length", ulongMember, true]],
  AesDerivedKey: [["length", ulongMember, true]],
  AesCbc: [["iv", bytesMember, true]],
  AesCtr: [["counter", bytesMember, true], ["length", octetMember, true]],
  AesGcm: [["iv", bytesMember, true], ["additionalData", bytesMember, false], ["tagLength", octetMember, false]],
  Hkdf: [["hash", hashMember, true], ["salt", bytesMember, true], ["info", bytesMember, true]],
  Pbkdf2: [["salt", bytesMember, true], ["iterations", ulongMember, true], ["hash", hashMember, true]],
};

// Which algorithms each operation knows, and the dictionary type of their parameters.
const registered = {
  __proto__: null,
  digest: { "SHA-1": "None", "SHA-256": "None", "SHA-384": "None", "SHA-512": "None", "MD5": "None" },
  encrypt: { "RSA-OAEP": "RsaOaep", "AES-CTR": "AesCtr", "AES-CBC": "AesCbc", "AES-GCM": "AesGcm" },
  sign: {
    "RSASSA-PKCS1-v1_5": "None", "RSA-PSS": "RsaPss", "ECDSA": "Hash", "HMAC": "None", "Ed25519": "None",
    "NODE-ED25519": "None",
  },
  generateKey: {
    "RSASSA-PKCS1-v1_5": "RsaHashedKeyGen", "RSA-PSS": "RsaHashedKeyGen", "RSA-OAEP": "RsaHashedKeyGen",
    "ECDSA": "EcKeyGen", "ECDH": "EcKeyGen", "AES-CTR": "AesKeyGen", "AES-CBC": "AesKeyGen",
    "AES-GCM": "AesKeyGen", "AES-KW": "AesKeyGen", "HMAC": "HmacKeyGen", "Ed25519": "None", "X25519": "None",
    "NODE-ED25519": "EcKeyGen",
  },
  importKey: {
    "RSASSA-PKCS1-v1_5": "Hash", "RSA-PSS": "Hash", "RSA-OAEP": "Hash", "ECDSA": "EcKeyImport",
    "ECDH": "EcKeyImport", "AES-CTR": "None", "AES-CBC": "None", "AES-GCM": "None", "AES-KW": "None",
    "HMAC": "HmacImport", "PBKDF2": "None", "HKDF": "None", "Ed25519": "None", "X25519": "None",
    "NODE-ED25519": "EcKeyImport",
  },
  deriveBits: { "ECDH": "EcdhKeyDerive", "X25519": "EcdhKeyDerive", "HKDF": "Hkdf", "PBKDF2": "Pbkdf2" },
  getKeyLength: {
    "AES-CTR": "AesDerivedKey", "AES-CBC": "AesDerivedKey", "AES-GCM": "AesDerivedKey", "AES-KW": "AesDerivedKey",
    "HMAC": "HmacImport", "HKDF": "None", "PBKDF2": "None",
  },
  wrapKey: { "AES-KW": "None" },
};
registered.decrypt = registered.encrypt;
registered.verify = registered.sign;
registered.unwrapKey = registered.wrapKey;

const upperNames = { __proto__: null };
{
  const ops = ObjectKeys(registered);
  for (let i = 0; i < ops.length; i++) {
    const names = ObjectKeys(registered[ops[i]]);
    for (let j = 0; j < names.length; j++) upperNames[StringPrototypeToUpperCase(names[j])] = names[j];
  }
}

// The spec's "normalize an algorithm": a plain object with the canonical name and converted
// members. Unknown names are NotSupportedError; missing required members are TypeError.
function normalizeAlgorithm(algorithm, op) {
  if (typeof algorithm === "string") return normalizeAlgorithm({ name: algorithm }, op);
  if (algorithm === null || (typeof algorithm !== "object" && typeof algorithm !== "function")) {
    throw new TypeErrorCtor("Algorithm must be a string or an object.");
  }
  const rawName = algorithm.name;
  if (rawName === undefined) throw new TypeErrorCtor('Missing field "name" in "algorithm".');
  const name = upperNames[StringPrototypeToUpperCase(StringCtor(rawName))];
  const table = registered[op];
  if (name === undefined || !ObjectPrototypeHasOwnProperty(table, name)) {
    if (op === "digest") throw domError("NotSupportedError", "Unrecognized or unimplemented digest algorithm requested.");
    throw domError("NotSupportedError", `Unrecognized or unimplemented algorithm "${StringCtor(rawName)}" requested for ${op}.`);
  }
  const result = { name };
  const members = dictionaries[table[name]];
  for (let i = 0; i < members.length; i++) {
    const [member, convert, required] = members[i];
    const value = algorithm[member];
    if (value === undefined) {
      if (required) throw new TypeErrorCtor(`Missing field "${member}" in "algorithm".`);
      continue;
    }
    result[member] = convert(value, `algorithm.${member}`);
  }
  return result;
}

// Like normalizeAlgorithm, but a first op that does not know the algorithm falls back to a second.
function normalizeEither(algorithm, op, fallback) {
  try {
    return normalizeAlgorithm(algorithm, op);
  } catch (e) {
    if (e instanceof DOMException && e.name === "NotSupportedError") return normalizeAlgorithm(algorithm, fallback);
    throw e;
  }
}

// ---- key usages -------------------------------------------------------------------------------

function checkUsages(usages, allowed, algName) {
  for (let i = 0; i < usages.length; i++) {
    if (!ArrayPrototypeIncludes(allowed, usages[i])) {
      throw domError("SyntaxError", `Attempt to use ${algName} key with invalid usage "${usages[i]}".`);
    }
  }
}

function usagesArg(usages) {
  if (usages === null || typeof usages !== "object" || typeof usages[Symbol.iterator] !== "function") {
    throw new TypeErrorCtor("keyUsages is not a sequence.");
  }
  const out = [];
  for (const u of usages) {
    const s = StringCtor(u);
    if (!ArrayPrototypeIncludes(usageOrder, s)) {
      throw new TypeErrorCtor(`"${s}" is not a valid enum value of type KeyUsage.`);
    }
    ArrayAppend(out, s);
  }
  return out;
}

function intersect(usages, allowed) {
  const out = [];
  for (let i = 0; i < usages.length; i++) if (ArrayPrototypeIncludes(allowed, usages[i])) ArrayAppend(out, usages[i]);
  return out;
}

// ---- JWK checks shared by every key type -------------------------------------------------------

function jwkArg(keyData) {
  if (keyData === null || typeof keyData !== "object" || ArrayBufferIsView(keyData) || isArrayBuffer(keyData)) {
    throw new TypeErrorCtor("JWK key data must be an object.");
  }
  return keyData;
}

function checkJwkCommon(jwk, kty, extractable, usages, use) {
  if (jwk.kty !== kty) throw domError("DataError", `JWK "kty" must be "${kty}", got "${jwk.kty}".`);
  if (jwk.use !== undefined && usages.length > 0 && jwk.use !== use) {
    throw domError("DataError", `JWK "use" must be "${use}" for these usages.`);
  }
  // Like workerd, key_ops is not required to list the requested usages.
  if (jwk.key_ops !== undefined && (jwk.key_ops === null || typeof jwk.key_ops !== "object")) {
    throw domError("DataError", 'JWK "key_ops" must be an array.');
  }
  if (jwk.ext === false && extractable) {
    throw domError("DataError", "JWK \"ext\" is false but the key was requested to be extractable.");
  }
}

function jwkBytes(jwk, member, required = true) {
  const v = jwk[member];
  if (v === undefined) {
    if (required) throw domError("DataError", `JWK is missing the "${member}" member.`);
    return undefined;
  }
  const bytes = typeof v === "string" ? base64urlDecode(v) : null;
  if (bytes === null) throw domError("DataError", `JWK member "${member}" is not valid base64url.`);
  return bytes;
}

function jwkExportCommon(jwk, key) {
  jwk.key_ops = [...key.usages];
  jwk.ext = key.extractable;
  return jwk;
}

// ---- secret-key algorithms: HMAC, AES, PBKDF2, HKDF ---------------------------------------------

const hashBits = { __proto__: null, "SHA-1": 160, "SHA-256": 256, "SHA-384": 384, "SHA-512": 512, "MD5": 128 };
const hashBlockBits = { __proto__: null, "SHA-1": 512, "SHA-256": 512, "SHA-384": 1024, "SHA-512": 1024, "MD5": 512 };
const hmacJwkAlg = { __proto__: null, "SHA-1": "HS1", "SHA-256": "HS256", "SHA-384": "HS384", "SHA-512": "HS512" };
const aesJwkSuffix = { __proto__: null, "AES-CTR": "CTR", "AES-CBC": "CBC", "AES-GCM": "GCM", "AES-KW": "KW" };
const aesUsages = {
  __proto__: null, "AES-CTR": ["encrypt", "decrypt", "wrapKey", "unwrapKey"],
  "AES-CBC": ["encrypt", "decrypt", "wrapKey", "unwrapKey"], "AES-GCM": ["encrypt", "decrypt", "wrapKey", "unwrapKey"],
  "AES-KW": ["wrapKey", "unwrapKey"],
};

function randomBytes(n) {
  const b = new Uint8ArrayCtor(n);
  for (let i = 0; i < n; i += 65536) ops.randomBytes(new Uint8ArrayCtor(TypedArrayPrototypeGetBuffer(b), i, n - i > 65536 ? 65536 : n - i));
  return b;
}

const hmac = {
  generateKey(alg, extractable, usages) {
    checkUsages(usages, ["sign", "verify"], "HMAC");
    let length = alg.length;
    if (length === undefined) length = hashBlockBits[alg.hash];
    else if (length === 0) throw domError("OperationError", "HMAC key length must be non-zero.");
    const bytes = randomBytes(MathCeil(length / 8));
    return makeKey("secret", extractable, { name: "HMAC", hash: { name: alg.hash }, length }, usages, bytes);
  },
  importKey(format, keyData, alg, extractable, usages) {
    checkUsages(usages, ["sign", "verify"], "HMAC");
    let bytes;
    if (format === "raw") {
      bytes = copyOf(keyData, "keyData");
    } else if (format === "jwk") {
      const jwk = jwkArg(keyData);
      checkJwkCommon(jwk, "oct", extractable, usages, "sig");
      bytes = jwkBytes(jwk, "k");
      const expected = hmacJwkAlg[alg.hash];
      if (jwk.alg !== undefined && jwk.alg !== expected) {
        throw domError("DataError", `HMAC "jwk" key import specifies "alg" that is incompatible with the hash name (encountered "${jwk.alg}", expected "${expected}").`);
      }
    } else {
      throw domError("NotSupportedError", `Unsupported key format "${format}" for HMAC.`);
    }
    if (bytes.length === 0) throw domError("DataError", "HMAC key data must not be empty.");
    let length = bytes.length * 8;
    if (alg.length !== undefined) {
      if (alg.length > length || alg.length <= length - 8) {
        throw domError("DataError", `HMAC key length ${alg.length} does not match the key data (${length} bits).`);
      }
      length = alg.length;
    }
    return makeKey("secret", extractable, { name: "HMAC", hash: { name: alg.hash }, length }, usages, bytes);
  },
  exportKey(format, key) {
    if (format === "raw") return bytesToBuffer(key.material);
    if (format === "jwk") {
      const jwk = { kty: "oct", k: base64urlEncode(key.material) };
      const a = hmacJwkAlg[key.algorithm.hash.name];
      if (a !== undefined) jwk.alg = a;
      return jwkExportCommon(jwk, key);
    }
    throw domError("NotSupportedError", `Unsupported export format "${format}" for HMAC keys.`);
  },
  sign(alg, key, data) {
    return native("OperationError", "cryptoHmac", key.algorithm.hash.name, key.material, data);
  },
  verify(alg, key, signature, data) {
    const mac = native("OperationError", "cryptoHmac", key.algorithm.hash.name, key.material, data);
    return ops.cryptoTimingSafeEqual(mac, signature);
  },
  getKeyLength(alg) {
    if (alg.length === undefined) return hashBlockBits[alg.hash];
    if (alg.length === 0) throw new TypeErrorCtor("HMAC key length must be non-zero.");
    return alg.length;
  },
};

function aesAlgorithm(name) {
  return {
    generateKey(alg, extractable, usages) {
      checkUsages(usages, aesUsages[name], name);
      if (alg.length !== 128 && alg.length !== 192 && alg.length !== 256) {
        throw domError("OperationError", `Generated AES key length must be 128, 192, or 256 bits but requested ${alg.length}.`);
      }
      return makeKey("secret", extractable, { name, length: alg.length }, usages, randomBytes(alg.length / 8));
    },
    importKey(format, keyData, alg, extractable, usages) {
      checkUsages(usages, aesUsages[name], name);
      let bytes;
      if (format === "raw") {
        bytes = copyOf(keyData, "keyData");
      } else if (format === "jwk") {
        const jwk = jwkArg(keyData);
        checkJwkCommon(jwk, "oct", extractable, usages, "enc");
        bytes = jwkBytes(jwk, "k");
        const expected = `A${bytes.length * 8}${aesJwkSuffix[name]}`;
        if (jwk.alg !== undefined && jwk.alg !== expected) {
          throw domError("DataError", `AES "jwk" key import specifies "alg" "${jwk.alg}", expected "${expected}".`);
        }
      } else {
        throw domError("NotSupportedError", `Unsupported key format "${format}" for ${name}.`);
      }
      if (bytes.length !== 16 && bytes.length !== 24 && bytes.length !== 32) {
        throw domError("DataError", `Imported AES key length must be 128, 192, or 256 bits but provided ${bytes.length * 8}.`);
      }
      return makeKey("secret", extractable, { name, length: bytes.length * 8 }, usages, bytes);
    },
    exportKey(format, key) {
      if (format === "raw") return bytesToBuffer(key.material);
      if (format === "jwk") {
        return jwkExportCommon({ kty: "oct", k: base64urlEncode(key.material), alg: `A${key.material.length * 8}${aesJwkSuffix[name]}` }, key);
      }
      throw domError("NotSupportedError", `Unsupported export format "${format}" for AES keys.`);
    },
    getKeyLength(alg) {
      if (alg.length !== 128 && alg.length !== 192 && alg.length !== 256) {
        throw domError("OperationError", `AES key length must be 128, 192, or 256 bits but requested ${alg.length}.`);
      }
      return alg.length;
    },
  };
}

const aesGcm = aesAlgorithm("AES-GCM");
const gcmTagLengths = [32, 64, 96, 104, 112, 120, 128];
function gcmRun(encrypt, alg, key, data) {
  const tagLength = alg.tagLength === undefined ? 128 : alg.tagLength;
  if (!ArrayPrototypeIncludes(gcmTagLengths, tagLength)) {
    throw domError("OperationError", `Invalid AES-GCM tag length ${tagLength}.`);
  }
  if (alg.iv.length === 0) throw domError("OperationError", "AES-GCM iv must not be empty.");
  return native("OperationError", "cryptoAesGcm", encrypt, key.material, alg.iv,
    alg.additionalData === undefined ? new Uint8ArrayCtor(0) : alg.additionalData, tagLength / 8, data);
}
aesGcm.encrypt = (alg, key, data) => gcmRun(true, alg, key, data);
aesGcm.decrypt = (alg, key, data) => gcmRun(false, alg, key, data);

const aesCbc = aesAlgorithm("AES-CBC");
function cbcRun(encrypt, alg, key, data) {
  if (alg.iv.length !== 16) throw domError("OperationError", "AES-CBC iv must be 16 bytes.");
  return native("OperationError", "cryptoAesCbc", encrypt, key.material, alg.iv, data);
}
aesCbc.encrypt = (alg, key, data) => cbcRun(true, alg, key, data);
aesCbc.decrypt = (alg, key, data) => cbcRun(false, alg, key, data);

const aesCtr = aesAlgorithm("AES-CTR");
function ctrRun(alg, key, data) {
  if (alg.counter.length !== 16) throw domError("OperationError", "AES-CTR counter must be 16 bytes.");
  if (alg.length === 0 || alg.length > 128) throw domError("OperationError", "AES-CTR length must be between 1 and 128.");
  return native("OperationError", "cryptoAesCtr", key.material, alg.counter, alg.length, data);
}
aesCtr.encrypt = ctrRun;
aesCtr.decrypt = ctrRun;

const aesKw = aesAlgorithm("AES-KW");
aesKw.wrapKey = (alg, key, data) => {
  if (data.length % 8 !== 0) throw domError("OperationError", "AES-KW can only wrap data whose length is a multiple of 8 bytes.");
  return native("OperationError", "cryptoAesKw", true, key.material, data);
};
aesKw.unwrapKey = (alg, key, data) => native("OperationError", "cryptoAesKw", false, key.material, data);

function kdfAlgorithm(name) {
  return {
    importKey(format, keyData, alg, extractable, usages) {
      checkUsages(usages, ["deriveKey", "deriveBits"], name);
      if (format !== "raw") throw domError("NotSupportedError", `${name} keys can only be imported in "raw" format.`);
      if (extractable) throw domError("SyntaxError", `${name} key cannot be extractable.`);
      return makeKey("secret", false, { name }, usages, copyOf(keyData, "keyData"));
    },
    getKeyLength() { return null; },
  };
}

function derivedLength(length, name) {
  if (length === null || length === undefined) throw domError("OperationError", `${name} requires a derived length.`);
  if (length % 8 !== 0) throw domError("OperationError", `${name} derived length must be a multiple of 8.`);
  return length / 8;
}

const pbkdf2 = kdfAlgorithm("PBKDF2");
pbkdf2.deriveBits = (alg, key, length) => {
  const bytes = derivedLength(length, "PBKDF2");
  if (alg.iterations === 0) throw domError("OperationError", "PBKDF2 requires a positive iteration count.");
  return native("OperationError", "cryptoPbkdf2", alg.hash, key.material, alg.salt, alg.iterations, bytes);
};

const hkdf = kdfAlgorithm("HKDF");
hkdf.deriveBits = (alg, key, length) => {
  const bytes = derivedLength(length, "HKDF");
  return native("OperationError", "cryptoHkdf", alg.hash, key.material, alg.salt, alg.info, bytes);
};

// ---- asymmetric algorithms --------------------------------------------------------------------

// Each entry says which native key kind it uses, which usages its private and public keys allow,
// and how its algorithm object looks.
function asymmetric(name, kind, privateUsages, publicUsages, spec) {
  return { name, kind, privateUsages, publicUsages, ...spec };
}

function makeAsymKey(desc, isPrivate, extractable, algorithm, usages, der) {
  return makeKey(isPrivate ? "private" : "public", extractable, algorithm, usages, { der, isPrivate });
}

// Inspects imported DER (DataError when it is not a key of the right kind).
function derInfo(der, isPrivate, desc, alg) {
  const info = native("DataError", "cryptoKeyInfo", der, isPrivate);
  if (info.kind !== desc.kind) {
    throw domError("DataError", `The key is not a ${desc.kind === "EC" ? "EC" : desc.kind} key (it is ${info.kind || "of an unsupported type"}).`);
  }
  if (desc.kind === "EC" && info.curve !== alg.namedCurve) {
    throw domError("DataError", `The key's curve (${info.curve || "unsupported"}) does not match the namedCurve ${alg.namedCurve}.`);
  }
  return info;
}

function asymImport(desc, format, keyData, alg, extractable, usages) {
  let der, isPrivate;
  if (format === "pkcs8" || format === "spki") {
    isPrivate = format === "pkcs8";
    const info = derInfo(copyOf(keyData, "keyData"), isPrivate, desc, alg);
    der = new Uint8ArrayCtor(info.der);
    checkUsages(usages, isPrivate ? desc.privateUsages : desc.publicUsages, desc.name);
    return makeAsymKey(desc, isPrivate, extractable, desc.algorithm(alg, info), usages, der);
  }
  if (format === "raw") {
    if (desc.kind === "RSA") throw domError("NotSupportedError", `Unsupported key format "raw" for ${desc.name}.`);
    checkUsages(usages, desc.publicUsages, desc.name);
    der = new Uint8ArrayCtor(native("DataError", "cryptoImportRawPublic", desc.kind, alg.namedCurve, copyOf(keyData, "keyData")));
    const info = derInfo(der, false, desc, alg);
    return makeAsymKey(desc, false, extractable, desc.algorithm(alg, info), usages, der);
  }
  if (format === "jwk") {
    const jwk = jwkArg(keyData);
    const kty = desc.kind === "RSA" ? "RSA" : desc.kind === "EC" ? "EC" : "OKP";
    const fields = {};
    const members = desc.kind === "RSA" ? ["n", "e", "d", "p", "q", "dp", "dq", "qi"] : desc.kind === "EC" ? ["x", "y", "d"] : ["x", "d"];
    for (let i = 0; i < members.length; i++) {
      const v = jwkBytes(jwk, members[i], false);
      if (v !== undefined) fields[members[i]] = v;
    }
    isPrivate = fields.d !== undefined;
    checkUsages(usages, isPrivate ? desc.privateUsages : desc.publicUsages, desc.name);
    checkJwkCommon(jwk, kty, extractable, usages, desc.jwkUse);
    if (desc.checkJwk) desc.checkJwk(jwk, alg);
    const result = native("DataError", "cryptoImportJwk", desc.kind, alg.namedCurve, fields);
    der = new Uint8ArrayCtor(result.der);
    const info = derInfo(der, isPrivate, desc, alg);
    return makeAsymKey(desc, isPrivate, extractable, desc.algorithm(alg, info), usages, der);
  }
  throw domError("NotSupportedError", `Unsupported key format "${format}".`);
}

function asymExport(desc, format, key) {
  const { der, isPrivate } = key.material;
  if (format === "pkcs8" || format === "spki") {
    if (isPrivate !== (format === "pkcs8")) {
      throw domError("InvalidAccessError", `A ${key.type} key cannot be exported as ${format}.`);
    }
    return bytesToBuffer(der);
  }
  if (format === "raw") {
    if (desc.kind === "RSA") throw domError("NotSupportedError", `Unsupported export format "raw" for ${desc.name}.`);
    if (isPrivate) throw domError("InvalidAccessError", "Only public keys can be exported as raw.");
    return native("OperationError", "cryptoExportRawPublic", der);
  }
  if (format === "jwk") {
    const parts = native("OperationError", "cryptoExportJwk", der, isPrivate);
    const jwk = {};
    if (desc.kind === "RSA") {
      jwk.kty = "RSA";
      const alg = desc.jwkAlg(key.algorithm);
      if (alg !== undefined) jwk.alg = alg;
    } else if (desc.kind === "EC") {
      jwk.kty = "EC";
      jwk.crv = key.algorithm.namedCurve;
    } else {
      jwk.kty = "OKP";
      jwk.crv = desc.kind;
      if (desc.name === "Ed25519") jwk.alg = "EdDSA";
    }
    const names = ObjectKeys(parts);
    for (let i = 0; i < names.length; i++) jwk[names[i]] = base64urlEncode(new Uint8ArrayCtor(parts[names[i]]));
    return jwkExportCommon(jwk, key);
  }
  throw domError("NotSupportedError", `Unsupported export format "${format}".`);
}

function asymGenerate(desc, alg, extractable, usages, nativeArgs) {
  checkUsages(usages, [...desc.privateUsages, ...desc.publicUsages], desc.name);
  const privateUsages = intersect(usages, desc.privateUsages);
  if (privateUsages.length === 0) {
    throw domError("SyntaxError", "Attempt to generate asymmetric keys with no valid private key usages.");
  }
  const [pkcs8, spki] = native("OperationError", "cryptoGenerateKeyPair", ...nativeArgs);
  const algorithm = desc.algorithm(alg, null);
  const publicAlgorithm = desc.algorithm(alg, null);
  return {
    publicKey: makeAsymKey(desc, false, true, publicAlgorithm, intersect(usages, desc.publicUsages), new Uint8ArrayCtor(spki)),
    privateKey: makeAsymKey(desc, true, extractable, algorithm, privateUsages, new Uint8ArrayCtor(pkcs8)),
  };
}

function withMethods(desc) {
  desc.importKey = (format, keyData, alg, extractable, usages) => asymImport(desc, format, keyData, alg, extractable, usages);
  desc.exportKey = (format, key) => asymExport(desc, format, key);
  return desc;
}

function keyPrivate(key) { return key.material.isPrivate; }
function requireType(key, isPrivate, what) {
  if (keyPrivate(key) !== isPrivate) throw domError("InvalidAccessError", `${what} requires a ${isPrivate ? "private" : "public"} key.`);
}

// RSA --------------------------------------------------------------------------------------------

const rsaJwkPrefix = { __proto__: null, "RSASSA-PKCS1-v1_5": "RS", "RSA-PSS": "PS" };
function rsaJwkAlg(name, hash) {
  if (name === "RSA-OAEP") return hash === "SHA-1" ? "RSA-OAEP" : `RSA-OAEP-${hash.slice(4)}`;
  return hash === "SHA-1" ? `${rsaJwkPrefix[name]}1` : `${rsaJwkPrefix[name]}${hash.slice(4)}`;
}

function rsa(name, privateUsages, publicUsages, jwkUse) {
  const desc = withMethods(asymmetric(name, "RSA", privateUsages, publicUsages, {
    jwkUse,
    algorithm(alg, info) {
      return {
        name,
        modulusLength: info ? info.modulusLength : alg.modulusLength,
        publicExponent: info ? new Uint8ArrayCtor(info.publicExponent) : TypedArrayPrototypeSlice(alg.publicExponent),
        hash: { name: alg.hash },
      };
    },
    jwkAlg(algorithm) { return rsaJwkAlg(name, algorithm.hash.name); },
    checkJwk(jwk, alg) {
      if (jwk.alg !== undefined && jwk.alg !== rsaJwkAlg(name, alg.hash)) {
        throw domError("DataError", `JWK "alg" "${jwk.alg}" does not match the ${name} hash ${alg.hash}.`);
      }
    },
  }));
  desc.generateKey = (alg, extractable, usages) => {
    const e = alg.publicExponent;
    let exponent = 0;
    for (let i = 0; i < e.length; i++) exponent = exponent * 256 + e[i];
    if (exponent !== 3 && exponent !== 65537) {
      throw domError("OperationError", "The RSA public exponent must be 3 or 65537.");
    }
    const bits = alg.modulusLength;
    if (bits < 256 || bits > 16384 || bits % 8 !== 0) {
      throw domError("OperationError", "The RSA modulus length must be a multiple of 8 between 256 and 16384.");
    }
    return asymGenerate(desc, alg, extractable, usages, ["RSA", bits, e]);
  };
  return desc;
}

const rsaPkcs1 = rsa("RSASSA-PKCS1-v1_5", ["sign"], ["verify"], "sig");
rsaPkcs1.sign = (alg, key, data) => {
  requireType(key, true, "sign");
  return native("OperationError", "cryptoSign", key.material.der, "pkcs1", key.algorithm.hash.name, 0, data);
};
rsaPkcs1.verify = (alg, key, signature, data) => {
  requireType(key, false, "verify");
  return native("OperationError", "cryptoVerify", key.material.der, "pkcs1", key.algorithm.hash.name, 0, signature, data);
};

const rsaPss = rsa("RSA-PSS", ["sign"], ["verify"], "sig");
rsaPss.sign = (alg, key, data) => {
  requireType(key, true, "sign");
  return native("OperationError", "cryptoSign", key.material.der, "pss", key.algorithm.hash.name, alg.saltLength, data);
};
rsaPss.verify = (alg, key, signature, data) => {
  requireType(key, false, "verify");
  return native("OperationError", "cryptoVerify", key.material.der, "pss", key.algorithm.hash.name, alg.saltLength, signature, data);
};

const rsaOaep = rsa("RSA-OAEP", ["decrypt", "unwrapKey"], ["encrypt", "wrapKey"], "enc");
rsaOaep.encrypt = (alg, key, data) => {
  requireType(key, false, "encrypt");
  return native("OperationError", "cryptoRsaOaep", true, key.material.der, key.algorithm.hash.name,
    alg.label === undefined ? new Uint8ArrayCtor(0) : alg.label, data);
};
rsaOaep.decrypt = (alg, key, data) => {
  requireType(key, true, "decrypt");
  return native("OperationError", "cryptoRsaOaep", false, key.material.der, key.algorithm.hash.name,
    alg.label === undefined ? new Uint8ArrayCtor(0) : alg.label, data);
};

// Elliptic curves and Curve25519 ------------------------------------------------------------------

const curves = ["P-256", "P-384", "P-521"];
const ecdsaJwkAlg = { __proto__: null, "P-256": "ES256", "P-384": "ES384", "P-521": "ES512" };

function checkCurve(alg) {
  if (!ArrayPrototypeIncludes(curves, alg.namedCurve)) {
    throw domError("NotSupportedError", `Unrecognized or unimplemented EC curve "${alg.namedCurve}" requested.`);
  }
}

function ec(name, privateUsages, publicUsages, jwkUse) {
  const desc = withMethods(asymmetric(name, "EC", privateUsages, publicUsages, {
    jwkUse,
    algorithm(alg) { return { name, namedCurve: alg.namedCurve }; },
    checkJwk(jwk, alg) {
      if (jwk.crv !== alg.namedCurve) throw domError("DataError", `JWK "crv" "${jwk.crv}" does not match the namedCurve ${alg.namedCurve}.`);
      if (name === "ECDSA" && jwk.alg !== undefined && jwk.alg !== ecdsaJwkAlg[alg.namedCurve]) {
        throw domError("DataError", `JWK "alg" "${jwk.alg}" does not match the curve ${alg.namedCurve}.`);
      }
    },
  }));
  const importKey = desc.importKey;
  desc.importKey = (format, keyData, alg, extractable, usages) => {
    checkCurve(alg);
    return importKey(format, keyData, alg, extractable, usages);
  };
  desc.generateKey = (alg, extractable, usages) => {
    checkCurve(alg);
    return asymGenerate(desc, alg, extractable, usages, ["EC", alg.namedCurve]);
  };
  return desc;
}

const ecdsa = ec("ECDSA", ["sign"], ["verify"], "sig");
ecdsa.sign = (alg, key, data) => {
  requireType(key, true, "sign");
  return native("OperationError", "cryptoSign", key.material.der, "ecdsa", alg.hash, 0, data);
};
ecdsa.verify = (alg, key, signature, data) => {
  requireType(key, false, "verify");
  return native("OperationError", "cryptoVerify", key.material.der, "ecdsa", alg.hash, 0, signature, data);
};

// Shared secret of a private key and the algorithm's `public` key, truncated to `length` bits.
function agree(alg, key, length) {
  requireType(key, true, "deriveBits");
  const pub = keySlots(alg.public);
  if (pub.type !== "public") throw domError("InvalidAccessError", "The algorithm's public member must be a public key.");
  if (pub.algorithm.name !== key.algorithm.name) {
    throw domError("InvalidAccessError", "The public key's algorithm does not match the private key's.");
  }
  if (pub.algorithm.namedCurve !== key.algorithm.namedCurve) {
    throw domError("InvalidAccessError", "The public key's curve does not match the private key's.");
  }
  const secret = new Uint8ArrayCtor(native("OperationError", "cryptoDerive", key.material.der, pub.material.der));
  if (length === null || length === undefined) return TypedArrayPrototypeGetBuffer(secret);
  if (length > secret.length * 8) {
    throw domError("OperationError", `Derived bit length ${length} is longer than the shared secret (${secret.length * 8} bits).`);
  }
  const out = TypedArrayPrototypeSlice(secret, 0, MathCeil(length / 8));
  if (length % 8 !== 0) out[out.length - 1] &= (0xff << (8 - (length % 8))) & 0xff;
  return TypedArrayPrototypeGetBuffer(out);
}

const ecdh = ec("ECDH", ["deriveKey", "deriveBits"], [], "enc");
ecdh.deriveBits = agree;

function okp(name, kind, privateUsages, publicUsages, jwkUse) {
  const desc = withMethods(asymmetric(name, kind, privateUsages, publicUsages, {
    jwkUse,
    algorithm(alg) {
      return name === "NODE-ED25519" ? { name, namedCurve: "NODE-ED25519" } : { name };
    },
    checkJwk(jwk) {
      if (jwk.crv !== kind) throw domError("DataError", `JWK "crv" must be "${kind}".`);
      if (kind === "Ed25519" && jwk.alg !== undefined && jwk.alg !== "EdDSA" && jwk.alg !== "Ed25519") {
        throw domError("DataError", `JWK "alg" "${jwk.alg}" is not valid for Ed25519.`);
      }
    },
  }));
  const importKey = desc.importKey;
  const checkNodeCurve = (alg) => {
    if (name === "NODE-ED25519" && alg.namedCurve !== "NODE-ED25519") {
      throw domError("NotSupportedError", `Unrecognized or unimplemented curve "${alg.namedCurve}" for NODE-ED25519.`);
    }
  };
  desc.importKey = (format, keyData, alg, extractable, usages) => {
    checkNodeCurve(alg);
    return importKey(format, keyData, { ...alg, namedCurve: undefined }, extractable, usages);
  };
  desc.generateKey = (alg, extractable, usages) => {
    checkNodeCurve(alg);
    return asymGenerate(desc, alg, extractable, usages, [kind]);
  };
  return desc;
}

function eddsaSign(alg, key, data) {
  requireType(key, true, "sign");
  return native("OperationError", "cryptoSign", key.material.der, "eddsa", "", 0, data);
}
function eddsaVerify(alg, key, signature, data) {
  requireType(key, false, "verify");
  return native("OperationError", "cryptoVerify", key.material.der, "eddsa", "", 0, signature, data);
}

const ed25519 = okp("Ed25519", "Ed25519", ["sign"], ["verify"], "sig");
ed25519.sign = eddsaSign;
ed25519.verify = eddsaVerify;
const nodeEd25519 = okp("NODE-ED25519", "Ed25519", ["sign"], ["verify"], "sig");
nodeEd25519.sign = eddsaSign;
nodeEd25519.verify = eddsaVerify;
const x25519 = okp("X25519", "X25519", ["deriveKey", "deriveBits"], [], "enc");
x25519.deriveBits = agree;

const implementations = {
  __proto__: null,
  "HMAC": hmac, "AES-GCM": aesGcm, "AES-CBC": aesCbc, "AES-CTR": aesCtr, "AES-KW": aesKw,
  "PBKDF2": pbkdf2, "HKDF": hkdf, "RSASSA-PKCS1-v1_5": rsaPkcs1, "RSA-PSS": rsaPss, "RSA-OAEP": rsaOaep,
  "ECDSA": ecdsa, "ECDH": ecdh, "Ed25519": ed25519, "NODE-ED25519": nodeEd25519, "X25519": x25519,
};

// ---- the operations, synchronous --------------------------------------------------------------

const formats = ["raw", "pkcs8", "spki", "jwk"];
function formatArg(format) {
  const f = StringCtor(format);
  if (!ArrayPrototypeIncludes(formats, f)) throw new TypeErrorCtor(`"${f}" is not a valid enum value of type KeyFormat.`);
  return f;
}

function importKeySync(format, keyData, algorithm, extractable, keyUsages) {
  format = formatArg(format);
  const usages = usagesArg(keyUsages);
  const alg = normalizeAlgorithm(algorithm, "importKey");
  if (format !== "jwk") viewOf(keyData, "keyData");
  const key = implementations[alg.name].importKey(format, keyData, alg, !!extractable, usages);
  const s = keySlots(key);
  if ((s.type === "secret" || s.type === "private") && s.usages.length === 0) {
    throw domError("SyntaxError", `Secret/private CryptoKeys must have at least one usage.`);
  }
  return key;
}

function exportKeySync(format, key) {
  format = formatArg(format);
  const s = keySlots(key);
  if (s === null) throw new TypeErrorCtor("parameter 2 is not of type 'CryptoKey'.");
  if (!s.extractable) throw domError("InvalidAccessError", "Attempt to export non-extractable key.");
  const impl = implementations[s.algorithm.name];
  if (impl.exportKey === undefined) {
    throw domError("NotSupportedError", `${s.algorithm.name} keys cannot be exported.`);
  }
  return impl.exportKey(format, s);
}

function deriveBitsSync(algorithm, baseKey, length, usage) {
  const alg = normalizeAlgorithm(algorithm, "deriveBits");
  const key = checkKey(baseKey, "baseKey", alg.name, usage);
  return implementations[alg.name].deriveBits(alg, key, length);
}

function encryptSync(op, algorithm, key, data, usage) {
  const alg = normalizeAlgorithm(algorithm, op);
  const bytes = viewOf(data, "parameter 3");
  const s = checkKey(key, "parameter 2", alg.name, usage);
  return implementations[alg.name][op](alg, s, bytes);
}

// Runs `fn` and returns a promise settled with its result or its exception.
function settle(fn) {
  try {
    return PromiseResolve(fn());
  } catch (e) {
    return PromiseReject(e);
  }
}

function utf8Bytes(s) { return ops.utf8Encode(s); }

const kSubtle = Symbol("SubtleCrypto construction");

class SubtleCrypto {
  constructor(key = undefined) {
    if (key !== kSubtle) throw new TypeErrorCtor("Illegal constructor");
  }

  encrypt(algorithm, key, data) {
    return settle(() => encryptSync("encrypt", algorithm, key, data, "encrypt"));
  }

  decrypt(algorithm, key, data) {
    return settle(() => encryptSync("decrypt", algorithm, key, data, "decrypt"));
  }

  sign(algorithm, key, data) {
    return settle(() => encryptSync("sign", algorithm, key, data, "sign"));
  }

  verify(algorithm, key, signature, data) {
    return settle(() => {
      const alg = normalizeAlgorithm(algorithm, "verify");
      const sig = viewOf(signature, "parameter 3");
      const bytes = viewOf(data, "parameter 4");
      const s = checkKey(key, "parameter 2", alg.name, "verify");
      return implementations[alg.name].verify(alg, s, sig, bytes);
    });
  }

  digest(algorithm, data) {
    return settle(() => {
      const alg = normalizeAlgorithm(algorithm, "digest");
      return native("OperationError", "cryptoDigest", alg.name, viewOf(data, "parameter 2"));
    });
  }

  generateKey(algorithm, extractable, keyUsages) {
    return settle(() => {
      const usages = usagesArg(keyUsages);
      const alg = normalizeAlgorithm(algorithm, "generateKey");
      const result = implementations[alg.name].generateKey(alg, !!extractable, usages);
      const s = keySlots(result);
      if (s !== null && s.usages.length === 0) {
        throw domError("SyntaxError", "Secret/private CryptoKeys must have at least one usage.");
      }
      return result;
    });
  }

  deriveKey(algorithm, baseKey, derivedKeyType, extractable, keyUsages) {
    return settle(() => {
      const usages = usagesArg(keyUsages);
      const importAlg = normalizeAlgorithm(derivedKeyType, "importKey");
      const lengthAlg = normalizeAlgorithm(derivedKeyType, "getKeyLength");
      const length = implementations[lengthAlg.name].getKeyLength(lengthAlg);
      const bits = deriveBitsSync(algorithm, baseKey, length, "deriveKey");
      return importKeySync("raw", bits, importAlg, extractable, usages);
    });
  }

  deriveBits(algorithm, baseKey, length = null) {
    return settle(() => deriveBitsSync(algorithm, baseKey, length === null ? null : ulongMember(length), "deriveBits"));
  }

  importKey(format, keyData, algorithm, extractable, keyUsages) {
    return settle(() => importKeySync(format, keyData, algorithm, extractable, keyUsages));
  }

  exportKey(format, key) {
    return settle(() => exportKeySync(format, key));
  }

  wrapKey(format, key, wrappingKey, wrapAlgorithm) {
    return settle(() => {
      format = formatArg(format);
      const alg = normalizeEither(wrapAlgorithm, "wrapKey", "encrypt");
      const s = checkKey(wrappingKey, "parameter 3", alg.name, "wrapKey");
      if (keySlots(key) === null) throw new TypeErrorCtor("parameter 2 is not of type 'CryptoKey'.");
      const exported = exportKeySync(format, key);
      const bytes = format === "jwk" ? utf8Bytes(JSONStringify(exported)) : new Uint8ArrayCtor(exported);
      const impl = implementations[alg.name];
      return impl.wrapKey !== undefined ? impl.wrapKey(alg, s, bytes) : impl.encrypt(alg, s, bytes);
    });
  }

  unwrapKey(format, wrappedKey, unwrappingKey, unwrapAlgorithm, unwrappedKeyAlgorithm, extractable, keyUsages) {
    return settle(() => {
      format = formatArg(format);
      const alg = normalizeEither(unwrapAlgorithm, "unwrapKey", "decrypt");
      const importAlg = normalizeAlgorithm(unwrappedKeyAlgorithm, "importKey");
      const wrapped = viewOf(wrappedKey, "parameter 2");
      const s = checkKey(unwrappingKey, "parameter 3", alg.name, "unwrapKey");
      const impl = implementations[alg.name];
      const bytes = impl.unwrapKey !== undefined ? impl.unwrapKey(alg, s, wrapped) : impl.decrypt(alg, s, wrapped);
      let keyData = bytes;
      if (format === "jwk") {
        try {
          keyData = JSONParse(ops.utf8Decode(new Uint8ArrayCtor(bytes), true, false));
        } catch {
          throw domError("DataError", "The unwrapped key is not valid JWK JSON.");
        }
      }
      return importKeySync(format, keyData, importAlg, extractable, keyUsages);
    });
  }

  timingSafeEqual(a, b) {
    const x = viewOf(a, "parameter 1");
    const y = viewOf(b, "parameter 2");
    if (x.length !== y.length) throw new TypeErrorCtor("Input buffers must have the same byte length.");
    return ops.cryptoTimingSafeEqual(x, y);
  }
}
makeEnumerable(SubtleCrypto, [
  "encrypt", "decrypt", "sign", "verify", "digest", "generateKey", "deriveKey", "deriveBits", "importKey",
  "exportKey", "wrapKey", "unwrapKey", "timingSafeEqual",
]);

// Bytes from hex text (DataError when it is not hex).
function hexDecode(text) {
  if (text.length % 2 !== 0) throw domError("DataError", "The key's hex text has an odd length.");
  const out = new Uint8ArrayCtor(text.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexValue(StringPrototypeCharCodeAt(text, 2 * i));
    const lo = hexValue(StringPrototypeCharCodeAt(text, 2 * i + 1));
    if (hi < 0 || lo < 0) throw domError("DataError", "The key's hex text has a character that is not a hex digit.");
    out[i] = hi * 16 + lo;
  }
  return out;
}
function hexValue(c) {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

// Bytes from base64 text, or from PEM when `pem` (the "-----BEGIN ...-----" lines are dropped).
function base64Decode(text, pem) {
  let body = "";
  const lines = StringPrototypeSplit(text, "\n");
  for (let i = 0; i < lines.length; i++) {
    const line = StringPrototypeTrim(lines[i]);
    if (pem && StringPrototypeStartsWith(line, "-----")) continue;
    body += line;
  }
  const bytes = base64urlDecode(body);
  if (bytes === null) throw domError("DataError", "The key's base64 text is not valid base64.");
  return bytes;
}

// A CryptoKey from a config `cryptoKey` binding: {format (raw, hex, base64, pkcs8 and spki as PEM,
// jwk as JSON text), keyData, algorithm (a name or JSON text), algorithmIsJson, extractable, usages}.
// Throws the import error.
function makeBindingKey(desc) {
  const algorithm = desc.algorithmIsJson ? JSONParse(desc.algorithm) : desc.algorithm;
  const text = desc.keyData;
  switch (desc.format) {
    case "raw": return importKeySync("raw", text, algorithm, desc.extractable, desc.usages);
    case "hex": return importKeySync("raw", hexDecode(StringPrototypeTrim(text)), algorithm, desc.extractable, desc.usages);
    case "base64": return importKeySync("raw", base64Decode(text, false), algorithm, desc.extractable, desc.usages);
    case "pkcs8":
    case "spki": return importKeySync(desc.format, base64Decode(text, true), algorithm, desc.extractable, desc.usages);
    case "jwk": return importKeySync("jwk", JSONParse(text), algorithm, desc.extractable, desc.usages);
  }
  throw new TypeErrorCtor(`Unknown key format "${desc.format}".`);
}

exports.CryptoKey = CryptoKey;
exports.SubtleCrypto = SubtleCrypto;
exports.subtle = new SubtleCrypto(kSubtle);
exports.makeBindingKey = makeBindingKey;
internal.hooks.makeCryptoKey = makeBindingKey;
exports.normalizeDigest = (algorithm) => normalizeAlgorithm(algorithm, "digest").name;
exports.cryptoKeySlots = keySlots; // node:crypto KeyObject.from() reads a key's type and material
