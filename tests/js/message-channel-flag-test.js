import { equal } from "assert.js";

export const globalWithTheFlag = {
  async test() {
    equal(typeof MessageChannel, "function");
    const { port1, port2 } = new MessageChannel();
    const data = await new Promise((resolve) => {
      port2.onmessage = (e) => resolve(e.data);
      port1.postMessage("flagged");
    });
    equal(data, "flagged");
  },
};
