import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Api, ApiError, type HistoryResponse, type Integration } from './api';
import { App } from './App';

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const orders: Integration = {
  id: 'i1', name: 'Orders', type: 'DEMO', status: 'ACTIVE', syncInterval: 3600, syncEnabled: true,
  lastSyncStatus: 'SUCCESS', lastSync: new Date().toISOString(),
};

function fakeApi(overrides: Partial<Api>): Api {
  const api = new Api('', async () => {
    throw new Error('unexpected fetch');
  });
  Object.assign(api, {
    listIntegrations: async () => ({ integrations: [orders], total: 1 }),
    workerStatus: async () => ({ workers: [], schedulerRunning: true }),
    syncStatus: async () => ({ recentRuns: [] }),
    ...overrides,
  });
  return api;
}

describe('App', () => {
  it('shows a banner while sync_service is unreachable and keeps the last integrations on screen', async () => {
    let down = false;
    const api = fakeApi({
      listIntegrations: async () => {
        if (down) throw new ApiError('sync_service unavailable', 503, 14);
        return { integrations: [orders], total: 1 };
      },
    });
    render(<App api={api} />);
    expect(await screen.findByRole('heading', { name: 'Orders' })).toBeInTheDocument();
    expect(screen.queryByTestId('unreachable-banner')).toBeNull();

    down = true;
    // A user action (Pause) refreshes the list at once; no waiting for the poll.
    Object.assign(api, { updateSyncSettings: async () => orders });
    await userEvent.setup().click(screen.getByRole('button', { name: 'Pause' }));
    expect(await screen.findByTestId('unreachable-banner')).toHaveTextContent(
      'The gateway cannot reach sync_service (sync_service unavailable).',
    );
    expect(screen.getByRole('heading', { name: 'Orders' })).toBeInTheDocument();
  });

  it('says when the gateway itself cannot be reached', async () => {
    const api = new Api('', async () => {
      throw new TypeError('Failed to fetch');
    });
    render(<App api={api} />);
    expect(await screen.findByTestId('unreachable-banner')).toHaveTextContent('Cannot reach the gateway.');
  });

  it('Sync now shows the run going and then its outcome, without a reload', async () => {
    const history = deferred<HistoryResponse>();
    const api = fakeApi({
      triggerSync: async () => ({ run: { id: 'r9', integrationId: 'i1', status: 'PENDING', trigger: 'MANUAL' } }),
      history: () => history.promise,
    });
    render(<App api={api} />);
    const card = (await screen.findByRole('heading', { name: 'Orders' })).closest('article')!;
    await userEvent.setup().click(within(card as HTMLElement).getByRole('button', { name: 'Sync now' }));
    expect(await within(card as HTMLElement).findByTestId('sync-running')).toBeInTheDocument();

    history.resolve({
      logs: [{ id: 'r9', integrationId: 'i1', status: 'FAILED', trigger: 'MANUAL', errorCode: 'SERVER_ERROR', errorMessage: 'demo failure\nmore' }],
      total: 1,
    });
    await waitFor(() =>
      expect(within(card as HTMLElement).getByTestId('sync-outcome')).toHaveTextContent('Sync failed (SERVER_ERROR): demo failure'),
    );
    expect(within(card as HTMLElement).queryByTestId('sync-running')).toBeNull();
  });
});
