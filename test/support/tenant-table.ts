import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTenantTable, type RawItem, type TenantTable } from '../../lib/tenants/dynamodb';

// dynalite answers CreateTable before the table is ACTIVE (even with
// createTableMs: 0 it flips on a timer), so a write racing it under a busy
// parallel run gets ResourceNotFoundException. Retry briefly, bounded.
const WRITE_ATTEMPTS = 50;
const WRITE_PAUSE_MS = 20;

/** An empty table is returned only once a read finds it, so a test's first read cannot race its activation. */
async function readWhenActive(table: TenantTable): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await table.getItems(['readiness.invalid']);
      return;
    } catch (error) {
      const cause = (error as { cause?: { name?: string } }).cause;
      if (cause?.name !== 'ResourceNotFoundException' || attempt === WRITE_ATTEMPTS) throw error;
      await sleep(WRITE_PAUSE_MS);
    }
  }
}

async function putWhenActive(table: TenantTable, item: RawItem): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await table.putItem(item);
    } catch (error) {
      const cause = (error as { cause?: { name?: string } }).cause;
      if (cause?.name !== 'ResourceNotFoundException' || attempt === WRITE_ATTEMPTS) throw error;
      await sleep(WRITE_PAUSE_MS);
    }
  }
}

/**
 * A fresh table in the run's dynalite, unique to the caller, so test files
 * (which run in parallel) never see each other's items.
 */
export async function createTestTable(label: string, items: readonly RawItem[] = []): Promise<TenantTable> {
  const table = createTenantTable(`test-${label}-${randomUUID().slice(0, 8)}`);
  await table.ensureTable();
  if (items.length === 0) await readWhenActive(table);
  for (const [index, item] of items.entries()) {
    if (index === 0) await putWhenActive(table, item);
    else await table.putItem(item);
  }
  return table;
}
