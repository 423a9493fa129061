import { useState } from 'preact/hooks';
import { api } from '../api';
import { ConfirmButton } from '../components/confirm';
import { ErrorNotice, Loading, StatusNotice } from '../components/notices';
import { Page } from '../components/page';
import { Table } from '../components/table';
import { useAsync } from '../components/use-async';
import { When } from '../components/format';

/** GET /admin/keys (docs/key-rotation.md, "Key states"). */
interface SigningKey {
  kid: string;
  alg: string;
  state: 'current' | 'next' | 'retired';
  created_at: string;
  activates_at: string | null;
  retires_at: string | null;
}

/** POST /admin/keys/rotate's answer. */
interface Rotated {
  keys: { kid: string; alg: string; created_at: string; signs_from: string }[];
}

const STATES: Record<SigningKey['state'], string> = {
  next: 'published, signs from its activation',
  current: 'signing now',
  retired: 'replaced; verifies until its tokens expire',
};

/** The signing keys and their rotation. */
export function Keys(_props: Record<string, unknown>) {
  const keys = useAsync(() => api.get<SigningKey[]>('/admin/keys'), []);
  const [notice, setNotice] = useState<{ text: string; at: string } | undefined>();
  return (
    <Page
      title="Keys"
      actions={
        <ConfirmButton
          label="Rotate signing key"
          question="Rotate the signing keys?"
          confirmLabel="Rotate"
          onConfirm={async () => {
            setNotice(undefined);
            const rotated = await api.post<Rotated>('/admin/keys/rotate', {});
            keys.reload();
            const first = rotated.keys[0];
            setNotice(
              first
                ? {
                    text: `Rotated: ${rotated.keys.length} new keys (${rotated.keys
                      .map((key) => key.alg)
                      .join(', ')}) are published now and sign from`,
                    at: first.signs_from,
                  }
                : { text: 'Another Gatehouse process rotated the keys at the same time.', at: '' },
            );
          }}
        >
          <p>
            Each algorithm gets a new key, published in /jwks at once and signing after the
            publish-ahead delay (KEY_PUBLISH_AHEAD); the current keys keep verifying for a day. For
            a compromised key, use the admin API with <code>{'{"immediate": true}'}</code>{' '}
            (docs/key-rotation.md).
          </p>
        </ConfirmButton>
      }
    >
      <p class="hint">
        <strong>next</strong>: {STATES.next}; <strong>current</strong>: {STATES.current};{' '}
        <strong>retired</strong>: {STATES.retired}.
      </p>
      {notice && (
        <StatusNotice>
          {notice.text} {notice.at && <When iso={notice.at} />}
          {notice.at && '.'}
        </StatusNotice>
      )}
      <ErrorNotice error={keys.error} />
      {!keys.data && keys.loading && <Loading what="the keys" />}
      {keys.data && (
        <Table
          caption="Signing keys"
          columns={['Key id (kid)', 'Algorithm', 'State', 'Created', 'Signs from', 'Retires']}
        >
          <tbody>
            {keys.data.map((key) => (
              <tr key={key.kid}>
                <td class="mono">{key.kid}</td>
                <td>{key.alg}</td>
                <td>
                  <span class={`badge key-${key.state}`}>{key.state}</span>
                </td>
                <td>
                  <When iso={key.created_at} />
                </td>
                <td>
                  <When iso={key.activates_at} />
                </td>
                <td>
                  <When iso={key.retires_at} empty="not scheduled" />
                </td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </Page>
  );
}
