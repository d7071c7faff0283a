/** Ports on the loopback interface, for the servers Parity starts (the registry, the emulator). */
import { createServer } from 'node:net';

/** A free TCP port on `host`, chosen by the operating system. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, host, () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => done(port));
    });
  });
}

/**
 * Why nothing can listen on host:port, as the system's error code (`EADDRINUSE`: something listens
 * there; `EADDRNOTAVAIL`: no interface of this machine has that address; `ENOTFOUND`: a name that
 * does not resolve; `EACCES`: a privileged port), or undefined when a server could listen there.
 */
export function listenError(port: number, host = '127.0.0.1'): Promise<string | undefined> {
  return new Promise((done) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
    srv.listen(port, host, () => srv.close(() => done(undefined)));
  });
}

/** Whether something already listens on host:port (or nothing can: see `listenError` for why). */
export function portInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((done) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => done(true));
    srv.listen(port, host, () => srv.close(() => done(false)));
  });
}
