import { equal } from "assert.js";

export const notGlobalBeforeItsDate = {
  async test() {
    equal(typeof MessageChannel, "undefined");
    equal(typeof MessagePort, "undefined");
  },
};
