// Event-loop workload: timers that block for known lengths, separated by idle time.
function busy(ms) { const end = Date.now() + ms; let x = 0; while (Date.now() < end) x++; return x; }
function blockFifty() { return busy(50); }
function blockOneTwenty() { return busy(120); }
function parseBig() {
  const payload = JSON.stringify(Array.from({ length: 200000 }, (_, i) => ({ id: i, name: 'n' + i })));
  return JSON.parse(payload).length;
}
setTimeout(blockFifty, 100);
setTimeout(blockOneTwenty, 300);
setTimeout(parseBig, 600);
setTimeout(() => console.log('done'), 900);
