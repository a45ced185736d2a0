import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { checkTemplatePolicy } from '../../infra/deploy/policy-check';
import { checkTemplateAgainstSpec } from '../../infra/deploy/spec-check';
import { formatProblems, type Json, type Template } from '../../infra/deploy/template';
import { requestFixture } from '../support/fixtures';
import { readProfile } from '../support/profile';
import { createTestIdentity, verifyWithOpenssl } from '../support/signing-identity';
import { createTestTable } from '../support/tenant-table';
import { readSettings, textAt } from '../support/xml-answer';
import { readZipEntries } from './zip';

// CI checks of the deployment: `osls package` runs offline (no credentials,
// no network), then the template is checked against the CloudFormation
// specification and the project's policy rules, and the packaged bundle
// itself answers a real HTTP API event against the run's dynalite.

const require = createRequire(import.meta.url);
const OSLS = require.resolve('osls/bin/serverless.js');
const REPO = join(dirname(new URL(import.meta.url).pathname), '..', '..');

interface Package {
  readonly dir: string;
  readonly template: Template;
  readonly zip: Map<string, Buffer>;
}

let work: string;
let standard: Package;
let custom: Package;
let global: Package;

// The service is packaged from a scratch folder that links to the sources, so
// the run neither touches a developer's .serverless / .esbuild folders nor
// collides with another package run in the same tree.
// osls only accepts a real (not symlinked) serverless.yml, so that one is copied.
const SERVICE_LINKS = ['package.json', 'tsconfig.json', 'functions', 'lib', 'infra', 'node_modules'];

/** `osls package` into a fresh folder, with harmless credentials and nothing that could reach AWS. */
async function packageService(name: string, params: readonly string[] = []): Promise<Package> {
  const service = join(work, `${name}-service`);
  await mkdir(service);
  await copyFile(join(REPO, 'serverless.yml'), join(service, 'serverless.yml'));
  for (const file of SERVICE_LINKS) await symlink(join(REPO, file), join(service, file));
  const dir = join(work, name);
  await promisify(execFile)(process.execPath, [OSLS, 'package', '--package', dir, ...params.map((p) => `--param=${p}`)], {
    cwd: service,
    timeout: 60_000,
    env: {
      PATH: process.env.PATH,
      HOME: work,
      CI: '1',
      AWS_ACCESS_KEY_ID: 'offline',
      AWS_SECRET_ACCESS_KEY: 'offline',
      AWS_REGION: 'eu-west-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  });
  const template = JSON.parse(await readFile(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
  return { dir, template, zip: readZipEntries(await readFile(join(dir, 'autodiscover-responder.zip'))) };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'autodiscover-package-'));
  [standard, custom, global] = await Promise.all([
    packageService('standard'),
    packageService('custom', [
    'certificateArn=arn:aws:acm:eu-west-1:123456789012:certificate/0b0e6f4a-1111-2222-3333-444455556666',
    'domainNames=autodiscover.provider.example,Autodiscover.Customer.example',
    'existingTableName=provider-tenants',
    'reservedConcurrency=20',
      'memorySize=512',
      'profileSigningCertificateParameter=/autodiscover/profile-signing/certificate',
      'profileSigningKeyParameter=autodiscover-profile-signing-key',
      'pseudonymKeyVersionId=a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
    ]),
    // The test's region is eu-west-1 (packageService): named again, it is not a second replica.
    packageService('global', ['replicaRegions=eu-central-1, us-east-1,eu-west-1']),
  ]);
}, 120_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const resourcesOfType = (template: Template, type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);
const clone = (template: Template): Template => structuredClone(template);
const role = (template: Template) => resourcesOfType(template, 'AWS::IAM::Role')[0]![1];
const statements = (template: Template) => (role(template).Properties!.Policies as { PolicyDocument: { Statement: Record<string, Json>[] } }[])[0]!.PolicyDocument.Statement;
const dynamoStatement = (template: Template) => statements(template).find((s) => JSON.stringify(s.Action).includes('dynamodb:'))!;

describe('the packaged template', () => {
  it('is valid against the current CloudFormation resource specification', () => {
    expect(formatProblems(checkTemplateAgainstSpec(standard.template))).toBe('');
    expect(formatProblems(checkTemplateAgainstSpec(custom.template))).toBe('');
    expect(formatProblems(checkTemplateAgainstSpec(global.template))).toBe('');
  });

  it('passes the least-privilege and table rules', () => {
    expect(formatProblems(checkTemplatePolicy(standard.template))).toBe('');
    expect(formatProblems(checkTemplatePolicy(custom.template))).toBe('');
    expect(formatProblems(checkTemplatePolicy(global.template))).toBe('');
  });

  it('makes the tenant table a global table with a protected replica per region when replicaRegions is set', () => {
    expect(resourcesOfType(global.template, 'AWS::DynamoDB::Table')).toEqual([]);
    const [id, table] = resourcesOfType(global.template, 'AWS::DynamoDB::GlobalTable')[0]!;
    expect(id).toBe('TenantsTable');
    expect(table).toMatchObject({ Condition: 'CreateTenantsTable', DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    const p = table.Properties!;
    expect(p).toMatchObject({ BillingMode: 'PAY_PER_REQUEST', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' } });
    const replicas = p.Replicas as Array<Record<string, Json>>;
    expect(replicas.map((r) => r.Region)).toEqual(['eu-west-1', 'eu-central-1', 'us-east-1']);
    for (const replica of replicas) expect(replica).toMatchObject({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, DeletionProtectionEnabled: true });
    // The function reads its own region's replica, through the same GetAtt and table name as before.
    expect(dynamoStatement(global.template).Resource).toEqual(dynamoStatement(standard.template).Resource);
    expect(resourcesOfType(standard.template, 'AWS::DynamoDB::GlobalTable')).toEqual([]);
  });

  it('refuses a replica region that is not a region name', () => {
    const { tenantTableResources } = require('../../infra/deploy/tenant-table.cjs') as {
      tenantTableResources: (params: { region: string; replicaRegions: string }) => unknown;
    };
    expect(() => tenantTableResources({ region: 'eu-west-1', replicaRegions: 'eu-central-1,Frankfurt' })).toThrow(/"Frankfurt" is not an AWS region name/);
  });

  it('has one $default route feeding the function, so every path capitalisation reaches the handler', () => {
    const routes = resourcesOfType(standard.template, 'AWS::ApiGatewayV2::Route');
    expect(routes.map(([, r]) => r.Properties!.RouteKey)).toEqual(['$default']);
    const [integrationId, integration] = resourcesOfType(standard.template, 'AWS::ApiGatewayV2::Integration')[0]!;
    expect(JSON.stringify(routes[0]![1].Properties!.Target)).toContain(integrationId);
    expect(integration.Properties!.PayloadFormatVersion).toBe('2.0');
  });

  it('creates the tenant table by default and wires its name into the function', () => {
    const [tableId, table] = resourcesOfType(standard.template, 'AWS::DynamoDB::Table')[0]!;
    expect(table.Properties!.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
    const fn = resourcesOfType(standard.template, 'AWS::Lambda::Function')[0]![1].Properties!;
    expect(JSON.stringify((fn.Environment as { Variables: Record<string, Json> }).Variables.TENANTS_TABLE)).toContain(`{"Ref":"${tableId}"}`);
    expect(fn).toMatchObject({ MemorySize: 256, Timeout: 4, Architectures: ['arm64'] });
    // Lambda's START/END/REPORT lines filtered out; the function's JSON lines pass (docs/performance.md, "Cost").
    expect(fn.LoggingConfig).toEqual({ LogFormat: 'JSON', SystemLogLevel: 'WARN' });
    expect(fn.ReservedConcurrentExecutions).toBeUndefined();
  });

  it('gives the function a per-deployment pseudonym key, resolved at deploy time and never readable at run time', () => {
    const [secretId, secret] = resourcesOfType(standard.template, 'AWS::SecretsManager::Secret')[0]!;
    expect(secret.Properties!.GenerateSecretString).toEqual({ PasswordLength: 64, ExcludePunctuation: true });
    const reference = (template: Template) =>
      (resourcesOfType(template, 'AWS::Lambda::Function')[0]![1].Properties!.Environment as { Variables: Record<string, Json> }).Variables.LOG_PSEUDONYM_KEY!;
    // CloudFormation fills the value in when it deploys the function: no Secrets Manager call at cold start.
    const [condition, pinned, current] = (reference(standard.template) as { 'Fn::If': [string, Json, Json] })['Fn::If'];
    expect(current).toEqual({ 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString}}']] });
    expect(pinned).toEqual({ 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString:::}}']] });
    expect(standard.template.Conditions![condition]).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] });
    // Rotation: a pinned version changes the function, so CloudFormation resolves the new value.
    const [customCondition, customPinned] = (reference(custom.template) as { 'Fn::If': [string, Json, Json] })['Fn::If'];
    expect(JSON.stringify(customPinned)).toContain(':SecretString:::a1b2c3d4-5678-90ab-cdef-EXAMPLE11111}}');
    expect(custom.template.Conditions![customCondition]).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['a1b2c3d4-5678-90ab-cdef-EXAMPLE11111', ''] }] });
    // And so the function's role holds no secretsmanager permission at all.
    for (const template of [standard.template, custom.template]) expect(JSON.stringify(statements(template))).not.toMatch(/secretsmanager/i);
  });

  it('applies the parameters: existing table, custom domains, concurrency, memory, throttling', () => {
    expect(custom.template.Conditions!.CreateTenantsTable).toEqual({ 'Fn::Equals': ['provider-tenants', ''] });
    expect(JSON.stringify(dynamoStatement(custom.template).Resource)).toContain(':table/provider-tenants');
    const fn = resourcesOfType(custom.template, 'AWS::Lambda::Function')[0]![1].Properties!;
    expect(fn).toMatchObject({ MemorySize: 512, ReservedConcurrentExecutions: 20 });
    const domains = resourcesOfType(custom.template, 'AWS::ApiGatewayV2::DomainName').map(([, r]) => r.Properties!.DomainName);
    expect(domains).toEqual(['autodiscover.provider.example', 'autodiscover.customer.example']);
    expect(resourcesOfType(custom.template, 'AWS::ApiGatewayV2::ApiMapping')).toHaveLength(2);
    const stage = resourcesOfType(standard.template, 'AWS::ApiGatewayV2::Stage')[0]![1].Properties!;
    expect(stage.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 });
  });
});

describe('profile signing parameters', () => {
  const fnEnvironment = (template: Template) =>
    (resourcesOfType(template, 'AWS::Lambda::Function')[0]![1].Properties!.Environment as { Variables: Record<string, Json> }).Variables;
  const ssmStatements = (template: Template) =>
    resourcesOfType(template, 'AWS::IAM::Policy').flatMap(([, r]) => (r.Properties!.PolicyDocument as { Statement: Record<string, Json>[] }).Statement);

  it('unset: the role reads no SSM parameter and the function is told none', () => {
    expect(ssmStatements(standard.template)).toEqual([]);
    expect(JSON.stringify(statements(standard.template))).not.toContain('ssm:');
    expect(fnEnvironment(standard.template)).toMatchObject({ PROFILE_SIGNING_CERTIFICATE_PARAMETER: '', PROFILE_SIGNING_KEY_PARAMETER: '' });
  });

  it('set: ssm:GetParameter on exactly the two parameters, for the function’s role, and their names in its environment', () => {
    const policies = resourcesOfType(custom.template, 'AWS::IAM::Policy');
    expect(policies.map(([, policy]) => policy.Properties!.Roles)).toEqual([[{ Ref: 'IamRoleLambdaExecution' }]]);
    expect(ssmStatements(custom.template)).toEqual([
      {
        Effect: 'Allow',
        Action: ['ssm:GetParameter'],
        Resource: [
          { 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/autodiscover/profile-signing/certificate' },
          { 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/autodiscover-profile-signing-key' },
        ],
      },
    ]);
    expect(fnEnvironment(custom.template)).toMatchObject({
      PROFILE_SIGNING_CERTIFICATE_PARAMETER: '/autodiscover/profile-signing/certificate',
      PROFILE_SIGNING_KEY_PARAMETER: 'autodiscover-profile-signing-key',
    });
  });

  it('refuses half a configuration and names that are not parameter names', () => {
    const { profileSigningResources } = require('../../infra/deploy/profile-signing.cjs') as {
      profileSigningResources: (params: { certificateParameter: string; keyParameter: string }) => { Resources?: Template['Resources'] };
    };
    expect(profileSigningResources({ certificateParameter: '', keyParameter: '' })).toEqual({});
    expect(() => profileSigningResources({ certificateParameter: 'cert', keyParameter: '' })).toThrow(/set together or not at all/);
    expect(() => profileSigningResources({ certificateParameter: 'cert', keyParameter: 'keys/*' })).toThrow(/not an SSM parameter name/);
    expect(() => profileSigningResources({ certificateParameter: 'a b', keyParameter: 'key' })).toThrow(/not an SSM parameter name/);
  });

  it('policy check: any other SSM action, or a parameter that is not named exactly, is refused', () => {
    const ssmPolicy = (t: Template) => ssmStatements(t)[0]!;
    const problems = (mutate: (t: Template) => void) => {
      const broken = clone(custom.template);
      mutate(broken);
      return formatProblems(checkTemplatePolicy(broken));
    };
    expect(problems((t) => (ssmPolicy(t).Action as string[]).push('ssm:GetParametersByPath'))).toMatch(/ssm:GetParametersByPath is not allowed/);
    expect(problems((t) => (ssmPolicy(t).Action = 'ssm:*'))).toMatch(/ssm:\* is not allowed/);
    expect(problems((t) => (ssmPolicy(t).Resource = { 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/*' }))).toMatch(/must name parameter ARNs/);
    expect(problems((t) => (ssmPolicy(t).Resource = '*'))).toMatch(/must name parameter ARNs/);
    expect(problems((t) => statements(t).push({ Effect: 'Allow', Action: 'ssm:Get*', Resource: 'arn:aws:ssm:eu-west-1:123456789012:parameter/x' }))).toMatch(/ssm:Get\* is not allowed/);
  });
});

describe('the checkers fail on broken templates', () => {
  const specProblems = (mutate: (t: Template) => void) => {
    const broken = clone(standard.template);
    mutate(broken);
    return formatProblems(checkTemplateAgainstSpec(broken));
  };
  const policyProblems = (mutate: (t: Template) => void) => {
    const broken = clone(standard.template);
    mutate(broken);
    return formatProblems(checkTemplatePolicy(broken));
  };
  const table = (t: Template) => resourcesOfType(t, 'AWS::DynamoDB::Table')[0]![1];
  const fn = (t: Template) => resourcesOfType(t, 'AWS::Lambda::Function')[0]![1];

  it('spec check: unknown property, wrong type, missing required property, bad GetAtt, unknown type', () => {
    expect(specProblems((t) => (table(t).Properties!.BilingMode = 'PAY_PER_REQUEST'))).toMatch(/TenantsTable\.Properties\.BilingMode: unknown property/);
    expect(specProblems((t) => (fn(t).Properties!.MemorySize = 'lots'))).toMatch(/MemorySize: expected an integer/);
    expect(specProblems((t) => delete table(t).Properties!.KeySchema)).toMatch(/KeySchema: required property is missing/);
    expect(specProblems((t) => (fn(t).Properties!.Role = { 'Fn::GetAtt': ['IamRoleLambdaExecution', 'Arnn'] }))).toMatch(/has no attribute "Arnn"/);
    expect(specProblems((t) => (t.Resources.Extra = { Type: 'AWS::DynamoDB::Tabel', Properties: {} }))).toMatch(/unknown resource type/);
    expect(specProblems((t) => ((table(t).Properties!.PointInTimeRecoverySpecification as Record<string, Json>).PointInTimeRecoveryEnabeld = true))).toMatch(
      /PointInTimeRecoveryEnabeld: unknown property/,
    );
    expect(specProblems((t) => (fn(t).Properties!.Role = { Ref: 'NoSuchRole' }))).toMatch(/Ref to unknown resource/);
  });

  it('policy check: extra DynamoDB action, dynamodb:*, wildcard or foreign table resource', () => {
    expect(policyProblems((t) => (dynamoStatement(t).Action as string[]).push('dynamodb:Scan'))).toMatch(/dynamodb:Scan is not allowed/);
    expect(policyProblems((t) => (dynamoStatement(t).Action = 'dynamodb:*'))).toMatch(/dynamodb:\* is not allowed/);
    expect(policyProblems((t) => (dynamoStatement(t).Resource = '*'))).toMatch(/must name a table ARN/);
    expect(policyProblems((t) => (dynamoStatement(t).Resource = { 'Fn::Sub': 'arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/*' }))).toMatch(/must name a table ARN/);
    expect(policyProblems((t) => statements(t).push({ Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: ['arn:aws:dynamodb:*:*:table/*'] }))).toMatch(/must name a table ARN/);
    expect(policyProblems((t) => statements(t).push({ Effect: 'Allow', Action: '*', Resource: '*' }))).toMatch(/\* is not allowed/);
    expect(policyProblems((t) => statements(t).push({ Effect: 'Allow', Action: 'Dynamo*:Get*', Resource: { 'Fn::GetAtt': ['TenantsTable', 'Arn'] } }))).toMatch(/Dynamo\*:Get\* is not allowed/);
    expect(policyProblems((t) => statements(t).push({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/*' }))).toMatch(/wildcard resources are allowed only for CloudWatch Logs/);
  });

  it('policy check: a global table replica without PITR or deletion protection', () => {
    const replicaProblems = (mutate: (replica: Record<string, Json>) => void) => {
      const broken = clone(global.template);
      mutate((resourcesOfType(broken, 'AWS::DynamoDB::GlobalTable')[0]![1].Properties!.Replicas as Array<Record<string, Json>>)[1]!);
      return formatProblems(checkTemplatePolicy(broken));
    };
    expect(replicaProblems((r) => delete r.PointInTimeRecoverySpecification)).toMatch(/Replicas\[1\]\.PointInTimeRecoverySpecification: point-in-time recovery/);
    expect(replicaProblems((r) => (r.DeletionProtectionEnabled = false))).toMatch(/Replicas\[1\]\.DeletionProtectionEnabled: deletion protection/);
  });

  it('policy check: table without PITR, encryption, deletion protection or Retain', () => {
    expect(policyProblems((t) => delete table(t).Properties!.PointInTimeRecoverySpecification)).toMatch(/point-in-time recovery must be enabled/);
    expect(policyProblems((t) => (table(t).Properties!.PointInTimeRecoverySpecification = { PointInTimeRecoveryEnabled: false }))).toMatch(/point-in-time recovery/);
    expect(policyProblems((t) => (table(t).DeletionPolicy = 'Delete'))).toMatch(/DeletionPolicy: must be Retain/);
    expect(policyProblems((t) => delete table(t).UpdateReplacePolicy)).toMatch(/UpdateReplacePolicy: must be Retain/);
    expect(policyProblems((t) => delete table(t).Properties!.SSESpecification)).toMatch(/server-side encryption/);
    expect(policyProblems((t) => (table(t).Properties!.DeletionProtectionEnabled = false))).toMatch(/deletion protection/);
    expect(policyProblems((t) => (table(t).Properties!.BillingMode = 'PROVISIONED'))).toMatch(/PAY_PER_REQUEST/);
  });

  it('policy check: function timeout, runtime, architecture; access logs with headers', () => {
    expect(policyProblems((t) => (fn(t).Properties!.Timeout = 6))).toMatch(/Timeout: must be set and at most 4 s/);
    expect(policyProblems((t) => (fn(t).Properties!.Runtime = 'nodejs18.x'))).toMatch(/Runtime: must be nodejs20.x or newer/);
    expect(policyProblems((t) => (fn(t).Properties!.Architectures = ['x86_64']))).toMatch(/Architectures/);
    expect(
      policyProblems((t) => {
        const stage = resourcesOfType(t, 'AWS::ApiGatewayV2::Stage')[0]![1];
        (stage.Properties!.AccessLogSettings as Record<string, Json>).Format = '{"auth":"$request.header.Authorization"}';
      }),
    ).toMatch(/must not contain headers/);
  });
});

describe('the packaged bundle', () => {
  it('is the file the template’s Handler names, with only the lazily loaded profile signing and xmlbuilder2 files beside it', () => {
    const fn = resourcesOfType(standard.template, 'AWS::Lambda::Function')[0]![1].Properties!;
    const handlerFile = String(fn.Handler).replace(/\.[^.]+$/, '');
    expect([...standard.zip.keys()].sort()).toEqual([
      `${handlerFile}.cjs`,
      'functions/profile-signing-cms.cjs',
      'functions/profile-signing-ssm.cjs',
      'functions/xmlbuilder2.cjs',
    ]);
    // node-forge and the SSM client live only in those files: a cold start neither parses nor runs them.
    const handler = standard.zip.get(`${handlerFile}.cjs`)!.toString('utf8');
    expect(handler).not.toMatch(/pkcs7|"GetParameter"/i);
    expect(handler).toContain('import("./profile-signing-cms.cjs")');
    expect(standard.zip.get('functions/profile-signing-cms.cjs')!.toString('utf8')).toMatch(/pkcs7/);
    expect(standard.zip.get('functions/profile-signing-ssm.cjs')!.toString('utf8')).toContain('"GetParameter"');
    // Likewise xmlbuilder2 and its DOM, required for the first XML answer.
    expect(handler).not.toContain('HierarchyRequestError');
    expect(handler).toContain('require("./xmlbuilder2.cjs")');
    expect(standard.zip.get('functions/xmlbuilder2.cjs')!.toString('utf8')).toContain('HierarchyRequestError');
  });

  it('answers a real HTTP API 2.0 event from the Thunderbird client with settings read from DynamoDB', async () => {
    const table = await createTestTable('deploy-smoke', [
      {
        id: 'example.com',
        protocols: [
          { type: 'IMAP', server: 'imap.mail.example.net', port: 993, tls: 'implicit' },
          { type: 'SMTP', server: 'smtp.mail.example.net', port: 587, tls: 'starttls' },
        ],
      },
    ]);

    // Import exactly the bytes the zip holds, by Node's own loader (not vitest's).
    const file = await unzip('unzipped');
    const saved = process.env.TENANTS_TABLE;
    process.env.TENANTS_TABLE = table.tableName;
    let handler: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
    try {
      ({ handler } = require(file) as { handler: typeof handler });
    } finally {
      process.env.TENANTS_TABLE = saved;
    }

    const body = Buffer.from(requestFixture('thunderbird.xml'));
    const logged: string[] = [];
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (logged.push(String(chunk)), true));
    let result: APIGatewayProxyStructuredResultV2;
    let unknown: APIGatewayProxyStructuredResultV2;
    try {
      result = await handler(httpApiEvent('POST', '/AutoDiscover/AUTODISCOVER.xml', body));
      unknown = await handler(httpApiEvent('GET', '/no/such/path', Buffer.alloc(0)));
    } finally {
      stdout.mockRestore();
    }
    expect(result.statusCode).toBe(200);
    expect(result.headers?.['content-type'] ?? result.headers?.['Content-Type']).toMatch(/^text\/xml/);
    const settings = readSettings(String(result.body));
    expect(textAt(settings.user!, 'AutoDiscoverSMTPAddress')).toBe('alice@example.com');
    expect(settings.protocols.map((p) => [p.Type, p.Server, p.Port, p.Encryption])).toEqual([
      ['IMAP', 'imap.mail.example.net', '993', 'SSL'],
      ['SMTP', 'smtp.mail.example.net', '587', 'TLS'],
    ]);
    expect(unknown.statusCode).toBe(404);

    // One JSON log line per request, with the domain but never the address or the credentials.
    const lines = logged.join('').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    // The status leads each line's `result` (the metrics' dimension).
    expect(lines.map((line) => String(line.result).split(' ')[0])).toEqual(['200', '404']);
    expect(lines[0]!.domain).toBe('example.com');
    expect(logged.join('')).not.toMatch(/alice@|Basic |YWxpY2VAZXhhbXBsZS5jb206c2VjcmV0/);
  });
});

/** Writes every file of the standard zip below `folder`; returns the handler file's path. */
async function unzip(folder: string): Promise<string> {
  for (const [name, bytes] of standard.zip) {
    const path = join(work, folder, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
  }
  return join(work, folder, 'functions/autodiscover.cjs');
}

describe('the packaged bundle signs profiles', () => {
  it('loads node-forge from its own file on the first signed request and answers a CMS profile OpenSSL verifies', async () => {
    const table = await createTestTable('deploy-signed', [{ id: 'example.com', protocols: [{ type: 'IMAP', server: 'imap.example.net', port: 993, tls: 'implicit' }, { type: 'SMTP', server: 'smtp.example.net', port: 587, tls: 'starttls' }] }]);
    const identity = await createTestIdentity('Deploy Signing Test');
    const names = ['TENANTS_TABLE', 'PROFILE_SIGNING_CERTIFICATE_FILE', 'PROFILE_SIGNING_KEY_FILE'] as const;
    const saved = names.map((name) => [name, process.env[name]] as const);
    let handler: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
    try {
      Object.assign(process.env, { TENANTS_TABLE: table.tableName, PROFILE_SIGNING_CERTIFICATE_FILE: identity.certificateFile, PROFILE_SIGNING_KEY_FILE: identity.keyFile });
      ({ handler } = require(await unzip('unzipped-signed')) as { handler: typeof handler });
    } finally {
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    let result: APIGatewayProxyStructuredResultV2;
    try {
      result = await handler({ ...httpApiEvent('GET', '/apple/mobileconfig', Buffer.alloc(0)), rawQueryString: 'email=alice%40example.com', queryStringParameters: { email: 'alice@example.com' } });
    } finally {
      stdout.mockRestore();
    }
    try {
      expect(result.statusCode).toBe(200);
      expect(result.isBase64Encoded).toBe(true);
      const content = await verifyWithOpenssl(identity, Buffer.from(String(result.body), 'base64'));
      expect(readProfile(content.toString('utf8')).payloads[0]).toMatchObject({ EmailAddress: 'alice@example.com', IncomingMailServerHostName: 'imap.example.net' });
    } finally {
      await identity.remove();
    }
  }, 60_000);
});

/** An HTTP API ($default route, payload 2.0) event as API Gateway delivers it. */
function httpApiEvent(method: string, path: string, body: Buffer): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {
    host: 'autodiscover.example.com',
    'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.5.0',
    'content-type': 'text/xml; charset=utf-8',
    authorization: 'Basic YWxpY2VAZXhhbXBsZS5jb206c2VjcmV0',
    'x-forwarded-for': '192.0.2.10',
    'x-forwarded-port': '443',
    'x-forwarded-proto': 'https',
  };
  if (body.length > 0) headers['content-length'] = String(body.length);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123defg',
      domainName: 'autodiscover.example.com',
      domainPrefix: 'autodiscover',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.10', userAgent: headers['user-agent']! },
      requestId: 'JpwOkjr1FiAEMfQ=',
      routeKey: '$default',
      stage: '$default',
      time: '27/Nov/2026:18:00:00 +0000',
      timeEpoch: 1795802400000,
    },
    // HTTP APIs hand bodies over base64-encoded unless they decide they are text.
    body: body.length > 0 ? body.toString('base64') : undefined,
    isBase64Encoded: body.length > 0,
  };
}

describe('custom domain parameters (infra/deploy/custom-domains.cjs)', () => {
  const { customDomainResources } = require('../../infra/deploy/custom-domains.cjs') as {
    customDomainResources: (params: { certificateArn: string; domainNames: string }) => { Resources?: Template['Resources'] };
  };
  const arn = 'arn:aws:acm:eu-west-1:123456789012:certificate/0b0e6f4a-1111-2222-3333-444455556666';

  it('adds nothing when both parameters are empty', () => {
    expect(customDomainResources({ certificateArn: '', domainNames: '' })).toEqual({});
  });

  it('refuses names without a certificate, a certificate without names, and names that are not host names', () => {
    expect(() => customDomainResources({ certificateArn: '', domainNames: 'autodiscover.example.com' })).toThrow(/needs certificateArn/);
    expect(() => customDomainResources({ certificateArn: arn, domainNames: '' })).toThrow(/domainNames is empty/);
    expect(() => customDomainResources({ certificateArn: arn, domainNames: 'not a host' })).toThrow(/not a host name/);
    expect(() => customDomainResources({ certificateArn: 'arn:aws:iam::123456789012:server-certificate/x', domainNames: 'a.example.com' })).toThrow(/ACM certificate/);
  });

  it('creates one regional TLS 1.2 domain and one $default mapping per distinct name', () => {
    const { Resources = {} } = customDomainResources({ certificateArn: arn, domainNames: 'A.example.com, a.example.com., b.example.com' });
    const domains = Object.values(Resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::DomainName');
    expect(domains.map((r) => r.Properties!.DomainName)).toEqual(['a.example.com', 'b.example.com']);
    expect(domains[0]!.Properties!.DomainNameConfigurations).toEqual([{ CertificateArn: arn, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' }]);
    expect(Object.values(Resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::ApiMapping').map((r) => r.Properties!.Stage)).toEqual(['$default', '$default']);
  });
});
