// The tenant table resource, generated from the `replicaRegions` parameter
// (serverless.yml merges the result into its resources):
//   ''                          one AWS::DynamoDB::Table in the stack's region
//   'eu-central-1,ap-south-1'   one AWS::DynamoDB::GlobalTable with a replica in
//                               the stack's region and in each region named
// Either way the table is what the tenant item contract defines: key `id`
// (S), on-demand, encrypted, point-in-time recovery and deletion protection
// on (per replica for a global table), and retained when the stack goes.
// Stacks in the replica regions use their local replica through
// `existingTableName` (docs/scaling.md).

const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/;

function parseRegions(list) {
  const regions = String(list ?? '')
    .split(',')
    .map((region) => region.trim())
    .filter((region) => region !== '');
  for (const region of regions) if (!REGION.test(region)) throw new Error(`replicaRegions: "${region}" is not an AWS region name`);
  return regions;
}

const KEY = {
  AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
  KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
  BillingMode: 'PAY_PER_REQUEST',
  SSESpecification: { SSEEnabled: true },
};
const PROTECTION = { PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, DeletionProtectionEnabled: true };

function tenantTableResources({ region, replicaRegions }) {
  const others = parseRegions(replicaRegions).filter((name) => name !== region);
  const common = { Condition: 'CreateTenantsTable', DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' };
  const table =
    others.length === 0
      ? { Type: 'AWS::DynamoDB::Table', ...common, Properties: { ...KEY, ...PROTECTION } }
      : {
          Type: 'AWS::DynamoDB::GlobalTable',
          ...common,
          Properties: {
            ...KEY,
            // Replication between regions runs on the table's stream.
            StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
            Replicas: [region, ...new Set(others)].map((name) => ({ Region: name, ...PROTECTION })),
          },
        };
  return { Resources: { TenantsTable: table } };
}

module.exports = async ({ resolveVariable }) =>
  tenantTableResources({
    region: await resolveVariable('self:provider.region'),
    replicaRegions: await resolveVariable('param:replicaRegions'),
  });
module.exports.tenantTableResources = tenantTableResources;
