// worker_threads workload: the main thread and two workers each burn CPU.
const { Worker, isMainThread, threadId } = require('node:worker_threads');
function spin(ms) { const end = Date.now() + ms; let x = 0; while (Date.now() < end) x += Math.sqrt(x + 1); return x; }
function workerTask() { return spin(400); }
function mainTask() { return spin(300); }
if (isMainThread) {
  const workers = [new Worker(__filename), new Worker(__filename)];
  mainTask();
  let left = workers.length;
  for (const w of workers) w.on('exit', () => { if (--left === 0) console.log('done'); });
} else {
  workerTask();
}
