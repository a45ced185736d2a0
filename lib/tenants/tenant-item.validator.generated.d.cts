// Types for the generated validator next to this file (written by hand: the generator emits only code).
import type { ErrorObject } from 'ajv';

declare const validateTenantItemSchema: {
  (data: unknown): boolean;
  /** The last call's errors (all of them: compiled with allErrors), or null when it passed. */
  errors?: ErrorObject[] | null;
};
export = validateTenantItemSchema;
