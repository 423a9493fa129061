import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PASSKEYS_SCRIPT } from './views/passkeys.script';

const SCRIPT_HEADERS = {
  'content-type': 'text/javascript; charset=utf-8',
  'cache-control': 'public, max-age=3600',
  'x-content-type-options': 'nosniff',
};

/** @simplewebauthn/browser's browser bundle (the UMD build: a global SimpleWebAuthnBrowser). */
function browserBundle(): string {
  const entry = require.resolve('@simplewebauthn/browser');
  let root = dirname(entry);
  while (!root.endsWith('browser')) root = dirname(root);
  return readFileSync(join(root, 'dist', 'bundle', 'index.umd.min.js'), 'utf8');
}

/** The only scripts Gatehouse serves, for the passkey pages (CSP `script-src 'self'`). */
@ApiExcludeController()
@Controller('assets')
export class PasskeyAssetsController {
  private readonly bundle = browserBundle();

  @Get('webauthn-browser.js')
  library(@Res() reply: FastifyReply): void {
    void reply.headers(SCRIPT_HEADERS).send(this.bundle);
  }

  @Get('passkeys.js')
  script(@Res() reply: FastifyReply): void {
    void reply.headers(SCRIPT_HEADERS).send(PASSKEYS_SCRIPT);
  }
}
