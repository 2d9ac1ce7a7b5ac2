// Event-loop blocks of known length, separated by idle time. Each blocking callback measures its
// own synchronous run with performance.now(); the measurements go to blocks.measured.json.
//   timer      setTimeout   -> timerBlock      busy 50 ms
//   immediate  setImmediate -> immediateBlock  busy 120 ms
//   http       request      -> handleRequest   busy 300 ms (the script requests itself)
//   parse      setTimeout   -> parsePayload    JSON.parse of a large payload
// The client connects first and sends its request after an idle pause, so that connecting is not
// part of the handler's block. The main script's own run is noted as "main" (the startup block
// also holds Node's bootstrap, which the script cannot time).
'use strict';
const mainStart = performance.now();
const http = require('node:http');
const net = require('node:net');
const fs = require('node:fs');

const measured = [];
const payload = '[' + '{"id":12345,"name":"item","tags":["a","b"],"ok":true},'.repeat(120000) + 'null]';

function busy(ms) {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x++;
  return x;
}

function note(name, entry, t0) {
  const t1 = performance.now();
  measured.push({ name, entry, start_ms: t0, duration_ms: t1 - t0 });
}

function timerBlock() {
  const t0 = performance.now();
  busy(50);
  note('timer', 'timerBlock', t0);
}

function immediateBlock() {
  const t0 = performance.now();
  busy(120);
  note('immediate', 'immediateBlock', t0);
}

function handleRequest(req, res) {
  const t0 = performance.now();
  busy(300);
  res.end('ok');
  note('http', 'handleRequest', t0);
}

function parsePayload() {
  const t0 = performance.now();
  const items = JSON.parse(payload);
  note('parse', 'parsePayload', t0);
  return items.length;
}

const server = http.createServer(handleRequest);
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  setTimeout(timerBlock, 150);
  setTimeout(() => setImmediate(immediateBlock), 400);
  setTimeout(() => {
    const socket = net.connect(port, '127.0.0.1', () => {
      setTimeout(() => socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'), 150);
    });
    socket.resume();
    socket.on('end', () => server.close());
  }, 600);
  setTimeout(parsePayload, 1350);
  setTimeout(() => {
    fs.writeFileSync('blocks.measured.json', JSON.stringify({ measured }, null, 1) + '\n');
  }, 1900);
});
note('main', '(main module)', mainStart);
