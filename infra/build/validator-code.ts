import Ajv2020 from 'ajv/dist/2020';
import standaloneCode from 'ajv/dist/standalone';
import { resolve } from 'node:path';
import schema from '../../lib/tenants/tenant-item.schema.json';

// The tenant item validator is compiled from the schema at build time (Ajv
// standalone code), so the Lambda neither loads Ajv's compiler nor compiles
// on its first request. The schema stays the only definition of the format;
// test/unit/validator-generated.test.ts fails when the committed module and
// the schema disagree.

export const GENERATED_VALIDATOR_PATH = resolve(import.meta.dirname, '../../lib/tenants/tenant-item.validator.generated.cjs');
export const REGENERATE_COMMAND = 'npm run generate:validator';

/**
 * The validator module's source, CommonJS: Ajv's generated code loads its
 * runtime helpers (ucs2length) with `require`, which works unchanged in the
 * CommonJS Lambda bundle, under tsx and under vitest.
 */
export function generateValidatorCode(): string {
  // Options that decide validation must match what validate.ts relies on:
  // every error reported (allErrors), strict schema checking.
  const ajv = new Ajv2020({ allErrors: true, strict: true, code: { source: true, lines: true } });
  const validate = ajv.compile(schema);
  return `// Generated from tenant-item.schema.json by \`${REGENERATE_COMMAND}\` (infra/build/generate-validator.ts). Do not edit.\n${standaloneCode(ajv, validate)}\n`;
}
