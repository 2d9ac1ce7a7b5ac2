// CPU-bound workload: recursive fib, a sort and string building.
function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
function sortNumbers(count) {
  const a = [];
  for (let i = 0; i < count; i++) a.push((i * 2654435761) % 1000003);
  return a.sort((x, y) => x - y);
}
function buildStrings(count) {
  let s = '';
  for (let i = 0; i < count; i++) s += String.fromCharCode(97 + (i % 26));
  return s.length;
}
function main() {
  let total = 0;
  const end = Date.now() + 1500;
  while (Date.now() < end) {
    total += fib(24);
    total += sortNumbers(20000).length;
    total += buildStrings(50000);
  }
  console.log('done', total);
}
main();
