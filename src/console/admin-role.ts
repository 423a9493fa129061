import { ADMIN_SCOPE, CHECK_SCOPE } from '../common/auth/permissions';

/** The role that makes a person an administrator (docs/console.md, The first admin person). */
export const ADMIN_ROLE = {
  name: 'admin',
  description: 'Administers Gatehouse (the admin API and the console)',
  /** What it holds at least: the admin API and the decision surfaces. */
  permissions: [ADMIN_SCOPE, CHECK_SCOPE],
};
