import { TenantStoreError, tableNameFromEnv } from '../../lib/tenants/dynamodb';
import { applyLocalDefaults, awsSettingsInEnvironment, localEndpoint, readLocalEndpointState } from '../local/aws-env';

// Where a table command goes, said before it goes there, and what to do when
// it fails: the admin CLI's half of "no bare Error, no silent real AWS".

export interface TableTarget {
  readonly table: string;
  /** The endpoint URL, or undefined for real AWS. */
  readonly endpoint: string | undefined;
  /** How the endpoint was chosen, for the first line a table command prints. */
  readonly how: string;
}

/** Decides the target (filling in local defaults as the handler's conventions allow) and describes it. */
export function chooseTableTarget(): TableTarget {
  const table = tableNameFromEnv();
  const running = readLocalEndpointState();
  const chosen = applyLocalDefaults();
  if (chosen !== undefined) {
    return { table, endpoint: chosen, how: running ? 'the local DynamoDB of the running npm start' : 'no AWS configuration and no npm start running: the default local port' };
  }
  const explicit = process.env.AWS_ENDPOINT_URL_DYNAMODB ?? process.env.AWS_ENDPOINT_URL;
  if (explicit !== undefined) return { table, endpoint: explicit, how: 'from AWS_ENDPOINT_URL_DYNAMODB' };
  const settings = awsSettingsInEnvironment();
  return { table, endpoint: undefined, how: settings.length > 0 ? `real AWS, because ${settings.join(', ')} ${settings.length > 1 ? 'are' : 'is'} set` : 'real AWS, from ~/.aws' };
}

/** `table autodiscover-tenants at http://127.0.0.1:8000`, or `… at AWS region eu-west-1, profile prod`. */
export function targetPlace(target: TableTarget): string {
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  const where = target.endpoint ?? `AWS${region ? ` region ${region}` : ''}${process.env.AWS_PROFILE ? `, profile ${process.env.AWS_PROFILE}` : ''}`;
  return `table ${target.table} at ${where}`;
}

export const describeTarget = (target: TableTarget): string => `target: ${targetPlace(target)} (${target.how})`;

/** The most specific words in an error and its causes: an SDK exception name, a socket error code, a message; never a bare "Error". */
export function describeError(error: unknown): string {
  const words: string[] = [];
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (current instanceof TenantStoreError) words.push(current.message.replace(/: \w*Error$/, ''));
    else if (code) words.push(code);
    else if (current.name && current.name !== 'Error') words.push(current.name);
    else if (current.message) words.push(current.message);
    const nested = (current as { errors?: unknown[] }).errors; // AggregateError: one connection attempt per address
    if (Array.isArray(nested) && nested[0] instanceof Error) words.push(describeError(nested[0]));
  }
  return [...new Set(words.filter(Boolean))].join(': ') || 'unknown error';
}

/** What to try next after a table command failed against `target`. */
export function hintFor(target: TableTarget, error: unknown): string {
  const text = describeError(error);
  if (/ResourceNotFoundException/.test(text)) return `there is no table ${target.table} there; set TENANTS_TABLE to the table's name`;
  if (target.endpoint === undefined) {
    const local = localEndpoint();
    return `to manage the local table of npm start instead, run: AWS_ENDPOINT_URL_DYNAMODB=${local} npm run admin -- …`;
  }
  if (/ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH/.test(text)) return `nothing answers at ${target.endpoint}: is npm start running? (it prints its DynamoDB endpoint; set AWS_ENDPOINT_URL_DYNAMODB to it)`;
  return `check that ${target.endpoint} is a DynamoDB endpoint`;
}
