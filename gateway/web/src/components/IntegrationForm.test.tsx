import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ApiError, type Api, type Integration, type IntegrationInput } from '../api';
import { IntegrationForm, nextSyncPreview } from './IntegrationForm';
import { emptyForm } from '../form';

function fakeApi(answer: (input: IntegrationInput) => Promise<Integration>) {
  const calls: IntegrationInput[] = [];
  const api = {
    createIntegration: vi.fn(async (input: IntegrationInput) => {
      calls.push(input);
      return answer(input);
    }),
    updateIntegration: vi.fn(async (_id: string, input: IntegrationInput) => {
      calls.push(input);
      return answer(input);
    }),
  } as unknown as Api;
  return { api, calls };
}

const badRequest = (violations: Record<string, string>) =>
  new ApiError(
    Object.entries(violations).map(([f, d]) => `${f}: ${d}`).join('; '),
    400,
    3,
    violations,
  );

/** The error shown for a control, found through the control's aria-describedby as a screen reader would. */
function errorFor(control: HTMLElement): string | undefined {
  const ids = control.getAttribute('aria-describedby')?.split(' ') ?? [];
  return ids.map((id) => document.getElementById(id)).find((el) => el?.className === 'field-error')?.textContent ?? undefined;
}

describe('IntegrationForm validation display', () => {
  it('shows each server field violation beside the field it names, and keeps what was typed', async () => {
    const { api, calls } = fakeApi(async () => {
      throw badRequest({ name: 'is required', 'config.failureRate': 'must be between 0 and 1' });
    });
    const user = userEvent.setup();
    render(<IntegrationForm api={api} onSaved={vi.fn()} onCancel={vi.fn()} />);
    await user.clear(screen.getByLabelText('Failure rate'));
    await user.type(screen.getByLabelText('Failure rate'), '2');
    await user.click(screen.getByRole('button', { name: 'Create integration' }));

    expect(calls).toHaveLength(1);
    expect(calls[0]!.config.failureRate).toBe(2);
    const name = screen.getByLabelText('Name');
    await waitFor(() => expect(errorFor(name)).toBe('is required'));
    expect(name).toHaveAttribute('aria-invalid', 'true');
    expect(errorFor(screen.getByLabelText('Failure rate'))).toBe('must be between 0 and 1');
    expect(errorFor(screen.getByLabelText('Records'))).toBeUndefined();
    expect(screen.getByLabelText('Failure rate')).toHaveValue('2');
    expect(screen.getByRole('alert')).toHaveTextContent('Not saved: some fields need fixing.');
  });

  it('lists a violation of a field the form does not show at the top', async () => {
    const { api } = fakeApi(async () => {
      throw badRequest({ 'config.syncTimeoutSeconds': 'must be between 1 and 86400' });
    });
    const user = userEvent.setup();
    render(<IntegrationForm api={api} onSaved={vi.fn()} onCancel={vi.fn()} />);
    await user.type(screen.getByLabelText('Name'), 'Orders');
    await user.click(screen.getByRole('button', { name: 'Create integration' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('config.syncTimeoutSeconds: must be between 1 and 86400');
  });

  it('puts a duplicate name (409) beside the name', async () => {
    const { api } = fakeApi(async () => {
      throw new ApiError('an integration named "Orders" already exists', 409, 6);
    });
    const user = userEvent.setup();
    render(<IntegrationForm api={api} onSaved={vi.fn()} onCancel={vi.fn()} />);
    await user.type(screen.getByLabelText('Name'), 'Orders');
    await user.click(screen.getByRole('button', { name: 'Create integration' }));
    await waitFor(() => expect(errorFor(screen.getByLabelText('Name'))).toBe('an integration named "Orders" already exists'));
  });

  it('says a number field holds no number without asking the server, and clears errors after a good save', async () => {
    const saved = vi.fn();
    let fail = true;
    const { api, calls } = fakeApi(async (input) => {
      if (fail) throw badRequest({ name: 'is required' });
      return { id: 'x', name: input.name, type: input.type, status: 'ACTIVE' };
    });
    const user = userEvent.setup();
    render(<IntegrationForm api={api} onSaved={saved} onCancel={vi.fn()} />);
    const records = screen.getByLabelText('Records');
    await user.clear(records);
    await user.type(records, 'lots');
    await user.click(screen.getByRole('button', { name: 'Create integration' }));
    expect(errorFor(records)).toBe('must be a whole number');
    expect(calls).toHaveLength(0);

    await user.clear(records);
    await user.type(records, '10');
    await user.click(screen.getByRole('button', { name: 'Create integration' }));
    await waitFor(() => expect(errorFor(screen.getByLabelText('Name'))).toBe('is required'));
    expect(errorFor(records)).toBeUndefined();

    fail = false;
    await user.type(screen.getByLabelText('Name'), 'Orders');
    await user.click(screen.getByRole('button', { name: 'Create integration' }));
    await waitFor(() => expect(saved).toHaveBeenCalled());
    expect(calls).toHaveLength(2);
    expect(calls[1]).toEqual({ name: 'Orders', type: 'DEMO', config: { records: 10 }, syncInterval: 3600, syncEnabled: true });
  });
});

describe('IntegrationForm fields', () => {
  const httpIntegration: Integration = {
    id: 'i1',
    name: 'Billing',
    type: 'HTTP_JSON',
    status: 'ACTIVE',
    syncInterval: 900,
    syncEnabled: true,
    config: {
      url: 'https://api.example.com/invoices',
      auth: { kind: 'bearer', token: '********' },
      recordsPath: '/data',
      maxPages: 7,
      syncTimeoutSeconds: 60,
    },
  };

  it('shows a stored secret as set, never its value, and sends the mask back to keep it', async () => {
    const { api, calls } = fakeApi(async () => httpIntegration);
    const user = userEvent.setup();
    render(<IntegrationForm api={api} existing={httpIntegration} onSaved={vi.fn()} onCancel={vi.fn()} />);
    const token = screen.getByLabelText('Token');
    expect(token).toHaveValue('');
    expect(token).toHaveAttribute('placeholder', 'set');
    expect(token).toHaveAttribute('type', 'password');
    expect(screen.getByText(/^Set\. Leave empty to keep it/)).toBeInTheDocument();

    await user.selectOptions(screen.getByLabelText('Sync interval'), 'Every 30 minutes');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(calls[0]).toEqual({
      name: 'Billing',
      type: 'HTTP_JSON',
      config: {
        url: 'https://api.example.com/invoices',
        method: 'GET',
        auth: { kind: 'bearer', token: '********' },
        recordsPath: '/data',
        maxPages: 7,
        syncTimeoutSeconds: 60,
      },
      syncInterval: 1800,
      syncEnabled: true,
    });
  });

  it('sends a new secret when one is typed, and manual only as null', async () => {
    const { api, calls } = fakeApi(async () => httpIntegration);
    const user = userEvent.setup();
    render(<IntegrationForm api={api} existing={httpIntegration} onSaved={vi.fn()} onCancel={vi.fn()} />);
    await user.type(screen.getByLabelText('Token'), 'new-token');
    await user.selectOptions(screen.getByLabelText('Sync interval'), 'Manual only');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect((calls[0]!.config.auth as { token: string }).token).toBe('new-token');
    expect(calls[0]!.syncInterval).toBeNull();
  });

  it('offers the interval presets with an hour selected for a new integration', () => {
    const { api } = fakeApi(async () => httpIntegration);
    render(<IntegrationForm api={api} onSaved={vi.fn()} onCancel={vi.fn()} />);
    const select = screen.getByLabelText('Sync interval') as HTMLSelectElement;
    expect(Array.from(select.options).map((o) => o.text)).toEqual([
      'Every 5 minutes', 'Every 15 minutes', 'Every 30 minutes', 'Every hour', 'Every 6 hours', 'Daily', 'Manual only',
    ]);
    expect(select.selectedOptions[0]!.text).toBe('Every hour');
    expect(screen.getByTestId('next-sync-preview')).toHaveTextContent('The first sync starts as soon as you save.');
  });
});

describe('nextSyncPreview', () => {
  const now = Date.parse('2026-11-24T12:00:00Z');
  it('says when the next sync will be for an edit that changes the interval', () => {
    const form = { ...emptyForm(), interval: '86400' };
    const existing: Integration = {
      id: 'i', name: 'n', type: 'DEMO', status: 'ACTIVE', syncInterval: 3600, syncEnabled: true,
      nextSyncAt: '2026-11-24T12:30:00Z', lastSync: '2026-11-24T11:30:00Z',
    };
    expect(nextSyncPreview(form, existing, now)).toMatch(/\(in 23 h 30 min\)$/);
    expect(nextSyncPreview({ ...form, interval: 'manual' }, existing, now)).toMatch(/manual only/);
    expect(nextSyncPreview({ ...form, syncEnabled: false }, existing, now)).toMatch(/turned off/);
  });
});
