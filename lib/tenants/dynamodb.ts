import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  CreateTableCommand,
  DescribeTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ResourceNotFoundException,
  UpdateItemCommand,
  paginateScan,
  type AttributeValue,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RetryStrategyV2, RetryToken } from '@smithy/types';
import { GENERATION_ID } from './model';

// The one module that talks to DynamoDB. The endpoint comes only from the
// SDK's own conventions (AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL), so the
// handler, the admin CLI and the tests reach DynamoDB Local, dynalite or AWS
// without a code path of their own.
//
// Items are converted with @aws-sdk/util-dynamodb (what the document client
// uses inside) around the low-level commands: the Lambda bundle then holds
// neither lib-dynamodb nor, since it only imports createTenantStore, the
// admin commands or `marshall` (both packages are free of import side effects,
// so esbuild drops what is unused). That is a smaller, faster cold start.

export type RawItem = Record<string, unknown>;

/** What the request path needs: read items by id. */
export interface TenantStore {
  /** Reads up to 100 items by id in one round trip where possible; missing ids are absent from the map. */
  getItems(ids: readonly string[]): Promise<Map<string, RawItem>>;
}

/** What the admin tooling needs on top. */
export interface TenantTable extends TenantStore {
  readonly tableName: string;
  putItem(item: RawItem): Promise<void>;
  deleteItem(id: string): Promise<void>;
  /** Sets a domain item's `hasMailboxes`, only if the item exists (an item of just `id` would break the contract); false if it does not. */
  setHasMailboxes(domain: string, value: boolean): Promise<boolean>;
  /** Increases the generation item's counter by one (creating the item at 1), atomically; returns the new value. */
  bumpGeneration(): Promise<number>;
  scanItems(): AsyncIterable<RawItem>;
  /** Creates the table as the contract describes it, if it does not exist; for local runs and tests. */
  ensureTable(): Promise<void>;
}

export const DEFAULT_TABLE_NAME = 'autodiscover-tenants';
export const tableNameFromEnv = (): string => process.env.TENANTS_TABLE || DEFAULT_TABLE_NAME;

/** Raised for any DynamoDB failure, so callers can tell "store failed" from "item is bad". */
export class TenantStoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TenantStoreError';
  }
}

// The fault budget. Outlook and Thunderbird give up after ~5 s, so a failing
// DynamoDB must be answered (603, or a stale copy) within 1.5 s, never by the
// Lambda timeout. Each read has a hard deadline; inside it, short socket
// timeouts and quick retries (throttling included) get as many attempts as
// fit. Worst case: a slow first read just inside its deadline, then an alias
// target read that times out: 2 x READ_DEADLINE_MS.
export const READ_DEADLINE_MS = 650;
// throwOnRequestTimeout: without it the SDK only warns when requestTimeout
// passes and keeps waiting, so a hung read would never be retried.
const CLIENT_TIMEOUTS = { connectionTimeout: 250, requestTimeout: 300, throwOnRequestTimeout: true } as const;
const MAX_ATTEMPTS = 3;
// BatchGetItem may hand keys back unprocessed under load; retry those a few times.
const MAX_BATCH_ROUNDS = 3;

/**
 * The SDK's standard strategy waits 500 ms or more before retrying a
 * throttled call; within our budget that is one retry at best. This one
 * retries every retryable error after 20-40 ms, then 40-80 ms.
 */
const quickRetries: RetryStrategyV2 = {
  acquireInitialRetryToken: async () => retryToken(0),
  refreshRetryTokenForRetry: async (token, errorInfo) => {
    const retries = token.getRetryCount() + 1;
    if (retries >= MAX_ATTEMPTS || errorInfo.errorType === 'CLIENT_ERROR') throw new Error('no retry left');
    return retryToken(retries);
  },
  recordSuccess: () => {},
};

function retryToken(retries: number): RetryToken {
  const base = 20 * 2 ** (retries - 1);
  const delay = retries === 0 ? 0 : base + Math.random() * base;
  return { getRetryCount: () => retries, getRetryDelay: () => delay };
}

/** The request path's client: the fault budget above. `overrides` is for tests that point one client at a stopped or misbehaving endpoint. */
export function createStoreClient(overrides: DynamoDBClientConfig = {}): DynamoDBClient {
  return new DynamoDBClient({ maxAttempts: MAX_ATTEMPTS, retryStrategy: quickRetries, requestHandler: CLIENT_TIMEOUTS, ...overrides });
}

async function storeCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new TenantStoreError(`DynamoDB ${what} failed: ${(error as Error).name}`, { cause: error });
  }
}

/** What the document client would return for an item: numbers as numbers, sets as Sets, binary as Uint8Array. */
const itemFrom = (attributes: Record<string, AttributeValue>): RawItem => unmarshall(attributes);

type StoreOptions = {
  /** `null`: no deadline of our own. */
  readonly readDeadlineMs?: number | null;
};

/**
 * The request path's reads: GetItem for one id, BatchGetItem (unprocessed keys
 * retried) for more, all within one deadline. Without a `client`, the request
 * path's own is made on the first read, not at import: the Lambda's cold start
 * then does not construct it (~4 ms) before it is needed.
 */
export function createTenantStore(
  tableName = tableNameFromEnv(),
  client?: DynamoDBClient,
  { readDeadlineMs = READ_DEADLINE_MS }: StoreOptions = {},
): TenantStore {
  let reader = client;
  async function getItems(ids: readonly string[]): Promise<Map<string, RawItem>> {
    const dynamodb = (reader ??= createStoreClient());
    const found = new Map<string, RawItem>();
    const unique = [...new Set(ids)];
    // One deadline for the whole read, batch rounds and retries included.
    const options = readDeadlineMs === null ? {} : { abortSignal: AbortSignal.timeout(readDeadlineMs) };
    if (unique.length === 1) {
      // Unmarshalled inside the call, as the document client did: an item it cannot read is a store failure too.
      const item = await storeCall('GetItem', async () => {
        const { Item } = await dynamodb.send(new GetItemCommand({ TableName: tableName, Key: { id: { S: unique[0]! } } }), options);
        return Item && itemFrom(Item);
      });
      if (item) found.set(unique[0]!, item);
      return found;
    }
    let keys: Record<string, AttributeValue>[] = unique.map((id) => ({ id: { S: id } }));
    for (let round = 0; keys.length > 0; round++) {
      if (round === MAX_BATCH_ROUNDS) throw new TenantStoreError('DynamoDB BatchGetItem failed: keys left unprocessed');
      // Unprocessed keys mean DynamoDB is shedding load: pause as a retry would, inside the same deadline.
      if (round > 0) await storeCall('BatchGetItem', () => sleep(retryToken(round).getRetryDelay(), undefined, { signal: options.abortSignal }));
      const output = await storeCall('BatchGetItem', async () => {
        const { Responses, UnprocessedKeys } = await dynamodb.send(new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys: keys } } }), options);
        return { items: (Responses?.[tableName] ?? []).map(itemFrom), unprocessed: UnprocessedKeys?.[tableName]?.Keys ?? [] };
      });
      for (const item of output.items) found.set(String(item.id), item);
      keys = output.unprocessed;
    }
    return found;
  }
  return { getItems };
}

/**
 * The admin tools' table: the SDK's own timeouts and retries and no read
 * deadline, since an admin may sit far from the region and a put or scan is
 * worth waiting for. The request path's budget is for clients that give up after 5 s.
 */
export const createAdminTenantTable = (tableName = tableNameFromEnv()): TenantTable =>
  createTenantTable(tableName, new DynamoDBClient({}), { readDeadlineMs: null });

/** The request path's reads plus the writes, scan and table creation the admin tools and tests need. */
export function createTenantTable(tableName = tableNameFromEnv(), client = createStoreClient(), options: StoreOptions = {}): TenantTable {
  return {
    tableName,
    ...createTenantStore(tableName, client, options),
    async putItem(item) {
      await storeCall('PutItem', () => client.send(new PutItemCommand({ TableName: tableName, Item: marshall(item, { removeUndefinedValues: true }) })));
    },
    async deleteItem(id) {
      await storeCall('DeleteItem', () => client.send(new DeleteItemCommand({ TableName: tableName, Key: { id: { S: id } } })));
    },
    async setHasMailboxes(domain, value) {
      try {
        await client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: { id: { S: domain } },
            UpdateExpression: 'SET hasMailboxes = :value',
            ConditionExpression: 'attribute_exists(id)',
            ExpressionAttributeValues: { ':value': { BOOL: value } },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw new TenantStoreError(`DynamoDB UpdateItem failed: ${(error as Error).name}`, { cause: error });
      }
    },
    async bumpGeneration() {
      const { Attributes } = await storeCall('UpdateItem', () =>
        client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: { id: { S: GENERATION_ID } },
            UpdateExpression: 'ADD generation :one',
            ExpressionAttributeValues: { ':one': { N: '1' } },
            ReturnValues: 'UPDATED_NEW',
          }),
        ),
      );
      return Number(Attributes?.generation?.N);
    },
    async *scanItems() {
      const pages = paginateScan({ client }, { TableName: tableName });
      try {
        for await (const page of pages) yield* (page.Items ?? []).map(itemFrom);
      } catch (error) {
        throw new TenantStoreError(`DynamoDB Scan failed: ${(error as Error).name}`, { cause: error });
      }
    },
    async ensureTable() {
      try {
        await client.send(new DescribeTableCommand({ TableName: tableName }));
        return;
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw new TenantStoreError('DescribeTable failed', { cause: error });
      }
      await storeCall('CreateTable', () =>
        client.send(
          new CreateTableCommand({
            TableName: tableName,
            AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
            KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
            BillingMode: 'PAY_PER_REQUEST',
          }),
        ),
      );
    },
  };
}
