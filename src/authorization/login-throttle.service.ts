import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';

interface Window {
  failures: number;
  startedAt: number;
}

const MAX_TRACKED = 100_000;

/**
 * Failed password attempts, counted per account and per client IP over a window. Past the
 * limit, further attempts are refused without checking the password until the window ends.
 * Counted in this process's memory.
 */
@Injectable()
export class LoginThrottle {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly config: AppConfig) {}

  /** Seconds to wait before trying again, or 0 when an attempt may go ahead. */
  retryAfter(username: string, ip: string): number {
    const { maxFailuresPerAccount, maxFailuresPerIp } = this.config.loginThrottle;
    return Math.max(
      this.blockedFor(`account:${username.toLowerCase()}`, maxFailuresPerAccount),
      this.blockedFor(`ip:${ip}`, maxFailuresPerIp),
    );
  }

  recordFailure(username: string, ip: string): void {
    this.count(`account:${username.toLowerCase()}`);
    this.count(`ip:${ip}`);
  }

  recordSuccess(username: string): void {
    this.windows.delete(`account:${username.toLowerCase()}`);
  }

  private blockedFor(key: string, limit: number): number {
    const window = this.current(key);
    if (!window || window.failures < limit) return 0;
    const endsAt = window.startedAt + this.config.loginThrottle.window * 1000;
    return Math.max(1, Math.ceil((endsAt - Date.now()) / 1000));
  }

  private count(key: string): void {
    const window = this.current(key) ?? { failures: 0, startedAt: Date.now() };
    window.failures += 1;
    this.windows.delete(key);
    this.windows.set(key, window);
    if (this.windows.size > MAX_TRACKED) {
      const oldest = this.windows.keys().next().value;
      if (oldest !== undefined) this.windows.delete(oldest);
    }
  }

  private current(key: string): Window | undefined {
    const window = this.windows.get(key);
    if (window && Date.now() - window.startedAt >= this.config.loginThrottle.window * 1000) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }
}
