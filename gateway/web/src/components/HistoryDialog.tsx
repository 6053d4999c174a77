// An integration's runs, newest first, a page at a time; a failed run's row expands to its whole error
// message and the suggested fix. The open page keeps refreshing, so a running sync moves on by itself.
import { Fragment, useState } from 'react';
import type { Api, Integration, RunStatus, SyncRun } from '../api';
import { usePoll } from '../hooks';
import { dateTimeText, durationText, firstLine } from '../time';
import { Modal } from './Modal';
import { Pager } from './Pager';

export const kHistoryPageSize = 10;

const kRunIcon: Record<RunStatus, { icon: string; label: string; className: string }> = {
  PENDING: { icon: '◷', label: 'Pending', className: 'run-pending' },
  RUNNING: { icon: '↻', label: 'Running', className: 'run-running' },
  SUCCESS: { icon: '✓', label: 'Succeeded', className: 'run-success' },
  FAILED: { icon: '✗', label: 'Failed', className: 'run-failed' },
  CANCELLED: { icon: '⊘', label: 'Cancelled', className: 'run-cancelled' },
};

const kTrigger: Record<string, string> = { SCHEDULED: 'Scheduled', MANUAL: 'Manual', RETRY: 'Retry' };

export function RunStatusIcon({ status }: { status: RunStatus }) {
  const s = kRunIcon[status] ?? { icon: '?', label: status, className: '' };
  return (
    <span className={`run-status ${s.className}`}>
      <span aria-hidden="true">{s.icon}</span> {s.label}
    </span>
  );
}

function RunRow({ run }: { run: SyncRun }) {
  const [open, setOpen] = useState(false);
  const hasError = !!(run.errorMessage || run.suggestion || run.errorCode);
  const detailsId = `run-${run.id}-details`;
  const attempt = run.attempt && run.attempt > 1 ? ` (attempt ${run.attempt})` : '';
  return (
    <Fragment>
      <tr data-testid="history-row" data-status={run.status}>
        <td>
          <RunStatusIcon status={run.status} />
        </td>
        <td>
          {kTrigger[run.trigger] ?? run.trigger}
          {attempt}
        </td>
        <td>{dateTimeText(run.startedAt ?? run.scheduledFor ?? run.createdAt)}</td>
        <td>{run.status === 'RUNNING' || run.status === 'PENDING' ? '…' : durationText(run.duration)}</td>
        <td>
          <span title="inserted / updated">
            {run.recordsInserted ?? 0} / {run.recordsUpdated ?? 0}
          </span>
        </td>
        <td>
          {hasError && (
            <button
              type="button"
              className="button-quiet error-toggle"
              aria-expanded={open}
              aria-controls={detailsId}
              onClick={() => setOpen((o) => !o)}
            >
              {open ? 'Hide error' : `${run.errorCode ?? 'Error'}: ${firstLine(run.errorMessage).slice(0, 60)}`}
            </button>
          )}
        </td>
      </tr>
      {hasError && open && (
        <tr className="run-details" id={detailsId}>
          <td colSpan={6}>
            <p data-testid="run-error">
              <strong>{run.errorCode ?? 'Error'}:</strong> <span className="pre-wrap">{run.errorMessage ?? 'no message'}</span>
            </p>
            {run.suggestion && (
              <p data-testid="run-suggestion">
                <strong>Suggested fix:</strong> {run.suggestion}
              </p>
            )}
            <p className="muted small">
              Run {run.id}
              {run.workerId ? ` on worker ${run.workerId}` : ''}
            </p>
          </td>
        </tr>
      )}
    </Fragment>
  );
}

export function HistoryDialog(props: { api: Api; integration: Integration; onClose: () => void }) {
  const [page, setPage] = useState(1);
  const { id } = props.integration;
  const history = usePoll(() => props.api.history(id, page, kHistoryPageSize), 3000, `${id}:${page}`);
  const logs = history.data?.logs ?? [];
  const total = history.data?.total ?? 0;

  return (
    <Modal title={`Sync history: ${props.integration.name}`} onClose={props.onClose} wide>
      {history.error !== undefined && (
        <p className="banner banner-error" role="alert">
          Could not load the history: {history.error instanceof Error ? history.error.message : String(history.error)}
        </p>
      )}
      {history.data === undefined && history.error === undefined && <p aria-live="polite">Loading…</p>}
      {history.data !== undefined && total === 0 && <p>No syncs yet.</p>}
      {logs.length > 0 && (
        <div className="table-scroll">
          <table className="history-table" data-testid="history-table">
            <caption className="sr-only">Runs, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Trigger</th>
                <th scope="col">Started</th>
                <th scope="col">Duration</th>
                <th scope="col">Inserted / updated</th>
                <th scope="col">Error</th>
              </tr>
            </thead>
            <tbody>
              {logs.map((run) => (
                <RunRow key={run.id} run={run} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {total > 0 && (
        <Pager page={page} pageSize={kHistoryPageSize} total={total} noun={['run', 'runs']} onPage={setPage} />
      )}
    </Modal>
  );
}
