/**
 * `bus-tools serve`: a local web page and JSON API for one detector (see server.ts). fastify is
 * loaded only when a server is created, so importing @bus-tools/infer stays fast.
 */
export * from './server.js';
export * from './sniff.js';
export * from './queue.js';
