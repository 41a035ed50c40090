import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

// The official SARIF 2.1.0 JSON schema, as Microsoft's SARIF test matchers ship it.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const schema = require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const Ajv = require('ajv');

const bin = process.env.RAMPART_BIN ?? path.resolve(__dirname, '../../target/debug/rampart');
const fixtures = path.resolve(__dirname, '../../server/tests/fixtures/scan');

test('rampart scan --format sarif validates against the SARIF 2.1.0 schema', () => {
  const output = execFileSync(bin, ['scan', '--format', 'sarif', fixtures], { encoding: 'utf8', env: { ...process.env, DATABASE_URL: '' } });
  const log = JSON.parse(output);

  // The SARIF schema is written in JSON Schema draft-04.
  const ajv = new Ajv({ allErrors: true, schemaId: 'auto', format: 'full' });
  ajv.addMetaSchema(require('ajv/lib/refs/json-schema-draft-04.json'));
  const valid = ajv.validate(schema, log);
  expect(ajv.errors ?? []).toEqual([]);
  expect(valid).toBe(true);

  const results = log.runs[0].results;
  expect(results.length).toBeGreaterThan(5);
  expect(results.some((r: { ruleId: string }) => r.ruleId === 'pod.privileged')).toBe(true);
});
