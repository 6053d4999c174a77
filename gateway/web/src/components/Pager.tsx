// "Newer / Older" pagination with where you are: "Page 2 of 5 · 87 runs". At either end the button stays
// focusable (aria-disabled rather than disabled), so a keyboard user paging along does not lose the focus.
export function Pager(props: {
  page: number;
  pageSize: number;
  total: number;
  /** Singular and plural: ['run', 'runs']. */
  noun: [string, string];
  onPage: (page: number) => void;
}) {
  const pages = Math.max(1, Math.ceil(props.total / props.pageSize));
  const first = props.page <= 1;
  const last = props.page >= pages;
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" aria-disabled={first} onClick={() => !first && props.onPage(props.page - 1)}>
        ← Newer
      </button>
      <span data-testid="pager-position" aria-live="polite">
        Page {props.page} of {pages} · {props.total} {props.total === 1 ? props.noun[0] : props.noun[1]}
      </span>
      <button type="button" aria-disabled={last} onClick={() => !last && props.onPage(props.page + 1)}>
        Older →
      </button>
    </nav>
  );
}
