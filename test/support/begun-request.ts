import { connect, Socket } from 'node:net';

/** An answer read off a connection: status, headers (names in lower case) and body. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A connection on which a request has begun (its first header line sent) but not ended. */
export async function begunRequest(port: number, head: string): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) =>
    socket.once('connect', resolve).once('error', reject),
  );
  socket.write(head);
  return socket;
}

/**
 * Sends the rest of the request, reads one answer, and tells whether the server then closed the
 * connection (within two seconds).
 */
export function finish(socket: Socket, rest: string): Promise<RawAnswer & { closed: boolean }> {
  return new Promise((resolve, reject) => {
    let raw = '';
    let answer: RawAnswer | undefined;
    const closed = new Promise<boolean>((done) => {
      socket.once('close', () => done(true));
      setTimeout(() => done(false), 2000).unref();
    });
    socket.setEncoding('utf8');
    socket.on('error', reject);
    socket.on('data', (chunk: string) => {
      raw += chunk;
      const end = raw.indexOf('\r\n\r\n');
      if (answer || end === -1) return;
      const [statusLine, ...lines] = raw.slice(0, end).split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => {
          const colon = line.indexOf(':');
          return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
        }),
      );
      const body = raw.slice(end + 4);
      if (body.length < Number(headers['content-length'] ?? 0)) return;
      answer = { status: Number(statusLine.split(' ')[1]), headers, body };
      const done = answer;
      void closed.then((wasClosed) => {
        socket.destroy();
        resolve({ ...done, closed: wasClosed });
      });
    });
    socket.write(rest);
  });
}
