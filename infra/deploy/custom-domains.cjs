// Optional API custom domains, generated from two deployment parameters:
// `certificateArn` (an ACM certificate in the deployment region covering
// every name) and `domainNames` (comma-separated). serverless.yml merges the
// result into its resources; with both parameters empty it adds nothing.
// CommonJS because osls `${file()}` loads it with require().

/** 'autodiscover.example.net' → 'AutodiscoverExampleNet' (CloudFormation logical ids are alphanumeric). */
function logicalIdPart(domainName) {
  return domainName
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0].toUpperCase() + word.slice(1).toLowerCase())
    .join('');
}

function parseDomainNames(list) {
  const names = String(list ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase().replace(/\.$/, ''))
    .filter(Boolean);
  for (const name of names) {
    if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/.test(name)) {
      throw new Error(`domainNames: "${name}" is not a host name`);
    }
  }
  return [...new Set(names)];
}

/** The CloudFormation resources for the given parameters (pure; exported for tests). */
function customDomainResources({ certificateArn, domainNames }) {
  const names = parseDomainNames(domainNames);
  const arn = String(certificateArn ?? '').trim();
  if (names.length === 0 && arn === '') return {};
  if (names.length === 0) throw new Error('certificateArn is set but domainNames is empty');
  if (!/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/.test(arn)) {
    throw new Error('domainNames needs certificateArn: the ARN of an ACM certificate in the deployment region');
  }
  const resources = {};
  const usedIds = new Set();
  for (const name of names) {
    const id = logicalIdPart(name);
    if (usedIds.has(id)) throw new Error(`domainNames: "${name}" collides with another name's logical id`);
    usedIds.add(id);
    resources[`CustomDomain${id}`] = {
      Type: 'AWS::ApiGatewayV2::DomainName',
      Properties: {
        DomainName: name,
        DomainNameConfigurations: [{ CertificateArn: arn, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' }],
      },
    };
    resources[`CustomDomainMapping${id}`] = {
      Type: 'AWS::ApiGatewayV2::ApiMapping',
      // The $default stage must exist before it can be mapped.
      DependsOn: 'HttpApiStage',
      Properties: {
        ApiId: { Ref: 'HttpApi' },
        DomainName: { Ref: `CustomDomain${id}` },
        Stage: '$default',
      },
    };
  }
  const outputs = Object.fromEntries(
    names.map((name) => [
      `CustomDomainTarget${logicalIdPart(name)}`,
      {
        Description: `DNS target for ${name} (CNAME or alias)`,
        Value: { 'Fn::GetAtt': [`CustomDomain${logicalIdPart(name)}`, 'RegionalDomainName'] },
      },
    ]),
  );
  return { Resources: resources, Outputs: outputs };
}

module.exports = async ({ resolveVariable }) =>
  customDomainResources({
    certificateArn: await resolveVariable('param:certificateArn'),
    domainNames: await resolveVariable('param:domainNames'),
  });
module.exports.customDomainResources = customDomainResources;
