"""URL host names whose punycode labels the URL Standard rejects (UTS #46 validity checks of
"xn--" labels). The workerd reference build accepts ASCII host names without decoding their
punycode labels, so these checks of the standard's behaviour run against Colony only; the cases
both runtimes agree on are in tests/js/url-idna-test.js."""

import json
import unittest
from urllib.parse import quote

import harness
from harness import ServerTestCase

WORKER = """
export default {
  async fetch(request) {
    const input = new URL(request.url).searchParams.get("host");
    try {
      return Response.json({ host: new URL(`http://${input}/`).host });
    } catch (e) {
      return Response.json({ error: e.name });
    }
  }
};
"""

# input -> the host the URL Standard gives (None: the URL fails to parse)
CASES = [
    ("xn--a.com", None),             # not valid punycode
    ("xn--.com", None),              # an empty punycode label
    ("xn--ab--cd.com", None),        # decodes to code points that are not valid in a label
    ("xn--a-ecp.ru", None),
    ("xn--xn--a-.com", None),
    ("a.b.c.XN--pokxncvks", None),
    ("xn--1ug.com", None),           # decodes to a lone ZWNJ: CheckJoiners fails
    ("1.\u0645\u062B\u0627\u0644", None),  # a bidi domain whose first label starts with a digit
    ("xn--mnchen-3ya.de", "xn--mnchen-3ya.de"),
    ("XN--MNCHEN-3YA.de", "xn--mnchen-3ya.de"),
    ("xn--wgv71a119e.jp", "xn--wgv71a119e.jp"),
]


@unittest.skipUnless(harness.is_colony(), "the reference build does not validate punycode labels")
class PunycodeLabelsTest(ServerTestCase):
    def test_punycode_labels_are_validated(self):
        s = self.serve_script(WORKER)
        for host, expected in CASES:
            status, _, body = s.get("/?host=" + quote(host))
            self.assertEqual(status, 200, body)
            got = json.loads(body)
            if expected is None:
                self.assertEqual(got, {"error": "TypeError"}, host)
            else:
                self.assertEqual(got, {"host": expected}, host)


if __name__ == "__main__":
    unittest.main()
