// "Newer / Older" pagination with where you are: "Page 2 of 5 · 87 runs".
export function Pager(props: { page: number; pageSize: number; total: number; noun: string; onPage: (page: number) => void }) {
  const pages = Math.max(1, Math.ceil(props.total / props.pageSize));
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" onClick={() => props.onPage(props.page - 1)} disabled={props.page <= 1}>
        ← Newer
      </button>
      <span data-testid="pager-position" aria-live="polite">
        Page {props.page} of {pages} · {props.total} {props.noun}
      </span>
      <button type="button" onClick={() => props.onPage(props.page + 1)} disabled={props.page >= pages}>
        Older →
      </button>
    </nav>
  );
}
