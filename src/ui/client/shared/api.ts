/** The one HTTP client of the wallet and the console: bearer auth, problem+json errors, idempotent POSTs, conditional GETs. */

export interface Problem {
  status: number;
  code: string;
  title?: string;
  detail?: string;
  errors?: { path: string; message: string }[];
  [extension: string]: unknown;
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
    this.name = 'ApiError';
  }
  get status(): number {
    return this.problem.status;
  }
  get code(): string {
    return this.problem.code;
  }
}

export interface Me {
  keyId: string;
  subject: string;
  scopes: string[];
  accountId: string | null;
  expiresAt: string | null;
}

/** A v4 UUID; crypto.randomUUID needs a secure context, getRandomValues does not (embedding pages may be plain http). */
export function uuid(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export class BurndownClient {
  constructor(
    readonly apiBase: string,
    private readonly token: string,
  ) {}

  private url(path: string): string {
    return `${this.apiBase.replace(/\/$/, '')}${path}`;
  }

  private async send(method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(this.url(path), {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(init.body !== undefined && { 'content-type': 'application/json' }),
          ...init.headers,
        },
        ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
        cache: 'no-store',
      });
    } catch {
      throw new ApiError({ status: 0, code: 'network_error', detail: 'The billing service could not be reached. Check the connection.' });
    }
    if (response.status >= 400) {
      const text = await response.text();
      let problem: Problem = { status: response.status, code: 'http_error', detail: text.slice(0, 200) };
      try {
        problem = { ...(JSON.parse(text) as Problem), status: response.status };
      } catch {
        // not problem+json (a proxy's page): keep the status
      }
      throw new ApiError(problem);
    }
    return response;
  }

  async get<T>(path: string): Promise<T> {
    return (await (await this.send('GET', path)).json()) as T;
  }

  /** A GET that answers `undefined` when the resource still has the ETag given (304). */
  async getIfChanged<T>(path: string, etag: string | undefined): Promise<{ body: T; etag: string | undefined } | undefined> {
    const response = await this.send('GET', path, etag ? { headers: { 'if-none-match': etag } } : {});
    if (response.status === 304) return undefined;
    return { body: (await response.json()) as T, etag: response.headers.get('etag') ?? undefined };
  }

  /** Every POST carries a fresh Idempotency-Key: a network retry of the same click cannot act twice. */
  async post<T>(path: string, body: unknown = {}, idempotencyKey = uuid()): Promise<{ status: number; body: T }> {
    const response = await this.send('POST', path, { body, headers: { 'idempotency-key': idempotencyKey } });
    return { status: response.status, body: (await response.json()) as T };
  }

  /** A file the API streams (CSV journal), with the bearer header a plain link cannot send. */
  async download(path: string): Promise<{ blob: Blob; filename: string | undefined }> {
    const response = await this.send('GET', path);
    const disposition = response.headers.get('content-disposition') ?? '';
    return { blob: await response.blob(), filename: /filename="([^"]+)"/.exec(disposition)?.[1] };
  }

  me(): Promise<Me> {
    return this.get<Me>('/v1/me');
  }
}

/** Hands a downloaded file to the browser's save dialog (a blob URL on a temporary link; released after). */
export function saveFile(file: { blob: Blob; filename: string | undefined }, fallbackName: string): void {
  const url = URL.createObjectURL(file.blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = file.filename ?? fallbackName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** What to tell a person about a failed call, in plain words. */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) return 'Something went wrong. Please try again.';
  if (error.code === 'session_expired') return 'Your session has ended. Reload the page to continue.';
  if (error.status === 401) return 'This session is not valid. Reload the page to sign in again.';
  if (error.status === 403) return `Not allowed: ${error.problem.detail ?? 'your access does not include this action.'}`;
  if (error.status === 0) return error.problem.detail ?? 'The billing service could not be reached.';
  const fields = error.problem.errors?.map((e) => `${e.path}: ${e.message}`).join('; ');
  return fields ? `${error.problem.detail ?? 'Invalid input'} (${fields})` : (error.problem.detail ?? error.message);
}
