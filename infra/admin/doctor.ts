export const DOCTOR_OPTIONS = { host: { type: 'string' } } as const;
export async function runDoctorCommand(..._args: unknown[]): Promise<number> { return 2; }
