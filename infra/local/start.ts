import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { TenantTable } from '../../lib/tenants/dynamodb';
import type { TenantItem } from '../../lib/tenants/model';
import { checkItems, formatProblem, readItemsFile, writeItems } from '../admin/items';
import { applyLocalDefaults, localDynamoPort, removeLocalEndpointState, writeLocalEndpointState } from './aws-env';
import { startLocalDynamo, type LocalDynamo } from './dynamodb-server';
import { createLocalHttpServer } from './http-server';
import { indexPage } from './index-page';

// `npm start`: a local DynamoDB, the table, the demo tenants, and the real
// handler on http://127.0.0.1:PORT. Ctrl-C or SIGTERM stops everything, at
// any moment; a failure prints one line and leaves no process behind.

const DEMO_TENANTS = fileURLToPath(new URL('./demo-tenants.json', import.meta.url));
const log = (line: string) => process.stdout.write(`${line}\n`);

/** A start-up failure whose message is the whole story (no stack). */
class StartProblem extends Error {}

const startup = new AbortController();
let dynamo: Promise<LocalDynamo> | undefined;
let server: Server | undefined;
let stopping: Promise<void> | undefined;

/** Stops whatever has started so far, once, then exits. */
function stop(exitCode: number, message?: string): Promise<void> {
  stopping ??= (async () => {
    if (message) process.stderr.write(`${message}\n`);
    startup.abort();
    if (server?.listening) {
      const closed = new Promise<void>((done) => server!.close(() => done()));
      server.closeAllConnections();
      await closed;
    }
    const started = await dynamo?.catch(() => undefined);
    await started?.stop().catch(() => {});
    removeLocalEndpointState();
    process.exit(exitCode);
  })();
  return stopping;
}

const portInUse = (error: unknown, port: number, variable: string): Error =>
  (error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? new StartProblem(`port ${port} is in use; set ${variable} to a free port`) : (error as Error);

/** Demo items are loaded only where their id is absent, so an admin's edits to a demo domain survive a restart. */
async function loadDemoTenants(table: TenantTable): Promise<{ items: TenantItem[]; kept: number; added: number }> {
  const { valid: demo, problems: demoProblems } = await checkItems(await readItemsFile(DEMO_TENANTS));
  if (demoProblems.length > 0) throw new StartProblem(`infra/local/demo-tenants.json is invalid:\n${demoProblems.map(formatProblem).join('\n')}`);
  const present = await table.getItems(demo.map((item) => item.id));
  const absent = demo.filter((item) => !present.has(item.id));
  // Checked against the table as it is now: an alias whose target an admin has since changed is skipped, not forced in.
  const { valid, problems } = await checkItems(absent, table);
  for (const problem of problems) log(`Demo tenants:  skipped, ${formatProblem(problem)}`);
  const skipped = new Set(problems.map((problem) => problem.id));
  const report = await writeItems(table, valid.filter((item) => !skipped.has(item.id)));
  if (report.failed) throw new StartProblem(`loading demo tenants failed at ${report.failed.id}: ${report.failed.error}`);
  // Like every writer: a running server (or one started earlier) sees the items within its check interval.
  if (report.written.length > 0) await table.bumpGeneration();
  return { items: demo, kept: present.size, added: report.written.length };
}

async function main(): Promise<void> {
  const httpPort = Number(process.env.PORT ?? 3000);
  if (process.env.AWS_ENDPOINT_URL_DYNAMODB === undefined && process.env.AWS_ENDPOINT_URL === undefined) {
    const port = localDynamoPort();
    dynamo = startLocalDynamo(port, startup.signal).catch((error: unknown) => Promise.reject(portInUse(error, port, 'DYNAMODB_PORT')));
    const started = await dynamo;
    process.env.AWS_ENDPOINT_URL_DYNAMODB = started.endpoint;
    writeLocalEndpointState(started.endpoint);
  }
  applyLocalDefaults(true);
  // A key for this run only: log pseudonyms need no stable key on a developer's machine.
  process.env.LOG_PSEUDONYM_KEY ??= randomBytes(32).toString('hex');
  // Local answers should reflect admin edits within seconds; the Lambda defaults are longer.
  process.env.CACHE_TTL_SECONDS ??= '5';
  process.env.CACHE_NEGATIVE_TTL_SECONDS ??= '2';
  process.env.CACHE_MAILBOX_ABSENT_TTL_SECONDS ??= '5';
  // With the generation item the demo loading writes: CLI writes show within a second, others within a minute.
  process.env.CACHE_GENERATION_CHECK_SECONDS ??= '1';
  process.env.CACHE_MAX_TTL_SECONDS ??= '60';

  // Imported only now, so the SDK clients see the endpoint chosen above.
  const engine = (await dynamo)?.engine;
  const { createAdminTenantTable } = await import('../../lib/tenants/dynamodb');
  const { createLocalResponder } = await import('./local-responder');

  const table = createAdminTenantTable();
  await table.ensureTable();
  const demo = await loadDemoTenants(table);

  let baseUrl = '';
  server = createLocalHttpServer(createLocalResponder(), { index: () => indexPage(baseUrl, demo.items), log });
  await new Promise<void>((ready, fail) => {
    server!.once('error', (error) => fail(portInUse(error, httpPort, 'PORT')));
    server!.listen(httpPort, '127.0.0.1', () => ready());
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const url = `${baseUrl}/autodiscover/autodiscover.xml`;
  const body =
    '<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>alice@example.com</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>';

  log('');
  log(`DynamoDB:      ${process.env.AWS_ENDPOINT_URL_DYNAMODB} (${engine ?? 'given by AWS_ENDPOINT_URL_DYNAMODB'}), table ${table.tableName}`);
  if (engine === 'DynamoDB Local') log('               note: DynamoDB Local listens on every interface, not only 127.0.0.1');
  log(`Demo tenants:  ${demo.added} added, ${demo.kept} kept as they were (infra/local/demo-tenants.json)`);
  log(`Autodiscover:  ${url}`);
  log(`Listening on:  ${baseUrl}  (open it for the routes and demo addresses)`);
  log('');
  log('Try it:');
  log(`  curl -s -X POST -H 'Content-Type: text/xml; charset=utf-8' \\`);
  log(`    --data '${body}' \\`);
  log(`    ${url}`);
  log(`  curl -s -H 'Host: autodiscover.example.com' ${url}`);
  log(`  curl -s '${baseUrl}/mail/config-v1.1.xml?emailaddress=alice@example.com'`);
  log(`  curl -s '${baseUrl}/autodiscover/autodiscover.json?Email=alice@example.com&Protocol=AutodiscoverV1'`);
  log(`  curl -s '${baseUrl}/apple/mobileconfig?email=alice@example.com'`);
  log('  npm run admin -- preview alice@example.com');
  log('');
  log('Manage tenants from another terminal (the CLI finds this DynamoDB by itself):');
  log('  npm run admin -- list');
  log(`  (with AWS settings in your shell: AWS_ENDPOINT_URL_DYNAMODB=${process.env.AWS_ENDPOINT_URL_DYNAMODB} npm run admin -- list)`);
  log('Ctrl-C stops the server and the local DynamoDB.');
  log('');
}

// Installed before anything starts, so Ctrl-C during start-up also stops what has started.
process.once('SIGINT', () => void stop(0, '\nSIGINT: stopping'));
process.once('SIGTERM', () => void stop(0, '\nSIGTERM: stopping'));
const crash = (error: unknown) => void stop(1, `npm start failed: ${error instanceof StartProblem ? error.message : String((error as Error)?.message ?? error)}`);
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);
main().catch(crash);
