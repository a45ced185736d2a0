import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

// The local run needs no AWS account (README, "Try it"). On a
// machine with no AWS configuration at all, point the SDK at the local
// DynamoDB with harmless placeholder credentials; an explicit endpoint or a
// real AWS setup is always respected.

export const DEFAULT_DYNAMODB_PORT = 8000;
export const localDynamoPort = (): number => Number(process.env.DYNAMODB_PORT ?? DEFAULT_DYNAMODB_PORT);

const AWS_SETTINGS = [
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_PROFILE',
  'AWS_ACCESS_KEY_ID',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
];

// LOCAL_DYNAMODB_DIR moves the data (tests use a temporary folder).
export const localDataDir = (): string => resolve(process.env.LOCAL_DYNAMODB_DIR ?? '.local-dynamodb');
const stateFile = (): string => join(localDataDir(), 'endpoint.json');

/** What `npm start` leaves for the admin CLI while it runs: where its DynamoDB listens, whatever the port. */
export interface LocalEndpointState {
  readonly endpoint: string;
  readonly pid: number;
}

export function writeLocalEndpointState(endpoint: string): void {
  writeFileSync(stateFile(), `${JSON.stringify({ endpoint, pid: process.pid } satisfies LocalEndpointState)}\n`);
}

/** Removes the state file if it is this process's (another `npm start` may have replaced it). */
export function removeLocalEndpointState(): void {
  if (readLocalEndpointState()?.pid === process.pid) rmSync(stateFile(), { force: true });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running `npm start`'s endpoint; undefined when there is none, the file is unreadable, or its process is gone. */
export function readLocalEndpointState(): LocalEndpointState | undefined {
  try {
    const state = JSON.parse(readFileSync(stateFile(), 'utf8')) as Partial<LocalEndpointState>;
    if (typeof state.endpoint !== 'string' || !Number.isInteger(state.pid) || !processAlive(state.pid!)) return undefined;
    return state as LocalEndpointState;
  } catch {
    return undefined;
  }
}

/** The local DynamoDB the tools use: the running `npm start`'s, else the configured port. */
export const localEndpoint = (): string => readLocalEndpointState()?.endpoint ?? `http://127.0.0.1:${localDynamoPort()}`;

/** AWS settings in the environment that make the SDK reach for real AWS (names only, never values of secrets). */
export const awsSettingsInEnvironment = (): string[] => AWS_SETTINGS.filter((name) => process.env[name]);

export function awsConfigured(): boolean {
  if (AWS_SETTINGS.some((name) => process.env[name])) return true;
  const dir = join(homedir(), '.aws');
  return existsSync(join(dir, 'config')) || existsSync(join(dir, 'credentials'));
}

const isLoopback = (url: string): boolean => /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?\/?$/i.test(url);

/**
 * Fills in local defaults; returns the local endpoint it chose, or undefined
 * when the environment already decided. `always`: the local server uses its
 * own DynamoDB unless an endpoint is given, even on a machine set up for AWS.
 */
export function applyLocalDefaults(always = false): string | undefined {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const explicit = process.env.AWS_ENDPOINT_URL_DYNAMODB ?? process.env.AWS_ENDPOINT_URL;
  let chosen: string | undefined;
  if (explicit === undefined && (always || !awsConfigured())) {
    chosen = localEndpoint();
    process.env.AWS_ENDPOINT_URL_DYNAMODB = chosen;
  }
  const endpoint = chosen ?? explicit;
  if (endpoint !== undefined && isLoopback(endpoint)) {
    // DynamoDB Local and dynalite accept any credentials; the SDK still wants some.
    process.env.AWS_REGION ??= 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID ??= 'local';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  }
  return chosen;
}
