import { ok, equal, deepEqual, throws, rejects } from "assert.js";

// CryptoKeys are not serializable in workerd: structuredClone (also nested inside another value)
// refuses them with a DataCloneError naming the type.
const kNotSerializable = 'Could not serialize object of type "CryptoKey". This type does not support serialization.';

export const cryptoKeyCloneRefused = {
  async test() {
    const hmac = await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, true, ["sign", "verify"]);
    let err = throws(() => structuredClone(hmac), "DataCloneError");
    equal(err.message, kNotSerializable);
    ok(err instanceof DOMException);
    err = throws(() => structuredClone({ nested: [1, hmac] }), "DataCloneError");
    equal(err.message, kNotSerializable);
    const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
    throws(() => structuredClone(pair), "DataCloneError");
    throws(() => structuredClone(pair.publicKey), "DataCloneError");
    // The key itself is unchanged and still usable; its prototype chain is the ordinary one.
    ok(hmac instanceof CryptoKey);
    equal(Object.getPrototypeOf(Object.getPrototypeOf(hmac)), Object.prototype);
    deepEqual(hmac.usages, ["sign", "verify"]);
    equal(hmac.algorithm.name, "HMAC");
    const sig = await crypto.subtle.sign("HMAC", hmac, new Uint8Array([1, 2, 3]));
    ok(await crypto.subtle.verify("HMAC", hmac, sig, new Uint8Array([1, 2, 3])));
    throws(() => new CryptoKey(), TypeError);
  },
};

function bytes(b64) { return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)); }
const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");

// Keys whose AlgorithmIdentifier is id-RSASSA-PSS (1.2.840.113549.1.1.10, with parameters), as
// `openssl genpkey -algorithm RSA-PSS` writes them.
const pssOidSpki = "MIIBVjBBBgkqhkiG9w0BAQowNKAPMA0GCWCGSAFlAwQCAQUAoRwwGgYJKoZIhvcNAQEIMA0GCWCGSAFlAwQCAQUAogMCASADggEPADCCAQoCggEBANOwFbLXdtUNX2v/xCXSr8SWmgcsOweTWGSA+BcDvKwfIltQJ6ZMPPfr+W539HU/+iDqB8+bcbn0K+vmChwuHlVOXOHEdXyZQDFaSO7QpFaXkM2Hk6/OviIqEtkKLtq9UbZaX+I8b/tNhFG7u4BdH7ZodMFCE00Tc8blH6FyF9cvVwusaUbirPFpu1jiU6a9Dl53HsCVC04gtVTYm8pcLwTV4uqQTpcAHdMnH+/PNh8wg9ZBGT7cArwt+hxRmMYlDSBxdjzc1TfBsEkBteTc39H9yLEDqXUhMb+QhjTfGdnF8MuLjCQXvfCVIp3REQU+IFjI9B8yP9ytad5K/d4zUSMCAwEAAQ==";
const pssOidPkcs8 = "MIIE8gIBADBBBgkqhkiG9w0BAQowNKAPMA0GCWCGSAFlAwQCAQUAoRwwGgYJKoZIhvcNAQEIMA0GCWCGSAFlAwQCAQUAogMCASAEggSoMIIEpAIBAAKCAQEA07AVstd21Q1fa//EJdKvxJaaByw7B5NYZID4FwO8rB8iW1Anpkw89+v5bnf0dT/6IOoHz5txufQr6+YKHC4eVU5c4cR1fJlAMVpI7tCkVpeQzYeTr86+IioS2Qou2r1Rtlpf4jxv+02EUbu7gF0ftmh0wUITTRNzxuUfoXIX1y9XC6xpRuKs8Wm7WOJTpr0OXncewJULTiC1VNibylwvBNXi6pBOlwAd0ycf7882HzCD1kEZPtwCvC36HFGYxiUNIHF2PNzVN8GwSQG15Nzf0f3IsQOpdSExv5CGNN8Z2cXwy4uMJBe98JUindERBT4gWMj0HzI/3K1p3kr93jNRIwIDAQABAoIBABI3rSZe9JMRO40HzdGTeBzq+QZ0//9+5rR/hNo2MB5/72z8UO020mhjnmurVxZgEx6SBWoQbpEaOk1q1qPmNCYTQFsNlS7L4YJdyrkCq6HoGUYWzNbsa+B0znpvLekVMdsHnAjUOq7d1O1TwqchXIFOK/4VuaOAcQ5E2ZwDPZn/COSNCFLDwPJ+xidVX/hYngmxft2JG8WTSz6JmuS3cdvUEO/P+DMFUDH5eUtEJUk0OSaqUdZak9vLa2L3WQx2zwft2Anz5PjJsw7lThtQxoHgJXhAFzKuwfroaPBtMDiUHeMVEaDh0Wet2iVdcg2tSBjRW1a9v6oebG9HXDJQboECgYEA65xp0kDVLPLIcXx1qm13TzUA03iu3U7yWbDCnfSDP9lUpvfSerQiad/se3yuYykEr/nAnVs6/wKOU+t87mJd6Wgh2WtDQLOu+4//6UUFf4DB158oDjXThRlR+5zws5oNo0mhUx8zHfmrFDjrGeSZBUF3R7Yt2WiJak3tyS8Ek4sCgYEA5gGxHtcGbqTzr/vbFM+T5BhqphrflYvAS5SdXt1d5qtq3hZJQ/RoodOP082pVRQ94HB/XywNfLfXPmlaeY7+5sXjZ3MCkh/pf64Yz91CagBRwjWN7HXdQi3xYpy8n1w1piUvXWyW0DEMG1II2e+nYrZMw6U+71ssDXd/6Fpdi8kCgYEAu0603f7Gup4kdfww+xVdZW3Iw1XNBomNp3obrkFF2ounfbnE7eGo/iyTrzRW2uQwIspVs4NkqnjYt6SdxFIVQMqVJmjcpWJzuPAozcUectfkwst3p5xpFQYlI/gHb3EIaIjPpOpH1Au5UzFQzlvqvr/l2O/fEVjG7ekYIfmsFLMCgYEAjkq9qLad5BVoLJdDEbzZYWM5l0lIyNuMOzXVpbqNPQcPNhXTfZbWpEad1AqHl3rOTOtL4TT/owiYwKOstUchquMBrB4amQvlCHhMIUxgqfNIoT1Ab+j62NZTXw5YIr6I8iBPDR0AsAun0b8OesUoaIkfNGomZS2iMzKajsRY2wECgYAGp5adP5DYWiLZd+skvbpRKQc0af/jYA/ReMqKdB2bDtcumAbKj602i8usLVjpH/em32ndjTpjLY0o+d81Je8N2mb/xOnJSy1FEq+/Bqf9ri0QrgDAkAAp7UiRw4n+MmdwqMm7XZEsGS0/k8QK7Si7Qq+ZH5Hmm8FhshKAnZLdjA==";
const rsaEncryptionId = "300d06092a864886f70d0101010500";  // AlgorithmIdentifier rsaEncryption, NULL

export const rsaPssKeyFormats = {
  async test() {
    // Like workerd: id-RSASSA-PSS keys are refused, for RSA-PSS and the other RSA algorithms.
    for (const name of ["RSA-PSS", "RSASSA-PKCS1-v1_5"]) {
      let err = await rejects(crypto.subtle.importKey("spki", bytes(pssOidSpki), { name, hash: "SHA-256" }, true, ["verify"]), "DataError");
      equal(err.message, "Invalid SPKI input.");
      err = await rejects(crypto.subtle.importKey("pkcs8", bytes(pssOidPkcs8), { name, hash: "SHA-256" }, true, ["sign"]), "DataError");
      equal(err.message, "Invalid PKCS8 input.");
    }
    // generateKey of RSA-PSS exports rsaEncryption keys that import back as RSA-PSS.
    const pair = await crypto.subtle.generateKey(
      { name: "RSA-PSS", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      true, ["sign", "verify"]);
    equal(pair.publicKey.algorithm.name, "RSA-PSS");
    equal(pair.publicKey.algorithm.modulusLength, 2048);
    equal(pair.publicKey.algorithm.hash.name, "SHA-256");
    const spki = await crypto.subtle.exportKey("spki", pair.publicKey);
    const pkcs8 = await crypto.subtle.exportKey("pkcs8", pair.privateKey);
    equal(hex(spki).slice(8, 8 + rsaEncryptionId.length), rsaEncryptionId);
    equal(hex(pkcs8).slice(14, 14 + rsaEncryptionId.length), rsaEncryptionId);
    const pub = await crypto.subtle.importKey("spki", spki, { name: "RSA-PSS", hash: "SHA-256" }, true, ["verify"]);
    const priv = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "RSA-PSS", hash: "SHA-256" }, true, ["sign"]);
    equal(hex(await crypto.subtle.exportKey("spki", pub)), hex(spki));
    equal(hex(await crypto.subtle.exportKey("pkcs8", priv)), hex(pkcs8));
    const data = new TextEncoder().encode("pss");
    const sig = await crypto.subtle.sign({ name: "RSA-PSS", saltLength: 32 }, priv, data);
    equal(sig.byteLength, 256);
    ok(await crypto.subtle.verify({ name: "RSA-PSS", saltLength: 32 }, pair.publicKey, sig, data));
    ok(!(await crypto.subtle.verify({ name: "RSA-PSS", saltLength: 20 }, pair.publicKey, sig, data)));
  },
};
