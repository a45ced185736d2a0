import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { ProfileSigningError, type SigningMaterial } from './signing-material';

// The signing material from SSM Parameter Store (SecureString parameters,
// decrypted by SSM). Loaded only on the first signed request, so the SSM
// client stays out of a cold start.

async function readParameter(client: SSMClient, name: string): Promise<string> {
  let value: string | undefined;
  try {
    value = (await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter?.Value;
  } catch (error) {
    // The SDK's error name (ParameterNotFound, AccessDeniedException, …) says enough and quotes nothing.
    throw new ProfileSigningError(`SSM parameter ${name}: ${(error as Error).name}`);
  }
  if (!value) throw new ProfileSigningError(`SSM parameter ${name} is empty`);
  return value;
}

export async function readSsmMaterial(certificateParameter: string, keyParameter: string): Promise<SigningMaterial> {
  const client = new SSMClient({});
  try {
    const [certificatePem, keyPem] = await Promise.all([readParameter(client, certificateParameter), readParameter(client, keyParameter)]);
    return { certificatePem, keyPem };
  } finally {
    client.destroy();
  }
}
