import { Api, ApiError, fieldErrorsOf } from './api';

const respond = (status: number, body: unknown) => async () =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('Api errors', () => {
  it('reads field violations out of a 400 google.rpc.Status body', async () => {
    const api = new Api('', respond(400, {
      code: 3,
      message: 'name: is required; syncInterval: must be between 60 and 604800 seconds',
      details: [{
        '@type': 'type.googleapis.com/google.rpc.BadRequest',
        fieldViolations: [
          { field: 'name', description: 'is required' },
          { field: 'syncInterval', description: 'must be between 60 and 604800 seconds' },
        ],
      }],
    }));
    const error = await api.createIntegration({ name: '', type: 'DEMO', config: {}, syncInterval: 5, syncEnabled: true }).catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.httpStatus).toBe(400);
    expect(error.unreachable).toBe(false);
    expect(error.fieldErrors).toEqual({ name: 'is required', syncInterval: 'must be between 60 and 604800 seconds' });
  });

  it('joins two violations of one field', () => {
    expect(fieldErrorsOf({ details: [{ fieldViolations: [{ field: 'a', description: 'x' }, { field: 'a', description: 'y' }] }] }))
      .toEqual({ a: 'x; y' });
  });

  it('calls 503 and a failed connection unreachable', async () => {
    const down = await new Api('', respond(503, { code: 14, message: 'sync_service unavailable' })).workerStatus().catch((e) => e);
    expect(down.unreachable).toBe(true);
    expect(down.message).toBe('sync_service unavailable');
    const gone = await new Api('', async () => { throw new TypeError('Failed to fetch'); }).workerStatus().catch((e) => e);
    expect(gone.httpStatus).toBe(0);
    expect(gone.unreachable).toBe(true);
  });

  it('sends JSON with the method and path of the route', async () => {
    const seen: Array<[string, RequestInit | undefined]> = [];
    const api = new Api('http://gw', async (url, init) => {
      seen.push([String(url), init]);
      return new Response('{}', { status: 200 });
    });
    await api.updateSyncSettings('abc', { syncInterval: null });
    expect(seen[0]![0]).toBe('http://gw/api/integrations/abc/sync-settings');
    expect(seen[0]![1]!.method).toBe('PATCH');
    expect(seen[0]![1]!.body).toBe('{"syncInterval":null}');
  });
});
