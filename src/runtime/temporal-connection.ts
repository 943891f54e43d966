import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import type { Config } from '../config/config.js';

/**
 * How this process reaches Temporal, for the client (Connection) and the
 * worker (NativeConnection) alike: plain for the dev server; TLS with an mTLS
 * client certificate (self-hosted with mTLS, or Temporal Cloud), an API key
 * (Temporal Cloud) and/or a private CA. See docs/DEPLOY.md.
 */
export function temporalConnectionOptions(config: Config, address: string): { address: string; tls?: TLSConfig; apiKey?: string } {
  const read = (path: string) => readFileSync(path);
  const wantsTls =
    config.TEMPORAL_TLS_CERT_PATH !== undefined || config.TEMPORAL_TLS_CA_PATH !== undefined || config.TEMPORAL_API_KEY !== undefined;
  if (!wantsTls) return { address };
  const tls: TLSConfig = {
    ...(config.TEMPORAL_TLS_SERVER_NAME && { serverNameOverride: config.TEMPORAL_TLS_SERVER_NAME }),
    ...(config.TEMPORAL_TLS_CA_PATH && { serverRootCACertificate: read(config.TEMPORAL_TLS_CA_PATH) }),
    ...(config.TEMPORAL_TLS_CERT_PATH &&
      config.TEMPORAL_TLS_KEY_PATH && {
        clientCertPair: { crt: read(config.TEMPORAL_TLS_CERT_PATH), key: read(config.TEMPORAL_TLS_KEY_PATH) },
      }),
  };
  return { address, tls, ...(config.TEMPORAL_API_KEY && { apiKey: config.TEMPORAL_API_KEY }) };
}
