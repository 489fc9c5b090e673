export function greeting(name) {
  return `Hello, ${name}, from a Colony module worker!\n`;
}
