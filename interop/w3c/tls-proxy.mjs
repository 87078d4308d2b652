// A TLS terminator for the suites: they send the endpoint's `headers` (our
// bearer token) only on https requests. Forwards https://127.0.0.1:PORT to
// the plain-http `insignia serve` at TARGET.
// usage: node tls-proxy.mjs CERT KEY PORT TARGET
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';

const [cert, key, port, target] = process.argv.slice(2);
const upstream = new URL(target);
https.createServer({cert: fs.readFileSync(cert), key: fs.readFileSync(key)}, (req, res) => {
  const forward = http.request({
    host: upstream.hostname, port: upstream.port, path: req.url, method: req.method,
    headers: {...req.headers, host: upstream.host}
  }, answer => {
    res.writeHead(answer.statusCode, answer.headers);
    answer.pipe(res);
  });
  forward.on('error', e => { res.writeHead(502); res.end(String(e)); });
  req.pipe(forward);
}).listen(Number(port), '127.0.0.1');
