// Reports the value of each binding as JSON.
async function describeBindings() {
  const { add } = new WebAssembly.Instance(ADD).exports;
  const helperResponse = await HELPER.fetch("http://helper/ping");
  return {
    greeting: GREETING,
    bytes: Array.from(new Uint8Array(BYTES)),
    bytesIsArrayBuffer: BYTES instanceof ArrayBuffer,
    settings: SETTINGS,
    addIsModule: ADD instanceof WebAssembly.Module,
    sum: add(19, 23),
    message: MESSAGE,
    helper: await helperResponse.text(),
  };
}

addEventListener("fetch", (event) => {
  event.respondWith(describeBindings().then((bindings) => Response.json(bindings)));
});
