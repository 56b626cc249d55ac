import type { Stage } from 'aws-cdk-lib/aws-apigateway';
import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { rateLimitedByWaf } from './gateway-responses';

/** WAF's rate-based rules count over this window; their limit is per window. */
export const WAF_EVALUATION_WINDOW_SECONDS = 300;

/** WAF refuses a rate limit below this. */
const WAF_MINIMUM_RATE_LIMIT = 10;

const RATE_LIMITED_BODY = 'scim-rate-limited';

export interface ScimWebAclProps {
  readonly stage: Stage;
  /** Requests one source IP may send per WAF_EVALUATION_WINDOW_SECONDS before the rest are answered 429. */
  readonly rateLimit: number;
}

/**
 * A regional web ACL on the API stage with one rule: requests per source IP, so that one address
 * cannot take the stage's throttle (shared by every tenant) for itself. Blocked requests get a
 * SCIM error body (RFC 7644 §3.12) with Retry-After, which takes precedence over the gateway's
 * WAF_FILTERED response.
 */
export class ScimWebAcl extends Construct {
  readonly webAcl: CfnWebACL;

  constructor(scope: Construct, id: string, props: ScimWebAclProps) {
    super(scope, id);
    if (!Number.isInteger(props.rateLimit) || props.rateLimit < WAF_MINIMUM_RATE_LIMIT) {
      throw new Error(`wafRateLimit must be a whole number of requests per ${WAF_EVALUATION_WINDOW_SECONDS} s, at least ${WAF_MINIMUM_RATE_LIMIT}; got ${props.rateLimit}.`);
    }

    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      description: 'SCIM API: requests per source IP',
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      customResponseBodies: {
        [RATE_LIMITED_BODY]: { contentType: 'APPLICATION_JSON', content: JSON.stringify(rateLimitedByWaf.toBody()) },
      },
      // Sampled requests keep request headers, the bearer token among them, for hours: metrics only.
      visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: 'ScimWebAcl', sampledRequestsEnabled: false },
      rules: [
        {
          name: 'RequestsPerSourceIp',
          priority: 0,
          statement: {
            rateBasedStatement: { aggregateKeyType: 'IP', limit: props.rateLimit, evaluationWindowSec: WAF_EVALUATION_WINDOW_SECONDS },
          },
          action: {
            block: {
              customResponse: {
                responseCode: rateLimitedByWaf.status,
                customResponseBodyKey: RATE_LIMITED_BODY,
                responseHeaders: Object.entries(rateLimitedByWaf.headers).map(([name, value]) => ({ name, value })),
              },
            },
          },
          visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: 'ScimRequestsPerSourceIp', sampledRequestsEnabled: false },
        },
      ],
    });

    // The stage ARN references the stage, so CloudFormation associates it once the stage exists.
    new CfnWebACLAssociation(this, 'StageAssociation', { resourceArn: props.stage.stageArn, webAclArn: this.webAcl.attrArn });
  }
}
