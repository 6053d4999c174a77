import { render, screen } from '@testing-library/react';
import { WorkersPanel } from './WorkersPanel';

const now = Date.parse('2026-11-24T12:00:00Z');

describe('WorkersPanel', () => {
  it('shows workers, their capacity, what they run by integration name, and the next scheduled sync', () => {
    render(
      <WorkersPanel
        now={now}
        integrations={[
          { id: 'i1', name: 'Orders', type: 'DEMO', status: 'SYNCING', nextSyncAt: '2026-11-24T12:12:00Z' },
        ]}
        recentRuns={[{ id: 'run-1', integrationId: 'i1', status: 'RUNNING', trigger: 'MANUAL' }]}
        status={{
          workers: [
            { id: 'host-1-a', name: 'worker-1', version: '0.1.0', capacity: 3, runningRunIds: ['run-1'], lastHeartbeatAt: '2026-11-24T11:59:58Z' },
            { id: 'host-2-b', name: 'worker-2', capacity: 2, runningRunIds: [], draining: true },
          ],
          nextScheduledSyncAt: '2026-11-24T12:12:00Z',
          schedulerRunning: true,
          dueBacklog: 4,
        }}
      />,
    );
    // A draining worker takes no new work, so its slots do not count.
    expect(screen.getByTestId('workers-summary')).toHaveTextContent('2 connected · running 1 of 3 slots');
    expect(screen.getAllByTestId('worker')[0]).toHaveTextContent('Running 1 of 3 · heard from 2 s ago');
    expect(screen.getAllByTestId('worker')[0]).toHaveTextContent('Orders');
    expect(screen.getAllByTestId('worker')[1]).toHaveTextContent('draining');
    expect(screen.getByTestId('next-scheduled')).toHaveTextContent('Orders, in 12 min');
    expect(screen.getByText('4 due syncs waiting for a free worker.')).toBeInTheDocument();
  });

  it('says when no worker is connected and no scheduler dispatches', () => {
    render(<WorkersPanel now={now} integrations={[]} status={{ workers: [], schedulerRunning: false }} />);
    expect(screen.getByTestId('workers-summary')).toHaveTextContent('No workers connected: syncs wait until one connects.');
    expect(screen.getByText('No sync_service replica is dispatching work.')).toBeInTheDocument();
    expect(screen.getByTestId('next-scheduled')).toHaveTextContent('none scheduled');
  });
});
