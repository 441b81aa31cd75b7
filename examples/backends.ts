/**
 * Walkthrough backends: helloworld v1 on 127.0.0.1:50061 and v2 on 127.0.0.1:50062, the
 * endpoints examples/config/helloworld.yaml declares. Each answers with its name.
 *   npm run example:backends
 */
import { startBackend } from './echo-service.js';

const backends: Array<[string, number]> = [
  ['v1', 50061],
  ['v2', 50062],
];
for (const [name, port] of backends) {
  await startBackend(name, port);
  console.log(`backend ${name} listening on 127.0.0.1:${port}`);
}
