import { defineConfig } from '@playwright/test';

// scripts/test sets these; the defaults let `npx playwright test` run by hand after `cargo build`.
const port = process.env.RAMPART_E2E_PORT ?? '3900';
const dataDir = process.env.RAMPART_E2E_DATA_DIR ?? '/tmp/rampart-e2e';
const bin = process.env.RAMPART_BIN ?? '../target/debug/rampart';

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  timeout: 60_000,
  retries: 0,
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    // Every page must work without JavaScript.
    javaScriptEnabled: false,
    viewport: { width: 1280, height: 900 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    },
  },
  webServer: {
    // The demo on its embedded PostgreSQL, exactly as a newcomer runs it.
    command: `env -u DATABASE_URL ${bin} demo --data-dir ${dataDir} --listen 127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}/readyz`,
    timeout: 240_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 15_000 },
  },
});
