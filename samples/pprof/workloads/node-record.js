// A small Node workload profiled with @datadog/pprof: a wall-time profile whose samples carry
// the context they ran in (thread and task labels), and an allocation (heap) profile.
'use strict';
const fs = require('fs');
const { threadId } = require('worker_threads');
const pprof = require('@datadog/pprof');

function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

function buildStrings(count) {
  const parts = [];
  for (let i = 0; i < count; i++) parts.push(`item-${i}-${(i * 7919) % 1000}`);
  return parts.join(',').length;
}

const retained = [];
function allocate(count) {
  for (let i = 0; i < count; i++) retained.push({ id: i, payload: new Array(64).fill(i) });
}

function spin(kind, until) {
  while (Date.now() < until) {
    if (kind === 'fib') fib(24);
    else buildStrings(20000);
  }
}

async function main() {
  pprof.heap.start(16 * 1024, 64);
  pprof.time.start({ intervalMicros: 10000, withContexts: true });
  const end = Date.now() + 2000;
  while (Date.now() < end) {
    for (const kind of ['fib', 'strings']) {
      pprof.time.setContext({ kind });
      spin(kind, Math.min(end, Date.now() + 50));
    }
    allocate(200);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const labels = ({ context }) => {
    const out = { 'thread name': 'Main Event Loop', 'thread id': String(threadId) };
    if (context && context.context && context.context.kind) out.task = context.context.kind;
    return out;
  };
  const cpu = pprof.time.stop(false, labels);
  fs.writeFileSync('node-wall.pb.gz', await pprof.encode(cpu));
  const heap = pprof.heap.profile();
  fs.writeFileSync('node-heap.pb.gz', await pprof.encode(heap));
  pprof.heap.stop();
  console.log('retained', retained.length);
}

main();
