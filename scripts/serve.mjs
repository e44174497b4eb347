#!/usr/bin/env node
// Serves the demo (web/demo), the library (dist/) and the shipped models (models/) on localhost.
// `PORT=8080 npm start` picks a port; the default is 8080 or the next free one.
import { startServer } from './server.mjs';

let port = Number(process.env.PORT || 8080);
for (let attempt = 0; ; attempt++) {
  try {
    const { url } = await startServer({ port, quiet: false });
    process.stdout.write(`\nmetacog demo running at ${url}\n(Ctrl-C to stop)\n`);
    break;
  } catch (err) {
    if (err.code !== 'EADDRINUSE' || attempt > 20 || process.env.PORT) throw err;
    port += 1;
  }
}
