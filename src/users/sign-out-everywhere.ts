import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** Ends one kind of signed-in state a person holds (browser sessions, refresh token families). */
export type SignOutStep = (manager: EntityManager, userId: string) => Promise<unknown>;

/**
 * Everything that keeps a person signed in, ended in the transaction of the change that calls
 * for it: a password change or reset, a disable (docs/security/privilege.md). The modules that
 * hold such state register a step here (as they register housekeeping sweeps), so `users` knows
 * none of their tables.
 */
@Injectable()
export class SignOutEverywhere {
  private readonly steps = new Map<string, SignOutStep>();

  register(name: string, step: SignOutStep): void {
    this.steps.set(name, step);
  }

  /** Runs every step in the caller's transaction: all of them commit with the change, or none. */
  async run(manager: EntityManager, userId: string): Promise<void> {
    for (const step of this.steps.values()) await step(manager, userId);
  }
}
