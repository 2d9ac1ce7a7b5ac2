// A large profile for function identity: hundreds of anonymous functions, one per line of a generated
// module, called along many random chains, so that the profile has tens of thousands of nodes.
//   node --cpu-prof --cpu-prof-name=anon-big.cpuprofile anon_big.js [seconds] [depth] [functions]
const fs = require('fs');
const path = require('path');
const N = Number(process.argv[4] || 400);
const lines = ['module.exports = ['];
for (let i = 0; i < N; i++) {
  lines.push(`  (next, d) => { let s = 0; for (let k = 0; k < ${200 + (i % 7) * 50}; k++) s += k % ${i + 3}; return d > 0 ? s + next[(s + d + (++globalThis.ctr)) % next.length](next, d - 1) : s; },`);
}
lines.push('];');
const file = path.join(__dirname, 'anon_big_gen.js');
fs.writeFileSync(file, lines.join('\n') + '\n');
globalThis.ctr = 0;
const fns = require(file);
const end = Date.now() + 1000 * Number(process.argv[2] || 20);
let total = 0;
let seed = 1;
const depth = Number(process.argv[3] || 7);
while (Date.now() < end) {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  total += fns[seed % N](fns, depth);
}
console.log('done', total);
