import type { EmailAddress } from '../email-address';
import type { LogFields } from '../http/types';
import { localPartHash } from '../observability/request-log';
import { TenantStoreError } from '../tenants/dynamodb';
import { isMailboxId } from '../tenants/model';
import type { TenantLookup } from '../tenants/resolve';
import type { ItemProblem } from '../tenants/validate';
import { decide, type Decision } from './decision';

// The step every format shares between parsing its request and rendering:
// look up the tenant (through the cache), decide, and note in the log line
// what may be logged. Synchronous when the lookup is (a warm request builds
// no promise chain).

/** Looks up a domain (and a mailbox, when the address is known); may fill `report` for the log line. */
export type TenantLookupFn = (domain: string, mailboxId?: string, report?: LogFields) => TenantLookup | Promise<TenantLookup>;

/** Applies `next` now to a value that is here, or later to one that is not. */
export const andThen = <T, U>(value: T | Promise<T>, next: (value: T) => U): U | Promise<U> =>
  value instanceof Promise ? value.then(next) : next(value);

/** An item problem as the log line carries it: a mailbox item is named by its domain and local-part hash, never the address. */
export function loggableProblem(problem: ItemProblem): NonNullable<LogFields['itemProblem']> {
  if (!isMailboxId(problem.id)) return { item: problem.id, path: problem.path, reason: problem.reason };
  const at = problem.id.lastIndexOf('@');
  const item = `mailbox ${localPartHash(problem.id.slice(0, at))}@${problem.id.slice(at + 1)}`;
  return { item, path: problem.path, reason: problem.reason };
}

const STORE_FAILURE: Decision = { kind: 'storeFailure' };

/** A DynamoDB failure is a decision of its own; anything else is a bug for the outer layer. */
function storeFailure(error: unknown): Decision {
  if (error instanceof TenantStoreError) return STORE_FAILURE;
  throw error;
}

function recorded(lookup: TenantLookup, log: LogFields): Decision {
  const decision = decide(lookup);
  if (decision.kind === 'invalid') log.itemProblem = loggableProblem(decision.problem);
  return decision;
}

/** What `domain` (and `address`, when known) gets, with the domain and a local-part pseudonym in the log line. */
export function resolveRequest(lookupTenant: TenantLookupFn, log: LogFields, domain: string, address?: EmailAddress): Decision | Promise<Decision> {
  log.domain = domain;
  if (address !== undefined) log.localPartHash = localPartHash(address.localPart);
  let lookup: TenantLookup | Promise<TenantLookup>;
  try {
    lookup = lookupTenant(domain, address?.mailboxId, log);
  } catch (error) {
    return storeFailure(error);
  }
  return lookup instanceof Promise ? lookup.then((found) => recorded(found, log), storeFailure) : recorded(lookup, log);
}
