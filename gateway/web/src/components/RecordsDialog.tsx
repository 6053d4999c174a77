// A preview of the records an integration's syncs brought in, most recently changed first.
import { useState } from 'react';
import type { Api, Integration } from '../api';
import { usePoll } from '../hooks';
import { dateTimeText } from '../time';
import { Modal } from './Modal';
import { Pager } from './Pager';

const kPageSize = 20;

function preview(data: unknown): string {
  const json = JSON.stringify(data ?? {});
  return json.length > 240 ? `${json.slice(0, 240)}…` : json;
}

export function RecordsDialog(props: { api: Api; integration: Integration; onClose: () => void }) {
  const [page, setPage] = useState(1);
  const { id } = props.integration;
  const records = usePoll(() => props.api.records(id, page, kPageSize), 10000, `${id}:${page}`);
  const rows = records.data?.records ?? [];
  const total = records.data?.total ?? 0;
  return (
    <Modal title={`Records: ${props.integration.name}`} onClose={props.onClose} wide>
      {records.error !== undefined && (
        <p className="banner banner-error" role="alert">
          Could not load the records: {records.error instanceof Error ? records.error.message : String(records.error)}
        </p>
      )}
      {records.data === undefined && records.error === undefined && <p aria-live="polite">Loading…</p>}
      {records.data !== undefined && total === 0 && <p>No records synced yet.</p>}
      {rows.length > 0 && (
        <div className="table-scroll">
          <table className="records-table" data-testid="records-table">
            <thead>
              <tr>
                <th scope="col">ID</th>
                <th scope="col">Last changed</th>
                <th scope="col">Data</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.externalId}>
                  <td>{r.externalId}</td>
                  <td>{dateTimeText(r.lastSyncedAt)}</td>
                  <td>
                    <code className="record-data">{preview(r.data)}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {total > 0 && <Pager page={page} pageSize={kPageSize} total={total} noun={['record', 'records']} onPage={setPage} />}
    </Modal>
  );
}
