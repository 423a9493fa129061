/**
 * Keeps targeted reloads of the access state from bringing back what a newer change removed.
 * Reloads run concurrently and may finish in any order: a reload's answer is applied only if no
 * newer reload of the same key began meanwhile (nor a deletion of it), and role names it read are
 * dropped when the role was deleted after the read began (its assignments went with it, and a
 * role re-created by the same name starts empty).
 */
export class ReloadOrder {
  private sequence = 0;
  /** The newest reload under way, per key; absent when none is. */
  private readonly underWay = new Map<string, number>();
  /** When each role was deleted, in sequence numbers. */
  private readonly roleDeletions = new Map<string, number>();

  /** A reload of `key` begins; an earlier one still under way becomes stale. */
  begin(key: string): number {
    const started = ++this.sequence;
    this.underWay.set(key, started);
    return started;
  }

  /** Whether the reload `started` of `key` is still the newest (and so may be applied). */
  finish(key: string, started: number): boolean {
    if (this.underWay.get(key) !== started) return false;
    this.underWay.delete(key);
    return true;
  }

  /** `key` was deleted: a reload of it under way read too early and must not bring it back. */
  deleted(key: string): void {
    if (this.underWay.has(key)) this.underWay.set(key, ++this.sequence);
  }

  /** The role `name` was deleted now. */
  roleDeleted(name: string): void {
    if (this.underWay.size === 0) this.roleDeletions.clear();
    this.roleDeletions.set(name, ++this.sequence);
  }

  /** The role names a read begun at `started` found, without those deleted since it began. */
  liveRoles(roles: string[], started: number): string[] {
    return roles.filter((role) => (this.roleDeletions.get(role) ?? 0) < started);
  }
}
