import { readFileSync } from 'node:fs';
import { checkTemplatePolicy } from './policy-check';
import { checkTemplateAgainstSpec } from './spec-check';
import { formatProblems, type Template } from './template';

// `npx tsx infra/deploy/check-template.ts [template.json]`: the CI template
// checks by hand, on the output of `npm run package` by default.
const path = process.argv[2] ?? '.serverless/cloudformation-template-update-stack.json';
const template = JSON.parse(readFileSync(path, 'utf8')) as Template;
const problems = [...checkTemplateAgainstSpec(template), ...checkTemplatePolicy(template)];
console.log(problems.length === 0 ? `${path}: spec and policy checks passed` : formatProblems(problems));
process.exitCode = problems.length === 0 ? 0 : 1;
