// Read access to the two SSM parameters that hold the Apple profile signing
// certificate and key, generated from the deployment parameters
// `profileSigningCertificateParameter` and `profileSigningKeyParameter`
// (parameter names). serverless.yml merges the result into its resources;
// with both empty it adds nothing and the role can read no parameter at all.
// CommonJS because osls `${file()}` loads it with require().

// SSM parameter names: letters, digits, `_.-`, and `/` for a hierarchy.
const PARAMETER_NAME = /^\/?[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/;

/** `name` or `/a/b/name` → its ARN in this stack's account and region (a hierarchy name loses its leading slash). */
const parameterArn = (name) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/${name.replace(/^\//, '')}` });

/** The CloudFormation resources for the given parameters (pure; exported for tests). */
function profileSigningResources({ certificateParameter, keyParameter }) {
  const names = [certificateParameter, keyParameter].map((name) => String(name ?? '').trim());
  if (names.every((name) => name === '')) return {};
  if (names.some((name) => name === '')) throw new Error('profileSigningCertificateParameter and profileSigningKeyParameter are set together or not at all');
  for (const name of names) {
    if (!PARAMETER_NAME.test(name) || name.length > 1011) throw new Error(`profile signing: "${name}" is not an SSM parameter name`);
  }
  return {
    Resources: {
      ProfileSigningParametersPolicy: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          PolicyName: 'profile-signing-parameters',
          Roles: [{ Ref: 'IamRoleLambdaExecution' }],
          PolicyDocument: {
            Version: '2012-10-17',
            // SecureString values under the AWS managed key aws/ssm decrypt without a KMS grant of the role's own.
            Statement: [{ Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: [...new Set(names)].map(parameterArn) }],
          },
        },
      },
    },
  };
}

module.exports = async ({ resolveVariable }) =>
  profileSigningResources({
    certificateParameter: await resolveVariable('param:profileSigningCertificateParameter'),
    keyParameter: await resolveVariable('param:profileSigningKeyParameter'),
  });
module.exports.profileSigningResources = profileSigningResources;
