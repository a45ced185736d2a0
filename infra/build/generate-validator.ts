import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { GENERATED_VALIDATOR_PATH, generateValidatorCode } from './validator-code';

// `npm run generate:validator`: rewrites the precompiled tenant item validator
// after a change to lib/tenants/tenant-item.schema.json. Commit the result.
writeFileSync(GENERATED_VALIDATOR_PATH, generateValidatorCode());
process.stdout.write(`wrote ${relative(process.cwd(), GENERATED_VALIDATOR_PATH)}\n`);
