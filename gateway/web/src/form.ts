// The integration form's state and its translation to and from the API's config JSON (issue 4's HTTP_JSON
// contract, docs/api.md's DEMO knobs). Keys the form does not show are kept as they were, so editing an
// integration configured through the API never drops its settings. Secrets are never put in the form: a
// set secret shows as "set" and is sent back as the API's mask ("********"), which keeps it.
import type { Config, Integration, IntegrationInput, IntegrationType } from './api';
import { kDefaultInterval } from './intervals';

export const kSecretMask = '********';

export type AuthKind = 'none' | 'bearer' | 'basic' | 'apiKey';
export type PaginationKind = 'none' | 'nextUrl' | 'cursor';

/** A secret field: its new value (empty = keep what is stored), whether one is stored, whether to remove it. */
export interface SecretField {
  value: string;
  isSet: boolean;
  remove: boolean;
}

export interface FormState {
  name: string;
  type: IntegrationType;
  /** Dropdown value: seconds as text, or "manual". */
  interval: string;
  syncEnabled: boolean;
  // HTTP_JSON
  url: string;
  method: 'GET' | 'POST';
  requestBody: string;
  headers: string;
  authKind: AuthKind;
  token: SecretField;
  username: string;
  password: SecretField;
  apiKeyHeader: string;
  apiKey: SecretField;
  recordsPath: string;
  idField: string;
  paginationKind: PaginationKind;
  nextUrlPath: string;
  cursorPath: string;
  cursorParam: string;
  maxRequestsPerMinute: string;
  timeoutSeconds: string;
  maxPages: string;
  maxRecords: string;
  // DEMO
  records: string;
  latencyMs: string;
  failureRate: string;
  errorCode: string;
  /** The config as loaded, so keys the form does not show survive an edit. */
  original: Config;
}

const noSecret = (): SecretField => ({ value: '', isSet: false, remove: false });

export function emptyForm(): FormState {
  return {
    name: '',
    type: 'DEMO',
    interval: String(kDefaultInterval),
    syncEnabled: true,
    url: '',
    method: 'GET',
    requestBody: '',
    headers: '',
    authKind: 'none',
    token: noSecret(),
    username: '',
    password: noSecret(),
    apiKeyHeader: 'X-Api-Key',
    apiKey: noSecret(),
    recordsPath: '',
    idField: '',
    paginationKind: 'none',
    nextUrlPath: '',
    cursorPath: '',
    cursorParam: 'cursor',
    maxRequestsPerMinute: '',
    timeoutSeconds: '',
    maxPages: '',
    maxRecords: '',
    records: '25',
    latencyMs: '',
    failureRate: '',
    errorCode: '',
    original: {},
  };
}

const asObject = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const text = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
const secretOf = (v: unknown): SecretField => ({
  value: '',
  isSet: typeof v === 'string' && v !== '',
  remove: false,
});

/** The form for editing an existing integration. */
export function formFromIntegration(integration: Integration): FormState {
  const config = asObject(integration.config);
  const auth = asObject(config.auth);
  const pagination = asObject(config.pagination);
  const headers = asObject(config.headers);
  const kind = text(auth.kind);
  const form = emptyForm();
  return {
    ...form,
    name: integration.name ?? '',
    type: integration.type === 'HTTP_JSON' ? 'HTTP_JSON' : 'DEMO',
    // The API prints a manual-only integration's interval as null.
    interval: integration.syncInterval === null ? 'manual' : String(integration.syncInterval ?? kDefaultInterval),
    syncEnabled: integration.syncEnabled !== false,
    url: text(config.url),
    method: text(config.method).toUpperCase() === 'POST' ? 'POST' : 'GET',
    requestBody: config.body === undefined ? '' : JSON.stringify(config.body, null, 2),
    headers: Object.entries(headers)
      .map(([k, v]) => `${k}: ${text(v)}`)
      .join('\n'),
    authKind: kind === 'bearer' || kind === 'basic' || kind === 'apiKey' ? kind : 'none',
    token: secretOf(auth.token),
    username: text(auth.username),
    password: secretOf(auth.password),
    apiKeyHeader: text(auth.header) || form.apiKeyHeader,
    apiKey: secretOf(auth.key),
    recordsPath: text(config.recordsPath),
    idField: text(config.idField),
    paginationKind: pagination.nextUrlPath !== undefined ? 'nextUrl' : pagination.cursorPath !== undefined ? 'cursor' : 'none',
    nextUrlPath: text(pagination.nextUrlPath),
    cursorPath: text(pagination.cursorPath),
    cursorParam: text(pagination.cursorParam) || form.cursorParam,
    maxRequestsPerMinute: text(config.maxRequestsPerMinute),
    timeoutSeconds: text(config.timeoutSeconds),
    maxPages: text(config.maxPages),
    maxRecords: text(config.maxRecords),
    records: text(config.records),
    latencyMs: text(config.latencyMs),
    failureRate: text(config.failureRate),
    errorCode: text(config.errorCode),
    original: config,
  };
}

/** Problems the browser can tell without asking the server, by the API's field names. */
export type FieldErrors = Record<string, string>;

/** Keys of FormState that hold numbers, with their API field name and whether whole numbers only. */
const kNumberFields: Array<[keyof FormState, string, boolean]> = [
  ['maxRequestsPerMinute', 'config.maxRequestsPerMinute', true],
  ['timeoutSeconds', 'config.timeoutSeconds', true],
  ['maxPages', 'config.maxPages', true],
  ['maxRecords', 'config.maxRecords', true],
  ['records', 'config.records', true],
  ['latencyMs', 'config.latencyMs', true],
  ['failureRate', 'config.failureRate', false],
];

const kHttpOnly = new Set(['maxRequestsPerMinute', 'timeoutSeconds', 'maxPages', 'maxRecords']);
const kDemoOnly = new Set(['records', 'latencyMs', 'failureRate']);

function parseNumber(raw: string, whole: boolean): number | undefined | 'bad' {
  const t = raw.trim();
  if (t === '') return undefined;
  const n = Number(t);
  if (!Number.isFinite(n) || (whole && !Number.isInteger(n))) return 'bad';
  return n;
}

function secretValue(field: SecretField): string | undefined {
  if (field.remove) return '';
  if (field.value !== '') return field.value;
  return field.isSet ? kSecretMask : undefined;
}

/**
 * The request body for the form, or the fields the browser already knows are wrong (numbers that are not
 * numbers, headers or a body that do not parse). Ranges and required fields are left to the server, whose
 * answer names the field, so the rules live in one place.
 */
export function formToInput(form: FormState): { input?: IntegrationInput; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const numbers: Record<string, number | undefined> = {};
  for (const [key, field, whole] of kNumberFields) {
    const relevant = form.type === 'HTTP_JSON' ? !kDemoOnly.has(key) : !kHttpOnly.has(key);
    if (!relevant) continue;
    const parsed = parseNumber(form[key] as string, whole);
    if (parsed === 'bad') errors[field] = whole ? 'must be a whole number' : 'must be a number';
    else numbers[key] = parsed;
  }

  // Start from the stored config, so settings the form does not show are kept.
  const config: Config = { ...form.original };
  const setOrDrop = (key: string, value: unknown) => {
    if (value === undefined || value === '') delete config[key];
    else config[key] = value;
  };

  if (form.type === 'HTTP_JSON') {
    for (const key of ['records', 'latencyMs', 'failureRate', 'errorCode', 'version', 'ignoreDeadline']) delete config[key];
    setOrDrop('url', form.url.trim());
    setOrDrop('method', form.method);
    if (form.method === 'POST' && form.requestBody.trim() !== '') {
      try {
        config.body = JSON.parse(form.requestBody);
      } catch (e) {
        errors['config.body'] = `is not valid JSON (${(e as Error).message})`;
      }
    } else {
      delete config.body;
    }
    const headers: Record<string, string> = {};
    form.headers.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      const colon = line.indexOf(':');
      if (colon <= 0) {
        errors['config.headers'] = `line ${i + 1}: write headers as "Name: value"`;
        return;
      }
      headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
    });
    setOrDrop('headers', Object.keys(headers).length ? headers : undefined);

    const auth: Record<string, unknown> = { kind: form.authKind };
    if (form.authKind === 'bearer') auth.token = secretValue(form.token);
    if (form.authKind === 'basic') {
      auth.username = form.username;
      auth.password = secretValue(form.password);
    }
    if (form.authKind === 'apiKey') {
      auth.header = form.apiKeyHeader.trim();
      auth.key = secretValue(form.apiKey);
    }
    for (const k of Object.keys(auth)) if (auth[k] === undefined) delete auth[k];
    config.auth = auth;

    // "" is meaningful (the answer itself is the array), so the records path is always sent.
    config.recordsPath = form.recordsPath.trim();
    setOrDrop('idField', form.idField.trim());
    if (form.paginationKind === 'nextUrl') config.pagination = { nextUrlPath: form.nextUrlPath.trim() };
    else if (form.paginationKind === 'cursor') {
      config.pagination = { cursorPath: form.cursorPath.trim(), cursorParam: form.cursorParam.trim() };
    } else delete config.pagination;
    for (const key of ['maxRequestsPerMinute', 'timeoutSeconds', 'maxPages', 'maxRecords']) setOrDrop(key, numbers[key]);
  } else {
    for (const key of [
      'url', 'method', 'body', 'headers', 'auth', 'recordsPath', 'idField', 'pagination',
      'maxRequestsPerMinute', 'timeoutSeconds', 'maxPages', 'maxRecords',
    ]) {
      delete config[key];
    }
    for (const key of ['records', 'latencyMs', 'failureRate']) setOrDrop(key, numbers[key]);
    setOrDrop('errorCode', form.errorCode.trim());
  }

  if (Object.keys(errors).length) return { errors };
  return {
    errors,
    input: {
      name: form.name,
      type: form.type,
      config,
      syncInterval: form.interval === 'manual' ? null : Number(form.interval),
      syncEnabled: form.syncEnabled,
    },
  };
}
