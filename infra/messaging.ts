import { Duration } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { EventBus, Rule } from "aws-cdk-lib/aws-events";
import { SnsTopic } from "aws-cdk-lib/aws-events-targets";
import { Alias } from "aws-cdk-lib/aws-kms";
import { Topic } from "aws-cdk-lib/aws-sns";
import { type DeadLetterQueue, Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

export interface MessagingProps {
  /** Receives before a work message is dead-lettered. @default 5 */
  readonly maxAttempts?: number;
  /** How long one worker invocation may run; the queue's visibility is derived from it. */
  readonly workerTimeout: Duration;
}

/**
 * The work queue (FIFO: one object never runs twice at once, different objects scale out)
 * with its dead-letter queue and alarm, the event bus every reconciliation publishes to,
 * and the alert topic that warnings and the alarm go to.
 */
export class Messaging extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly bus: EventBus;
  readonly alerts: Topic;

  constructor(scope: Construct, id: string, props: MessagingProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, "DeadLetterQueue", {
      fifo: true,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const deadLetterQueue: DeadLetterQueue = {
      queue: this.deadLetterQueue,
      maxReceiveCount: props.maxAttempts ?? 5,
    };
    this.queue = new Queue(this, "WorkQueue", {
      fifo: true,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Lambda's guidance: six times the function timeout, so retries of a batch never overlap a run.
      visibilityTimeout: Duration.seconds(props.workerTimeout.toSeconds() * 6),
      deadLetterQueue,
    });

    this.alerts = new Topic(this, "Alerts", {
      displayName: "sluice alerts",
      masterKey: Alias.fromAliasName(this, "SnsKey", "alias/aws/sns"),
      enforceSSL: true,
    });
    new Alarm(this, "DeadLettersAlarm", {
      alarmDescription:
        "sluice work messages reached the dead-letter queue: a corrupt message or an object failing every retry",
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(new SnsAction(this.alerts));

    this.bus = new EventBus(this, "Events", {});
    this.bus.archive("Archive", {
      description: "sluice reconciliation events, kept for replay and audit",
      eventPattern: { source: ["sluice"] },
      retention: Duration.days(30),
    });
    new Rule(this, "WarningsToAlerts", {
      eventBus: this.bus,
      description: "Every failed reconciliation (a Warning event) goes to the alert topic",
      eventPattern: { source: ["sluice"], detail: { type: ["Warning"] } },
      targets: [new SnsTopic(this.alerts)],
    });
  }
}
