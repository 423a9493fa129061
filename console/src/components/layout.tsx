import { ComponentChildren } from 'preact';
import { useLocation } from 'preact-iso';
import { person, signOut } from '../auth/session';

/** The console's sections, in the order of the navigation. */
export const SECTIONS: { href: string; label: string }[] = [
  { href: '/console/', label: 'Home' },
  { href: '/console/clients', label: 'Clients' },
  { href: '/console/users', label: 'Users' },
  { href: '/console/roles', label: 'Roles' },
  { href: '/console/rules', label: 'Access rules' },
  { href: '/console/why', label: 'Why?' },
  { href: '/console/keys', label: 'Keys' },
  { href: '/console/audit', label: 'Audit log' },
];

function isCurrent(href: string, path: string): boolean {
  if (href === '/console/') return path === '/console/' || path === '/console';
  return path === href || path.startsWith(`${href}/`);
}

/** Skip link, header with the navigation and the signed-in person, and the main landmark. */
export function Layout(props: { children: ComponentChildren }) {
  const { path } = useLocation();
  const who = person();
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="/console/">
          Gatehouse console
        </a>
        <nav aria-label="Console">
          <ul>
            {SECTIONS.map((section) => (
              <li key={section.href}>
                <a
                  href={section.href}
                  aria-current={isCurrent(section.href, path) ? 'page' : undefined}
                >
                  {section.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          {who && <span class="muted">Signed in as {who.name}</span>}
          <button type="button" class="secondary" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main">{props.children}</main>
    </>
  );
}

/** A page outside the signed-in console (sign-in problems, signed out, setup). */
export function PlainLayout(props: { children: ComponentChildren }) {
  return (
    <>
      <header class="top">
        <span class="brand">Gatehouse console</span>
      </header>
      <main id="main" class="narrow">
        {props.children}
      </main>
    </>
  );
}
