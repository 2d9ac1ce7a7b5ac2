// A fixed amount of JS work for fleet diffs: `node fleetwork.js double` makes parse() do
// twice the work; everything else is unchanged.
function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
function parse(count) {
  let sum = 0;
  for (let i = 0; i < count; i++) sum += parseInt(String(i * 7919), 10);
  return sum;
}
function render(count) {
  const parts = [];
  for (let i = 0; i < count; i++) parts.push(String.fromCharCode(97 + (i % 26)));
  return parts.join('').length;
}
function main() {
  const factor = process.argv.includes('double') ? 2 : 1;
  let total = 0;
  for (let round = 0; round < 30; round++) {
    total += fib(24);
    total += parse(60000 * factor);
    total += render(150000);
  }
  console.log('done', total);
}
main();
