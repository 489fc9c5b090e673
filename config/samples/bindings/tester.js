// Checks every binding of "main" through its JSON report; run by `colony test`.
function expectEqual(actual, expected, what) {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

export default {
  async test(controller, env) {
    const response = await env.MAIN.fetch("http://example.com/");
    expectEqual(response.status, 200, "status");
    const report = await response.json();
    expectEqual(report.greeting, "Hello from a text binding", "text binding");
    expectEqual(report.bytes, [0, 1, 2, 255], "data binding");
    expectEqual(report.bytesIsArrayBuffer, true, "data binding type");
    expectEqual(report.settings, { retries: 3, regions: ["eu", "us"] }, "json binding");
    expectEqual(report.addIsModule, true, "wasmModule binding type");
    expectEqual(report.sum, 42, "wasmModule binding");
    // fromEnvironment: the variable's value, or null when it is not set.
    if (report.message !== null && typeof report.message !== "string") {
      throw new Error(`fromEnvironment binding: unexpected ${JSON.stringify(report.message)}`);
    }
    expectEqual(report.helper, "helper saw /ping", "service binding");
  },
};
