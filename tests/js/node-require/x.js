// A CommonJS module at "lib/x.js": what its require() finds.
exports.relative = require("./y").name;
exports.bare = require("y").name;
exports.withExtension = require("y.js").name;
exports.parent = require("../top").name;
exports.absolute = require("/top").name;
exports.absoluteNested = require("/lib/y").name;
exports.nested = require("./sub/z").name;
exports.bareNested = require("sub/z").name;
exports.buffer = require("buffer");
exports.nodeBuffer = require("node:buffer");
exports.events = require("events");
exports.notFound = [];
for (const name of ["top", "lib/y", "../top.js", "./missing"]) {
  try {
    require(name);
    exports.notFound.push(`${name}: found`);
  } catch (e) {
    exports.notFound.push(`${name}: ${/No such module/.test(e.message)}`);
  }
}
