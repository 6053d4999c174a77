import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Integration } from '../api';
import { IntegrationCard, type CardActions } from './IntegrationCard';

const now = Date.parse('2026-11-24T12:00:00Z');

const actions = (): CardActions => ({
  onSyncNow: vi.fn(async () => {}),
  onPause: vi.fn(async () => {}),
  onResume: vi.fn(async () => {}),
  onEdit: vi.fn(),
  onHistory: vi.fn(),
  onRecords: vi.fn(),
  onDelete: vi.fn(async () => {}),
  onDismissOutcome: vi.fn(),
});

const healthy: Integration = {
  id: 'i1',
  name: 'Orders',
  type: 'DEMO',
  status: 'ACTIVE',
  syncInterval: 900,
  syncEnabled: true,
  lastSync: '2026-11-24T11:57:00Z',
  lastSyncStatus: 'SUCCESS',
  nextSyncAt: '2026-11-24T12:12:00Z',
};

describe('IntegrationCard', () => {
  it('shows the light, last sync, a live countdown and the interval', () => {
    const { rerender } = render(<IntegrationCard integration={healthy} now={now} actions={actions()} />);
    expect(screen.getByTestId('status-light')).toHaveAttribute('data-light', 'green');
    expect(screen.getByTestId('status-light')).toHaveTextContent('Healthy');
    expect(screen.getByTestId('last-synced')).toHaveTextContent('Last synced 3 min ago');
    expect(screen.getByTestId('next-sync')).toHaveTextContent('Next sync in 12 min');
    expect(screen.getByTestId('interval')).toHaveTextContent('Every 15 minutes');
    rerender(<IntegrationCard integration={healthy} now={now + 11 * 60_000 + 30_000} actions={actions()} />);
    expect(screen.getByTestId('next-sync')).toHaveTextContent('Next sync in 30 s');
  });

  it('warns about the last failure with the first line of its error', () => {
    render(
      <IntegrationCard
        integration={{ ...healthy, lastSyncStatus: 'FAILED', lastSyncError: 'GET https://x returned 500\nstack...' }}
        now={now}
        actions={actions()}
      />,
    );
    expect(screen.getByTestId('status-light')).toHaveAttribute('data-light', 'red');
    expect(screen.getByTestId('last-failure')).toHaveTextContent('Last sync failed: GET https://x returned 500');
    expect(screen.getByTestId('last-failure')).not.toHaveTextContent('stack');
  });

  it('shows why syncd paused it, the fix, and a Resume button that resumes', async () => {
    const a = actions();
    const paused: Integration = {
      ...healthy,
      status: 'PAUSED',
      syncEnabled: false,
      nextSyncAt: undefined,
      lastSyncStatus: 'FAILED',
      pausedReason: 'Paused after 5 consecutive failures (AUTH_FAILED). Update the API token, then resume.',
    };
    render(<IntegrationCard integration={paused} now={now} actions={a} />);
    expect(screen.getByTestId('paused-reason')).toHaveTextContent('Update the API token, then resume.');
    expect(screen.getByTestId('next-sync')).toHaveTextContent('Paused: no scheduled syncs');
    expect(screen.queryByRole('button', { name: 'Pause' })).toBeNull();
    await userEvent.setup().click(screen.getByRole('button', { name: 'Resume' }));
    expect(a.onResume).toHaveBeenCalledTimes(1);
  });

  it('says a triggered run waits for a worker until one takes it', () => {
    const { rerender } = render(
      <IntegrationCard
        integration={healthy}
        now={now}
        tracked={{ runId: 'r1', alreadyRunning: false, pending: true }}
        actions={actions()}
      />,
    );
    expect(screen.getByTestId('sync-running')).toHaveTextContent('Waiting for a free worker…');
    rerender(
      <IntegrationCard
        integration={healthy}
        now={now}
        tracked={{ runId: 'r1', alreadyRunning: false, pending: false }}
        actions={actions()}
      />,
    );
    expect(screen.getByTestId('sync-running')).toHaveTextContent('Sync running…');
  });

  it('shows a run in progress, then its outcome', () => {
    const { rerender } = render(
      <IntegrationCard integration={healthy} now={now} tracked={{ runId: 'r1', alreadyRunning: false }} actions={actions()} />,
    );
    expect(screen.getByTestId('sync-running')).toHaveTextContent('Sync running…');
    expect(screen.getByRole('button', { name: 'Sync now' })).toBeDisabled();
    rerender(
      <IntegrationCard
        integration={healthy}
        now={now}
        tracked={{
          runId: 'r1',
          alreadyRunning: false,
          outcome: { id: 'r1', integrationId: 'i1', status: 'SUCCESS', trigger: 'MANUAL', duration: 1200, recordsCount: 25, recordsInserted: 20, recordsUpdated: 5 },
        }}
        actions={actions()}
      />,
    );
    expect(screen.queryByTestId('sync-running')).toBeNull();
    expect(screen.getByTestId('sync-outcome')).toHaveTextContent('Sync succeeded in 1.2 s: 25 records (20 new, 5 updated).');
  });

  it('says when an action fails instead of failing silently', async () => {
    const a = actions();
    a.onPause = vi.fn(async () => {
      throw new Error('sync_service unavailable');
    });
    render(<IntegrationCard integration={healthy} now={now} actions={a} />);
    await userEvent.setup().click(screen.getByRole('button', { name: 'Pause' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Pause failed: sync_service unavailable');
  });
});

describe('IntegrationCard outcome', () => {
  it('hides an old Sync now outcome while another run is going', () => {
    const outcome = { id: 'r1', integrationId: 'i1', status: 'SUCCESS' as const, trigger: 'MANUAL' as const };
    render(
      <IntegrationCard
        integration={{ ...healthy, status: 'SYNCING' }}
        now={now}
        tracked={{ runId: 'r1', alreadyRunning: false, outcome }}
        actions={actions()}
      />,
    );
    expect(screen.getByTestId('sync-running')).toBeInTheDocument();
    expect(screen.queryByTestId('sync-outcome')).toBeNull();
  });
});
