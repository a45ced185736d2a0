import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

// Runs before every test file: point the AWS SDK at the run's dynalite and
// give it harmless local credentials, exactly as the local server does.
process.env.AWS_ENDPOINT_URL_DYNAMODB = inject('dynamoEndpoint');
process.env.AWS_REGION = 'us-east-1';
process.env.AWS_ACCESS_KEY_ID = 'local';
process.env.AWS_SECRET_ACCESS_KEY = 'local';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// Log pseudonyms under a key of this run, as a deployment has one of its own.
process.env.LOG_PSEUDONYM_KEY ??= randomBytes(32).toString('hex');
