import type { Integration } from './api';
import { emptyForm, formFromIntegration, formToInput, kSecretMask } from './form';

describe('formToInput for HTTP_JSON', () => {
  const base = () => ({ ...emptyForm(), name: 'Billing', type: 'HTTP_JSON' as const, url: ' https://api.example.com/items ' });

  it('writes the connector contract: method, headers, auth kinds, pagination, limits', () => {
    const { input, errors } = formToInput({
      ...base(),
      headers: 'Accept: application/json\nX-Tenant: 42',
      authKind: 'basic',
      username: 'svc',
      password: { value: 'pw', isSet: false, remove: false },
      recordsPath: '/data/items',
      idField: '/id',
      paginationKind: 'cursor',
      cursorPath: '/meta/next_cursor',
      cursorParam: 'cursor',
      maxRequestsPerMinute: '60',
      timeoutSeconds: '30',
      interval: '900',
    });
    expect(errors).toEqual({});
    expect(input).toEqual({
      name: 'Billing',
      type: 'HTTP_JSON',
      config: {
        url: 'https://api.example.com/items',
        method: 'GET',
        headers: { Accept: 'application/json', 'X-Tenant': '42' },
        auth: { kind: 'basic', username: 'svc', password: 'pw' },
        recordsPath: '/data/items',
        idField: '/id',
        pagination: { cursorPath: '/meta/next_cursor', cursorParam: 'cursor' },
        maxRequestsPerMinute: 60,
        timeoutSeconds: 30,
      },
      syncInterval: 900,
      syncEnabled: true,
    });
  });

  it('keeps, replaces or removes a stored API key', () => {
    const stored = { value: '', isSet: true, remove: false };
    const key = (apiKey: typeof stored) =>
      (formToInput({ ...base(), authKind: 'apiKey', apiKeyHeader: 'X-Api-Key', apiKey }).input!.config.auth as Record<string, unknown>).key;
    expect(key(stored)).toBe(kSecretMask);
    expect(key({ ...stored, value: 'new' })).toBe('new');
    expect(key({ ...stored, remove: true })).toBe('');
    expect(key({ value: '', isSet: false, remove: false })).toBeUndefined();
  });

  it('names the fields the browser can tell are wrong', () => {
    const { input, errors } = formToInput({
      ...base(),
      method: 'POST',
      requestBody: '{"since": ',
      headers: 'no colon here',
      maxPages: '1.5',
    });
    expect(input).toBeUndefined();
    expect(Object.keys(errors).sort()).toEqual(['config.body', 'config.headers', 'config.maxPages']);
  });
});

describe('formFromIntegration', () => {
  it('reads back what formToInput writes, secrets as "set" only', () => {
    const integration: Integration = {
      id: 'i',
      name: 'Billing',
      type: 'HTTP_JSON',
      status: 'ACTIVE',
      syncInterval: null,
      syncEnabled: false,
      config: {
        url: 'https://api.example.com/items',
        method: 'POST',
        body: { since: 1 },
        auth: { kind: 'bearer', token: kSecretMask },
        pagination: { nextUrlPath: '/next' },
        extra: 'kept',
      },
    };
    const form = formFromIntegration(integration);
    expect(form.interval).toBe('manual');
    expect(form.syncEnabled).toBe(false);
    expect(form.token).toEqual({ value: '', isSet: true, remove: false });
    expect(form.paginationKind).toBe('nextUrl');
    expect(JSON.stringify(form)).not.toContain('"value":"********"');
    expect(formToInput(form).input!.config).toEqual(integration.config);
  });

  it('drops the other type’s settings when the type changes', () => {
    const demo = formFromIntegration({
      id: 'd', name: 'Demo', type: 'DEMO', status: 'ACTIVE', syncInterval: 3600,
      config: { records: 5, failureRate: 0.5, syncTimeoutSeconds: 60 },
    });
    const { input } = formToInput({ ...demo, type: 'HTTP_JSON', url: 'https://x.example/items' });
    expect(input!.config).toEqual({ syncTimeoutSeconds: 60, url: 'https://x.example/items', method: 'GET', auth: { kind: 'none' } });
  });
});
