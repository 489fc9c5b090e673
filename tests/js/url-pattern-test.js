import { ok, equal, deepEqual, throws } from "assert.js";

const components = ["protocol", "username", "password", "hostname", "port", "pathname", "search", "hash"];
const patternOf = (p) => Object.fromEntries(components.map((c) => [c, p[c]]));

export const shorthandStrings = {
  async test() {
    // The standard's introductory examples.
    const p1 = new URLPattern("https://example.com/:category/*");
    deepEqual(patternOf(p1), {
      protocol: "https", username: "*", password: "*", hostname: "example.com", port: "",
      pathname: "/:category/*", search: "*", hash: "*",
    });
    ok(p1.test("https://example.com/products/"));
    ok(p1.test("https://example.com/blog/our-greatest-product-ever"));
    ok(!p1.test("https://example.com/"));
    ok(!p1.test("http://example.com/products/"));
    ok(!p1.test("https://example.com:8443/blog/our-greatest-product-ever"));

    const p2 = new URLPattern("http{s}?://{:subdomain.}?shop.example/products/:id([0-9]+)#reviews");
    deepEqual(patternOf(p2), {
      protocol: "http{s}?", username: "*", password: "*", hostname: "{:subdomain.}?shop.example", port: "",
      pathname: "/products/:id([0-9]+)", search: "", hash: "reviews",
    });
    ok(p2.test("https://shop.example/products/74205#reviews"));
    ok(p2.test("https://kathryn@voyager.shop.example/products/74656#reviews"));
    ok(p2.test("http://insecure.shop.example/products/1701#reviews"));
    ok(!p2.test("https://shop.example/products/2000"));
    ok(!p2.test("http://shop.example:8080/products/0#reviews"));
    ok(!p2.test("https://nx.shop.example/products/01?speed=5#reviews"));
    ok(!p2.test("https://shop.example/products/chair#reviews"));
    ok(p2.hasRegExpGroups);

    const p3 = new URLPattern("../admin/*", "https://discussion.example/forum/?page=2");
    deepEqual(patternOf(p3), {
      protocol: "https", username: "*", password: "*", hostname: "discussion.example", port: "",
      pathname: "/admin/*", search: "*", hash: "*",
    });
    ok(p3.test("https://discussion.example/admin/"));
    ok(p3.test("https://edd:librarian@discussion.example/admin/update?id=1"));
    ok(!p3.test("https://discussion.example/forum/admin/"));
    ok(!p3.test("http://discussion.example:8080/admin/update?id=1"));
  },
};

export const execGroups = {
  async test() {
    const p = new URLPattern("https://example.com/:category/*");
    const r = p.exec("https://example.com/a/b/c?x=1#h");
    deepEqual(r.inputs, ["https://example.com/a/b/c?x=1#h"]);
    equal(r.protocol.input, "https");
    deepEqual(r.protocol.groups, {});
    equal(r.hostname.input, "example.com");
    equal(r.pathname.input, "/a/b/c");
    deepEqual(r.pathname.groups, { category: "a", 0: "b/c" });
    deepEqual(r.search, { input: "x=1", groups: { 0: "x=1" } });
    deepEqual(r.hash, { input: "h", groups: { 0: "h" } });
    deepEqual(r.username, { input: "", groups: { 0: "" } });
    equal(p.exec("https://example.com/"), null);

    const year = new URLPattern({ pathname: "/blog/:year(\\d+)/:month(\\d+)" });
    deepEqual(year.exec({ pathname: "/blog/2012/02" }).pathname.groups, { year: "2012", month: "02" });
    equal(year.exec({ pathname: "/blog/twenty/02" }), null);

    const title = new URLPattern({ pathname: "/blog/:title" });
    ok(title.test({ pathname: "/blog/hello-world" }));
    ok(!title.test({ pathname: "/blog/2012/02" }));

    // Unnamed regexp groups are numbered.
    const unnamed = new URLPattern({ pathname: "/(\\d+)/(foo|bar)" });
    deepEqual(unnamed.exec({ pathname: "/42/bar" }).pathname.groups, { 0: "42", 1: "bar" });
  },
};

export const modifiers = {
  async test() {
    const optional = new URLPattern({ pathname: "/products/:id?" });
    ok(optional.test({ pathname: "/products" }));
    ok(optional.test({ pathname: "/products/2" }));
    ok(!optional.test({ pathname: "/products/" }));
    deepEqual(optional.exec({ pathname: "/products" }).pathname.groups, { id: undefined });

    const braced = new URLPattern({ pathname: "/products/{:id}?" });
    ok(braced.test({ pathname: "/products/" }));
    ok(braced.test({ pathname: "/products/7" }));

    const wildcard = new URLPattern({ pathname: "/products/*" });
    ok(wildcard.test({ pathname: "/products/a/b/c" }));
    ok(wildcard.test({ pathname: "/products/" }));
    ok(!wildcard.test({ pathname: "/products" }));

    const oneOrMore = new URLPattern({ pathname: "/files/:path+" });
    deepEqual(oneOrMore.exec({ pathname: "/files/a/b/c" }).pathname.groups, { path: "a/b/c" });
    ok(!oneOrMore.test({ pathname: "/files" }));

    const zeroOrMore = new URLPattern({ pathname: "/files/:path*" });
    ok(zeroOrMore.test({ pathname: "/files" }));
    deepEqual(zeroOrMore.exec({ pathname: "/files/x/y" }).pathname.groups, { path: "x/y" });

    const optionalText = new URLPattern({ pathname: "/colo{u}?r" });
    ok(optionalText.test({ pathname: "/color" }));
    ok(optionalText.test({ pathname: "/colour" }));
    ok(!optionalText.test({ pathname: "/coloor" }));

    const repeatedGroup = new URLPattern({ pathname: "/{a-:n}+" });
    deepEqual(repeatedGroup.exec({ pathname: "/a-1a-2" }).pathname.groups, { n: "1a-2" });

    const hostname = new URLPattern({ hostname: "{:sub.}*example.com" });
    ok(hostname.test({ hostname: "example.com" }));
    deepEqual(hostname.exec({ hostname: "a.b.example.com" }).hostname.groups, { sub: "a.b" });
    const segment = new URLPattern({ hostname: ":sub.example.com" });
    ok(!segment.test({ hostname: "a.b.example.com" }), "a named group in a hostname stops at a dot");
  },
};

export const initDictionaries = {
  async test() {
    const p = new URLPattern({ pathname: "/foo/:bar" });
    deepEqual(patternOf(p), {
      protocol: "*", username: "*", password: "*", hostname: "*", port: "*", pathname: "/foo/:bar", search: "*", hash: "*",
    });
    ok(p.test("https://anything.example:1234/foo/x?y#z"));
    ok(p.test({ pathname: "/foo/x" }));
    const r = p.exec({ pathname: "/foo/x" });
    deepEqual(r.inputs, [{ pathname: "/foo/x" }]);
    equal(r.protocol.input, "");

    const withBase = new URLPattern({ pathname: "bar/:id", baseURL: "https://example.com/foo/" });
    equal(withBase.protocol, "https");
    equal(withBase.hostname, "example.com");
    equal(withBase.pathname, "/foo/bar/:id");
    equal(withBase.search, "*");
    ok(withBase.test("https://example.com/foo/bar/3?q"));

    // Leading "?" and "#" and a trailing ":" are dropped from dictionary members.
    const stripped = new URLPattern({ protocol: "https:", search: "?a=:x", hash: "#top" });
    equal(stripped.protocol, "https");
    equal(stripped.search, "a=:x");
    equal(stripped.hash, "top");

    // Matching a dictionary applies its own base URL.
    ok(new URLPattern({ pathname: "/a/b" }).test({ pathname: "b", baseURL: "https://x.example/a/" }));
    // A base URL argument is only for strings.
    throws(() => new URLPattern({ pathname: "/x" }, "https://example.com"), TypeError);
    throws(() => p.test({ pathname: "/x" }, "https://example.com"), TypeError);
    ok(new URLPattern({ pathname: "/x" }).test("/x", "https://example.com"));
  },
};

export const canonicalisation = {
  async test() {
    equal(new URLPattern({ protocol: "HTTP" }).protocol, "http");
    equal(new URLPattern({ hostname: "EXAMPLE.com" }).hostname, "example.com");
    equal(new URLPattern({ hostname: "ex%41mple.com" }).hostname, "example.com");
    equal(new URLPattern({ pathname: "/a/./b/../c d" }).pathname, "/a/c%20d");
    equal(new URLPattern({ pathname: "/caf\u00e9" }).pathname, "/caf%C3%A9");
    equal(new URLPattern({ search: "q=a b" }).search, "q=a%20b");
    equal(new URLPattern({ hash: "a b" }).hash, "a%20b");
    equal(new URLPattern({ username: "us er" }).username, "us%20er");
    equal(new URLPattern({ protocol: "http", port: "80" }).port, "");
    equal(new URLPattern({ protocol: "https", port: "80" }).port, "80");
    equal(new URLPattern({ port: "8080" }).port, "8080");
    // Like the URL port setter, the leading digits are the port.
    equal(new URLPattern({ port: "0080" }).port, "80");
    equal(new URLPattern({ port: "80abc" }).port, "80");
    equal(new URLPattern("https://example.com:443/").port, "");
    equal(new URLPattern({ hostname: "[\\:\\:AB]" }).hostname, "[\\:\\:ab]");
    // Matching canonicalises the input the same way.
    ok(new URLPattern({ pathname: "/caf\u00e9" }).test("https://x.example/caf%C3%A9"));
    ok(new URLPattern({ hostname: "example.com" }).test({ hostname: "EXAMPLE.COM" }));
    ok(new URLPattern({ protocol: "http", port: "" }).test({ protocol: "http", port: "80" }));
  },
};

export const normalisedPatternStrings = {
  async test() {
    equal(new URLPattern({ pathname: "/:id(\\d+)" }).pathname, "/:id(\\d+)");
    equal(new URLPattern({ pathname: "/([^\\/]+?)" }).pathname, "/*".replace("*", "([^\\/]+?)"));
    equal(new URLPattern({ pathname: "/(.*)" }).pathname, "/*");
    equal(new URLPattern({ pathname: "/{foo}" }).pathname, "/foo");
    equal(new URLPattern({ pathname: "/{:a}bar" }).pathname, "/{:a}bar");
    equal(new URLPattern({ pathname: "/:a\\:" }).pathname, "/:a\\:");
    // A named group followed by text that could continue its name is grouped.
    equal(new URLPattern({ pathname: "/:name{x}?" }).pathname, "{/:name}{x}?");
    equal(new URLPattern({ pathname: "/a\\+b" }).pathname, "/a\\+b");
  },
};

export const ignoreCase = {
  async test() {
    const sensitive = new URLPattern({ pathname: "/FOO/:x" });
    ok(!sensitive.test({ pathname: "/foo/1" }));
    const insensitive = new URLPattern({ pathname: "/FOO/:x" }, { ignoreCase: true });
    ok(insensitive.test({ pathname: "/foo/1" }));
    ok(new URLPattern("https://example.com/FOO", { ignoreCase: true }).test("https://example.com/foo"));
    ok(new URLPattern("/FOO", "https://example.com", { ignoreCase: true }).test("https://example.com/foo"));
    ok(new URLPattern({ search: "Q=1" }, { ignoreCase: true }).test({ search: "q=1" }));
  },
};

export const hasRegExpGroups = {
  async test() {
    ok(!new URLPattern({ pathname: "/:a/*" }).hasRegExpGroups);
    ok(new URLPattern({ pathname: "/:a(\\d+)" }).hasRegExpGroups);
    ok(new URLPattern({ hostname: "(a|b).example" }).hasRegExpGroups);
    ok(!new URLPattern("https://example.com/*").hasRegExpGroups);
  },
};

export const invalidPatterns = {
  async test() {
    throws(() => new URLPattern("/foo"), TypeError);
    throws(() => new URLPattern({ pathname: "/(a" }), TypeError);
    throws(() => new URLPattern({ pathname: "/:a/:a" }), TypeError);
    throws(() => new URLPattern({ pathname: "/(?x)" }), TypeError);
    throws(() => new URLPattern({ pathname: "/([a-)" }), TypeError);
    throws(() => new URLPattern({ pathname: "/{a" }), TypeError);
    throws(() => new URLPattern({ pathname: "/:" }), TypeError);
    throws(() => new URLPattern({ pathname: "/\\" }), TypeError);
    throws(() => new URLPattern({ port: "abc" }), TypeError);
    throws(() => new URLPattern({ port: "65536" }), TypeError);
    throws(() => new URLPattern({ port: "99999" }), TypeError);
    throws(() => new URLPattern({ hostname: "a b" }), TypeError);
    throws(() => new URLPattern({ protocol: "ht tp" }), TypeError);
    throws(() => new URLPattern({ pathname: "/x", baseURL: "not a url" }), TypeError);
    throws(() => new URLPattern("https://example.com", "not a url"), TypeError);
    throws(() => URLPattern({}), TypeError);
  },
};

export const unmatchableInputs = {
  async test() {
    const any = new URLPattern({});
    ok(any.test("https://example.com/"));
    ok(any.test({}));
    ok(any.test());
    equal(any.exec("https://exa mple.com/"), null);
    equal(any.exec("/relative", "also not a url"), null);
    equal(any.exec({ port: "not a port" }), null);
    deepEqual(any.exec("/x", "https://example.com").inputs, ["/x", "https://example.com"]);
  },
};

export const opaquePaths = {
  async test() {
    const p = new URLPattern("data\\:text/plain,:payload");
    equal(p.protocol, "data");
    equal(p.pathname, "text/plain,:payload");
    deepEqual(p.exec("data:text/plain,hello").pathname.groups, { payload: "hello" });
    ok(!p.test("data:text/html,hello"));
    ok(new URLPattern({ protocol: "mailto", pathname: ":user@example.com" }).test("mailto:someone@example.com"));
    // Relative to a hierarchical base, a relative pathname is resolved against the base's path.
    const mail = new URLPattern("mailto\\::user@:domain", "https://unused.example");
    equal(mail.protocol, "mailto");
    equal(mail.pathname, "/:user@:domain");
  },
};

export const brandChecks = {
  async test() {
    const getter = Object.getOwnPropertyDescriptor(URLPattern.prototype, "pathname").get;
    throws(() => getter.call({}), TypeError);
    throws(() => URLPattern.prototype.test.call({}, "https://x"), TypeError);
    equal(Object.prototype.toString.call(new URLPattern({})), "[object URLPattern]");
  },
};
