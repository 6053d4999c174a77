// Create or edit an integration: name, type, the connector's settings, the sync interval and toggle, and
// the next sync time the settings will produce. Errors the server names by field show beside that field.
import { useId, useMemo, useState, type ReactNode } from 'react';
import { ApiError, type Api, type Integration } from '../api';
import { emptyForm, formFromIntegration, formToInput, type FieldErrors, type FormState, type SecretField } from '../form';
import { useNow } from '../hooks';
import { intervalChoices, intervalFromKey, intervalKey, plannedNextSync } from '../intervals';
import { dateTimeText, spanText } from '../time';

/** The API's field names the form shows; a violation of any other field is listed at the top. */
const kShownFields = new Set([
  'name', 'type', 'syncInterval', 'syncEnabled', 'config', 'config.url', 'config.method', 'config.body',
  'config.headers', 'config.auth', 'config.auth.kind', 'config.auth.token', 'config.auth.username',
  'config.auth.password', 'config.auth.header', 'config.auth.key', 'config.recordsPath', 'config.idField',
  'config.pagination', 'config.pagination.nextUrlPath', 'config.pagination.cursorPath',
  'config.pagination.cursorParam', 'config.maxRequestsPerMinute', 'config.timeoutSeconds', 'config.maxPages',
  'config.maxRecords', 'config.records', 'config.latencyMs', 'config.failureRate', 'config.errorCode',
]);

interface FieldProps {
  label: string;
  /** The API's name for the field, whose violations show here. */
  field: string;
  errors: FieldErrors;
  hint?: string;
  children: (p: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean }) => ReactNode;
}

/** A labelled control with its hint and its error; the error is tied to the control for screen readers. */
export function Field({ label, field, errors, hint, children }: FieldProps) {
  const id = useId();
  const error = errors[field];
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div className={error ? 'field field-invalid' : 'field'} data-field={field}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-describedby': described || undefined, 'aria-invalid': error ? true : undefined })}
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={`${id}-error`} data-testid={`error-${field}`}>
          {error}
        </p>
      )}
    </div>
  );
}

function SecretInput(props: {
  label: string;
  field: string;
  errors: FieldErrors;
  secret: SecretField;
  onChange: (s: SecretField) => void;
}) {
  const { secret } = props;
  const hint = secret.isSet
    ? secret.remove
      ? 'Will be removed when you save.'
      : 'Set. Leave empty to keep it; type a new value to replace it.'
    : 'Not set.';
  return (
    <Field label={props.label} field={props.field} errors={props.errors} hint={hint}>
      {(a) => (
        <div className="secret-row">
          <input
            {...a}
            type="password"
            autoComplete="new-password"
            value={secret.value}
            disabled={secret.remove}
            placeholder={secret.isSet ? 'set' : ''}
            onChange={(e) => props.onChange({ ...secret, value: e.target.value })}
          />
          {secret.isSet && (
            <label className="inline-check">
              <input
                type="checkbox"
                checked={secret.remove}
                onChange={(e) => props.onChange({ ...secret, remove: e.target.checked, value: '' })}
              />
              Remove
            </label>
          )}
        </div>
      )}
    </Field>
  );
}

/** "Due as soon as it is saved", "Mon 24 Nov 15:30 (in 12 min)", or why there will be none. */
export function nextSyncPreview(form: FormState, existing: Integration | undefined, now: number): string {
  const interval = intervalFromKey(form.interval);
  if (interval === null) return 'No scheduled syncs: manual only. Use “Sync now” to sync.';
  if (!form.syncEnabled) return 'No scheduled syncs while sync is turned off.';
  const next = plannedNextSync({ syncInterval: interval, syncEnabled: form.syncEnabled }, existing, now);
  if (next === null) return 'No scheduled syncs.';
  if (next <= now + 1000) return existing ? 'Due now: the next sync starts as soon as you save.' : 'The first sync starts as soon as you save.';
  return `${dateTimeText(new Date(next).toISOString())} (in ${spanText((next - now) / 1000)})`;
}

export function IntegrationForm(props: {
  api: Api;
  existing?: Integration;
  onSaved: (integration: Integration) => void;
  onCancel: () => void;
}) {
  const { existing } = props;
  const [form, setForm] = useState<FormState>(() => (existing ? formFromIntegration(existing) : emptyForm()));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [summary, setSummary] = useState<string>();
  const [saving, setSaving] = useState(false);
  const now = useNow();
  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => setForm((f) => ({ ...f, [key]: value }));
  const choices = useMemo(() => intervalChoices(existing?.syncInterval), [existing?.syncInterval]);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const { input, errors: local } = formToInput(form);
    if (!input) {
      setErrors(local);
      setSummary('Some fields need fixing.');
      return;
    }
    setSaving(true);
    setSummary(undefined);
    try {
      const saved = existing
        ? await props.api.updateIntegration(existing.id, input)
        : await props.api.createIntegration(input);
      setErrors({});
      props.onSaved(saved);
    } catch (err) {
      if (err instanceof ApiError) {
        const fieldErrors = { ...err.fieldErrors };
        // ALREADY_EXISTS (409) is about the name, though it carries no field violation.
        if (err.httpStatus === 409 && !fieldErrors.name) fieldErrors.name = err.message || 'is already taken';
        setErrors(fieldErrors);
        const unshown = Object.entries(fieldErrors).filter(([field]) => !kShownFields.has(field));
        setSummary(
          Object.keys(fieldErrors).length
            ? `Not saved: ${Object.keys(fieldErrors).length === 1 ? 'a field needs' : 'some fields need'} fixing.` +
                (unshown.length ? ' ' + unshown.map(([f, m]) => `${f}: ${m}`).join('; ') : '')
            : `Not saved: ${err.message}`,
        );
      } else {
        setSummary(`Not saved: ${String(err)}`);
      }
    } finally {
      setSaving(false);
    }
  };

  const http = form.type === 'HTTP_JSON';
  return (
    <form className="integration-form" onSubmit={submit} noValidate aria-label={existing ? 'Edit integration' : 'New integration'}>
      {summary && (
        <div className="banner banner-error" role="alert" data-testid="form-summary">
          {summary}
        </div>
      )}

      <fieldset>
        <legend>Integration</legend>
        <Field label="Name" field="name" errors={errors}>
          {(a) => (
            <input {...a} data-autofocus value={form.name} onChange={(e) => set('name', e.target.value)} maxLength={400} />
          )}
        </Field>
        <Field label="Type" field="type" errors={errors}>
          {(a) => (
            <select {...a} value={form.type} onChange={(e) => set('type', e.target.value as FormState['type'])} disabled={!!existing}>
              <option value="DEMO">Demo (generated records)</option>
              <option value="HTTP_JSON">HTTP JSON API</option>
            </select>
          )}
        </Field>
      </fieldset>

      {http ? (
        <fieldset>
          <legend>HTTP JSON API</legend>
          <Field label="URL" field="config.url" errors={errors} hint="An absolute http:// or https:// URL.">
            {(a) => <input {...a} type="url" inputMode="url" value={form.url} onChange={(e) => set('url', e.target.value)} placeholder="https://api.example.com/items" />}
          </Field>
          <Field label="Method" field="config.method" errors={errors}>
            {(a) => (
              <select {...a} value={form.method} onChange={(e) => set('method', e.target.value as 'GET' | 'POST')}>
                <option>GET</option>
                <option>POST</option>
              </select>
            )}
          </Field>
          {form.method === 'POST' && (
            <Field label="Request body (JSON)" field="config.body" errors={errors}>
              {(a) => <textarea {...a} rows={3} value={form.requestBody} onChange={(e) => set('requestBody', e.target.value)} />}
            </Field>
          )}
          <Field label="Headers" field="config.headers" errors={errors} hint="One a line, as Name: value.">
            {(a) => <textarea {...a} rows={2} value={form.headers} onChange={(e) => set('headers', e.target.value)} placeholder="Accept: application/json" />}
          </Field>
          <Field label="Authentication" field="config.auth.kind" errors={errors}>
            {(a) => (
              <select {...a} value={form.authKind} onChange={(e) => set('authKind', e.target.value as FormState['authKind'])}>
                <option value="none">None</option>
                <option value="bearer">Bearer token</option>
                <option value="basic">Basic (username and password)</option>
                <option value="apiKey">API key in a header</option>
              </select>
            )}
          </Field>
          {form.authKind === 'bearer' && (
            <SecretInput label="Token" field="config.auth.token" errors={errors} secret={form.token} onChange={(s) => set('token', s)} />
          )}
          {form.authKind === 'basic' && (
            <>
              <Field label="Username" field="config.auth.username" errors={errors}>
                {(a) => <input {...a} autoComplete="off" value={form.username} onChange={(e) => set('username', e.target.value)} />}
              </Field>
              <SecretInput label="Password" field="config.auth.password" errors={errors} secret={form.password} onChange={(s) => set('password', s)} />
            </>
          )}
          {form.authKind === 'apiKey' && (
            <>
              <Field label="Header name" field="config.auth.header" errors={errors}>
                {(a) => <input {...a} value={form.apiKeyHeader} onChange={(e) => set('apiKeyHeader', e.target.value)} />}
              </Field>
              <SecretInput label="API key" field="config.auth.key" errors={errors} secret={form.apiKey} onChange={(s) => set('apiKey', s)} />
            </>
          )}
          <Field label="Records path" field="config.recordsPath" errors={errors} hint="JSON pointer to the array of records, e.g. /data/items.">
            {(a) => <input {...a} value={form.recordsPath} onChange={(e) => set('recordsPath', e.target.value)} placeholder="/data/items" />}
          </Field>
          <Field label="ID field" field="config.idField" errors={errors} hint="JSON pointer within a record to its stable id, e.g. /id.">
            {(a) => <input {...a} value={form.idField} onChange={(e) => set('idField', e.target.value)} placeholder="/id" />}
          </Field>
          <Field label="Pagination" field="config.pagination" errors={errors}>
            {(a) => (
              <select {...a} value={form.paginationKind} onChange={(e) => set('paginationKind', e.target.value as FormState['paginationKind'])}>
                <option value="none">None (one request)</option>
                <option value="nextUrl">Follow a next-page URL</option>
                <option value="cursor">Cursor query parameter</option>
              </select>
            )}
          </Field>
          {form.paginationKind === 'nextUrl' && (
            <Field label="Next-page URL path" field="config.pagination.nextUrlPath" errors={errors} hint="JSON pointer to the next page's URL in a response.">
              {(a) => <input {...a} value={form.nextUrlPath} onChange={(e) => set('nextUrlPath', e.target.value)} placeholder="/next" />}
            </Field>
          )}
          {form.paginationKind === 'cursor' && (
            <>
              <Field label="Cursor path" field="config.pagination.cursorPath" errors={errors} hint="JSON pointer to the next cursor in a response.">
                {(a) => <input {...a} value={form.cursorPath} onChange={(e) => set('cursorPath', e.target.value)} placeholder="/meta/next_cursor" />}
              </Field>
              <Field label="Cursor query parameter" field="config.pagination.cursorParam" errors={errors}>
                {(a) => <input {...a} value={form.cursorParam} onChange={(e) => set('cursorParam', e.target.value)} />}
              </Field>
            </>
          )}
          <div className="field-row">
            <Field label="Max requests per minute" field="config.maxRequestsPerMinute" errors={errors}>
              {(a) => <input {...a} inputMode="numeric" value={form.maxRequestsPerMinute} onChange={(e) => set('maxRequestsPerMinute', e.target.value)} placeholder="no limit" />}
            </Field>
            <Field label="Request timeout (seconds)" field="config.timeoutSeconds" errors={errors}>
              {(a) => <input {...a} inputMode="numeric" value={form.timeoutSeconds} onChange={(e) => set('timeoutSeconds', e.target.value)} placeholder="default" />}
            </Field>
            <Field label="Max pages" field="config.maxPages" errors={errors}>
              {(a) => <input {...a} inputMode="numeric" value={form.maxPages} onChange={(e) => set('maxPages', e.target.value)} placeholder="default" />}
            </Field>
            <Field label="Max records" field="config.maxRecords" errors={errors}>
              {(a) => <input {...a} inputMode="numeric" value={form.maxRecords} onChange={(e) => set('maxRecords', e.target.value)} placeholder="default" />}
            </Field>
          </div>
        </fieldset>
      ) : (
        <fieldset>
          <legend>Demo connector</legend>
          <div className="field-row">
            <Field label="Records" field="config.records" errors={errors} hint="How many records each sync produces.">
              {(a) => <input {...a} inputMode="numeric" value={form.records} onChange={(e) => set('records', e.target.value)} />}
            </Field>
            <Field label="Latency (ms)" field="config.latencyMs" errors={errors}>
              {(a) => <input {...a} inputMode="numeric" value={form.latencyMs} onChange={(e) => set('latencyMs', e.target.value)} placeholder="0" />}
            </Field>
            <Field label="Failure rate" field="config.failureRate" errors={errors} hint="0 never fails, 1 always fails.">
              {(a) => <input {...a} inputMode="decimal" value={form.failureRate} onChange={(e) => set('failureRate', e.target.value)} placeholder="0" />}
            </Field>
            <Field label="Error code of failures" field="config.errorCode" errors={errors}>
              {(a) => <input {...a} value={form.errorCode} onChange={(e) => set('errorCode', e.target.value)} placeholder="SERVER_ERROR" />}
            </Field>
          </div>
        </fieldset>
      )}

      <fieldset>
        <legend>Schedule</legend>
        <Field label="Sync interval" field="syncInterval" errors={errors}>
          {(a) => (
            <select {...a} value={form.interval} onChange={(e) => set('interval', e.target.value)}>
              {choices.map((c) => (
                <option key={intervalKey(c.seconds)} value={intervalKey(c.seconds)}>
                  {c.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div className="field" data-field="syncEnabled">
          <label className="inline-check">
            <input type="checkbox" role="switch" checked={form.syncEnabled} onChange={(e) => set('syncEnabled', e.target.checked)} />
            Scheduled syncs enabled
          </label>
          {errors.syncEnabled && <p className="field-error">{errors.syncEnabled}</p>}
        </div>
        <p className="next-preview" data-testid="next-sync-preview" aria-live="polite">
          <span className="muted">Next scheduled sync: </span>
          {nextSyncPreview(form, existing, now)}
        </p>
      </fieldset>

      <div className="form-actions">
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" className="button-primary" disabled={saving}>
          {saving ? 'Saving…' : existing ? 'Save changes' : 'Create integration'}
        </button>
      </div>
    </form>
  );
}
