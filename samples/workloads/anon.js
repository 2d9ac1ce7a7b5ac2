// Anonymous callbacks and same-named methods, for function identity:
//   node anon.js cpu | loop | workers [milliseconds]
// Every hot function below is anonymous or shares its name with another one in this file.
const { Worker, isMainThread, workerData } = require('worker_threads');

class Cache {
  constructor() { this.m = new Map(); }
  get(k) { let h = 0; for (let i = 0; i < 200; i++) h = (h * 31 + k + i) | 0; return h; }
}
class Store {
  constructor() { this.a = []; }
  get(k) { let s = 0; for (let i = 0; i < 400; i++) s += Math.sqrt(k + i); return s; }
}

const sortAll = (n) => {
  const a = [];
  for (let i = 0; i < n; i++) a.push((i * 2654435761) % 1000003);
  return a.sort((p, q) => p - q).length;
};
const mapAll = (n) => Array.from({ length: n }, (_, i) => i).map((x) => x * x % 7).reduce((s, x) => s + x, 0);
const twoOnOneLine = [(n) => { let t = 0; for (let i = 0; i < n; i++) t += i % 3; return t; }, (n) => { let t = 0; for (let i = 0; i < n; i++) t += i % 5; return t; }];

function work(ms) {
  const cache = new Cache();
  const store = new Store();
  const end = Date.now() + ms;
  let total = 0;
  while (Date.now() < end) {
    total += sortAll(20000);
    total += mapAll(20000);
    for (let k = 0; k < 300; k++) total += cache.get(k) + store.get(k);
    total += twoOnOneLine[0](100000) + twoOnOneLine[1](100000);
  }
  return total;
}

const mode = process.argv[2] || 'cpu';
const ms = Number(process.argv[3] || 1500);
if (!isMainThread) {
  console.log('worker', workerData, work(ms));
} else if (mode === 'cpu') {
  console.log('done', work(ms));
} else if (mode === 'loop') {
  const end = Date.now() + ms;
  const tick = () => {
    work(15);
    if (Date.now() < end) setTimeout(() => setImmediate(tick), 5);
  };
  setTimeout(tick, 0);
} else {
  for (let w = 0; w < 2; w++) new Worker(__filename, { workerData: w, argv: ['cpu', String(ms)] });
  console.log('main', work(ms / 2));
}
