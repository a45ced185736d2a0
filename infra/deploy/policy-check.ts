import {
  intrinsicName,
  isPlainObject,
  possibleValues,
  resourceMayExist,
  type Json,
  type Template,
  type TemplateProblem,
  type TemplateResource,
} from './template';

// The project's deployment rules, checked on the packaged template: least
// privilege for the function's role, and the tenant table as the contract
// (the tenant item contract in the README) and the issue require it. Fn::If is followed into
// every branch CloudFormation could take; conditions that compare literals
// (osls parameters after packaging) are decided.

/** The only DynamoDB actions the responder needs: read items by key. */
export const ALLOWED_DYNAMODB_ACTIONS: ReadonlySet<string> = new Set(['dynamodb:GetItem', 'dynamodb:BatchGetItem']);
/** The only SSM action, for the profile signing parameters: read one parameter by name. */
export const ALLOWED_SSM_ACTIONS: ReadonlySet<string> = new Set(['ssm:GetParameter']);
const MAX_TIMEOUT_SECONDS = 4;
const MIN_NODE_MAJOR = 20;

interface PolicyStatement {
  readonly path: string;
  readonly statement: Record<string, Json>;
}

/** Every statement of every inline or attached policy the template defines. */
function policyStatements(template: Template): PolicyStatement[] {
  const found: PolicyStatement[] = [];
  const collect = (document: Json, path: string) => {
    if (!isPlainObject(document)) return;
    const statements = [document.Statement ?? []].flat();
    statements.forEach((statement, i) => {
      if (isPlainObject(statement)) found.push({ path: `${path}.Statement[${i}]`, statement });
    });
  };
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (!resourceMayExist(template, resource)) continue;
    const properties = resource.Properties ?? {};
    const path = `Resources.${id}.Properties`;
    if (resource.Type === 'AWS::IAM::Role') {
      [properties.Policies ?? []].flat().forEach((policy, i) => {
        if (isPlainObject(policy)) collect(policy.PolicyDocument ?? null, `${path}.Policies[${i}].PolicyDocument`);
      });
    } else if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy' || resource.Type === 'AWS::IAM::RolePolicy') {
      collect(properties.PolicyDocument ?? null, `${path}.PolicyDocument`);
    }
  }
  return found;
}

const asList = (template: Template, value: Json | undefined): Json[] =>
  value === undefined ? [] : possibleValues(template, value).flatMap((v) => (Array.isArray(v) ? v.flatMap((e) => possibleValues(template, e)) : [v]));

/** A literal string, or the text of Fn::Sub / Fn::Join with intrinsic parts shown as `${…}`. */
function resourceText(value: Json): string | undefined {
  if (typeof value === 'string') return value;
  const fn = intrinsicName(value);
  if (!isPlainObject(value)) return undefined;
  if (fn === 'Fn::Sub') {
    const args = value['Fn::Sub'];
    return typeof args === 'string' ? args : Array.isArray(args) && typeof args[0] === 'string' ? args[0] : undefined;
  }
  if (fn === 'Fn::Join') {
    const args = value['Fn::Join'];
    if (!Array.isArray(args) || !Array.isArray(args[1])) return undefined;
    return args[1].map((part) => (typeof part === 'string' ? part : '${…}')).join(typeof args[0] === 'string' ? args[0] : '');
  }
  return undefined;
}

/** Whether an action (IAM allows `*` and `?` wildcards, case-insensitively) can match any action of `service`. */
function matchesService(action: string, service: string): boolean {
  if (action === '*') return true;
  const [prefix = ''] = action.toLowerCase().split(':');
  const pattern = new RegExp(`^${prefix.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return pattern.test(service);
}

const isDynamoDbAction = (action: string): boolean => matchesService(action, 'dynamodb');

/** A literal/Sub SSM parameter ARN naming one parameter (no wildcard). */
function isParameterArn(resource: Json): boolean {
  const text = resourceText(resource);
  return text !== undefined && /^arn:[^:]+:ssm:[^:]+:[^:]+:parameter\/[A-Za-z0-9_.\-/]+$/.test(text.replace(/\$\{AWS::(Partition|Region|AccountId)\}/g, 'x'));
}

function checkStatement(template: Template, { path, statement }: PolicyStatement): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const report = (where: string, message: string) => problems.push({ path: `${path}${where}`, message });
  if (statement.Effect === 'Deny') return problems; // a Deny only ever narrows what is allowed
  if (statement.NotAction !== undefined) report('.NotAction', 'NotAction allows everything not listed; name actions instead');
  if (statement.NotResource !== undefined) report('.NotResource', 'NotResource applies to everything not listed; name resources instead');

  const actions = asList(template, statement.Action);
  const actionNames = actions.filter((a): a is string => typeof a === 'string');
  if (actionNames.length !== actions.length) report('.Action', 'actions must be literal strings');
  const dynamoActions = actionNames.filter(isDynamoDbAction);
  for (const action of dynamoActions) {
    if (!ALLOWED_DYNAMODB_ACTIONS.has(action)) report('.Action', `${action} is not allowed; the responder may only use ${[...ALLOWED_DYNAMODB_ACTIONS].join(' and ')}`);
  }

  const ssmActions = actionNames.filter((action) => matchesService(action, 'ssm'));
  for (const action of ssmActions) {
    if (!ALLOWED_SSM_ACTIONS.has(action)) report('.Action', `${action} is not allowed; the responder may only use ${[...ALLOWED_SSM_ACTIONS].join(' and ')}`);
  }

  const resources = asList(template, statement.Resource);
  if (ssmActions.length > 0) {
    resources.forEach((resource) => {
      if (!isParameterArn(resource)) report('.Resource', `SSM actions must name parameter ARNs (arn:…:parameter/<name>), not ${JSON.stringify(resource)}`);
    });
  }
  const texts = resources.map(resourceText);
  const wildcard = texts.some((text) => text !== undefined && /[*?]/.test(text.replace(/\$\{[^}]*\}/g, '')));
  if (dynamoActions.length > 0) {
    resources.forEach((resource, i) => {
      if (!isTableArn(template, resource)) report('.Resource', `DynamoDB actions must name a table ARN (GetAtt <table>.Arn or arn:…:table/<name>), not ${JSON.stringify(resource)}${i ? ` (entry ${i})` : ''}`);
    });
  } else if (wildcard) {
    const onlyLogs = actionNames.length > 0 && actionNames.every((a) => a.startsWith('logs:'));
    const onlyLogGroups = texts.every((text) => text !== undefined && text.includes(':log-group:'));
    if (!(onlyLogs && onlyLogGroups)) report('.Resource', 'wildcard resources are allowed only for CloudWatch Logs actions on log-group ARNs');
  }
  return problems;
}

/** `GetAtt <DynamoDB table>.Arn`, or a literal/Sub table ARN with a non-empty name and no wildcard. */
function isTableArn(template: Template, resource: Json): boolean {
  if (intrinsicName(resource) === 'Fn::GetAtt' && isPlainObject(resource)) {
    const args = resource['Fn::GetAtt'];
    const [id, attribute] = typeof args === 'string' ? args.split('.') : Array.isArray(args) ? args : [];
    return typeof id === 'string' && TABLE_TYPES.has(template.Resources[id]?.Type ?? '') && attribute === 'Arn';
  }
  const text = resourceText(resource);
  return text !== undefined && /^arn:[^:]+:dynamodb:[^:]+:[^:]+:table\/[A-Za-z0-9_.-]{3,255}$/.test(text.replace(/\$\{AWS::(Partition|Region|AccountId)\}/g, 'x'));
}

/** The tenant table: one regional table, or a global table with replicas (replicaRegions). */
const TABLE_TYPES: ReadonlySet<string> = new Set(['AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable']);
const isTrue = (value: Json | undefined) => value === true || value === 'true';

/** Point-in-time recovery and deletion protection: table properties, or each replica's for a global table. */
function protectionProblems(where: string, settings: Record<string, Json>, require: (ok: boolean, where: string, message: string) => unknown): void {
  const pitr = isPlainObject(settings.PointInTimeRecoverySpecification) ? settings.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled : undefined;
  require(isTrue(pitr), `${where}.PointInTimeRecoverySpecification`, 'point-in-time recovery must be enabled');
  require(isTrue(settings.DeletionProtectionEnabled), `${where}.DeletionProtectionEnabled`, 'deletion protection must be on');
}

function checkTable(id: string, table: TemplateResource): TemplateProblem[] {
  const path = `Resources.${id}`;
  const p = table.Properties ?? {};
  const problems: TemplateProblem[] = [];
  const require = (ok: boolean, where: string, message: string) => ok || problems.push({ path: `${path}${where}`, message });
  if (table.Type === 'AWS::DynamoDB::GlobalTable') {
    const replicas = Array.isArray(p.Replicas) ? p.Replicas : [];
    require(replicas.length > 0, '.Properties.Replicas', 'a global table needs its replicas');
    replicas.forEach((replica, i) => protectionProblems(`.Properties.Replicas[${i}]`, isPlainObject(replica) ? replica : {}, require));
  } else protectionProblems('.Properties', p, require);
  require(table.DeletionPolicy === 'Retain', '.DeletionPolicy', 'must be Retain: deleting the stack must not delete the tenants');
  require(table.UpdateReplacePolicy === 'Retain', '.UpdateReplacePolicy', 'must be Retain: a replacement must not delete the tenants');
  const sse = isPlainObject(p.SSESpecification) ? p.SSESpecification.SSEEnabled : undefined;
  require(isTrue(sse), '.Properties.SSESpecification', 'server-side encryption (SSEEnabled) must be on');
  require(p.BillingMode === 'PAY_PER_REQUEST', '.Properties.BillingMode', 'must be PAY_PER_REQUEST (on-demand)');
  require(
    JSON.stringify(p.KeySchema) === JSON.stringify([{ AttributeName: 'id', KeyType: 'HASH' }]) &&
      JSON.stringify(p.AttributeDefinitions) === JSON.stringify([{ AttributeName: 'id', AttributeType: 'S' }]),
    '.Properties.KeySchema',
    'the key must be exactly the partition key id (S), as the tenant item contract defines',
  );
  return problems;
}

function checkFunction(id: string, fn: TemplateResource): TemplateProblem[] {
  const path = `Resources.${id}.Properties`;
  const p = fn.Properties ?? {};
  const problems: TemplateProblem[] = [];
  const require = (ok: boolean, where: string, message: string) => ok || problems.push({ path: `${path}${where}`, message });
  require(Number(p.Timeout) > 0 && Number(p.Timeout) <= MAX_TIMEOUT_SECONDS, '.Timeout', `must be set and at most ${MAX_TIMEOUT_SECONDS} s (clients give up at 5 s)`);
  const runtime = /^nodejs(\d+)\.x$/.exec(String(p.Runtime));
  require(runtime !== null && Number(runtime[1]) >= MIN_NODE_MAJOR, '.Runtime', `must be nodejs${MIN_NODE_MAJOR}.x or newer`);
  require(JSON.stringify(p.Architectures) === '["arm64"]', '.Architectures', 'must be [arm64]');
  const variables = isPlainObject(p.Environment) && isPlainObject(p.Environment.Variables) ? p.Environment.Variables : {};
  require(variables.TENANTS_TABLE !== undefined, '.Environment.Variables.TENANTS_TABLE', 'the function must be told its table');
  return problems;
}

function checkAccessLogs(id: string, stage: TemplateResource): TemplateProblem[] {
  const settings = stage.Properties?.AccessLogSettings;
  const format = isPlainObject(settings) ? settings.Format : undefined;
  // Headers carry Authorization (clients send the user's password); query strings may carry addresses.
  return typeof format === 'string' && /\$(request|context)\.(header|querystring|multivaluequerystring|authorizer)|\$input|requestOverride/i.test(format)
    ? [{ path: `Resources.${id}.Properties.AccessLogSettings.Format`, message: 'access logs must not contain headers, query strings or authorizer data' }]
    : [];
}

export function checkTemplatePolicy(template: Template): TemplateProblem[] {
  const resources = Object.entries(template.Resources).filter(([, r]) => resourceMayExist(template, r));
  const ofType = (type: string) => resources.filter(([, r]) => r.Type === type);
  const problems = [
    ...policyStatements(template).flatMap((statement) => checkStatement(template, statement)),
    ...resources.filter(([, r]) => TABLE_TYPES.has(r.Type)).flatMap(([id, r]) => checkTable(id, r)),
    ...ofType('AWS::Lambda::Function').flatMap(([id, r]) => checkFunction(id, r)),
    ...ofType('AWS::ApiGatewayV2::Stage').flatMap(([id, r]) => checkAccessLogs(id, r)),
  ];
  const grants = policyStatements(template).filter(({ statement }) => statement.Effect !== 'Deny' && asList(template, statement.Action).some((a) => typeof a === 'string' && ALLOWED_DYNAMODB_ACTIONS.has(a)));
  if (grants.length === 0) problems.push({ path: 'Resources', message: 'no policy grants dynamodb:GetItem on the tenant table' });
  return problems;
}
