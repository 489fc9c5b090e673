const assert = require("node:assert");
const { Buffer } = require("node:buffer");
const EventEmitter = require("node:events");
const path = require("node:path");
module.exports = {
  assertIsFunction: typeof assert === "function" && typeof assert.deepStrictEqual === "function",
  sameBuffer: Buffer === require("node:buffer").Buffer,
  eventsIsClass: typeof EventEmitter === "function" && EventEmitter.EventEmitter === EventEmitter,
  joined: path.join("a", "b"),
};
