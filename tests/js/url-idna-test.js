// Host names through the URL Standard's domain to ASCII (UTS #46, non-transitional, CheckBidi and
// CheckJoiners on, no STD3 rules, no hyphen or DNS length checks). Expected values follow the
// standards (Unicode's IDNA mapping table, RFC 3492 punycode).
import { equal } from "assert.js";

function host(input) {
  try {
    return new URL(`http://${input}/`).host;
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    return null;
  }
}

function check(cases) {
  for (const [input, expected] of cases) equal(host(input), expected, JSON.stringify(input));
}

export const mapping = {
  test() {
    check([
      ["EXAMPLE.com", "example.com"],
      ["\uFF25\uFF38\uFF21\uFF2D\uFF30\uFF2C\uFF25.com", "example.com"], // fullwidth letters
      ["\u24B6.com", "a.com"], // circled A
      ["\uFB00.com", "ff.com"], // ligature
      ["\u01C5.com", "xn--d-toa.com"], // maps to "dž"
      ["\u212A.com", "k.com"], // Kelvin sign
      ["\u0130.com", "xn--i-9bb.com"], // İ maps to "i̇"
      ["a\u00ADb.com", "ab.com"], // soft hyphen is ignored
      ["x\u3002y\uFF0Ez\uFF61w", "x.y.z.w"], // other full stops separate labels
      ["a\u0308.com", "xn--4ca.com"], // NFC: a + combining diaeresis is ä
      ["m\u00FCnchen.de", "xn--mnchen-3ya.de"],
      ["\u65E5\u672C\u8A9E.jp", "xn--wgv71a119e.jp"],
      ["\u{1F4A9}.la", "xn--ls8h.la"],
    ]);
  },
};

export const deviationCharacters = {
  test() {
    // Non-transitional processing keeps ß, ς, ZWJ/ZWNJ where valid instead of mapping them away.
    check([
      ["fa\u00DF.de", "xn--fa-hia.de"],
      ["\u03C3\u03CC\u03BB\u03BF\u03C2.gr", "xn--wxaijb9b.gr"],
      ["\u03A3\u039F\u039B\u039F\u03A3.gr", "xn--wxahbnd.gr"],
      ["\u0915\u094D\u200C.com", "xn--11b6iv14e.com"], // ZWNJ after a virama
      ["a\u200Cb.com", null], // ZWNJ without a virama or joining context
    ]);
  },
};

export const punycodeLabels = {
  test() {
    check([
      ["xn--zca.de", "xn--zca.de"],
      ["XN--ZCA.de", "xn--zca.de"],
      ["xn--nxasmm1c.gr", "xn--nxasmm1c.gr"],
      ["xn--n3h.net", "xn--n3h.net"],
      ["xn--zca.xn--zca", "xn--zca.xn--zca"],
      ["%E2%98%83.net", "xn--n3h.net"], // percent-decoded before mapping
      ["\u2603.net", "xn--n3h.net"],
    ]);
  },
};

export const invalidCodePoints = {
  test() {
    check([
      ["\uFFFD.com", null],
      ["a\u2488.com", null], // disallowed (digit full stop)
      ["\u2100.com", null], // maps to "a/c": a forbidden domain code point
      ["\u0308a.com", null], // a label cannot start with a combining mark
      ["exa mple.com", null],
      ["ex%2Fample.com", null],
      ["a%00b", null],
    ]);
  },
};

export const bidiRule = {
  test() {
    check([
      ["\u05D0\u05D1.com", "xn--4dbc.com"],
      ["\u0645\u062B\u0627\u0644.\u0625\u062E\u062A\u0628\u0627\u0631", "xn--mgbh0fb.xn--kgbechtv"],
      ["a.\u0645\u062B\u0627\u0644", "a.xn--mgbh0fb"],
      ["ab\u05D0.com", null], // an LTR label may not hold RTL characters
      ["\u05D0a.com", null], // an RTL label may not hold LTR characters
    ]);
  },
};

export const lengthsHyphensAndNumbers = {
  test() {
    check([
      ["a..b", "a..b"], // empty labels are allowed (VerifyDnsLength=false)
      [".a", ".a"],
      ["a.", "a."],
      ["-a.b-", "-a.b-"], // CheckHyphens=false
      ["ab--cd.com", "ab--cd.com"],
      [`${"a".repeat(70)}.com`, `${"a".repeat(70)}.com`],
      ["\uFF11\uFF12\uFF17.\uFF10.\uFF10.\uFF11", "127.0.0.1"], // IPv4 after mapping fullwidth digits
      ["0x7f.1", "127.0.0.1"],
      ["foo.09", null], // ends in a number that is not an IPv4 address
      ["foo.0x", null],
    ]);
  },
};
