// An Express-like HTTP server: a chain of middleware (each calls next()), a router, JSON
// bodies, a recursive template renderer and a deep recursive route. It serves requests from a
// client in the same process for a short while, then exits.
const http = require('http');
const zlib = require('zlib');
const crypto = require('crypto');

function createApp() {
  const stack = [];
  const app = (req, res) => {
    let i = 0;
    const next = () => {
      const layer = stack[i++];
      if (layer) layer(req, res, next);
    };
    next();
  };
  app.use = (fn) => stack.push(fn);
  return app;
}

const app = createApp();
for (let k = 0; k < 12; k++) {
  app.use(function headerMiddleware(req, res, next) {
    res.setHeader('x-layer-' + k, String(k));
    next();
  });
}
app.use(function bodyParser(req, res, next) {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    req.body = body ? JSON.parse(body) : null;
    next();
  });
});

function renderNode(node, depth) {
  if (depth === 0) return '<li>' + node.name + '</li>';
  let out = '<ul>';
  for (const child of node.children) out += renderNode(child, depth - 1);
  return out + '</ul>';
}
function makeTree(depth) {
  if (depth === 0) return { name: 'leaf', children: [] };
  return { name: 'n' + depth, children: [makeTree(depth - 1), makeTree(depth - 1)] };
}
function walk(n) {
  return n === 0 ? 0 : 1 + walk(n - 1);
}
function hashItems(items) {
  const h = crypto.createHash('sha256');
  for (const item of items) h.update(JSON.stringify(item));
  return h.digest('hex');
}

app.use(function router(req, res, next) {
  if (req.url === '/render') {
    res.end(renderNode(makeTree(10), 10));
  } else if (req.url === '/api/items') {
    const items = req.body.items.map((x) => ({ id: x, square: x * x, label: 'item ' + x }));
    const text = JSON.stringify({ items, hash: hashItems(items) });
    res.end(zlib.gzipSync(text));
  } else if (req.url === '/deep') {
    let sum = 0;
    for (let r = 0; r < 200; r++) sum += walk(300);
    res.end(String(sum));
  } else {
    next();
  }
});

const server = http.createServer(app);
server.listen(0, '127.0.0.1', () => {
  const port = server.address().port;
  const until = Date.now() + 2500;
  const paths = ['/render', '/api/items', '/deep'];
  let sent = 0;
  function request() {
    if (Date.now() > until) {
      server.close();
      console.log('requests', sent);
      return;
    }
    const path = paths[sent++ % paths.length];
    const body = JSON.stringify({ items: Array.from({ length: 2000 }, (_, i) => i) });
    const req = http.request({ port, path, method: 'POST' }, (res) => {
      res.resume();
      res.on('end', request);
    });
    req.end(body);
  }
  request();
});
