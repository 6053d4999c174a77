// One integration at a glance: status light, last and next sync, interval, the last failure, and the actions.
import { useState } from 'react';
import type { Integration, SyncRun } from '../api';
import { intervalLabel } from '../intervals';
import { countdownText, durationText, firstLine, lastSyncedText } from '../time';
import { StatusLight } from './StatusLight';

/** What "Sync now" started, and how it ended once it has. */
export interface TrackedRun {
  runId: string;
  alreadyRunning: boolean;
  // The run waits for a worker slot (none connected, all busy, or a concurrency limit is full).
  pending?: boolean;
  outcome?: SyncRun;
}

export interface CardActions {
  onSyncNow: () => Promise<void>;
  onPause: () => Promise<void>;
  onResume: () => Promise<void>;
  onEdit: () => void;
  onHistory: () => void;
  onRecords: () => void;
  onDelete: () => Promise<void>;
  onDismissOutcome: () => void;
}

function outcomeText(run: SyncRun): string {
  if (run.status === 'SUCCESS') {
    const n = run.recordsCount ?? 0;
    return `Sync succeeded in ${durationText(run.duration)}: ${n} record${n === 1 ? '' : 's'} (${run.recordsInserted ?? 0} new, ${run.recordsUpdated ?? 0} updated).`;
  }
  if (run.status === 'CANCELLED') return `Sync cancelled${run.errorMessage ? `: ${firstLine(run.errorMessage)}` : '.'}`;
  return `Sync failed${run.errorCode ? ` (${run.errorCode})` : ''}: ${firstLine(run.errorMessage) || 'no message'}`;
}

export function IntegrationCard(props: {
  integration: Integration;
  now: number;
  tracked?: TrackedRun;
  actions: CardActions;
}) {
  const { integration: it, now, tracked, actions } = props;
  const [busy, setBusy] = useState<string>();
  const [actionError, setActionError] = useState<string>();
  const [confirmDelete, setConfirmDelete] = useState(false);

  const act = async (name: string, fn: () => Promise<void>) => {
    setBusy(name);
    setActionError(undefined);
    try {
      await fn();
    } catch (e) {
      setActionError(`${name} failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setBusy(undefined);
    }
  };

  const paused = it.syncEnabled === false;
  const manual = it.syncInterval === null;
  const running = it.status === 'SYNCING' || (tracked !== undefined && tracked.outcome === undefined);
  const countdown = countdownText(it.nextSyncAt, now);
  const failed = it.lastSyncStatus === 'FAILED' || it.lastSyncStatus === 'CANCELLED';
  const headingId = `card-${it.id}-name`;

  return (
    <article className="card" aria-labelledby={headingId} data-testid="integration-card" data-integration-id={it.id}>
      <header className="card-header">
        <h3 id={headingId} className="card-title">
          {it.name}
        </h3>
        <StatusLight integration={it} />
      </header>
      <p className="card-type muted">{it.type === 'HTTP_JSON' ? 'HTTP JSON API' : 'Demo'}</p>

      <dl className="card-facts">
        <div>
          <dt>Last sync</dt>
          <dd data-testid="last-synced">{lastSyncedText(it.lastSync, now)}</dd>
        </div>
        <div>
          <dt>Next sync</dt>
          <dd data-testid="next-sync">
            {countdown ?? (paused ? 'Paused: no scheduled syncs' : manual ? 'Manual only: no scheduled syncs' : '—')}
          </dd>
        </div>
        <div>
          <dt>Interval</dt>
          <dd data-testid="interval">{intervalLabel(it.syncInterval)}</dd>
        </div>
      </dl>

      {running && (
        <p className="card-running" role="status" data-testid="sync-running">
          <span className="spinner" aria-hidden="true" />{' '}
          {tracked?.pending && tracked.outcome === undefined ? 'Waiting for a free worker…' : 'Sync running…'}
        </p>
      )}

      {/* A run started since (by the schedule or someone else) makes the outcome old news. */}
      {tracked?.outcome && !running && (
        <div
          className={tracked.outcome.status === 'SUCCESS' ? 'card-outcome outcome-ok' : 'card-outcome outcome-bad'}
          role="status"
        >
          <span data-testid="sync-outcome">{outcomeText(tracked.outcome)}</span>
          <button type="button" aria-describedby={headingId} className="button-quiet" onClick={actions.onDismissOutcome} aria-label="Dismiss the sync outcome">
            ✕
          </button>
        </div>
      )}

      {it.pausedReason && paused && (
        <div className="card-warning warning-red" data-testid="paused-reason">
          <strong>Paused by syncd.</strong> {it.pausedReason}
          <div>
            <button type="button" aria-describedby={headingId} className="button-primary" onClick={() => act('Resume', actions.onResume)} disabled={!!busy}>
              Resume
            </button>
          </div>
        </div>
      )}

      {failed && !it.pausedReason && !tracked?.outcome && (
        <p className="card-warning warning-red" data-testid="last-failure">
          <strong>Last sync failed:</strong> {firstLine(it.lastSyncError) || 'no message'}
        </p>
      )}

      {actionError && (
        <p className="card-warning warning-red" role="alert">
          {actionError}
        </p>
      )}

      <div className="card-actions">
        <button type="button" aria-describedby={headingId} className="button-primary" onClick={() => act('Sync now', actions.onSyncNow)} disabled={!!busy || running}>
          {busy === 'Sync now' ? 'Starting…' : 'Sync now'}
        </button>
        {paused ? (
          !it.pausedReason && (
            <button type="button" aria-describedby={headingId} onClick={() => act('Resume', actions.onResume)} disabled={!!busy}>
              Resume
            </button>
          )
        ) : (
          <button type="button" aria-describedby={headingId} onClick={() => act('Pause', actions.onPause)} disabled={!!busy}>
            Pause
          </button>
        )}
        <button type="button" aria-describedby={headingId} onClick={actions.onEdit}>
          Edit
        </button>
        <button type="button" aria-describedby={headingId} onClick={actions.onHistory}>
          History
        </button>
        <button type="button" aria-describedby={headingId} onClick={actions.onRecords}>
          Records
        </button>
        {confirmDelete ? (
          <span className="confirm">
            <button type="button" aria-describedby={headingId} className="button-danger" onClick={() => act('Delete', actions.onDelete)} disabled={!!busy}>
              Delete with history
            </button>
            <button type="button" aria-describedby={headingId} onClick={() => setConfirmDelete(false)}>
              Keep
            </button>
          </span>
        ) : (
          <button type="button" aria-describedby={headingId} className="button-quiet" onClick={() => setConfirmDelete(true)}>
            Delete…
          </button>
        )}
      </div>
    </article>
  );
}
