// The one screen: integrations at a glance with their actions, the workers panel, and the dialogs (form,
// history, records). Polls the status routes: every second while a sync runs, every 5 s otherwise.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Api, type Integration, type SyncRun, type WorkerStatusResponse } from './api';
import { usePoll, useNow } from './hooks';
import { UnreachableBanner } from './components/Banner';
import { HistoryDialog } from './components/HistoryDialog';
import { IntegrationCard, type TrackedRun } from './components/IntegrationCard';
import { IntegrationForm } from './components/IntegrationForm';
import { Modal } from './components/Modal';
import { RecordsDialog } from './components/RecordsDialog';
import { WorkersPanel } from './components/WorkersPanel';

type Dialog =
  | { kind: 'create' }
  | { kind: 'edit'; id: string }
  | { kind: 'history'; id: string }
  | { kind: 'records'; id: string };

const kFastPollMs = 1000;
const kSlowPollMs = 5000;

const kDefaultApi = new Api();

export function App({ api = kDefaultApi }: { api?: Api }) {
  const [tracked, setTracked] = useState<Record<string, TrackedRun>>({});
  const [dialog, setDialog] = useState<Dialog>();
  const [notice, setNotice] = useState<string>();
  const now = useNow();

  const [fast, setFast] = useState(false);
  const list = usePoll(() => api.listIntegrations(), fast ? kFastPollMs : kSlowPollMs);
  const integrations = useMemo(() => list.data?.integrations ?? [], [list.data]);
  const refreshList = list.refresh;
  // Worker status, and the recent runs that tell which integration each running run belongs to.
  const workers = usePoll(
    async (): Promise<{ status: WorkerStatusResponse; runs: SyncRun[] }> => {
      const [status, recent] = await Promise.all([api.workerStatus(), api.syncStatus(100)]);
      return { status, runs: recent.recentRuns ?? [] };
    },
    fast ? kFastPollMs * 2 : kSlowPollMs,
  );

  const waiting = Object.entries(tracked).filter(([, t]) => !t.outcome);
  const anySyncing = integrations.some((i) => i.status === 'SYNCING') || waiting.length > 0;
  useEffect(() => setFast(anySyncing), [anySyncing]);

  // Find how the runs that "Sync now" started ended: their integration's newest runs hold them.
  const waitingKey = waiting.map(([id, t]) => `${id}:${t.runId}`).join(',');
  useEffect(() => {
    if (!waitingKey) return;
    let stopped = false;
    const check = async () => {
      for (const pair of waitingKey.split(',')) {
        const [id, runId] = pair.split(':') as [string, string];
        try {
          const page = await api.history(id, 1, 20);
          const run = page.logs?.find((r) => r.id === runId);
          if (stopped) return;
          if (run && (run.status === 'PENDING' || run.status === 'RUNNING')) {
            const pending = run.status === 'PENDING';
            setTracked((t) =>
              t[id]?.runId === runId && t[id]!.pending !== pending ? { ...t, [id]: { ...t[id]!, pending } } : t,
            );
          } else if (run) {
            setTracked((t) => (t[id]?.runId === runId ? { ...t, [id]: { ...t[id]!, outcome: run } } : t));
            void refreshList();
          } else if (!run && (page.total ?? 0) > 0 && !page.logs?.some((r) => r.status === 'PENDING' || r.status === 'RUNNING')) {
            // The run is gone from the first page and nothing is running: stop waiting for it.
            setTracked((t) => {
              const next = { ...t };
              delete next[id];
              return next;
            });
          }
        } catch {
          // The banner shows unreachability; try again on the next tick.
        }
      }
    };
    const timer = setInterval(check, kFastPollMs);
    void check();
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [waitingKey, api, refreshList]);

  const refreshWorkers = workers.refresh;
  const replace = useCallback(
    (saved: Integration) => {
      void refreshList();
      void refreshWorkers();
      return saved;
    },
    [refreshList, refreshWorkers],
  );

  const byId = (id: string) => integrations.find((i) => i.id === id);
  const open = dialog && dialog.kind !== 'create' ? byId(dialog.id) : undefined;

  const cardActions = (it: Integration) => ({
    onSyncNow: async () => {
      const answer = await api.triggerSync(it.id);
      if (answer.run) {
        setTracked((t) => ({
          ...t,
          [it.id]: {
            runId: answer.run!.id,
            alreadyRunning: !!answer.alreadyRunning,
            pending: answer.run!.status === 'PENDING',
          },
        }));
      }
      void list.refresh();
    },
    onPause: async () => {
      replace(await api.updateSyncSettings(it.id, { syncEnabled: false }));
    },
    onResume: async () => {
      replace(await api.updateSyncSettings(it.id, { syncEnabled: true }));
    },
    onEdit: () => setDialog({ kind: 'edit', id: it.id }),
    onHistory: () => setDialog({ kind: 'history', id: it.id }),
    onRecords: () => setDialog({ kind: 'records', id: it.id }),
    onDelete: async () => {
      await api.deleteIntegration(it.id);
      setNotice(`Deleted “${it.name}” and its history.`);
      await list.refresh();
    },
    onDismissOutcome: () =>
      setTracked((t) => {
        const next = { ...t };
        delete next[it.id];
        return next;
      }),
  });

  const counts = useMemo(() => {
    const c = { total: integrations.length, failing: 0, syncing: 0 };
    for (const i of integrations) {
      if (i.status === 'SYNCING') c.syncing++;
      if (i.lastSyncStatus === 'FAILED' || i.pausedReason) c.failing++;
    }
    return c;
  }, [integrations]);

  return (
    <div className="app">
      <header className="app-header">
        <h1>syncd</h1>
        <p className="muted app-summary" aria-live="polite">
          {list.data
            ? `${counts.total} integration${counts.total === 1 ? '' : 's'} · ${counts.syncing} syncing · ${counts.failing} failing`
            : ''}
        </p>
        <button type="button" className="button-primary" onClick={() => setDialog({ kind: 'create' })}>
          New integration
        </button>
      </header>

      <UnreachableBanner error={list.error ?? workers.error} updatedAt={list.updatedAt} />
      {notice && (
        <div className="banner banner-info" role="status">
          {notice}{' '}
          <button type="button" className="button-quiet" onClick={() => setNotice(undefined)} aria-label="Dismiss">
            ✕
          </button>
        </div>
      )}

      <div className="layout">
        <main className="integrations" aria-labelledby="integrations-title">
          <h2 id="integrations-title" className="sr-only">
            Integrations
          </h2>
          {list.data === undefined && list.error === undefined && <p aria-live="polite">Loading integrations…</p>}
          {list.error !== undefined && !(list.error as { unreachable?: boolean }).unreachable && (
            <p className="banner banner-error" role="alert">
              {list.data === undefined ? 'Could not load the integrations' : 'Could not refresh the integrations'}:{' '}
              {list.error instanceof Error ? list.error.message : String(list.error)}
            </p>
          )}
          {(list.data?.total ?? 0) > integrations.length && (
            <p className="muted" role="note">
              Showing the first {integrations.length} of {list.data?.total} integrations (by name).
            </p>
          )}
          {list.data !== undefined && integrations.length === 0 && (
            <div className="empty">
              <p>No integrations yet.</p>
              <button type="button" className="button-primary" onClick={() => setDialog({ kind: 'create' })}>
                Create the first integration
              </button>
            </div>
          )}
          <div className="card-grid">
            {integrations.map((it) => (
              <IntegrationCard key={it.id} integration={it} now={now} tracked={tracked[it.id]} actions={cardActions(it)} />
            ))}
          </div>
        </main>
        <aside className="side">
          <WorkersPanel status={workers.data?.status} recentRuns={workers.data?.runs} integrations={integrations} now={now} />
        </aside>
      </div>

      {dialog?.kind === 'create' && (
        <Modal title="New integration" onClose={() => setDialog(undefined)} wide>
          <IntegrationForm
            api={api}
            onCancel={() => setDialog(undefined)}
            onSaved={(saved) => {
              replace(saved);
              setNotice(`Created “${saved.name}”.`);
              setDialog(undefined);
            }}
          />
        </Modal>
      )}
      {dialog?.kind === 'edit' && open && (
        <Modal title={`Edit ${open.name}`} onClose={() => setDialog(undefined)} wide>
          <IntegrationForm
            api={api}
            existing={open}
            onCancel={() => setDialog(undefined)}
            onSaved={(saved) => {
              replace(saved);
              setNotice(`Saved “${saved.name}”.`);
              setDialog(undefined);
            }}
          />
        </Modal>
      )}
      {dialog?.kind === 'history' && open && (
        <HistoryDialog api={api} integration={open} onClose={() => setDialog(undefined)} />
      )}
      {dialog?.kind === 'records' && open && (
        <RecordsDialog api={api} integration={open} onClose={() => setDialog(undefined)} />
      )}
    </div>
  );
}
