// The gateway's JSON API (docs/api.md): the shapes the UI reads and a small fetch client whose errors keep
// what a person needs to see — the HTTP status, the gRPC message, and the field violations by field name.

export type IntegrationType = 'HTTP_JSON' | 'DEMO';
export type IntegrationStatus = 'ACTIVE' | 'SYNCING' | 'RETRYING' | 'PAUSED' | 'MANUAL_ONLY';
export type RunStatus = 'PENDING' | 'RUNNING' | 'SUCCESS' | 'FAILED' | 'CANCELLED';
export type RunTrigger = 'SCHEDULED' | 'MANUAL' | 'RETRY';

export type Config = Record<string, unknown>;

export interface Integration {
  id: string;
  name: string;
  type: IntegrationType;
  config?: Config;
  status: IntegrationStatus;
  /** Seconds between scheduled syncs; null = manual only. */
  syncInterval?: number | null;
  syncEnabled?: boolean;
  nextSyncAt?: string;
  lastSync?: string;
  lastSyncStatus?: RunStatus;
  lastSyncError?: string;
  retryCount?: number;
  pausedReason?: string;
  createdAt?: string;
  updatedAt?: string;
}

export interface SyncRun {
  id: string;
  integrationId: string;
  status: RunStatus;
  trigger: RunTrigger;
  attempt?: number;
  scheduledFor?: string;
  startedAt?: string;
  completedAt?: string;
  /** Milliseconds; absent until the run finishes. */
  duration?: number;
  recordsCount?: number;
  recordsInserted?: number;
  recordsUpdated?: number;
  recordsUnchanged?: number;
  errorCode?: string;
  errorMessage?: string;
  suggestion?: string;
  workerId?: string;
  createdAt?: string;
}

export interface Worker {
  id: string;
  name?: string;
  version?: string;
  capacity?: number;
  runningRunIds?: string[];
  connectedAt?: string;
  lastHeartbeatAt?: string;
  draining?: boolean;
}

export interface SyncedRecord {
  externalId: string;
  data?: Record<string, unknown>;
  firstSyncedAt?: string;
  lastSyncedAt?: string;
  lastRunId?: string;
}

export interface Page {
  total?: number;
  page?: number;
  pageSize?: number;
}

export interface ListIntegrationsResponse extends Page {
  integrations?: Integration[];
}
export interface HistoryResponse extends Page {
  logs?: SyncRun[];
}
export interface RecordsResponse extends Page {
  records?: SyncedRecord[];
}
export interface WorkerStatusResponse {
  workers?: Worker[];
  nextScheduledSyncAt?: string;
  schedulerRunning?: boolean;
  dueBacklog?: number;
}
export interface SyncStatusResponse {
  recentRuns?: SyncRun[];
  summary?: { total?: number; successful?: number; failed?: number; inProgress?: number; lastSyncAt?: string };
}
export interface TriggerSyncResponse {
  run?: SyncRun;
  alreadyRunning?: boolean;
}

/** What the UI writes on create and update. */
export interface IntegrationInput {
  name: string;
  type: IntegrationType;
  config: Config;
  syncInterval: number | null;
  syncEnabled: boolean;
}

/** gRPC codes that mean "the service is not there right now", as opposed to "your request was wrong". */
const kUnavailableHttp = new Set([502, 503, 504]);

export class ApiError extends Error {
  /** HTTP status; 0 when the gateway could not be reached at all. */
  readonly httpStatus: number;
  /** gRPC code from the body, when there was one. */
  readonly code?: number;
  /** Field violations by field name (JSON names: `name`, `config.url`, `syncInterval`, ...). */
  readonly fieldErrors: Record<string, string>;

  constructor(message: string, httpStatus: number, code?: number, fieldErrors: Record<string, string> = {}) {
    super(message);
    this.name = 'ApiError';
    this.httpStatus = httpStatus;
    this.code = code;
    this.fieldErrors = fieldErrors;
  }

  /** The gateway, or sync_service behind it, cannot be reached: show the banner, keep retrying. */
  get unreachable(): boolean {
    return this.httpStatus === 0 || kUnavailableHttp.has(this.httpStatus);
  }
}

interface StatusBody {
  code?: number;
  message?: string;
  details?: Array<{ '@type'?: string; fieldViolations?: Array<{ field?: string; description?: string }> }>;
}

/** Field violations out of a google.rpc.Status body; several for one field are joined. */
export function fieldErrorsOf(body: StatusBody | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const detail of body?.details ?? []) {
    for (const violation of detail?.fieldViolations ?? []) {
      if (!violation.field) continue;
      const text = violation.description ?? 'is invalid';
      out[violation.field] = out[violation.field] ? `${out[violation.field]}; ${text}` : text;
    }
  }
  return out;
}

export type Fetch = typeof fetch;

export class Api {
  constructor(
    private readonly base = '',
    private readonly fetchImpl: Fetch = (...args) => fetch(...args),
  ) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await this.fetchImpl(this.base + path, {
        method,
        headers: body === undefined ? { Accept: 'application/json' } : {
          Accept: 'application/json',
          'Content-Type': 'application/json',
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError('Cannot reach the gateway', 0);
    }
    const text = await response.text();
    let parsed: unknown = undefined;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    if (!response.ok) {
      const status = (parsed ?? {}) as StatusBody;
      const message = status.message || `${response.status} ${response.statusText}`.trim();
      throw new ApiError(message, response.status, status.code, fieldErrorsOf(status));
    }
    return (parsed ?? {}) as T;
  }

  listIntegrations(page = 1, pageSize = 1000) {
    return this.call<ListIntegrationsResponse>('GET', `/api/integrations?page=${page}&pageSize=${pageSize}`);
  }
  getIntegration(id: string) {
    return this.call<Integration>('GET', `/api/integrations/${encodeURIComponent(id)}`);
  }
  createIntegration(input: IntegrationInput) {
    return this.call<Integration>('POST', '/api/integrations', input);
  }
  updateIntegration(id: string, input: IntegrationInput) {
    return this.call<Integration>('PUT', `/api/integrations/${encodeURIComponent(id)}`, input);
  }
  deleteIntegration(id: string) {
    return this.call<Record<string, never>>('DELETE', `/api/integrations/${encodeURIComponent(id)}`);
  }
  updateSyncSettings(id: string, settings: { syncInterval?: number | null; syncEnabled?: boolean }) {
    return this.call<Integration>('PATCH', `/api/integrations/${encodeURIComponent(id)}/sync-settings`, settings);
  }
  triggerSync(id: string) {
    return this.call<TriggerSyncResponse>('POST', `/api/integrations/${encodeURIComponent(id)}/sync`, {});
  }
  history(id: string, page: number, pageSize: number) {
    return this.call<HistoryResponse>(
      'GET',
      `/api/integrations/${encodeURIComponent(id)}/sync-history?page=${page}&pageSize=${pageSize}`,
    );
  }
  records(id: string, page: number, pageSize: number) {
    return this.call<RecordsResponse>(
      'GET',
      `/api/integrations/${encodeURIComponent(id)}/records?page=${page}&pageSize=${pageSize}`,
    );
  }
  syncStatus(limit: number) {
    return this.call<SyncStatusResponse>('GET', `/api/sync/status?limit=${limit}`);
  }
  workerStatus() {
    return this.call<WorkerStatusResponse>('GET', '/api/sync/worker-status');
  }
}
