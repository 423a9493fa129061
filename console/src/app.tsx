import { useEffect, useState } from 'preact/hooks';
import { LocationProvider, Route, Router } from 'preact-iso';
import { completeSignIn, isAdministrator, isCallback, signIn, SignInProblem } from './auth/session';
import { Layout } from './components/layout';
import { Loading } from './components/notices';
import { Audit } from './pages/audit';
import { ClientDetail } from './pages/client-detail';
import { ClientList } from './pages/clients';
import { NewClient } from './pages/client-new';
import { Home } from './pages/home';
import { Keys } from './pages/keys';
import { NotAdmin } from './pages/not-admin';
import { NotFound } from './pages/not-found';
import { RoleDetail } from './pages/role-detail';
import { RoleList } from './pages/roles';
import { Rules } from './pages/rules';
import { Setup } from './pages/setup';
import { SignInProblemPage } from './pages/sign-in-problem';
import { SignedOut } from './pages/signed-out';
import { UserDetail } from './pages/user-detail';
import { NewUser } from './pages/user-new';
import { UserList } from './pages/users';
import { Why } from './pages/why';

type Phase =
  | { name: 'starting' }
  | { name: 'problem'; message: string }
  | { name: 'not-admin' }
  | { name: 'ready' };

/** Pages that need no sign-in: the first administrator's setup, and the signed-out landing. */
function publicPage(path: string) {
  if (path === '/console/setup') return <Setup />;
  if (path === '/console/signed-out') return <SignedOut />;
  return undefined;
}

/**
 * The console: signs the person in (docs/console.md), then shows the pages to an administrator
 * and a "not an administrator" page to anyone else.
 */
export function App() {
  const [phase, setPhase] = useState<Phase>({ name: 'starting' });
  const open = publicPage(location.pathname);
  useEffect(() => {
    if (open) return;
    void (async () => {
      try {
        if (isCallback()) {
          const returnTo = await completeSignIn();
          history.replaceState(null, '', returnTo);
        } else {
          await signIn();
        }
        setPhase(isAdministrator() ? { name: 'ready' } : { name: 'not-admin' });
      } catch (error) {
        const message =
          error instanceof SignInProblem || error instanceof Error
            ? error.message
            : 'The sign-in could not be completed.';
        setPhase({ name: 'problem', message });
      }
    })();
  }, []);

  if (open) return <LocationProvider scope="/console">{open}</LocationProvider>;
  if (phase.name === 'starting') return <Loading what="the console" />;
  if (phase.name === 'problem') return <SignInProblemPage message={phase.message} />;
  if (phase.name === 'not-admin') return <NotAdmin />;
  return (
    <LocationProvider scope="/console">
      <Layout>
        <Router>
          <Route path="/console" component={Home} />
          <Route path="/console/" component={Home} />
          <Route path="/console/clients" component={ClientList} />
          <Route path="/console/clients/new" component={NewClient} />
          <Route path="/console/clients/:id" component={ClientDetail} />
          <Route path="/console/users" component={UserList} />
          <Route path="/console/users/new" component={NewUser} />
          <Route path="/console/users/:id" component={UserDetail} />
          <Route path="/console/roles" component={RoleList} />
          <Route path="/console/roles/:name" component={RoleDetail} />
          <Route path="/console/rules" component={Rules} />
          <Route path="/console/why" component={Why} />
          <Route path="/console/keys" component={Keys} />
          <Route path="/console/audit" component={Audit} />
          <Route default component={NotFound} />
        </Router>
      </Layout>
    </LocationProvider>
  );
}
