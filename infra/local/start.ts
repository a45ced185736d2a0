import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { checkItems, formatProblem, readItemsFile, writeItems } from '../admin/items';
import { applyLocalDefaults, localDynamoPort } from './aws-env';
import { startLocalDynamo, type LocalDynamo } from './dynamodb-server';
import { createLocalHttpServer } from './http-server';

// `npm start`: a local DynamoDB, the table, the demo tenants, and the real
// handler on http://127.0.0.1:PORT. Ctrl-C or SIGTERM stops everything.

const DEMO_TENANTS = fileURLToPath(new URL('./demo-tenants.json', import.meta.url));
const log = (line: string) => process.stdout.write(`${line}\n`);

let dynamo: LocalDynamo | undefined;

async function main(): Promise<void> {
  if (process.env.AWS_ENDPOINT_URL_DYNAMODB === undefined && process.env.AWS_ENDPOINT_URL === undefined) {
    dynamo = await startLocalDynamo(localDynamoPort());
    process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
  }
  applyLocalDefaults(true);
  // A key for this run only: log pseudonyms need no stable key on a developer's machine.
  process.env.LOG_PSEUDONYM_KEY ??= randomBytes(32).toString('hex');
  // Local answers should reflect admin edits within seconds; the Lambda defaults are longer.
  process.env.CACHE_TTL_SECONDS ??= '5';
  process.env.CACHE_NEGATIVE_TTL_SECONDS ??= '2';
  process.env.CACHE_MAILBOX_ABSENT_TTL_SECONDS ??= '5';

  // Imported only now, so the SDK clients see the endpoint chosen above.
  const { createAdminTenantTable } = await import('../../lib/tenants/dynamodb');
  const { handler } = await import('../../functions/autodiscover');

  const table = createAdminTenantTable();
  await table.ensureTable();
  const demo = await readItemsFile(DEMO_TENANTS);
  const problems = await checkItems(demo, table);
  if (problems.length > 0) throw new Error(`demo tenants are invalid:\n${problems.map(formatProblem).join('\n')}`);
  const report = await writeItems(table, demo);
  if (report.failed) throw new Error(`loading demo tenants failed at ${report.failed.id}: ${report.failed.error}`);

  const server = createLocalHttpServer(handler);
  await new Promise<void>((ready) => server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => ready()));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/autodiscover/autodiscover.xml`;
  const body =
    '<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>alice@example.com</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>';

  log('');
  log(`DynamoDB:      ${process.env.AWS_ENDPOINT_URL_DYNAMODB} (${dynamo?.engine ?? 'given by AWS_ENDPOINT_URL_DYNAMODB'}), table ${table.tableName}`);
  if (dynamo?.engine === 'DynamoDB Local') log('               note: DynamoDB Local listens on every interface, not only 127.0.0.1');
  log(`Demo tenants:  ${report.written.length} items from infra/local/demo-tenants.json`);
  log(`Autodiscover:  ${url}`);
  log(`Listening on:  http://127.0.0.1:${port}`);
  log('');
  log('Try it:');
  log(`  curl -s -X POST -H 'Content-Type: text/xml; charset=utf-8' \\`);
  log(`    --data '${body}' \\`);
  log(`    ${url}`);
  log(`  curl -s -H 'Host: autodiscover.example.com' ${url}`);
  log('');
  log('Manage tenants from another terminal:');
  log(`  AWS_ENDPOINT_URL_DYNAMODB=${process.env.AWS_ENDPOINT_URL_DYNAMODB} npm run admin -- list`);
  log('Ctrl-C stops the server and the local DynamoDB.');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`\n${signal}: stopping`);
    const closed = new Promise<void>((done) => server.close(() => done()));
    server.closeAllConnections();
    await closed;
    await dynamo?.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch(async (error: unknown) => {
  process.stderr.write(`npm start failed: ${(error as Error).message}\n`);
  await dynamo?.stop();
  process.exit(1);
});
