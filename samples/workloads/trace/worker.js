// Dedicated worker: a hashing loop.
function hashStep(h, i) { return Math.imul(h ^ i, 16777619) >>> 0; }
function hashMany(ms) {
  let h = 2166136261;
  const end = performance.now() + ms;
  for (let i = 0; performance.now() < end; i++) h = hashStep(h, i);
  return h;
}
onmessage = (event) => postMessage(hashMany(event.data));
