import { Duration, RemovalPolicy } from "aws-cdk-lib";
import {
  AttributeType,
  Billing,
  type ITableV2,
  ProjectionType,
  TableEncryptionV2,
  TableV2,
} from "aws-cdk-lib/aws-dynamodb";
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { eventTableSchema } from "../shared/adapters/aws/event-table.ts";
import { stateTableSchema } from "../shared/adapters/aws/state-table.ts";

const ATTRIBUTE_TYPE = { S: AttributeType.STRING, N: AttributeType.NUMBER } as const;

/**
 * The state table (objects, status, leases, due index: the key design lives with the adapter
 * in shared/adapters/aws/state-table.ts, and is read from there so the two cannot drift), the
 * event table (the event log `sluice events` reads, key design in event-table.ts) and the
 * artifact bucket (immutable, content-addressed source artifacts).
 */
export class Storage extends Construct {
  readonly table: ITableV2;
  readonly events: ITableV2;
  readonly artifacts: Bucket;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const schema = stateTableSchema;
    this.table = new TableV2(this, "State", {
      partitionKey: { name: schema.partitionKey.name, type: ATTRIBUTE_TYPE[schema.partitionKey.type] },
      sortKey: { name: schema.sortKey.name, type: ATTRIBUTE_TYPE[schema.sortKey.type] },
      billing: Billing.onDemand(),
      encryption: TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.RETAIN,
      globalSecondaryIndexes: schema.globalSecondaryIndexes.map((index) => ({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey.name, type: ATTRIBUTE_TYPE[index.partitionKey.type] },
        sortKey: { name: index.sortKey.name, type: ATTRIBUTE_TYPE[index.sortKey.type] },
        projectionType: ProjectionType.KEYS_ONLY,
      })),
    });

    // Events are a log, not state: they expire by TTL, and the table goes with the stack.
    const events = eventTableSchema;
    const [recent] = events.globalSecondaryIndexes;
    this.events = new TableV2(this, "Events", {
      partitionKey: { name: events.partitionKey.name, type: ATTRIBUTE_TYPE[events.partitionKey.type] },
      sortKey: { name: events.sortKey.name, type: ATTRIBUTE_TYPE[events.sortKey.type] },
      billing: Billing.onDemand(),
      encryption: TableEncryptionV2.awsManagedKey(),
      timeToLiveAttribute: events.timeToLiveAttribute,
      removalPolicy: RemovalPolicy.DESTROY,
      globalSecondaryIndexes: [
        {
          indexName: recent.indexName,
          partitionKey: { name: recent.partitionKey.name, type: ATTRIBUTE_TYPE[recent.partitionKey.type] },
          sortKey: { name: recent.sortKey.name, type: ATTRIBUTE_TYPE[recent.sortKey.type] },
          projectionType: ProjectionType.ALL,
        },
      ],
    });

    this.artifacts = new Bucket(this, "Artifacts", {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        // A worker killed mid-upload leaves a multipart upload behind.
        { abortIncompleteMultipartUploadAfter: Duration.days(1) },
        // Artifacts are immutable; an overwritten or deleted version is garbage after a while.
        { noncurrentVersionExpiration: Duration.days(30), expiredObjectDeleteMarker: true },
      ],
    });
  }
}
