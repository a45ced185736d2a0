import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GENERATED_VALIDATOR_PATH, REGENERATE_COMMAND, generateValidatorCode } from '../../infra/build/validator-code';
import { validateTenantItem } from '../../lib/tenants/validate';

describe('precompiled tenant item validator', () => {
  it('is exactly what the schema compiles to today', () => {
    const committed = readFileSync(GENERATED_VALIDATOR_PATH, 'utf8');
    const regenerated = generateValidatorCode();
    // A plain equality keeps the failure to one line (no diff of 1,500 generated lines); the message says how to fix it.
    expect(
      committed === regenerated,
      `lib/tenants/tenant-item.validator.generated.cjs is out of date with tenant-item.schema.json: run \`${REGENERATE_COMMAND}\` and commit the result`,
    ).toBe(true);
  });

  it('counts string length in code points, as Ajv does by default', () => {
    // 256 astral characters are 512 UTF-16 units: inside the 256 limit only if the runtime ucs2length helper is used.
    const item = { id: 'example.com', protocols: [], provider: { name: '😀'.repeat(256) } };
    expect(validateTenantItem(item).valid).toBe(true);
    const tooLong = { ...item, provider: { name: '😀'.repeat(257) } };
    expect(validateTenantItem(tooLong)).toEqual({
      valid: false,
      problems: [{ id: 'example.com', path: 'provider.name', reason: 'must NOT have more than 256 characters' }],
    });
  });
});
