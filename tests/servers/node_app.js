// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Node.js http server whose handler calls a slow upstream (build/examples/upstream) with a
// kept-alive agent, then answers: the libuv loop multiplexes client and outbound connections.
// usage: node node_app.js PORT UPSTREAM_PORT; prints "listening" once it accepts.
'use strict';
const http = require('http');
const port = Number(process.argv[2]);
const upstreamPort = Number(process.argv[3]);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

const server = http.createServer((req, res) => {
	const up = http.get({ host: '127.0.0.1', port: upstreamPort, path: '/', agent, timeout: 5000 },
		(ur) => {
			ur.resume();
			ur.on('end', () => res.end('node ok\n'));
		});
	up.on('timeout', () => up.destroy(new Error('upstream timeout')));
	up.on('error', () => { res.statusCode = 502; res.end('upstream failed\n'); });
});
server.listen(port, '127.0.0.1', () => console.log('listening'));
process.on('SIGTERM', () => process.exit(0));
