import dynalite from 'dynalite';
import type { AddressInfo } from 'node:net';
import type { TestProject } from 'vitest/node';

// One real DynamoDB-protocol server for the whole run, on a free loopback port.
// Tests reach it through the SDK's own endpoint variable, like production code.
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  project.provide('dynamoEndpoint', `http://127.0.0.1:${port}`);
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}
