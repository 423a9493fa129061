/** A link in the account pages' navigation. */
export interface AccountNavLink {
  href: string;
  label: string;
}

/**
 * The account pages, in the order the navigation shows them. Another area's page (second
 * factors at /account/security) is one more entry here.
 */
export const ACCOUNT_NAV: readonly AccountNavLink[] = [
  { href: '/account', label: 'Profile' },
  { href: '/account/email', label: 'Email' },
  { href: '/account/password', label: 'Password' },
  { href: '/account/security', label: 'Security' },
  { href: '/account/sessions', label: 'Sessions' },
  { href: '/account/apps', label: 'Apps' },
];
