import { Injectable } from '@nestjs/common';
import { Clock, SystemClock } from '../../common/clock';
import { Decision } from './decision';

/** How many of the latest denials the record keeps. */
export const LATEST_DENIALS = 50;

/** A denial as GET /admin/overview shows it (never a token; the path without its query). */
export interface DenialView {
  at: string;
  reason: string;
  surface: string;
  method: string | null;
  path: string | null;
  sub: string | null;
  client_id: string | null;
}

export interface DenialsView {
  since: string;
  by_reason: { reason: string; count: number }[];
  latest: DenialView[];
}

interface Denial {
  at: number;
  reason: string;
  surface: string;
  method?: string;
  path?: string;
  sub?: string;
  clientId?: string;
}

/**
 * The denials of this process since it started (docs/access.md, "Decision log"): a count per
 * reason and a ring of the latest LATEST_DENIALS. Memory only, so in cluster mode (WORKERS) each
 * process has its own. Adding is O(1) and allocates one small object.
 */
@Injectable()
export class DenialRecord {
  private readonly since: number;
  private readonly ring: (Denial | undefined)[] = new Array<Denial | undefined>(LATEST_DENIALS);
  private next = 0;
  private readonly counts = new Map<string, number>();

  constructor(private readonly clock: Clock = new SystemClock()) {
    this.since = clock.now();
  }

  add(decision: Decision, context: { surface: string; method?: string; path?: string }): void {
    this.counts.set(decision.reason, (this.counts.get(decision.reason) ?? 0) + 1);
    this.ring[this.next] = {
      at: this.clock.now(),
      reason: decision.reason,
      surface: context.surface,
      method: context.method,
      // A query string may carry anything (a token, even): never kept.
      path: context.path?.split('?', 1)[0],
      sub: decision.sub,
      clientId: decision.clientId,
    };
    this.next = (this.next + 1) % LATEST_DENIALS;
  }

  /** Reasons most first (then by name), the latest denials newest first. */
  view(): DenialsView {
    const latest: DenialView[] = [];
    for (let step = 1; step <= LATEST_DENIALS; step++) {
      const denial = this.ring[(this.next - step + LATEST_DENIALS) % LATEST_DENIALS];
      if (!denial) break;
      latest.push({
        at: new Date(denial.at).toISOString(),
        reason: denial.reason,
        surface: denial.surface,
        method: denial.method ?? null,
        path: denial.path ?? null,
        sub: denial.sub ?? null,
        client_id: denial.clientId ?? null,
      });
    }
    return {
      since: new Date(this.since).toISOString(),
      by_reason: [...this.counts]
        .map(([reason, count]) => ({ reason, count }))
        .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
      latest,
    };
  }
}
