import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, listenError, portInUse } from './net.js';

describe('listenError', () => {
  it('is undefined on a free loopback port', async () => {
    expect(await listenError(await freePort())).toBeUndefined();
  });

  it('says EADDRINUSE where a server listens', async () => {
    const srv = createServer();
    await new Promise<void>((done) => srv.listen(0, '127.0.0.1', done));
    const { port } = srv.address() as { port: number };
    try {
      expect(await listenError(port)).toBe('EADDRINUSE');
      expect(await portInUse(port)).toBe(true);
    } finally {
      await new Promise((done) => srv.close(done));
    }
  });

  it('tells an address that is not one from a port in use', async () => {
    const port = await freePort();
    expect(await listenError(port, '999.1.1.1')).toMatch(/^(ENOTFOUND|EAI_AGAIN)$/);
    // TEST-NET-1 (RFC 5737): never an address of this machine.
    expect(await listenError(port, '192.0.2.1')).toBe('EADDRNOTAVAIL');
  });
});
