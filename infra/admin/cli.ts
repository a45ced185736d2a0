import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { normaliseItemId } from '../../lib/email-address';
import { createAdminTenantTable, type RawItem, type TenantTable } from '../../lib/tenants/dynamodb';
import { GENERATION_ID, isAlias, isMailboxId, type DomainItem, type GenerationItem, type TenantItem } from '../../lib/tenants/model';
import { validateTenantItem } from '../../lib/tenants/validate';
import { DNS_OPTIONS, runDnsCommand, type ItemReader } from './dns';
import { DOCTOR_OPTIONS, runDoctorCommand } from './doctor';
import { PREVIEW_FORMATS, formatPreview, previewTarget } from './preview';
import { announceWrittenMailboxes, hasMailboxesNotes, migrateHasMailboxes, withHasMailboxes } from './has-mailboxes';
import { aliasesInTable, checkItems, formatProblem, normaliseIds, readItemsFile, writeItems } from './items';
import { FileProblem } from './json-file';
import { chooseTableTarget, describeError, describeTarget, hintFor, targetPlace, type TableTarget } from './target';

// `npm run admin -- <command>`: manage tenant items in the table named by
// TENANTS_TABLE, at the endpoint the AWS SDK picks (AWS_ENDPOINT_URL_DYNAMODB,
// the running npm start's local DynamoDB, or real AWS) — the handler's conventions.
// Each command is one entry of COMMANDS; help and option checks come from it.

type Print = (line: string) => void;
type Options = NonNullable<ParseArgsConfig['options']>;

interface CommandInput {
  /** The arguments after the command name, as given (for commands that parse their own). */
  readonly args: string[];
  readonly positionals: string[];
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  /** Opens the table, printing its target first (so only commands that touch the table print one). */
  readonly table: () => TenantTable;
  readonly out: Print;
  readonly err: Print;
  /** After a table call failed: where it went and what to try (nothing before the table is opened). */
  readonly explainFailure: (error: unknown) => void;
}

interface Command {
  /** Arguments and options, for the help text. */
  readonly usage: string;
  /** Help lines after the usage. */
  readonly summary: string;
  readonly options?: Options;
  run(input: CommandInput): Promise<number>;
}

function describeItem(raw: Record<string, unknown>): string {
  const result = validateTenantItem(raw);
  if (!result.valid) return `INVALID (${result.problems.map((p) => `${p.path || '(item)'}: ${p.reason}`).join('; ')})`;
  const item: TenantItem = result.item;
  if (item.id === GENERATION_ID) return `generation ${(item as GenerationItem).generation} (the change counter; every write increases it)`;
  if (isMailboxId(item.id)) return 'mailbox';
  const domain = item as DomainItem;
  const state = domain.enabled === false ? 'disabled' : 'enabled';
  if (isAlias(domain)) return `alias of ${domain.aliasOf}, ${state}`;
  return `domain, ${domain.protocols.map((p) => p.type).join('+') || 'no protocols'}, ${state}`;
}

/** The id as the handler looks it up, saying so when it differs from what was typed; undefined (after a message) when unusable. */
function itemIdArgument(raw: string | undefined, { out, err }: Pick<CommandInput, 'out' | 'err'>): string | undefined {
  if (raw === undefined) return void err('an id is required: a domain such as example.com, or an address');
  const id = normaliseItemId(raw);
  if (id === undefined) return void err(`${raw} is neither a domain nor an address the responder can answer for`);
  if (id !== raw) out(`(${raw} is stored as ${id})`);
  return id;
}

/**
 * After a write: increase the generation, so every cache sees the change within its check interval
 * (README, "The tenant item format"). False, after saying what to do, if that failed.
 */
async function bumpGeneration(table: TenantTable, { out, err, explainFailure }: Pick<CommandInput, 'out' | 'err' | 'explainFailure'>): Promise<boolean> {
  try {
    out(`generation: ${await table.bumpGeneration()}`);
    return true;
  } catch (error) {
    err(`the write is done, but the generation was not increased (${describeError(error)}): run npm run admin -- touch, or caches show the change only when their long TTL ends`);
    explainFailure(error);
    return false;
  }
}

async function putOrValidate(input: CommandInput, table: TenantTable | undefined): Promise<number> {
  const { positionals: [file], out, err, explainFailure } = input;
  if (!file) return (err('a file is required: one item or an array of items, as JSON'), 2);
  const { items: candidates, renamed } = normaliseIds(await readItemsFile(file));
  for (const { from, to } of renamed) out(`${from} ${table ? 'is stored' : 'would be stored'} as ${to}`);
  const { valid, problems } = await checkItems(candidates, table);
  for (const problem of problems) err(formatProblem(problem));
  if (problems.length > 0) {
    err(table ? `${problems.length} problem(s); nothing was written.` : `${problems.length} problem(s) in ${file}.`);
    return 1;
  }
  if (!table) {
    out(`${valid.length} item(s) valid (checked within the file; the table was not read).`);
    return 0;
  }
  // Checked items stay valid with hasMailboxes set on their domains (it is part of the contract).
  const announced = (await withHasMailboxes(valid as unknown as RawItem[], table, out)) as unknown as TenantItem[];
  const report = await writeItems(table, announced);
  for (const id of report.written) out(`written: ${id}`);
  let bumped = true;
  try {
    await announceWrittenMailboxes(report.written, table, out);
  } finally {
    // Whatever failed after the writes, caches must learn of what was written.
    if (report.written.length > 0) bumped = await bumpGeneration(table, input);
  }
  if (report.failed) {
    err(`failed: ${report.failed.id}: ${report.failed.error}`);
    err(`${report.written.length} of ${valid.length} item(s) were written (listed above); the rest were not.`);
    explainFailure(report.failed.cause);
    return 1;
  }
  out(`${report.written.length} item(s) written to ${table.tableName}.`);
  return bumped ? 0 : 1;
}

/** Opens the table only when the command reads it, so bad arguments print no target line. */
const lazyReader = (table: () => TenantTable): ItemReader => ({ getItems: (ids) => table().getItems(ids) });

const COMMANDS: Readonly<Record<string, Command>> = {
  put: {
    usage: '<file.json>',
    summary: 'Validate every item in the file (one item or an array), then write them.\nNothing is written if any item is invalid. Ids are stored as the handler looks them up.',
    run: (input) => putOrValidate(input, input.table()),
  },
  validate: {
    usage: '<file.json>',
    summary: 'Check the file without touching the table (schema and alias rules within the file).',
    run: (input) => putOrValidate(input, undefined),
  },
  get: {
    usage: '<id>',
    summary: 'Print one item (a domain such as example.com, or an address).',
    async run(input) {
      const id = itemIdArgument(input.positionals[0], input);
      if (id === undefined) return 2;
      const table = input.table();
      const item = (await table.getItems([id])).get(id);
      if (!item) return (input.err(`${id}: not found in table ${table.tableName}`), 1);
      input.out(JSON.stringify(item, null, 2));
      const result = validateTenantItem(item);
      if (!result.valid) for (const problem of result.problems) input.err(`warning: ${formatProblem(problem)}`);
      return 0;
    },
  },
  delete: {
    usage: '<id> [--force]',
    summary: 'Delete one item (refused while aliases point at the domain, unless --force).',
    options: { force: { type: 'boolean' } },
    async run(input) {
      const id = itemIdArgument(input.positionals[0], input);
      if (id === undefined) return 2;
      const table = input.table();
      if (!(await table.getItems([id])).has(id)) return (input.err(`${id}: not found in table ${table.tableName}; nothing was deleted`), 1);
      const dangling = isMailboxId(id) ? [] : await aliasesInTable(table, new Map([[id, 'be left without its target']]));
      if (dangling.length > 0 && input.values.force !== true) {
        for (const problem of dangling) input.err(formatProblem(problem));
        input.err('nothing was deleted; re-point or delete those aliases first, or repeat with --force');
        return 1;
      }
      await table.deleteItem(id);
      input.out(`deleted: ${id}`);
      return (await bumpGeneration(table, input)) ? 0 : 1;
    },
  },
  list: {
    usage: '',
    summary: 'One line per item: id, kind, state; flags mailbox items that are never read.',
    async run({ table, out }) {
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
  },
  migrate: {
    usage: '',
    summary: 'Set hasMailboxes on every domain item to whether mailbox items exist under it (idempotent).',
    async run(input) {
      const changed = await migrateHasMailboxes(input.table(), input.out);
      return changed === 0 || (await bumpGeneration(input.table(), input)) ? 0 : 1;
    },
  },
  touch: {
    usage: '',
    summary: 'Increase the generation only: run it after writing items by other means (console, scripts),\nor caches show those changes only when their long TTL (CACHE_MAX_TTL_SECONDS) ends.',
    async run({ table, out }) {
      out(`generation: ${await table().bumpGeneration()}`);
      return 0;
    },
  },
  preview: {
    usage: `<address|domain> [--format ${PREVIEW_FORMATS.map((f) => f.name).join('|')}] [--json]`,
    summary:
      "What every client would get right now, through the handler's own lookup, decision and renderers:\none row per server per format, which item decided, and any contract problem as the handler logs it.\n--format prints that format's raw answer; --json the whole preview as JSON.",
    options: { format: { type: 'string' }, json: { type: 'boolean' } },
    async run({ positionals: [target], values, table, out, err }) {
      if (!target) return (err('an address or a domain is required'), 2);
      const format = values.format === undefined ? undefined : PREVIEW_FORMATS.find((f) => f.name === values.format);
      if (values.format !== undefined && !format) return (err(`unknown format ${String(values.format)}; one of ${PREVIEW_FORMATS.map((f) => f.name).join(', ')}`), 2);
      const preview = await previewTarget(table(), target);
      if (!preview) return (err(`${target} is neither a domain nor an address the responder can answer for`), 2);
      if (format) {
        const answer = preview.formats.find((f) => f.format === format.name)!;
        if (answer.status === 0) return (err(`${format.name} is only asked with an address`), 2);
        out(answer.body === '' ? `(HTTP ${answer.status}, empty body)` : answer.body);
        return 0;
      }
      if (values.json === true) out(JSON.stringify(preview, null, 2));
      else for (const line of formatPreview(preview)) out(line);
      return 0;
    },
  },
  dns: {
    usage: '<domain> --host <responder host> [--mode cname|srv] [--autoconfig-host <name>] [--not-offered]',
    summary: 'Print the DNS records a hosted domain needs (mode srv unless given; host also from AUTODISCOVER_HOST).',
    options: DNS_OPTIONS,
    run: ({ args, table, out, err }) => runDnsCommand(args, lazyReader(table), out, err),
  },
  doctor: {
    usage: '<domain> [--host <responder host>]',
    summary: 'Check from here what clients need to find the responder: DNS, every Outlook URL and its\ncertificate, the autoconfig and JSON routes, and that the live answer agrees with the table.',
    options: DOCTOR_OPTIONS,
    run: ({ args, table, out, err }) => runDoctorCommand(args, { table: lazyReader(table) }, out, err),
  },
};

function helpText(): string {
  const lines = ['Usage: npm run admin -- <command> [arguments]', '', 'Commands:'];
  for (const [name, command] of Object.entries(COMMANDS)) {
    lines.push(`  ${name} ${command.usage}`.trimEnd());
    for (const line of command.summary.split('\n')) lines.push(`      ${line}`);
  }
  lines.push(
    '  help',
    '      This text.',
    '',
    'Environment:',
    '  TENANTS_TABLE               table name (default autodiscover-tenants)',
    '  AWS_ENDPOINT_URL_DYNAMODB   DynamoDB endpoint; unset: the running npm start\'s local table when there is',
    '                              no AWS configuration, real AWS otherwise (every table command prints its target)',
    '  AWS_REGION, AWS_PROFILE ... the usual AWS SDK settings',
    '  AUTODISCOVER_HOST           the deployment\'s shared host name (for dns and doctor)',
  );
  return lines.join('\n');
}

/** parseArgs with the command's options; an unknown option or a missing value is a message naming the valid ones. */
function parseCommandArgs(name: string, command: Command, args: string[]): { positionals: string[]; values: CommandInput['values'] } | string {
  try {
    const { positionals, values } = parseArgs({ args, options: command.options ?? {}, allowPositionals: true, strict: true });
    return { positionals, values: values as CommandInput['values'] };
  } catch (error) {
    const known = Object.keys(command.options ?? {}).map((option) => `--${option}`);
    const problem = (error as Error).message.split('.')[0];
    return `${problem} for ${name}. ${known.length > 0 ? `Its options: ${known.join(', ')}.` : `${name} takes no options.`} See: npm run admin -- help`;
  }
}

export async function runAdmin(argv: string[], out: Print, err: Print): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    out(helpText());
    return name === undefined ? 2 : 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name]! : undefined;
  if (!command) {
    err(`unknown command: ${name}\n\n${helpText()}`);
    return 2;
  }
  const parsed = parseCommandArgs(name, command, args);
  if (typeof parsed === 'string') return (err(parsed), 2);

  let target: TableTarget | undefined;
  let table: TenantTable | undefined;
  const openTable = (): TenantTable => {
    if (table) return table;
    target = chooseTableTarget();
    err(describeTarget(target));
    return (table = createAdminTenantTable(target.table));
  };
  const explainFailure = (error: unknown) => {
    if (target) err(`${targetPlace(target)}\nhint: ${hintFor(target, error)}`);
  };
  try {
    return await command.run({ args, ...parsed, table: openTable, out, err, explainFailure });
  } catch (error) {
    if (error instanceof FileProblem) return (err(error.message), 1);
    err(`error: ${describeError(error)}`);
    explainFailure(error);
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
