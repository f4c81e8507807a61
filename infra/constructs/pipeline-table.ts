/**
 * A DynamoDB table built from one `TableDefinition` of `shared/resources.ts`: on-demand, point-in-time
 * recovery, and — in production — deletion protection and a RETAIN removal policy.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import type { TableDefinition } from '../../shared/resources.js';

export interface PipelineTableProps {
  /** Name, keys, indexes and TTL attribute. */
  readonly definition: TableDefinition;
  /**
   * Deletion protection on, and the table is retained when the stack is deleted.
   * @default false
   */
  readonly production?: boolean;
  /**
   * Units per second the table serves at once (pre-warmed; billed when raised).
   * @default - the defaults of a new on-demand table
   */
  readonly warmThroughput?: dynamodb.WarmThroughput;
}

const PROJECTIONS = {
  KEYS_ONLY: dynamodb.ProjectionType.KEYS_ONLY,
  ALL: dynamodb.ProjectionType.ALL,
} as const;

/**
 * @example
 * const contacts = new PipelineTable(this, 'Contacts', { definition: resources.tables.contacts });
 */
export class PipelineTable extends Construct {
  readonly definition: TableDefinition;
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: PipelineTableProps) {
    super(scope, id);
    const def = props.definition;
    const production = props.production ?? false;
    this.definition = def;
    this.table = new dynamodb.Table(this, 'Table', {
      tableName: def.name,
      partitionKey: { name: def.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: def.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: def.ttlAttribute,
      deletionProtection: production,
      removalPolicy: production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      ...(props.warmThroughput ? { warmThroughput: props.warmThroughput } : {}),
    });
    for (const index of def.indexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: PROJECTIONS[index.projection],
      });
    }
  }

  /** ARNs of the table's indexes, for Query grants that name each index instead of `index/*`. */
  indexArns(): string[] {
    return this.definition.indexes.map((index) => `${this.table.tableArn}/index/${index.name}`);
  }
}
