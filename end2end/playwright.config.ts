import { defineConfig } from '@playwright/test';
import * as path from 'node:path';

// scripts/test sets these; the defaults let `npx playwright test` run by hand after `cargo build`.
const port = process.env.RAMPART_E2E_PORT ?? '3900';
const idpPort = process.env.RAMPART_E2E_IDP_PORT ?? '3901';
const oidcPort = process.env.RAMPART_E2E_OIDC_PORT ?? '3902';
const dataDir = process.env.RAMPART_E2E_DATA_DIR ?? '/tmp/rampart-e2e';
const bin = process.env.RAMPART_BIN ?? '../target/debug/rampart';
export const demoLoginLink = path.join(dataDir, 'demo', 'demo-login-link');
export const signedInState = path.join(dataDir, 'signed-in.json');

const chromium = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
};

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  timeout: 60_000,
  retries: 0,
  workers: 1,
  reporter: [['list']],
  use: {
    // Every page must work without JavaScript.
    javaScriptEnabled: false,
    viewport: { width: 1280, height: 900 },
    launchOptions: chromium,
  },
  projects: [
    // Signs in once with the demo's one-time link and keeps the session for the others.
    { name: 'sign-in', testMatch: /sign-in\.setup\.ts/, use: { baseURL: `http://127.0.0.1:${port}` } },
    {
      name: 'demo',
      testMatch: /(dashboard|sarif)\.spec\.ts/,
      dependencies: ['sign-in'],
      use: { baseURL: `http://127.0.0.1:${port}`, storageState: signedInState },
    },
    { name: 'oidc', testMatch: /oidc\.spec\.ts/, use: { baseURL: `http://127.0.0.1:${oidcPort}` } },
  ],
  webServer: [
    {
      // The demo on its embedded PostgreSQL, exactly as a newcomer runs it.
      command: `env -u DATABASE_URL ${bin} demo --data-dir ${dataDir}/demo --listen 127.0.0.1:${port}`,
      url: `http://127.0.0.1:${port}/readyz`,
      timeout: 240_000,
      reuseExistingServer: false,
      stdout: 'pipe',
      stderr: 'pipe',
      gracefulShutdown: { signal: 'SIGTERM', timeout: 15_000 },
    },
    {
      // A real OpenID Connect provider.
      command: 'node idp/provider.mjs',
      url: `http://127.0.0.1:${idpPort}/.well-known/openid-configuration`,
      env: { IDP_PORT: idpPort, RAMPART_OIDC_REDIRECT: `http://127.0.0.1:${oidcPort}/auth/oidc/callback` },
      timeout: 30_000,
      reuseExistingServer: false,
    },
    {
      // A second demo that signs in through that provider.
      command: `env -u DATABASE_URL ${bin} demo --config oidc.toml --backfill-days 1 --data-dir ${dataDir}/oidc --listen 127.0.0.1:${oidcPort}`,
      url: `http://127.0.0.1:${oidcPort}/readyz`,
      env: {
        RAMPART_AUTH__OIDC__ISSUER: `http://127.0.0.1:${idpPort}`,
        RAMPART_AUTH__PUBLIC_URL: `http://127.0.0.1:${oidcPort}`,
      },
      timeout: 240_000,
      reuseExistingServer: false,
      stdout: 'pipe',
      stderr: 'pipe',
      gracefulShutdown: { signal: 'SIGTERM', timeout: 15_000 },
    },
  ],
});
