import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { applyLocalDefaults } from '../local/aws-env';
import { createAdminTenantTable, type RawItem, type TenantTable } from '../../lib/tenants/dynamodb';
import { isAlias, isMailboxId, type DomainItem, type TenantItem } from '../../lib/tenants/model';
import { validateTenantItem } from '../../lib/tenants/validate';
import { runDnsCommand } from './dns';
import { announceWrittenMailboxes, migrateHasMailboxes, hasMailboxesNotes, withHasMailboxes } from './has-mailboxes';
import { aliasesInTable, checkItems, formatProblem, readItemsFile, writeItems } from './items';

// `npm run admin -- <command>`: manage tenant items in the table named by
// TENANTS_TABLE, at the endpoint the AWS SDK picks (AWS_ENDPOINT_URL_DYNAMODB
// for DynamoDB Local, real AWS otherwise) — the same conventions as the handler.

const HELP = `Usage: npm run admin -- <command> [arguments]

Commands:
  put <file.json>       Validate every item in the file (one item or an array), then write them.
                        Nothing is written if any item is invalid.
  validate <file.json>  Check the file without writing (schema and alias rules within the file).
  get <id>              Print one item (a domain such as example.com, or an address).
  delete <id> [--force] Delete one item (refused while aliases point at the domain, unless --force).
  list                  One line per item: id, kind, state; flags mailbox items that are never read.
  migrate               Set hasMailboxes on every domain item to whether mailbox items exist under it.
  dns <domain> [--host <responder host>] [--mode cname|srv] [--autoconfig-host <name>] [--not-offered]
                        Print the DNS records a hosted domain needs (mode srv unless given).
  --help                This text.

Environment:
  TENANTS_TABLE               table name (default autodiscover-tenants)
  AWS_ENDPOINT_URL_DYNAMODB   DynamoDB endpoint (unset: real AWS; set by npm start for the local table)
  AWS_REGION, AWS_PROFILE ... the usual AWS SDK settings
  AUTODISCOVER_HOST           the deployment's shared host name (for dns)
`;

type Print = (line: string) => void;
type Command = (args: string[], table: () => TenantTable, out: Print, err: Print) => Promise<number>;

function describeItem(raw: Record<string, unknown>): string {
  const result = validateTenantItem(raw);
  if (!result.valid) return `INVALID (${result.problems.map((p) => `${p.path || '(item)'}: ${p.reason}`).join('; ')})`;
  const item: TenantItem = result.item;
  if (isMailboxId(item.id)) return 'mailbox';
  const domain = item as DomainItem;
  const state = domain.enabled === false ? 'disabled' : 'enabled';
  if (isAlias(domain)) return `alias of ${domain.aliasOf}, ${state}`;
  return `domain, ${domain.protocols.map((p) => p.type).join('+') || 'no protocols'}, ${state}`;
}

async function putOrValidate(args: string[], table: TenantTable | undefined, out: Print, err: Print): Promise<number> {
  const [file] = args;
  if (!file) {
    err('a file is required');
    return 2;
  }
  const items = await readItemsFile(file);
  const problems = await checkItems(items, table);
  for (const problem of problems) err(formatProblem(problem));
  if (problems.length > 0) {
    err(`${problems.length} problem(s); nothing was written.`);
    return 1;
  }
  if (!table) {
    out(`${items.length} item(s) valid.`);
    return 0;
  }
  const report = await writeItems(table, await withHasMailboxes(items as RawItem[], table, out));
  for (const id of report.written) out(`written: ${id}`);
  await announceWrittenMailboxes(report.written, table, out);
  if (report.failed) {
    err(`failed: ${report.failed.id}: ${report.failed.error}`);
    err(`${report.written.length} of ${items.length} item(s) were written (listed above); the rest were not.`);
    return 1;
  }
  out(`${report.written.length} item(s) written to ${table.tableName}.`);
  return 0;
}

const COMMANDS: Readonly<Record<string, Command>> = {
  put: (args, table, out, err) => putOrValidate(args, table(), out, err),
  validate: (args, _table, out, err) => putOrValidate(args, undefined, out, err),
  async get([id], table, out, err) {
    if (!id) return (err('an id is required'), 2);
    const item = (await table().getItems([id])).get(id);
    if (!item) return (err(`${id}: not found`), 1);
    out(JSON.stringify(item, null, 2));
    const result = validateTenantItem(item);
    if (!result.valid) for (const problem of result.problems) err(`warning: ${formatProblem(problem)}`);
    return 0;
  },
  async delete(args, table, out, err) {
    const force = args.includes('--force');
    const [id] = args.filter((arg) => arg !== '--force');
    if (!id) return (err('an id is required'), 2);
    const dangling = isMailboxId(id) ? [] : await aliasesInTable(table(), new Map([[id, 'be left without its target']]));
    if (dangling.length > 0 && !force) {
      for (const problem of dangling) err(formatProblem(problem));
      err('nothing was deleted; re-point or delete those aliases first, or repeat with --force');
      return 1;
    }
    await table().deleteItem(id);
    out(`deleted: ${id}`);
    return 0;
  },
  async list(_args, table, out) {
    const items: RawItem[] = [];
    for await (const item of table().scanItems()) items.push(item);
    const notes = hasMailboxesNotes(items);
    for (const item of items) {
      const note = notes.get(String(item.id));
      out(`${String(item.id)}\t${describeItem(item)}${note ? `, ${note}` : ''}`);
    }
    out(`${items.length} item(s) in ${table().tableName}.`);
    return 0;
  },
  migrate: (_args, table, out) => migrateHasMailboxes(table(), out),
  dns: (args, table, out, err) => runDnsCommand(args, table(), out, err),
};

export async function runAdmin(argv: string[], out: Print, err: Print): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    out(HELP);
    return name === undefined ? 2 : 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    err(`unknown command: ${name}\n\n${HELP}`);
    return 2;
  }
  let table: TenantTable | undefined;
  const openTable = (): TenantTable => {
    if (table) return table;
    const local = applyLocalDefaults();
    if (local) err(`(no AWS configuration found: using the local DynamoDB at ${local})`);
    return (table = createAdminTenantTable());
  };
  try {
    return await command(args, openTable, out, err);
  } catch (error) {
    err(`error: ${(error as Error).message}`);
    return 1;
  }
}

/** Started as a program, not imported (by a test): file URLs of real paths, so spaces or symlinks in the checkout's path do not matter. */
function startedAsProgram(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (startedAsProgram()) {
  process.exitCode = await runAdmin(process.argv.slice(2), (line) => console.log(line), (line) => console.error(line));
}
