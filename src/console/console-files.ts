import { Injectable } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { realpath, stat, readFile } from 'node:fs/promises';
import { dirname, extname, join, resolve, sep } from 'node:path';

/** The directory with package.json above `start`: the package root, from dist/ or dist-test/. */
export function packageRoot(start: string = __dirname): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve(start);
    dir = parent;
  }
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

export interface ConsoleFile {
  body: Buffer;
  contentType: string;
}

/**
 * The built console (`dist/console` under the package root, docs/console.md). A path is read
 * only if it names a regular file inside that directory once every link is resolved; anything
 * else (`..`, NUL, a link out, a directory) is "no such file".
 */
@Injectable()
export class ConsoleFiles {
  private directory = join(packageRoot(), 'dist', 'console');

  /** Serves another directory (tests: a small fake build). */
  useDirectory(directory: string): void {
    this.directory = resolve(directory);
  }

  get root(): string {
    return this.directory;
  }

  /** The file at `relative` (already percent-decoded, `/`-separated), or undefined. */
  async read(relative: string): Promise<ConsoleFile | undefined> {
    if (!isSafeRelative(relative)) return undefined;
    try {
      const root = await realpath(this.directory);
      const path = await realpath(join(root, ...relative.split('/')));
      if (!path.startsWith(root + sep)) return undefined;
      const info = await stat(path);
      if (!info.isFile()) return undefined;
      return {
        body: await readFile(path),
        contentType: CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
      };
    } catch {
      return undefined;
    }
  }

  /** index.html, or undefined when the console is not built. */
  index(): Promise<ConsoleFile | undefined> {
    return this.read('index.html');
  }
}

/**
 * Whether `relative` is a plain relative path: segments of printable characters other than `\`,
 * none empty, `.` or `..`, no NUL or other control character.
 */
export function isSafeRelative(relative: string): boolean {
  if (relative === '' || relative.length > 1024) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\:]/.test(relative)) return false;
  return relative
    .split('/')
    .every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}
