import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiExcludeEndpoint,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError, ValidationFailedError } from '../common/api-error';
import { isJsonMediaType } from '../common/http/json-body';
import { CONSOLE_CLIENT_ID, CONSOLE_SCOPE } from '../clients/console-client';
import { AppConfig } from '../config/app-config';
import { auditContext } from '../events/audit-context';
import { ConsoleFiles } from './console-files';
import { ConsoleSetup } from './setup.service';
import { ConsoleConfigView, ConsoleSetupDto, ConsoleSetupView } from './setup.dto';

/**
 * Every answer under /console (docs/console.md, Headers): only our own scripts, styles, images
 * and fetches (no inline script or style), no framing, no referrer, no sniffing.
 */
export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** Hashed file names (Vite's `assets/`) never change content: cached for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Console not built</title></head>
<body><h1>The console is not built</h1>
<p>Gatehouse found no <code>dist/console/index.html</code>. Run <code>npm run build</code> (it builds the console too), then start Gatehouse again.</p>
</body></html>
`;

const NOT_FOUND_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Not found</title></head>
<body><h1>Not found</h1></body></html>
`;

/** The admin console (docs/console.md): its built files, its settings, the first-admin setup. */
@ApiTags('console')
@Controller('console')
export class ConsoleController {
  constructor(
    private readonly files: ConsoleFiles,
    private readonly setup: ConsoleSetup,
    private readonly config: AppConfig,
  ) {}

  @Get('config.json')
  @ApiOperation({ summary: "The console's sign-in settings (issuer, its client, the scope)" })
  @ApiOkResponse({ type: ConsoleConfigView })
  @ApiNotFoundResponse({ description: 'CONSOLE_ENABLED=false' })
  configuration(@Res({ passthrough: true }) reply: FastifyReply): ConsoleConfigView {
    this.checkEnabled();
    void reply.headers({ ...CONSOLE_HEADERS, 'cache-control': 'no-store' });
    return {
      issuer: this.config.issuer,
      client_id: CONSOLE_CLIENT_ID,
      scope: CONSOLE_SCOPE.join(' '),
    };
  }

  @Post('setup')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Make the first admin person with the one-time setup token (docs/console.md)',
  })
  @ApiCreatedResponse({ type: ConsoleSetupView })
  @ApiBadRequestResponse({
    description: 'A bad, used or expired token (`details[0].field` = `token`), or a bad field',
  })
  @ApiConflictResponse({ description: 'The username is taken' })
  @ApiNotFoundResponse({ description: 'CONSOLE_ENABLED=false' })
  @ApiTooManyRequestsResponse({ description: 'Rate limited (RATE_LIMIT_PER_IP)' })
  async redeem(
    @Body() body: ConsoleSetupDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ConsoleSetupView> {
    this.checkEnabled();
    void reply.headers({ ...CONSOLE_HEADERS, 'cache-control': 'no-store' });
    if (!isJson(request)) {
      throw new ValidationFailedError([
        { field: 'content-type', problem: 'must be application/json' },
      ]);
    }
    return this.setup.redeem(body, auditContext(request, { type: 'anonymous' }), request.ip);
  }

  @Get()
  @ApiExcludeEndpoint()
  root(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.serve(request, reply);
  }

  @Get('*')
  @ApiExcludeEndpoint()
  file(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.serve(request, reply);
  }

  /**
   * A file of the build, or index.html for any other path (the console's own routes), or 503
   * when there is no build. The path is read from the raw URL and decoded once here.
   */
  private async serve(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    void reply.headers(CONSOLE_HEADERS);
    if (!this.config.consoleEnabled) return this.send(reply, 404, NOT_FOUND_PAGE);
    const relative = consolePath(request.url);
    if (relative === undefined) return this.send(reply, 404, NOT_FOUND_PAGE);
    if (relative !== '') {
      const file = await this.files.read(relative);
      if (file && relative !== 'index.html') {
        void reply
          .status(200)
          .headers({
            'content-type': file.contentType,
            'cache-control': relative.startsWith('assets/') ? IMMUTABLE : 'no-cache',
          })
          .send(file.body);
        return;
      }
      // A missing hashed asset is a 404, never the page in its place.
      if (!file && relative.startsWith('assets/')) return this.send(reply, 404, NOT_FOUND_PAGE);
    }
    const index = await this.files.index();
    if (!index) return this.send(reply, 503, NOT_BUILT_PAGE);
    void reply
      .status(200)
      .headers({ 'content-type': index.contentType, 'cache-control': 'no-store' })
      .send(index.body);
  }

  private send(reply: FastifyReply, status: number, page: string): void {
    void reply
      .status(status)
      .headers({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
      .send(page);
  }

  private checkEnabled(): void {
    if (!this.config.consoleEnabled) throw new NotFoundError('the console (CONSOLE_ENABLED=false)');
  }
}

/**
 * The path under /console of a raw request URL, percent-decoded once: `''` for the console's
 * root, undefined when it cannot name a file (bad encoding, `..`, NUL: see isSafeRelative).
 */
export function consolePath(url: string): string | undefined {
  const path = url.split('?')[0].split('#')[0];
  const rest = path.replace(/^\/console/, '').replace(/^\/+/, '');
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    return undefined;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(decoded)) return undefined;
  if (decoded.split('/').some((segment) => segment === '..' || segment === '.')) return undefined;
  return decoded.replace(/\/+$/, '');
}

function isJson(request: FastifyRequest): boolean {
  const type = request.headers['content-type'];
  return typeof type === 'string' && isJsonMediaType(type);
}
