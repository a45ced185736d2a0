import { randomUUID } from 'node:crypto';
import { createTenantTable, type RawItem, type TenantTable } from '../../lib/tenants/dynamodb';

/**
 * A fresh table in the run's dynalite, unique to the caller, so test files
 * (which run in parallel) never see each other's items.
 */
export async function createTestTable(label: string, items: readonly RawItem[] = []): Promise<TenantTable> {
  const table = createTenantTable(`test-${label}-${randomUUID().slice(0, 8)}`);
  await table.ensureTable();
  for (const item of items) await table.putItem(item);
  return table;
}
