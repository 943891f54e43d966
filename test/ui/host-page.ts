import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll } from 'vitest';

/**
 * The embedding product's page: a plain HTML page on its own origin (another
 * port of 127.0.0.1, so the wallet's calls to the API are cross-origin and go
 * through CORS), with the README's embed snippet. Started before the API so
 * its origin can be put in UI_ALLOWED_ORIGINS: register this first.
 */
export function useHostPage(configOverrides: Record<string, string>, apiBase: () => string) {
  const fixture = {
    origin: '',
    url: (token: string, accountId?: string) =>
      `${fixture.origin}/account?${new URLSearchParams({ token, ...(accountId && { accountId }) }).toString()}`,
  };
  let server: Server;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const q = new URL(req.url ?? '/', 'http://host').searchParams;
      const attr = (v: string) => v.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);
      const account = q.get('accountId') ? ` account-id="${attr(q.get('accountId')!)}"` : '';
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shop: your credits</title>
<script type="module" src="${apiBase()}/embed/burndown.js"></script></head>
<body><main><h1>Your credits</h1>
<burndown-wallet api-base="${apiBase()}" token="${attr(q.get('token') ?? '')}"${account}></burndown-wallet>
</main>
<script>document.addEventListener('burndown-payment-required', (e) => { window.paymentRequired = e.detail; });</script>
</body></html>`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    fixture.origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    configOverrides.UI_ALLOWED_ORIGINS = fixture.origin;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
  });
  return fixture;
}
