import type { ErrorObject } from 'ajv';
import { normaliseItemId } from '../email-address';
import { isMailboxId, type MailboxItem, type TenantItem } from './model';
// tenant-item.schema.json compiled at build time (npm run generate:validator): no Ajv compiler at run time.
import validateSchema from './tenant-item.validator.generated.cjs';

/** One way an item breaks the contract: where, and why, in words an admin can act on. */
export interface ItemProblem {
  /** The item's id, or '(no id)'. */
  readonly id: string;
  /** Attribute path such as `protocols[2].usePOPAuth`; '' for the item itself. */
  readonly path: string;
  readonly reason: string;
}

export type ItemValidation =
  | { readonly valid: true; readonly item: TenantItem }
  | { readonly valid: false; readonly problems: readonly ItemProblem[] };

/** `/protocols/2/port` → `protocols[2].port` */
function attributePath(pointer: string, child?: string): string {
  const segments = pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (child !== undefined) segments.push(child);
  return segments.reduce((path, s) => (/^\d+$/.test(s) ? `${path}[${s}]` : path ? `${path}.${s}` : s), '');
}

function describe(error: ErrorObject): { path: string; reason: string } {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return { path: attributePath(error.instancePath, String(params.additionalProperty)), reason: 'attribute is not part of the tenant item contract' };
    case 'required':
      return { path: attributePath(error.instancePath, String(params.missingProperty)), reason: 'required attribute is missing' };
    case 'not':
      return { path: attributePath(error.instancePath), reason: 'allowed on SMTP entries only' };
    case 'enum':
      return { path: attributePath(error.instancePath), reason: `must be one of ${(params.allowedValues as unknown[]).map(String).join(', ')}` };
    case 'pattern':
      return { path: attributePath(error.instancePath), reason: 'has an invalid format' };
    default:
      return { path: attributePath(error.instancePath), reason: error.message ?? error.keyword };
  }
}

/** Checks one item against tenant-item.schema.json (the only definition of the format). */
export function validateTenantItem(candidate: unknown): ItemValidation {
  if (validateSchema(candidate)) {
    const item = candidate as TenantItem;
    const problem = mailboxProblem(item);
    return problem ? { valid: false, problems: [problem] } : { valid: true, item };
  }
  const rawId = (candidate as { id?: unknown } | null)?.id;
  const id = typeof rawId === 'string' ? rawId : '(no id)';
  const problems = (validateSchema.errors ?? [])
    .filter((error) => error.keyword !== 'if') // "must match then/else" only repeats the errors below it
    .map((error) => ({ id, ...describe(error) }));
  return { valid: false, problems };
}

/**
 * What the pattern cannot say about a mailbox item: its id must be exactly the
 * id a request looks up (the handler's own normaliser decides), and it must
 * not redirect to itself (Outlook would ask again, round in a loop).
 */
function mailboxProblem(item: TenantItem): ItemProblem | undefined {
  if (!isMailboxId(item.id)) return undefined;
  const reachable = normaliseItemId(item.id);
  if (reachable !== item.id) {
    const reason = reachable === undefined ? 'no mailbox id the responder serves (white space, format characters, or a local part over 64 octets)' : `requests look this mailbox up as ${reachable}`;
    return { id: item.id, path: 'id', reason };
  }
  const { redirectAddr } = item as MailboxItem;
  if (redirectAddr !== undefined && normaliseItemId(redirectAddr) === item.id) return { id: item.id, path: 'redirectAddr', reason: 'a mailbox cannot redirect to itself' };
  return undefined;
}
