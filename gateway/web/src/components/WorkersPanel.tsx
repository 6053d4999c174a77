// The connected workers (capacity, what they run, draining), whether a scheduler is dispatching, the due
// backlog, and when the next scheduled sync is.
import type { Integration, SyncRun, WorkerStatusResponse } from '../api';
import { countdownText, dateTimeText, spanText } from '../time';

export function WorkersPanel(props: {
  status: WorkerStatusResponse | undefined;
  /** Recent runs across integrations, to name what a worker runs. */
  recentRuns?: SyncRun[];
  integrations: Integration[];
  now: number;
}) {
  const { status, now } = props;
  if (!status) {
    return (
      <section className="panel" aria-labelledby="workers-title">
        <h2 id="workers-title">Workers</h2>
        <p className="muted">Loading…</p>
      </section>
    );
  }
  const workers = status.workers ?? [];
  const running = workers.reduce((n, w) => n + (w.runningRunIds?.length ?? 0), 0);
  const capacity = workers.reduce((n, w) => n + (w.draining ? 0 : (w.capacity ?? 0)), 0);
  const names = new Map(props.integrations.map((i) => [i.id, i.name]));
  const runName = (runId: string) => {
    const run = props.recentRuns?.find((r) => r.id === runId);
    return run ? names.get(run.integrationId) : undefined;
  };
  const next = status.nextScheduledSyncAt;
  const nextName = next
    ? props.integrations.find((i) => i.nextSyncAt && Date.parse(i.nextSyncAt) === Date.parse(next))?.name
    : undefined;
  return (
    <section className="panel" aria-labelledby="workers-title" data-testid="workers-panel">
      <h2 id="workers-title">Workers</h2>
      <p data-testid="workers-summary">
        {workers.length === 0
          ? 'No workers connected: syncs wait until one connects.'
          : `${workers.length} connected · running ${running} of ${capacity} slots`}
      </p>
      {status.schedulerRunning === false && (
        <p className="card-warning warning-red">No sync_service replica is dispatching work.</p>
      )}
      {(status.dueBacklog ?? 0) > 0 && (
        <p className="card-warning warning-yellow">{status.dueBacklog} due syncs waiting for a free worker.</p>
      )}
      <p data-testid="next-scheduled">
        <span className="muted">Next scheduled sync: </span>
        {next ? (
          <>
            {nextName ? `${nextName}, ` : ''}
            {countdownText(next, now)?.replace(/^Next sync /, '')} ({dateTimeText(next)})
          </>
        ) : (
          'none scheduled'
        )}
      </p>
      {workers.length > 0 && (
        <ul className="worker-list">
          {workers.map((w) => (
            <li key={w.id} data-testid="worker">
              <div className="worker-name">
                <strong>{w.name || w.id}</strong>
                {w.draining && <span className="tag tag-yellow">draining</span>}
              </div>
              <div className="muted small">
                {w.id}
                {w.version ? ` · v${w.version}` : ''}
              </div>
              <div>
                Running {w.runningRunIds?.length ?? 0} of {w.capacity ?? 0}
                {w.lastHeartbeatAt && (
                  <span className="muted small">
                    {' '}
                    · heard from {spanText(Math.max(0, (now - Date.parse(w.lastHeartbeatAt)) / 1000))} ago
                  </span>
                )}
              </div>
              {(w.runningRunIds?.length ?? 0) > 0 && (
                <ul className="run-ids small">
                  {w.runningRunIds!.map((r) => (
                    <li key={r}>
                      {runName(r) ?? 'a sync'} <code className="muted">{r.slice(0, 8)}…</code>
                    </li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
