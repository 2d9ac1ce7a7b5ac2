// Browser workload for the Chrome trace sample: the page and a dedicated worker both burn CPU.
function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
function sortNumbers(count) {
  const a = [];
  for (let i = 0; i < count; i++) a.push((i * 2654435761) % 1000003);
  return a.sort((x, y) => x - y);
}
function layoutText(count) {
  const parts = [];
  for (let i = 0; i < count; i++) parts.push(String.fromCharCode(97 + (i % 26)));
  return parts.join('').length;
}
function pageWork(ms) {
  let total = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) total += fib(20) + sortNumbers(5000).length + layoutText(20000);
  return total;
}
window.runWorkload = function (ms) {
  return new Promise((resolve) => {
    const worker = new Worker('worker.js');
    worker.onmessage = (event) => resolve([pageWork(ms), event.data]);
    worker.postMessage(ms);
  });
};
