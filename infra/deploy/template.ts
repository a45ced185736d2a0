// The parts of a CloudFormation template the checks read, and the intrinsic
// functions they have to see through.

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface TemplateResource {
  Type: string;
  Properties?: Record<string, Json>;
  DependsOn?: string | string[];
  Condition?: string;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Metadata?: Json;
}

export interface Template {
  AWSTemplateFormatVersion?: string;
  Description?: string;
  Parameters?: Record<string, Json>;
  Conditions?: Record<string, Json>;
  Resources: Record<string, TemplateResource>;
  Outputs?: Record<string, Json>;
}

/** One finding: where in the template (a dotted path) and what is wrong. */
export interface TemplateProblem {
  readonly path: string;
  readonly message: string;
}

export const formatProblems = (problems: readonly TemplateProblem[]): string =>
  problems.map((p) => `${p.path}: ${p.message}`).join('\n');

export const isPlainObject = (value: unknown): value is Record<string, Json> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `{ "Ref": … }` or `{ "Fn::…": … }`: a value CloudFormation computes at deploy time. */
export function intrinsicName(value: unknown): string | undefined {
  if (!isPlainObject(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const [key] = keys as [string];
  return key === 'Ref' || key.startsWith('Fn::') || key === 'Condition' ? key : undefined;
}

/**
 * Decides a condition when it only compares literals (which is what osls
 * parameters become at package time); undefined when it depends on the deployment.
 */
export function evaluateCondition(template: Template, name: string, seen = new Set<string>()): boolean | undefined {
  const definition = template.Conditions?.[name];
  if (definition === undefined || seen.has(name)) return undefined;
  seen.add(name);
  const evaluate = (expr: Json): boolean | undefined => {
    const fn = intrinsicName(expr);
    if (!fn || !isPlainObject(expr)) return undefined;
    const args = expr[fn];
    switch (fn) {
      case 'Condition':
        return typeof args === 'string' ? evaluateCondition(template, args, seen) : undefined;
      case 'Fn::Equals': {
        if (!Array.isArray(args) || args.length !== 2) return undefined;
        const [a, b] = args;
        const literal = (v: Json) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
        return literal(a!) && literal(b!) ? String(a) === String(b) : undefined;
      }
      case 'Fn::Not': {
        const inner = Array.isArray(args) ? evaluate(args[0]!) : undefined;
        return inner === undefined ? undefined : !inner;
      }
      case 'Fn::And':
      case 'Fn::Or': {
        if (!Array.isArray(args)) return undefined;
        const values = args.map(evaluate);
        if (values.includes(undefined)) return undefined;
        return fn === 'Fn::And' ? values.every(Boolean) : values.some(Boolean);
      }
      default:
        return undefined;
    }
  };
  return evaluate(definition);
}

/**
 * The values an expression can take after `Fn::If`: both branches when the
 * condition is not decidable from the template alone, one when it is.
 * `Ref: AWS::NoValue` branches are dropped.
 */
export function possibleValues(template: Template, value: Json): Json[] {
  if (intrinsicName(value) === 'Fn::If' && isPlainObject(value)) {
    const args = value['Fn::If'];
    if (Array.isArray(args) && args.length === 3 && typeof args[0] === 'string') {
      const decided = evaluateCondition(template, args[0]);
      const branches = decided === undefined ? [args[1]!, args[2]!] : [decided ? args[1]! : args[2]!];
      return branches.flatMap((branch) => possibleValues(template, branch));
    }
  }
  if (isPlainObject(value) && value.Ref === 'AWS::NoValue') return [];
  return [value];
}

/** Whether a resource exists for the given template (its Condition is not statically false). */
export const resourceMayExist = (template: Template, resource: TemplateResource): boolean =>
  resource.Condition === undefined || evaluateCondition(template, resource.Condition) !== false;
