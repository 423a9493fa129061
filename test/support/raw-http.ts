import { connect } from 'node:net';

export interface RawAnswer {
  status: number;
  /** Header names in lower case; a repeated header keeps its last value. */
  headers: Record<string, string>;
  body: string;
  /** Milliseconds from the first byte sent to the last byte received. */
  elapsed: number;
}

/**
 * One HTTP/1.1 request written byte for byte (latin1) on a fresh connection: the request target
 * and header values reach the server exactly as given, with no URL parsing or validation on the
 * way (unlike Node's http client and light-my-request, which resolve or refuse some of them).
 */
export function rawRequest(
  port: number,
  request: { method: string; target: string; headers?: Record<string, string> },
): Promise<RawAnswer> {
  const lines = [`${request.method} ${request.target} HTTP/1.1`, 'Host: 127.0.0.1'];
  for (const [name, value] of Object.entries(request.headers ?? {}))
    lines.push(`${name}: ${value}`);
  lines.push('Connection: close', '', '');
  return rawBytes(port, lines.join('\r\n'));
}

/** `head` (a whole request, latin1) written as it is on a fresh connection; the answer parsed. */
export function rawBytes(port: number, head: string): Promise<RawAnswer> {
  const target = head.split(' ', 2)[1];
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const started = process.hrtime.bigint();
    const socket = connect(port, '127.0.0.1', () => socket.end(Buffer.from(head, 'latin1')));
    socket.setTimeout(15_000, () => socket.destroy(new Error(`${target}: no answer in 15 s`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      if (split === -1) return reject(new Error(`${target}: no HTTP answer: ${text}`));
      const [statusLine, ...headerLines] = text.slice(0, split).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({
        status: Number(statusLine.split(' ')[1]),
        headers,
        body: text.slice(split + 4),
        elapsed,
      });
    });
  });
}
