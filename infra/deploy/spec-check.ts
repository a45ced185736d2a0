import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import { intrinsicName, isPlainObject, type Json, type Template, type TemplateProblem, type TemplateResource } from './template';

// Checks every resource of a template against the current CloudFormation
// resource specification as published in @aws-cdk/aws-service-spec (the
// database the AWS CDK generates its L1 constructs from): known resource
// types, known and required properties, value types down through nested
// property types, and that Ref / GetAtt / Sub / DependsOn / Condition point at
// things that exist. It has no allowed-value (enum) checks; the spec has none.

interface SpecType {
  type: 'string' | 'number' | 'integer' | 'boolean' | 'json' | 'date-time' | 'tag' | 'ref' | 'array' | 'map' | 'union' | 'null';
  reference?: { $ref: string };
  element?: SpecType;
  types?: SpecType[];
}
interface SpecProperty {
  type: SpecType;
  previousTypes?: SpecType[];
  required?: boolean;
}
interface SpecResource {
  cloudFormationType: string;
  properties: Record<string, SpecProperty>;
  attributes: Record<string, unknown>;
}
interface SpecTypeDefinition {
  name: string;
  properties: Record<string, SpecProperty>;
}

export interface ResourceSpec {
  readonly resources: ReadonlyMap<string, SpecResource>;
  readonly typeDefinitions: ReadonlyMap<string, SpecTypeDefinition>;
}

let loaded: ResourceSpec | undefined;

/** Reads db.json.gz once per process (about 0.3 s). */
export function loadResourceSpec(): ResourceSpec {
  if (loaded) return loaded;
  const path = createRequire(import.meta.url).resolve('@aws-cdk/aws-service-spec/db.json.gz');
  const db = JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as {
    schema: {
      resource: { entities: Record<string, SpecResource> };
      typeDefinition: { entities: Record<string, SpecTypeDefinition & { $id: string }> };
    };
  };
  loaded = {
    resources: new Map(Object.values(db.schema.resource.entities).map((r) => [r.cloudFormationType, r])),
    typeDefinitions: new Map(Object.values(db.schema.typeDefinition.entities).map((t) => [t.$id, t])),
  };
  return loaded;
}

const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId', 'AWS::NotificationARNs', 'AWS::NoValue', 'AWS::Partition',
  'AWS::Region', 'AWS::StackId', 'AWS::StackName', 'AWS::URLSuffix',
]);
const RESOURCE_KEYS = new Set(['Type', 'Properties', 'DependsOn', 'Condition', 'DeletionPolicy', 'UpdateReplacePolicy', 'Metadata', 'CreationPolicy', 'UpdatePolicy']);
const DELETION_POLICIES = new Set(['Delete', 'Retain', 'RetainExceptOnCreate', 'Snapshot']);
const TAG_PROPERTIES: Record<string, SpecProperty> = {
  Key: { type: { type: 'string' }, required: true },
  Value: { type: { type: 'string' }, required: true },
};
const TEMPLATE_KEYS = new Set(['AWSTemplateFormatVersion', 'Description', 'Metadata', 'Parameters', 'Mappings', 'Conditions', 'Transform', 'Resources', 'Outputs', 'Rules']);

export function checkTemplateAgainstSpec(template: Template, spec: ResourceSpec = loadResourceSpec()): TemplateProblem[] {
  const resourceIds = new Set(Object.keys(template.Resources ?? {}));
  const parameterIds = new Set(Object.keys(template.Parameters ?? {}));
  const conditionIds = new Set(Object.keys(template.Conditions ?? {}));
  const problem = (path: string, message: string): TemplateProblem[] => [{ path, message }];
  const isReferenceable = (name: string) => resourceIds.has(name) || parameterIds.has(name) || PSEUDO_PARAMETERS.has(name);

  /** Ref, GetAtt, Sub and Condition references anywhere inside a value. */
  function checkReferences(value: Json, path: string): TemplateProblem[] {
    if (Array.isArray(value)) return value.flatMap((v, i) => checkReferences(v, `${path}[${i}]`));
    if (!isPlainObject(value)) return [];
    switch (intrinsicName(value)) {
      case 'Ref':
        return typeof value.Ref === 'string' && isReferenceable(value.Ref) ? [] : problem(path, `Ref to unknown resource or parameter ${JSON.stringify(value.Ref)}`);
      case 'Fn::GetAtt': {
        const args = value['Fn::GetAtt'];
        const [resource, attribute] = typeof args === 'string' ? splitOnce(args) : Array.isArray(args) ? args : [];
        if (typeof resource !== 'string' || typeof attribute !== 'string') return problem(path, 'Fn::GetAtt needs [resource, attribute]');
        return checkAttribute(resource, attribute, path);
      }
      case 'Fn::Sub': {
        const args = value['Fn::Sub'];
        const [text, variables] = typeof args === 'string' ? [args, {}] : Array.isArray(args) ? [args[0], args[1] ?? {}] : [undefined, {}];
        if (typeof text !== 'string' || !isPlainObject(variables)) return problem(path, 'Fn::Sub needs a string or [string, variables]');
        const found = [...text.matchAll(/\$\{(?!!)([^}]+)\}/g)].flatMap(([, name]) => {
          if (name! in variables) return [];
          const [resource, attribute] = splitOnce(name!);
          if (attribute !== undefined) return checkAttribute(resource, attribute, path);
          return isReferenceable(resource) ? [] : problem(path, `Fn::Sub refers to unknown ${JSON.stringify(name)}`);
        });
        return [...found, ...checkReferences(variables, `${path}.Fn::Sub`)];
      }
      case 'Fn::If': {
        const args = value['Fn::If'];
        if (!Array.isArray(args) || args.length !== 3 || typeof args[0] !== 'string') return problem(path, 'Fn::If needs [condition, then, else]');
        const unknown = conditionIds.has(args[0]) ? [] : problem(path, `Fn::If uses unknown condition ${JSON.stringify(args[0])}`);
        return [...unknown, ...checkReferences(args.slice(1), `${path}.Fn::If`)];
      }
      case 'Condition':
        return conditionIds.has(String(value.Condition)) ? [] : problem(path, `unknown condition ${JSON.stringify(value.Condition)}`);
      default:
        return Object.entries(value).flatMap(([key, inner]) => checkReferences(inner, `${path}.${key}`));
    }
  }

  function checkAttribute(resourceId: string, attribute: string, path: string): TemplateProblem[] {
    const resource = template.Resources[resourceId];
    if (!resource) return problem(path, `Fn::GetAtt on unknown resource ${JSON.stringify(resourceId)}`);
    const known = spec.resources.get(resource.Type);
    return known && !(attribute in known.attributes) ? problem(path, `${resource.Type} has no attribute ${JSON.stringify(attribute)}`) : [];
  }

  /** A property value against its spec type (or a type it had before); intrinsics are checked for references only. */
  function checkValue(value: Json, type: SpecType, path: string, previous: readonly SpecType[] = []): TemplateProblem[] {
    const fn = intrinsicName(value);
    if (fn === 'Fn::If' && isPlainObject(value)) {
      const args = value['Fn::If'];
      if (Array.isArray(args) && args.length === 3 && typeof args[0] === 'string') {
        const unknown = conditionIds.has(args[0]) ? [] : problem(path, `Fn::If uses unknown condition ${JSON.stringify(args[0])}`);
        return [
          ...unknown,
          ...checkValue(args[1]!, type, `${path}.Fn::If[1]`, previous),
          ...checkValue(args[2]!, type, `${path}.Fn::If[2]`, previous),
        ];
      }
    }
    if (fn) return checkReferences(value, path);
    const attempts = [type, ...previous].map((candidate) => typeProblems(value, candidate, path));
    return attempts.some((found) => found.length === 0) ? [] : attempts[0]!;
  }

  function typeProblems(value: Json, type: SpecType, path: string): TemplateProblem[] {
    const expected = (what: string) => problem(path, `expected ${what}, got ${describe(value)}`);
    switch (type.type) {
      case 'string':
      case 'date-time':
        return typeof value === 'string' || typeof value === 'number' ? [] : expected('a string');
      case 'integer':
        return (typeof value === 'number' && Number.isInteger(value)) || (typeof value === 'string' && /^-?\d+$/.test(value)) ? [] : expected('an integer');
      case 'number':
        return typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) ? [] : expected('a number');
      case 'boolean':
        return typeof value === 'boolean' || value === 'true' || value === 'false' ? [] : expected('a boolean');
      case 'json':
        return isPlainObject(value) || typeof value === 'string' ? [] : expected('a JSON object');
      case 'null':
        return value === null ? [] : expected('null');
      case 'union': {
        const attempts = (type.types ?? []).map((member) => typeProblems(value, member, path));
        return attempts.some((found) => found.length === 0) ? [] : (attempts[0] ?? expected('a union member'));
      }
      case 'array':
        return Array.isArray(value) ? value.flatMap((element, i) => checkValue(element, type.element!, `${path}[${i}]`)) : expected('a list');
      case 'map':
        return isPlainObject(value)
          ? Object.entries(value).flatMap(([key, element]) => checkValue(element, type.element!, `${path}.${key}`))
          : expected('a map');
      case 'tag':
        return isPlainObject(value) ? checkProperties(value, TAG_PROPERTIES, path) : expected('a {Key, Value} tag');
      case 'ref': {
        const definition = spec.typeDefinitions.get(type.reference!.$ref);
        if (!definition) return problem(path, `unknown property type ${type.reference!.$ref}`);
        return isPlainObject(value) ? checkProperties(value, definition.properties, path) : expected(`a ${definition.name} object`);
      }
      default:
        return problem(path, `unsupported spec type ${JSON.stringify(type)}`);
    }
  }

  function checkProperties(properties: Record<string, Json>, known: Record<string, SpecProperty>, path: string): TemplateProblem[] {
    const given = Object.entries(properties).flatMap(([name, value]) => {
      const property = known[name];
      return property ? checkValue(value, property.type, `${path}.${name}`, property.previousTypes) : problem(`${path}.${name}`, 'unknown property');
    });
    const missing = Object.entries(known)
      .filter(([name, property]) => property.required && !(name in properties))
      .flatMap(([name]) => problem(`${path}.${name}`, 'required property is missing'));
    return [...given, ...missing];
  }

  function checkResource(id: string, resource: TemplateResource): TemplateProblem[] {
    const path = `Resources.${id}`;
    const found = Object.keys(resource).filter((key) => !RESOURCE_KEYS.has(key)).flatMap((key) => problem(`${path}.${key}`, 'not a resource attribute'));
    const known = spec.resources.get(resource.Type);
    if (!known) return [...found, ...problem(`${path}.Type`, `unknown resource type ${JSON.stringify(resource.Type)}`)];
    const properties = resource.Properties ?? {};
    found.push(...(isPlainObject(properties) ? checkProperties(properties, known.properties, `${path}.Properties`) : problem(`${path}.Properties`, 'expected an object')));
    for (const dependency of [resource.DependsOn ?? []].flat()) {
      if (!resourceIds.has(dependency)) found.push(...problem(`${path}.DependsOn`, `unknown resource ${JSON.stringify(dependency)}`));
    }
    if (resource.Condition !== undefined && !conditionIds.has(resource.Condition)) found.push(...problem(`${path}.Condition`, `unknown condition ${JSON.stringify(resource.Condition)}`));
    for (const policy of ['DeletionPolicy', 'UpdateReplacePolicy'] as const) {
      const value = resource[policy];
      if (value !== undefined && !DELETION_POLICIES.has(value)) found.push(...problem(`${path}.${policy}`, `invalid value ${JSON.stringify(value)}`));
    }
    return found;
  }

  return [
    ...Object.keys(template).filter((key) => !TEMPLATE_KEYS.has(key)).flatMap((key) => problem(key, 'not a template section')),
    ...(resourceIds.size === 0 ? problem('Resources', 'a template needs at least one resource') : []),
    ...Object.entries(template.Resources ?? {}).flatMap(([id, resource]) => checkResource(id, resource)),
    ...Object.entries(template.Conditions ?? {}).flatMap(([id, condition]) => checkReferences(condition, `Conditions.${id}`)),
    ...Object.entries(template.Outputs ?? {}).flatMap(([id, output]) =>
      isPlainObject(output) && 'Value' in output ? checkReferences(output, `Outputs.${id}`) : problem(`Outputs.${id}`, 'an output needs a Value'),
    ),
  ];
}

function splitOnce(text: string): [string, string | undefined] {
  const dot = text.indexOf('.');
  return dot < 0 ? [text, undefined] : [text.slice(0, dot), text.slice(dot + 1)];
}

function describe(value: Json): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value).slice(0, 40)}`;
}
